//! Renderers: a [`Plan`](crate::plan::Plan) or a [`State`](crate::state::State) as text for
//! people, or a plan as versioned JSON for machines.
//!
//! - [`plan_text`]: the human plan, in the familiar Terraform shape (drift, actions, summary).
//! - [`plan_json`]: `--json`, the format documented in `docs/plan-json.md`.
//! - [`plan_markdown`]: `--markdown`, for review in a pull request.
//! - [`state_text`] and [`resource_text`]: `show` and `state show ADDRESS`.
//! - [`value_text`]: one value, as plans show it.
//!
//! Every renderer is a pure function of what it is given: output is byte-deterministic, holds
//! ANSI styles only when [`TextOptions::color`] is set, never shows a secret, and rendering
//! never changes the plan or state.

mod markdown;
mod style;
mod text;
mod value;

#[cfg(test)]
mod tests;

pub use crate::jsonplan::to_json as plan_json;
pub use markdown::{plan_markdown, plan_summary_markdown};
pub use text::{plan_text, resource_text, state_text};
pub use value::value_text;

/// How text is rendered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Use ANSI colours and bold (for terminals); off gives plain text with no escape code.
    pub color: bool,
}
