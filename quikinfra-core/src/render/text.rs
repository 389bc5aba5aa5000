//! The human renderings: a plan in the familiar Terraform shape, and the state (`show`,
//! `state show ADDRESS`).
//!
//! Output is byte-deterministic: resources appear in the order the plan (or the state's
//! address order) gives, attributes in the order the plan lists its changes or by name, and
//! ANSI styles appear only when [`TextOptions::color`] asks for them. No line ends in a space.
//! Rendering only reads the plan or state it is given; it never changes either.

use std::collections::BTreeSet;

use crate::addr::Address;
use crate::plan::{Action, AttrChange, Drift, DriftKind, Plan, PlanMode, Reason, ResourceChange};
use crate::state::{ResourceState, State};
use crate::value::{Attrs, Value};

use super::TextOptions;
use super::style::{Marker, Painter};
use super::value::{Entry, KNOWN_AFTER_APPLY, diff, entry_lines, hidden_line, quote, rhs};

/// Column where a plan's top-level attribute names start (their marker sits two before).
const PLAN_COL: usize = 8;
/// Column where a state view's attribute names start.
const STATE_COL: usize = 4;

/// Renders a plan for people: drift first (when any), then every resource that changes, then
/// the `Plan: X to add, Y to change, Z to destroy.` line (or why there is nothing to do).
pub fn plan_text(plan: &Plan, opts: &TextOptions) -> String {
    let p = Painter::new(opts.color);
    let mut lines: Vec<String> = Vec::new();

    if !plan.drift.is_empty() {
        lines.push(p.bold("Note: Objects have changed outside of quikinfra"));
        lines.push(String::new());
        lines.push("quikinfra detected the following changes made outside of quikinfra since the last apply:".into());
        lines.push(String::new());
        for drift in &plan.drift {
            lines.extend(drift_lines(drift, &p));
            lines.push(String::new());
        }
        if plan.removals_from_state().next().is_some() {
            lines.push(
                "Objects already deleted are only removed from state: the apply makes no API call for them.".into(),
            );
            lines.push(String::new());
        }
        if plan.mode == PlanMode::Normal && plan.has_changes() {
            lines.push(
                "Unless the definition was changed to match, the actions below may undo or respond to these changes."
                    .into(),
            );
            lines.push(String::new());
        }
    }

    // Objects only removed from state are said once, with the drift above.
    let removed: BTreeSet<&Address> = plan.removals_from_state().map(|c| &c.address).collect();
    let mut actions = plan.actions().filter(|c| !(c.action == Action::Read && removed.contains(&c.address))).peekable();
    if actions.peek().is_some() {
        lines.push("quikinfra will perform the following actions:".into());
        lines.push(String::new());
        for change in actions {
            lines.extend(change_lines(change, &p));
            lines.push(String::new());
        }
    }

    let pending = plan.pending_owners();
    if !pending.is_empty() {
        let names = prose_list(pending.iter().map(|o| format!("`{o}`")));
        let (have, they) = if pending.len() == 1 { ("has", "it applies") } else { ("have", "they apply") };
        lines.push(format!(
            "Reads what {names} {have} not applied yet: values only the cloud knows are known after {they}. This plan is for review: apply {names} first, then plan `{}` again.",
            plan.environment
        ));
        lines.push(String::new());
    }
    lines.extend(ending_lines(plan, &p));
    finish(lines)
}

/// `items` as prose: `a`, `a and b`, `a, b and c`.
pub(crate) fn prose_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Renders every resource in the state with its attributes, then the outputs (`show`).
pub fn state_text(state: &State, opts: &TextOptions) -> String {
    let p = Painter::new(opts.color);
    let mut lines: Vec<String> = Vec::new();
    for (address, resource) in &state.resources {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(resource_lines(address, resource, &p));
    }
    if !state.outputs.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(p.bold("Outputs:"));
        lines.push(String::new());
        let entries: Vec<Entry> =
            state.outputs.iter().map(|(name, value)| Entry::new(None, name.clone(), rhs(value, 0, None, &p))).collect();
        lines.extend(entry_lines(&entries, 0, &p));
    }
    if lines.is_empty() {
        lines.push("The state is empty.".into());
    }
    finish(lines)
}

/// Renders one resource of the state with its attributes, and any deposed objects it still
/// has (`state show ADDRESS`).
pub fn resource_text(address: &Address, resource: &ResourceState, opts: &TextOptions) -> String {
    finish(resource_lines(address, resource, &Painter::new(opts.color)))
}

/// Joins lines, each ending in a newline.
fn finish(lines: Vec<String>) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The closing lines: the summary, or why there is nothing to do.
pub(super) fn ending_lines(plan: &Plan, p: &Painter) -> Vec<String> {
    if plan.has_changes() {
        let s = plan.summary();
        return vec![format!(
            "{} {} to add, {} to change, {} to destroy.",
            p.bold("Plan:"),
            s.add,
            s.change,
            s.destroy
        )];
    }
    let no_changes = |rest: &str| format!("{} {}", p.bold_green("No changes."), p.bold(rest));
    match plan.mode {
        PlanMode::RefreshOnly if !plan.drift.is_empty() => vec![
            "This is a refresh-only plan: no live object will change.".into(),
            p.bold("Apply this refresh-only plan to update state to match live objects."),
        ],
        PlanMode::RefreshOnly => vec![no_changes("Live objects match the state.")],
        PlanMode::Destroy => vec![no_changes("No objects need to be destroyed.")],
        PlanMode::Normal if !plan.drift.is_empty() => vec![
            no_changes("Your infrastructure matches the definition."),
            String::new(),
            "The definition already matches the changes detected above.".into(),
            "Apply a refresh-only plan to record them in state.".into(),
        ],
        PlanMode::Normal => vec![no_changes("Your infrastructure matches the definition.")],
    }
}

/// `  # address ...` with the address in bold.
fn heading(name: &str, what: &str, p: &Painter) -> String {
    format!("  {} {what}", p.bold(&format!("# {name}")))
}

/// `SYM resource "type" "name" {`.
fn resource_line(symbol: String, address: &Address) -> String {
    format!("{symbol} resource {} {} {{", quote(address.type_name()), quote(address.name()))
}

/// One drift entry: heading, resource line, the attributes that differ (state → live).
pub(super) fn drift_lines(drift: &Drift, p: &Painter) -> Vec<String> {
    let (what, action) = match drift.kind {
        DriftKind::Changed => ("has changed", Action::Update),
        DriftKind::Deleted => ("has been deleted", Action::Delete),
    };
    let mut lines = vec![heading(&drift.address.to_string(), what, p)];
    lines.push(resource_line(p.action_symbol(action, false), &drift.address));
    let entries: Vec<Entry> = drift.changes.iter().map(|c| change_entry(c, p)).collect();
    lines.extend(entry_lines(&entries, PLAN_COL, p));
    lines.push("    }".into());
    lines
}

/// One attribute change as a block entry, with `# forces replacement` when it does.
fn change_entry(change: &AttrChange, p: &Painter) -> Entry {
    let (marker, rhs) = diff(change.before.as_ref(), change.after.as_ref(), change.sensitive, PLAN_COL, p);
    let mut entry = Entry::new(Some(marker), change.name.clone(), rhs);
    if change.forces_replacement {
        entry.note = Some(p.red("# forces replacement"));
    }
    entry
}

/// One resource change: heading and notes, resource line, attributes, closing notes.
pub(super) fn change_lines(change: &ResourceChange, p: &Painter) -> Vec<String> {
    let address = &change.address;
    let create_first = change.lifecycle.create_before_destroy;
    let what = match change.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace if change.reason == Some(Reason::ReplaceRequested) => "will be replaced",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Read => "will be read",
        Action::NoOp => "has no changes",
    };
    let name = if change.deposed {
        match &change.id {
            Some(id) => format!("{address} (deposed object {id})"),
            None => format!("{address} (deposed object)"),
        }
    } else {
        address.to_string()
    };
    let mut lines = vec![heading(&name, what, p)];
    for note in notes(change) {
        lines.push(format!("  # {note}"));
    }
    lines.push(resource_line(p.action_symbol(change.action, create_first), address));
    lines.extend(body_lines(change, p));
    lines.push("    }".into());
    if let Some(Reason::ReplaceBecause { attributes }) = &change.reason {
        for forced in attributes {
            let mut line = format!("    # replaced because: {} cannot change in place", forced.attribute);
            if !forced.because.is_empty() {
                line.push_str(&format!(" ({})", forced.because));
            }
            lines.push(line);
        }
    }
    lines
}

/// The parenthesised notes under a change's heading.
fn notes(change: &ResourceChange) -> Vec<String> {
    let mut notes = Vec::new();
    match &change.reason {
        Some(Reason::ReplaceRequested) => notes.push("(because --replace asked for it)".to_string()),
        Some(Reason::DeletedOutside) => notes.push("(because it was deleted outside quikinfra)".to_string()),
        Some(Reason::NotInDefinition) => notes.push(format!("(because {} is not in the definition)", change.address)),
        Some(Reason::DestroyRequested) => notes.push("(because destroy asked for it)".to_string()),
        Some(Reason::Deposed) => {}
        Some(Reason::StateOnly) => notes
            .push("(only its lifecycle options or dependencies change: recorded in state, no API call)".to_string()),
        Some(Reason::Shared { owner }) => notes.push(format!("(read-only here: owned by environment `{owner}`)")),
        Some(Reason::SharedPending { owner }) => {
            notes.push(format!("(read-only here: owned by environment `{owner}`, known after {owner} applies)"))
        }
        Some(Reason::Repair { attribute, value }) => notes
            .push(format!("(because its {attribute} is {}: the definition is sent again to repair it)", quote(value))),
        Some(Reason::ReplaceBecause { .. }) | None => {}
    }
    if change.deposed || change.reason == Some(Reason::Deposed) {
        notes.push("(left over from a create-before-destroy replacement)".to_string());
    }
    if change.action == Action::Replace && change.lifecycle.create_before_destroy {
        notes.push("(new resource created before the old one is destroyed)".to_string());
    }
    notes
}

/// The attribute lines inside a change's resource block.
fn body_lines(change: &ResourceChange, p: &Painter) -> Vec<String> {
    let sensitive: BTreeSet<&str> = change.changes.iter().filter(|c| c.sensitive).map(|c| c.name.as_str()).collect();
    match (change.action, &change.after, &change.before) {
        (Action::Create, Some(after), _) => {
            let entries = whole_object(after, &sensitive, |v, s| diff(None, Some(v), s, PLAN_COL, p));
            entry_lines(&entries, PLAN_COL, p)
        }
        (Action::Delete, _, before) => {
            let empty = Attrs::new();
            let before = before.as_ref().unwrap_or(&empty);
            let mut entries = Vec::new();
            if let Some(id) = &change.id
                && !before.contains_key("id")
            {
                entries.push(Entry::new(Some(Marker::Remove), "id".into(), vec![format!("{} -> null", quote(id))]));
            }
            entries.extend(whole_object(before, &sensitive, |v, s| diff(Some(v), None, s, PLAN_COL, p)));
            entry_lines(&entries, PLAN_COL, p)
        }
        _ => changed_attribute_lines(change, p),
    }
}

/// Every set attribute of an object created or destroyed whole, by name.
fn whole_object<'a>(
    attrs: &'a Attrs,
    sensitive: &BTreeSet<&str>,
    show: impl Fn(&'a Value, bool) -> (Marker, Vec<String>),
) -> Vec<Entry> {
    attrs
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Null))
        .map(|(name, value)| {
            let (marker, lines) = show(value, sensitive.contains(name.as_str()));
            Entry::new(Some(marker), name.to_string(), lines)
        })
        .collect()
}

/// An update, replacement or read: the id, each changed attribute, and how many are hidden.
fn changed_attribute_lines(change: &ResourceChange, p: &Painter) -> Vec<String> {
    let changed: BTreeSet<&str> = change.changes.iter().map(|c| c.name.as_str()).collect();
    let mut entries = Vec::new();
    let id = change.id.as_ref().filter(|_| !changed.contains("id"));
    if let Some(id) = id {
        entries.push(if change.action == Action::Replace {
            Entry::new(Some(Marker::Change), "id".into(), vec![format!("{} -> {KNOWN_AFTER_APPLY}", quote(id))])
        } else {
            Entry::new(None, "id".into(), vec![quote(id)])
        });
    }
    entries.extend(change.changes.iter().map(|c| change_entry(c, p)));
    let mut lines = entry_lines(&entries, PLAN_COL, p);

    let mut all: BTreeSet<&str> = BTreeSet::new();
    for attrs in [&change.before, &change.after].into_iter().flatten() {
        all.extend(attrs.iter().filter(|(_, v)| !matches!(v, Value::Null)).map(|(k, _)| k.as_str()));
    }
    let id_shown = id.is_some();
    let hidden = all.iter().filter(|name| !changed.contains(*name) && (!id_shown || **name != "id")).count();
    if hidden > 0 {
        lines.push(hidden_line(PLAN_COL, hidden, "attribute"));
    }
    lines
}

/// One resource of the state, then its deposed objects.
fn resource_lines(address: &Address, resource: &ResourceState, p: &Painter) -> Vec<String> {
    let mut lines = object_lines(&address.to_string(), address, &resource.id, &resource.attributes, p);
    for deposed in &resource.deposed {
        lines.push(String::new());
        let name = format!("{address} (deposed object {})", deposed.id);
        lines.extend(object_lines(&name, address, &deposed.id, &deposed.attributes, p));
    }
    lines
}

/// `# name:`, then `resource "type" "name" {` with the id and every set attribute.
fn object_lines(name: &str, address: &Address, id: &str, attrs: &Attrs, p: &Painter) -> Vec<String> {
    let mut lines = vec![p.bold(&format!("# {name}:"))];
    lines.push(format!("resource {} {} {{", quote(address.type_name()), quote(address.name())));
    let mut entries = Vec::new();
    if !attrs.contains_key("id") {
        entries.push(Entry::new(None, "id".into(), vec![quote(id)]));
    }
    for (key, value) in attrs.iter().filter(|(_, v)| !matches!(v, Value::Null)) {
        entries.push(Entry::new(None, key.to_string(), rhs(value, STATE_COL, None, p)));
    }
    lines.extend(entry_lines(&entries, STATE_COL, p));
    lines.push("}".into());
    lines
}
