//! Value formatting: how one attribute value, or one attribute's change, looks in plans and state.
//!
//! Scalars print on one line: strings JSON-quoted, `null`, `(known after apply)` for unknowns
//! and references, `(sensitive value)` for secrets and their fingerprints. Non-empty maps and
//! lists print over several lines, nested four columns per level, `{}` and `[]` when empty; map
//! keys are JSON-quoted and padded so their `=` line up. In plans every nested line carries a
//! `+`, `-` or `~` marker, changed maps are diffed key by key and changed lists element by
//! element (elements that are maps with a distinct `name` matched by name, so a changed key of
//! one shows as that change), with unchanged parts counted rather than shown.
//!
//! Rendering only reads the values it is given; it never changes a plan or a state.

use crate::value::{Attrs, Name, Value};

use super::style::{Marker, Painter};

/// What unknown values and references show as.
pub(crate) const KNOWN_AFTER_APPLY: &str = "(known after apply)";
/// What secrets and sensitive fingerprints show as.
pub(crate) const SENSITIVE: &str = "(sensitive value)";
/// Columns added per nesting level.
const INDENT: usize = 4;

/// Formats one value as plans show it: scalars on one line, non-empty maps and lists over
/// several lines indented four columns per level, unknowns as `(known after apply)` and
/// secrets as `(sensitive value)`. There is no trailing newline.
pub fn value_text(value: &Value) -> String {
    match value {
        // One value on its own (`output NAME`) stays a single, script-friendly literal.
        Value::String(s) => quote(s),
        _ => rhs(value, 0, None, &Painter::plain()).join("\n"),
    }
}

/// A string as a JSON string literal.
pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes to JSON")
}

/// Whether the value is a secret or a sensitive fingerprint, never shown.
fn is_opaque(value: &Value) -> bool {
    matches!(value, Value::Secret(_) | Value::Sensitive(_))
}

/// A value that is absent or null: both mean "not set".
fn set(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !matches!(v, Value::Null))
}

/// The one-line text of a value that has no lines of its own (scalars, empty containers).
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Ref(_) | Value::Unknown => KNOWN_AFTER_APPLY.to_string(),
        Value::Secret(_) | Value::Sensitive(_) => SENSITIVE.to_string(),
        Value::List(_) => "[]".to_string(),
        Value::Map(_) => "{}".to_string(),
    }
}

/// The start of a line whose text begins at column `col`, with `marker` two columns before it.
pub(crate) fn prefix(col: usize, marker: Option<Marker>, p: &Painter) -> String {
    match marker {
        Some(m) => format!("{}{} ", " ".repeat(col.saturating_sub(2)), p.marker(m)),
        None => " ".repeat(col),
    }
}

/// `# (N unchanged attributes hidden)` at column `col`.
pub(crate) fn hidden_line(col: usize, count: usize, noun: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{}# ({count} unchanged {noun}{plural} hidden)", " ".repeat(col))
}

/// Renders `value` as the right-hand side of `key = ` for a key written at column `col`.
///
/// The first line continues the key's line; the others are complete lines. Nested entries
/// carry `marker` (none in state views); closing brackets line up with the key.
pub(crate) fn rhs(value: &Value, col: usize, marker: Option<Marker>, p: &Painter) -> Vec<String> {
    let inner = col + INDENT;
    match value {
        Value::Map(map) if !map.is_empty() => {
            let entries: Vec<Entry> =
                map.iter().map(|(k, v)| Entry::new(marker, quote(k), rhs(v, inner, marker, p))).collect();
            let mut lines = vec!["{".to_string()];
            lines.extend(entry_lines(&entries, inner, p));
            lines.push(format!("{}}}", " ".repeat(col)));
            lines
        }
        Value::List(items) if !items.is_empty() => {
            let mut lines = vec!["[".to_string()];
            for item in items {
                lines.extend(list_item(rhs(item, inner, marker, p), inner, marker, p));
            }
            lines.push(format!("{}]", " ".repeat(col)));
            lines
        }
        Value::String(text) if text.contains('\n') => {
            let mut lines = vec!["<<-EOT".to_string()];
            lines.extend(text.lines().map(|l| format!("{}{l}", " ".repeat(inner)).trim_end().to_string()));
            lines.push(format!("{}EOT", " ".repeat(col)));
            lines
        }
        other => vec![scalar(other)],
    }
}

/// How one line of a multi-line string fares between two versions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineOp {
    Keep,
    Remove,
    Add,
}

/// A line diff (longest common subsequence) of two texts.
fn line_ops<'a>(before: &'a str, after: &'a str) -> Vec<(LineOp, &'a str)> {
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let mut lcs = vec![vec![0usize; a.len() + 1]; b.len() + 1];
    for i in (0..b.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if b[i] == a[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::with_capacity(b.len() + a.len()));
    while i < b.len() || j < a.len() {
        if i < b.len() && j < a.len() && b[i] == a[j] {
            ops.push((LineOp::Keep, b[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < b.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push((LineOp::Remove, b[i]));
            i += 1;
        } else {
            ops.push((LineOp::Add, a[j]));
            j += 1;
        }
    }
    ops
}

/// A multi-line string changed line by line, with two unchanged lines of context around each
/// change and the other unchanged lines counted.
fn text_diff(before: &str, after: &str, col: usize, p: &Painter) -> Vec<String> {
    const CONTEXT: usize = 2;
    let inner = col + INDENT;
    let ops = line_ops(before, after);
    let near_change = |k: usize| {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT).min(ops.len() - 1);
        (lo..=hi).any(|m| ops[m].0 != LineOp::Keep)
    };
    let mut lines = vec!["<<-EOT".to_string()];
    let mut hidden = 0;
    for (k, (op, text)) in ops.iter().enumerate() {
        if *op == LineOp::Keep && !near_change(k) {
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            lines.push(hidden_line(inner, hidden, "line"));
            hidden = 0;
        }
        let marker = match op {
            LineOp::Keep => None,
            LineOp::Remove => Some(Marker::Remove),
            LineOp::Add => Some(Marker::Add),
        };
        lines.push(format!("{}{text}", prefix(inner, marker, p)).trim_end().to_string());
    }
    if hidden > 0 {
        lines.push(hidden_line(inner, hidden, "line"));
    }
    lines.push(format!("{}EOT", " ".repeat(col)));
    lines
}

/// One list element's lines at column `col`, with its trailing comma.
fn list_item(mut sub: Vec<String>, col: usize, marker: Option<Marker>, p: &Painter) -> Vec<String> {
    if let Some(last) = sub.last_mut() {
        last.push(',');
    }
    sub[0] = format!("{}{}", prefix(col, marker, p), sub[0]);
    sub
}

/// One `key = value` line (and the lines of a multi-line value) in a block.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The marker in front (none for unchanged lines and state views).
    pub(crate) marker: Option<Marker>,
    /// The key as shown (attribute names bare, map keys quoted).
    pub(crate) key: String,
    /// The right-hand side, as [`rhs`] returns it.
    pub(crate) rhs: Vec<String>,
    /// Text appended to the first line, e.g. `# forces replacement`.
    pub(crate) note: Option<String>,
}

impl Entry {
    /// An entry without a note.
    pub(crate) fn new(marker: Option<Marker>, key: String, rhs: Vec<String>) -> Self {
        Self { marker, key, rhs, note: None }
    }
}

/// The lines of a block's entries at column `col`, keys padded so every `=` lines up.
pub(crate) fn entry_lines(entries: &[Entry], col: usize, p: &Painter) -> Vec<String> {
    let width = entries.iter().map(|e| e.key.chars().count()).max().unwrap_or(0);
    let mut lines = Vec::new();
    for e in entries {
        let pad = " ".repeat(width - e.key.chars().count());
        let mut first = format!("{}{}{pad} = {}", prefix(col, e.marker, p), e.key, e.rhs.first().map_or("", |s| s));
        if let Some(note) = &e.note {
            first.push(' ');
            first.push_str(note);
        }
        lines.push(first);
        lines.extend(e.rhs.iter().skip(1).cloned());
    }
    lines
}

/// The marker and right-hand side showing a value going from `before` to `after`, for a key
/// written at column `col`. Absent and null both mean "not set". `sensitive` hides both sides.
pub(crate) fn diff(
    before: Option<&Value>,
    after: Option<&Value>,
    sensitive: bool,
    col: usize,
    p: &Painter,
) -> (Marker, Vec<String>) {
    let (before, after) = (set(before), set(after));
    let hidden = sensitive || before.is_some_and(is_opaque) || after.is_some_and(is_opaque);
    if hidden {
        return match (before, after) {
            (None, Some(_)) => (Marker::Add, vec![SENSITIVE.to_string()]),
            (Some(_), None) => (Marker::Remove, vec![format!("{SENSITIVE} -> null")]),
            _ => (Marker::Change, vec![SENSITIVE.to_string()]),
        };
    }
    match (before, after) {
        (None, None) => (Marker::Change, vec!["null -> null".to_string()]),
        (None, Some(a)) => (Marker::Add, rhs(a, col, Some(Marker::Add), p)),
        (Some(b), None) => {
            let mut lines = rhs(b, col, Some(Marker::Remove), p);
            if let Some(last) = lines.last_mut() {
                last.push_str(" -> null");
            }
            (Marker::Remove, lines)
        }
        (Some(Value::Map(b)), Some(Value::Map(a))) => (Marker::Change, map_diff(b, a, col, p)),
        (Some(Value::List(b)), Some(Value::List(a))) => (Marker::Change, list_diff(b, a, col, p)),
        (Some(Value::String(b)), Some(Value::String(a))) if b.contains('\n') || a.contains('\n') => {
            (Marker::Change, text_diff(b, a, col, p))
        }
        (Some(b), Some(a)) => {
            let mut lines = rhs(b, col, Some(Marker::Remove), p);
            let mut after_lines = rhs(a, col, Some(Marker::Add), p).into_iter();
            if let (Some(last), Some(first)) = (lines.last_mut(), after_lines.next()) {
                last.push_str(" -> ");
                last.push_str(&first);
            }
            lines.extend(after_lines);
            (Marker::Change, lines)
        }
    }
}

/// A map changed key by key; unchanged keys are counted, not shown, except `shown` (an element's
/// identifying key), written first and unmarked.
fn map_diff_showing(before: &Attrs, after: &Attrs, shown: Option<&str>, col: usize, p: &Painter) -> Vec<String> {
    let inner = col + INDENT;
    let mut keys: Vec<&Name> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut entries = Vec::new();
    let mut unchanged = 0;
    for key in keys {
        let (b, a) = (set(before.get(key)), set(after.get(key)));
        if b == a {
            match b.filter(|_| Some(key.as_str()) == shown) {
                Some(value) => entries.insert(0, Entry::new(None, quote(key), rhs(value, inner, None, p))),
                None => unchanged += 1,
            }
            continue;
        }
        let (marker, lines) = diff(b, a, false, inner, p);
        entries.push(Entry::new(Some(marker), quote(key), lines));
    }
    let mut lines = vec!["{".to_string()];
    lines.extend(entry_lines(&entries, inner, p));
    if unchanged > 0 {
        lines.push(hidden_line(inner, unchanged, "element"));
    }
    lines.push(format!("{}}}", " ".repeat(col)));
    lines
}

/// A map changed key by key; unchanged keys are counted, not shown.
fn map_diff(before: &Attrs, after: &Attrs, col: usize, p: &Painter) -> Vec<String> {
    map_diff_showing(before, after, None, col, p)
}

/// The key naming the elements of a list of maps.
const ELEMENT_KEY: &str = "name";

/// The names of `items` under [`ELEMENT_KEY`], when every element has a distinct one.
fn element_names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|v| match v {
            Value::Map(map) => map.get(ELEMENT_KEY).and_then(Value::as_str),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let distinct: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    (distinct.len() == names.len()).then_some(names)
}

/// A list changed element by element (longest common subsequence); runs of unchanged
/// elements are counted in place, not shown.
///
/// Elements that are maps named by a `name` key (Traffic Manager endpoints, Event Hubs topics)
/// are matched by name: an element whose name stays but whose other keys change is shown once,
/// `~`, with its name and the keys that change; only elements whose name appears or goes are
/// shown whole as added or removed.
fn list_diff(before: &[Value], after: &[Value], col: usize, p: &Painter) -> Vec<String> {
    let inner = col + INDENT;
    let (n, m) = (before.len(), after.len());
    let names = element_names(before).zip(element_names(after));
    let same_element = |i: usize, j: usize| match &names {
        Some((b, a)) => b[i] == a[j],
        None => before[i] == after[j],
    };
    // common[i][j]: length of the longest common subsequence of before[i..] and after[j..].
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] =
                if same_element(i, j) { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let mut lines = vec!["[".to_string()];
    let mut unchanged = 0;
    let flush = |unchanged: &mut usize, lines: &mut Vec<String>| {
        if *unchanged > 0 {
            lines.push(hidden_line(inner, *unchanged, "element"));
            *unchanged = 0;
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && before[i] == after[j] {
            unchanged += 1;
            i += 1;
            j += 1;
        } else if i < n && j < m && same_element(i, j) {
            flush(&mut unchanged, &mut lines);
            let (Value::Map(b), Value::Map(a)) = (&before[i], &after[j]) else {
                unreachable!("named elements are maps")
            };
            let item = map_diff_showing(b, a, Some(ELEMENT_KEY), inner, p);
            lines.extend(list_item(item, inner, Some(Marker::Change), p));
            i += 1;
            j += 1;
        } else if i < n && (j == m || common[i + 1][j] >= common[i][j + 1]) {
            flush(&mut unchanged, &mut lines);
            let item = rhs(&before[i], inner, Some(Marker::Remove), p);
            lines.extend(list_item(item, inner, Some(Marker::Remove), p));
            i += 1;
        } else {
            flush(&mut unchanged, &mut lines);
            lines.extend(list_item(rhs(&after[j], inner, Some(Marker::Add), p), inner, Some(Marker::Add), p));
            j += 1;
        }
    }
    flush(&mut unchanged, &mut lines);
    lines.push(format!("{}]", " ".repeat(col)));
    lines
}
