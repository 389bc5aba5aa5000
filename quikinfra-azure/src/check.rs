//! Field checks shared by the Azure resource types: regions, resource group names, tags, GUIDs
//! and the usual "letters, digits and hyphens" name shapes.
//!
//! Each check records every problem it finds in the resource's [`FieldProblems`] under the
//! attribute name the user sees in plans.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::value::Val;

/// The most tags ARM accepts on one resource.
const MAX_TAGS: usize = 50;

/// Checks a region is given by its short name (`westeurope`), the form ARM answers with;
/// `West Europe` would be accepted on create and then show as a change on every plan.
pub(crate) fn location(p: &mut FieldProblems<'_>, location: &str) {
    if location.is_empty() || !location.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        p.field(
            "location",
            format!("`{location}` is not a region's short name such as `westeurope` (lowercase, no spaces)"),
        );
    } else if !crate::regions::is_known(location) {
        let hint = crate::regions::closest(location).map(|l| format!("; did you mean `{l}`?")).unwrap_or_default();
        p.field(
            "location",
            format!("`{location}` is not an Azure region (the known ones are in quikinfra_azure::regions){hint}"),
        );
    }
}

/// Checks a resource group name when it is known: 1 to 90 letters, digits, `_ - . ( )`, not
/// ending with a dot.
pub(crate) fn resource_group(p: &mut FieldProblems<'_>, field: &str, group: &Val<String>) {
    if let Val::Known(name) = group {
        for message in resource_group_problems(name) {
            p.field(field, message);
        }
    }
}

/// What is wrong with `name` as a resource group name.
pub(crate) fn resource_group_problems(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let len = name.chars().count();
    if !(1..=90).contains(&len) {
        out.push(format!("must be 1 to 90 characters long, got {len}"));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')')) {
        out.push("may only hold letters, digits, `_`, `-`, `.`, `(` and `)`".to_string());
    }
    if name.ends_with('.') {
        out.push("must not end with a dot".to_string());
    }
    out
}

/// Checks a subscription named by the definition is a GUID.
pub(crate) fn subscription(p: &mut FieldProblems<'_>, id: Option<&str>) {
    if let Some(id) = id.filter(|id| !is_guid(id)) {
        p.field("subscription_id", format!("`{id}` is not a subscription id (a guid)"));
    }
}

/// Checks a resource's own tags against ARM's rules.
pub(crate) fn tags(p: &mut FieldProblems<'_>, tags: &BTreeMap<String, String>) {
    if tags.len() > MAX_TAGS {
        p.field("tags", format!("at most {MAX_TAGS} tags are allowed, got {}", tags.len()));
    }
    for (key, value) in tags {
        let field = format!("tags.{key}");
        let key_len = key.chars().count();
        if key_len == 0 || key_len > 512 {
            p.field(&field, format!("tag names must be 1 to 512 characters long, got {key_len}"));
        }
        if key.chars().any(|c| matches!(c, '<' | '>' | '%' | '&' | '\\' | '?' | '/')) {
            p.field(&field, "tag names must not contain `<`, `>`, `%`, `&`, `\\`, `?` or `/`");
        }
        let lower = key.to_ascii_lowercase();
        if ["microsoft", "azure", "windows"].iter().any(|prefix| lower.starts_with(prefix)) {
            p.field(&field, "tag names starting with `microsoft`, `azure` or `windows` are reserved");
        }
        let value_len = value.chars().count();
        if value_len > 256 {
            p.field(&field, format!("tag values must be at most 256 characters long, got {value_len}"));
        }
    }
}

/// Whether `text` is a GUID such as an Entra ID object id: 8-4-4-4-12 hexadecimal digits.
pub(crate) fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The rules of one resource name, as ARM states them.
pub(crate) struct NameRules {
    /// Shortest and longest length.
    pub len: (usize, usize),
    /// Whether uppercase letters are allowed.
    pub uppercase: bool,
    /// Allowed punctuation besides letters and digits.
    pub punctuation: &'static [char],
    /// Whether the first character must be a letter (else a letter or digit).
    pub starts_with_letter: bool,
}

/// What is wrong with `name` under `rules`, one message per broken rule.
pub(crate) fn name_problems(name: &str, rules: &NameRules) -> Vec<String> {
    let mut out = Vec::new();
    let len = name.chars().count();
    let (min, max) = rules.len;
    if !(min..=max).contains(&len) {
        out.push(format!("must be {min} to {max} characters long, got {len}"));
    }
    let letter_ok = |c: char| c.is_ascii_lowercase() || (rules.uppercase && c.is_ascii_uppercase());
    if !name.chars().all(|c| letter_ok(c) || c.is_ascii_digit() || rules.punctuation.contains(&c)) {
        let letters = if rules.uppercase { "letters" } else { "lowercase letters" };
        let punctuation: Vec<String> = rules.punctuation.iter().map(|c| format!("`{c}`")).collect();
        out.push(format!("may only hold {letters}, digits and {}", punctuation.join(", ")));
    }
    if let Some(first) = name.chars().next() {
        if rules.starts_with_letter && !first.is_ascii_alphabetic() {
            out.push("must start with a letter".to_string());
        } else if !first.is_ascii_alphanumeric() {
            out.push("must start with a letter or digit".to_string());
        }
    }
    if name.chars().last().is_some_and(|c| !c.is_ascii_alphanumeric()) {
        out.push("must end with a letter or digit".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: NameRules =
        NameRules { len: (3, 10), uppercase: false, punctuation: &['-'], starts_with_letter: true };

    #[test]
    fn names_report_each_broken_rule() {
        assert!(name_problems("quik-app", &RULES).is_empty());
        let found = name_problems("9Quik_", &RULES);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("lowercase letters, digits and `-`"));
        assert!(found[1].contains("start with a letter"));
        assert!(found[2].contains("end with"));
        assert!(name_problems("ab", &RULES)[0].contains("3 to 10"));
    }

    #[test]
    fn resource_group_names_and_guids() {
        assert!(resource_group_problems("rg-quikapp_(staging).1").is_empty());
        assert_eq!(resource_group_problems("rg.").len(), 1);
        assert_eq!(resource_group_problems("rg quikapp").len(), 1);
        assert!(is_guid("6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e"));
        assert!(!is_guid("qa-team"));
    }
}
