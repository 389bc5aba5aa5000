//! Terminal styling for the text renderers: ANSI colour and bold, applied only when asked for.
//!
//! With colour off every helper returns its text unchanged, so plain output holds no escape
//! code at all. Styling only decorates text; rendering never changes the plan or state shown.

use crate::plan::Action;

/// The marker in front of one attribute line of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Added: `+`, green.
    Add,
    /// Removed: `-`, red.
    Remove,
    /// Changed: `~`, yellow.
    Change,
}

/// Applies ANSI styles when colour is on, and nothing otherwise.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Painter {
    color: bool,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";

impl Painter {
    /// A painter that colours when `color` is true.
    pub(crate) fn new(color: bool) -> Self {
        Self { color }
    }

    /// A painter that never colours.
    pub(crate) fn plain() -> Self {
        Self { color: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() { format!("{code}{text}{RESET}") } else { text.to_string() }
    }

    /// Bold text.
    pub(crate) fn bold(&self, text: &str) -> String {
        self.paint(BOLD, text)
    }

    /// Green text.
    pub(crate) fn green(&self, text: &str) -> String {
        self.paint(GREEN, text)
    }

    /// Bold green text.
    pub(crate) fn bold_green(&self, text: &str) -> String {
        self.paint("\x1b[1;32m", text)
    }

    /// Yellow text.
    pub(crate) fn yellow(&self, text: &str) -> String {
        self.paint(YELLOW, text)
    }

    /// Red text.
    pub(crate) fn red(&self, text: &str) -> String {
        self.paint(RED, text)
    }

    /// Cyan text.
    pub(crate) fn cyan(&self, text: &str) -> String {
        self.paint(CYAN, text)
    }

    /// An attribute line's marker, coloured.
    pub(crate) fn marker(&self, marker: Marker) -> String {
        match marker {
            Marker::Add => self.green("+"),
            Marker::Remove => self.red("-"),
            Marker::Change => self.yellow("~"),
        }
    }

    /// A resource's action symbol, right-aligned in three columns and coloured.
    pub(crate) fn action_symbol(&self, action: Action, create_before_destroy: bool) -> String {
        let symbol = action.symbol(create_before_destroy);
        let pad = " ".repeat(3usize.saturating_sub(symbol.len()));
        let painted = match action {
            Action::Create => self.green(symbol),
            Action::Update | Action::Replace => self.yellow(symbol),
            Action::Delete => self.red(symbol),
            Action::Read => self.cyan(symbol),
            Action::NoOp => symbol.to_string(),
        };
        format!("{pad}{painted}")
    }
}
