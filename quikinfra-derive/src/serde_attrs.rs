//! What serde's attributes say about the serialized shape: names (`rename`, `rename_all`),
//! skipped fields, optional fields (`skip_serializing_if`), flattening, enum tagging.
//!
//! Only the serialize side matters (specs are serialized, never deserialized); attributes
//! this module does not need are read past, not checked: serde's derive checks them.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Token};

/// A field's serde attributes.
#[derive(Default)]
pub(crate) struct FieldSerde {
    pub rename: Option<String>,
    /// `skip` or `skip_serializing`: not serialized at all.
    pub skip: bool,
    /// `skip_serializing_if`: left out when empty.
    pub skip_if: bool,
    pub flatten: Option<proc_macro2::Span>,
}

/// A container's serde attributes.
#[derive(Default)]
pub(crate) struct ContainerSerde {
    pub rename_all: Option<(String, proc_macro2::Span)>,
    pub tag: bool,
    pub untagged: bool,
    pub transparent: bool,
}

/// Reads past one nested meta item serde knows and this module does not need.
fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: syn::Lit = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))?;
    }
    Ok(())
}

/// `rename = "x"` or `rename(serialize = "x", …)`: the serialized name, if given.
fn serialize_name(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return Ok(Some(lit.value()));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            let lit: LitStr = inner.value()?.parse()?;
            name = Some(lit.value());
            Ok(())
        } else {
            skip(&inner)
        }
    })?;
    Ok(name)
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("serde"))
}

pub(crate) fn field(attrs: &[Attribute]) -> syn::Result<FieldSerde> {
    let mut out = FieldSerde::default();
    for attr in serde_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if let Some(name) = serialize_name(&meta)? {
                    out.rename = Some(name);
                }
            } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                out.skip = true;
            } else if meta.path.is_ident("skip_serializing_if") {
                out.skip_if = true;
                skip(&meta)?;
            } else if meta.path.is_ident("flatten") {
                out.flatten = Some(meta.path.get_ident().map_or_else(proc_macro2::Span::call_site, |i| i.span()));
            } else {
                skip(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

pub(crate) fn container(attrs: &[Attribute]) -> syn::Result<ContainerSerde> {
    let mut out = ContainerSerde::default();
    for attr in serde_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let span = meta.path.get_ident().map_or_else(proc_macro2::Span::call_site, |i| i.span());
                if let Some(rule) = serialize_name(&meta)? {
                    out.rename_all = Some((rule, span));
                }
            } else if meta.path.is_ident("tag") {
                out.tag = true;
                skip(&meta)?;
            } else if meta.path.is_ident("untagged") {
                out.untagged = true;
            } else if meta.path.is_ident("transparent") {
                out.transparent = true;
            } else {
                skip(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Applies serde's `rename_all` rule to a field name written in snake case, as serde does.
pub(crate) fn rename_field(rule: &str, field: &str) -> Option<String> {
    let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let capitalized = |w: &str| {
        let mut c = w.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
    };
    Some(match rule {
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "snake_case" => field.to_string(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_uppercase().replace('_', "-"),
        "PascalCase" => words.iter().map(|w| capitalized(w)).collect(),
        "camelCase" => {
            let pascal: String = words.iter().map(|w| capitalized(w)).collect();
            let mut c = pascal.chars();
            c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
        }
        _ => return None,
    })
}
