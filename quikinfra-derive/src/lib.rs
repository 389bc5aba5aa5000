//! quikinfra-derive: resource types derived from their structs.
//!
//! `#[derive(Resource)]` reads a spec struct, its `#[resource(...)]` attributes and its serde
//! attributes, and generates what each resource type used to write by hand, apart from the
//! fields it must agree with:
//!
//! - the static [`Schema`](../quikinfra_core/schema/struct.Schema.html): one attribute per
//!   serialized field, in field order, named as serde serializes it (`rename`, `rename_all`),
//!   its shape from the field's type (`AttrValue`), its mode and force-new reason from the
//!   field's attributes; fields serde skips are no attributes, unless they are `computed` or
//!   `watch` (never serialized, filled by the cloud); a watched string attribute may name the
//!   values meaning the live object failed, which a plan repairs (`failed_when = ["Failed"]`,
//!   or the path of a `&[&str]` constant: `failed_when = crate::arm::FAILED_STATES`); fields
//!   marked `identity` make up the object's name in the cloud (a bucket's name; a resource's
//!   name and group), which validation keeps unique;
//! - the `Resource` impl: `TYPE`, `schema()`, `meta()` / `meta_mut()` over the `meta` field,
//!   and `validate()` calling the type's own rules when `validate = path` names them;
//! - a typed key per attribute (`S3Bucket::BUCKET: Attr<String>`), which providers read
//!   erased attributes through;
//! - reference accessors named at the type level (`refs(arn, id)` → `bucket.arn()`), and
//!   plain builders a field asks for (`setter`, `insert = "tag"`, `push = "admin_group"`),
//!   documented by the field's own doc comment.
//!
//! ```ignore
//! #[derive(Clone, Debug, Serialize, Resource)]
//! #[resource(type = "aws_kms_key", provider = "aws", refs(arn, key_id), validate = Self::check)]
//! pub struct KmsKey {
//!     #[serde(skip)]
//!     meta: Meta,
//!     /// The key's ARN, what S3's SSE-KMS setting takes.
//!     #[serde(skip)]
//!     #[resource(computed)]
//!     arn: Computed<String>,
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     #[resource(optional_computed, force_new = "a key's alias is its name")]
//!     alias: Option<String>,
//!     /// Turns automatic yearly rotation on or off.
//!     #[resource(setter = "rotation")]
//!     enable_key_rotation: bool,
//! }
//! ```
//!
//! `#[derive(AttrValue)]` gives a spec's own enums and nested structs their attribute shape,
//! read from their serde attributes (unit enums are strings, structs and tagged enums maps);
//! `#[attr_value(map)]` (or `string`, `number`, `bool`, `list`) states it for a type whose
//! `Serialize` is written by hand.
//!
//! The generated code names `::quikinfra_core` (or the path `crate = "…"` gives). Misuse is a
//! compile error naming the field and the fix; `tests/ui` holds one case per error.
//!
//! Architecture invariant: this crate depends on syn, quote and proc-macro2 only.

mod attr_value;
mod resource;
mod serde_attrs;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `Resource`, the schema, typed attribute keys, reference accessors and setters of a
/// resource spec struct (see the crate documentation).
#[proc_macro_derive(Resource, attributes(resource))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    resource::expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Derives `AttrValue`: the attribute shape of a spec's own enum or struct.
#[proc_macro_derive(AttrValue, attributes(attr_value))]
pub fn derive_attr_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    attr_value::expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely misspelling.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = here;
        }
    }
    row[b.len()]
}

/// "unknown X `word`" with a suggestion when one is close, else the list of what is known.
pub(crate) fn unknown(what: &str, word: &str, known: &[&str]) -> String {
    match closest(word, known.iter().copied()) {
        Some(near) => format!("unknown {what} `{word}`: did you mean `{near}`?"),
        None => format!("unknown {what} `{word}`: expected one of {}", known.join(", ")),
    }
}
