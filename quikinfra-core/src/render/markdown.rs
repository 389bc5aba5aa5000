//! A plan as Markdown for review (`plan --markdown`, a pull-request comment): a summary line,
//! drift apart, then one collapsible block per resource with its attribute differences.
//!
//! Built from the same lines as the text plan (secrets and sensitive values are never shown,
//! only `(sensitive value)`), without colour, byte-deterministic. Code blocks use four
//! backticks, so no attribute value can close one early.

use super::style::Painter;
use super::text::{change_lines, drift_lines, ending_lines};
use crate::plan::{Action, Plan};

const FENCE: &str = "````";

/// The one-line summary of `plan` for a review: `**qa**: 12 to add, 0 to change, 0 to destroy`.
pub fn plan_summary_markdown(plan: &Plan) -> String {
    let s = plan.summary();
    let mut line = if plan.has_changes() {
        format!("**{}**: {} to add, {} to change, {} to destroy", plan.environment, s.add, s.change, s.destroy)
    } else {
        format!("**{}**: no changes", plan.environment)
    };
    if !plan.drift.is_empty() {
        line.push_str(&format!("; {} changed outside quikinfra", plan.drift.len()));
    }
    line
}

/// Renders `plan` as Markdown: a heading, drift, then each resource that changes in a
/// `<details>` block.
pub fn plan_markdown(plan: &Plan) -> String {
    let p = Painter::plain();
    let mut out = format!("### {}\n\n", plan_summary_markdown(plan));
    if !plan.drift.is_empty() {
        out.push_str("#### Changed outside quikinfra\n\n");
        for drift in &plan.drift {
            out.push_str(&details(&format!("<code>{}</code>", drift.address), &drift_lines(drift, &p)));
        }
    }
    let actions: Vec<_> = plan.actions().filter(|c| c.action != Action::NoOp).collect();
    if !actions.is_empty() {
        out.push_str("#### Changes\n\n");
        for change in actions {
            let symbol = p.action_symbol(change.action, change.lifecycle.create_before_destroy).trim().to_string();
            let lines = change_lines(change, &p);
            let what = lines.first().map(|l| l.trim().trim_start_matches('#').trim().to_string()).unwrap_or_default();
            let what = what.strip_prefix(&change.address.to_string()).unwrap_or(&what).trim().to_string();
            out.push_str(&details(
                &format!("<code>{symbol}</code> <code>{}</code> {what}", change.address),
                &lines[1..],
            ));
        }
    }
    let pending = plan.pending_owners();
    if !pending.is_empty() {
        let names = super::text::prose_list(pending.iter().map(|o| format!("`{o}`")));
        let (have, they) = if pending.len() == 1 { ("has", "it applies") } else { ("have", "they apply") };
        out.push_str(&format!(
            "> Reads what {names} {have} not applied yet: values only the cloud knows are known after {they}.\n\n"
        ));
    }
    for line in ending_lines(plan, &p) {
        if !line.is_empty() {
            out.push_str(&format!("{line}\n"));
        }
    }
    out
}

/// A collapsible block with `summary` and `lines` in a code block.
fn details(summary: &str, lines: &[String]) -> String {
    let mut out = format!("<details><summary>{summary}</summary>\n\n{FENCE}\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("{FENCE}\n\n</details>\n\n"));
    out
}
