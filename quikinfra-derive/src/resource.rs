//! `#[derive(Resource)]`: reads the struct and its attributes, checks they agree, generates
//! the schema, the `Resource` impl, attribute keys, reference accessors and setters.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parse;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, Path, PathArguments, Type};

use crate::serde_attrs::{self, FieldSerde};
use crate::unknown;

const TYPE_KEYS: &[&str] = &["type", "provider", "refs", "validate", "related", "crate"];
const FIELD_KEYS: &[&str] = &[
    "computed",
    "optional_computed",
    "watch",
    "failed_when",
    "force_new",
    "sensitive",
    "identity",
    "setter",
    "insert",
    "push",
];

/// How an attribute's value comes to be (the schema's `AttrMode`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Input,
    Computed,
    OptionalComputed,
    Watch,
}

impl Mode {
    fn keyword(self) -> &'static str {
        match self {
            Mode::Input => "input",
            Mode::Computed => "computed",
            Mode::OptionalComputed => "optional_computed",
            Mode::Watch => "watch",
        }
    }
}

/// A reference accessor: `accessor()` refers to `field`'s attribute.
struct RefDecl {
    accessor: Ident,
    field: Ident,
}

/// The type-level `#[resource(...)]`.
#[derive(Default)]
struct TypeAttrs {
    type_name: Option<LitStr>,
    provider: Option<LitStr>,
    refs: Vec<RefDecl>,
    validate: Option<Path>,
    /// `related = path`: the type's checks against the resources it relates to.
    related: Option<Path>,
    krate: Option<Path>,
    /// Where the first `#[resource]` stands, for errors about what it lacks.
    span: Option<Span>,
}

/// Why a change forces replacement: a string, or the path of a `&str` constant.
enum Reason {
    Text(LitStr),
    Const(Path),
}

impl Reason {
    fn span(&self) -> Span {
        match self {
            Reason::Text(lit) => lit.span(),
            Reason::Const(path) => path.span(),
        }
    }
}

impl quote::ToTokens for Reason {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Reason::Text(lit) => lit.to_tokens(tokens),
            Reason::Const(path) => path.to_tokens(tokens),
        }
    }
}

/// The values of a watched attribute that mean the live object failed: a list of strings, or
/// the path of a `&[&str]` constant.
enum Failed {
    List(Vec<LitStr>),
    Const(Path),
}

impl quote::ToTokens for Failed {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Failed::List(values) => quote!(&[#(#values),*]).to_tokens(tokens),
            Failed::Const(path) => path.to_tokens(tokens),
        }
    }
}

/// One field's `#[resource(...)]`.
struct FieldAttrs {
    mode: Mode,
    mode_span: Span,
    /// `failed_when = …`, with where it stands.
    failed_when: Option<(Failed, Span)>,
    force_new: Option<Reason>,
    sensitive: bool,
    /// `identity`: part of the object's name in the cloud.
    identity: bool,
    setter: Option<Ident>,
    insert: Option<Ident>,
    push: Option<Ident>,
    /// Any `#[resource]` at all (a field serde skips may carry none).
    any: Option<Span>,
}

/// A field that is an attribute.
struct Attribute_ {
    field: Ident,
    ty: Type,
    docs: Vec<Attribute>,
    name: String,
    attrs: FieldAttrs,
}

fn ident_of(meta: &syn::meta::ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| quote!(#path).to_string().replace(' ', ""))
}

fn parse_type_attrs(attrs: &[Attribute]) -> syn::Result<TypeAttrs> {
    let mut out = TypeAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("resource")) {
        out.span.get_or_insert(attr.span());
        attr.parse_nested_meta(|meta| {
            let key = ident_of(&meta);
            match key.as_str() {
                "type" => out.type_name = Some(meta.value()?.parse()?),
                "provider" => out.provider = Some(meta.value()?.parse()?),
                "validate" => out.validate = Some(meta.value()?.parse()?),
                "related" => out.related = Some(meta.value()?.parse()?),
                "crate" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    out.krate = Some(lit.parse()?);
                }
                "refs" => meta.parse_nested_meta(|r| {
                    let accessor = r.path.require_ident()?.clone();
                    let field = if r.input.peek(syn::Token![=]) { r.value()?.parse()? } else { accessor.clone() };
                    out.refs.push(RefDecl { accessor, field });
                    Ok(())
                })?,
                _ => return Err(meta.error(unknown("resource type attribute", &key, TYPE_KEYS))),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn parse_field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs {
        mode: Mode::Input,
        mode_span: Span::call_site(),
        failed_when: None,
        force_new: None,
        sensitive: false,
        identity: false,
        setter: None,
        insert: None,
        push: None,
        any: None,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("resource")) {
        out.any.get_or_insert(attr.span());
        attr.parse_nested_meta(|meta| {
            let key = ident_of(&meta);
            let mode = match key.as_str() {
                "computed" => Some(Mode::Computed),
                "optional_computed" => Some(Mode::OptionalComputed),
                "watch" => Some(Mode::Watch),
                _ => None,
            };
            if let Some(mode) = mode {
                if out.mode != Mode::Input {
                    return Err(meta.error(format!(
                        "an attribute has one mode: `{}` and `{}` cannot both be given",
                        out.mode.keyword(),
                        mode.keyword()
                    )));
                }
                out.mode = mode;
                out.mode_span = meta.path.span();
                return Ok(());
            }
            match key.as_str() {
                "force_new" => {
                    if !meta.input.peek(syn::Token![=]) {
                        return Err(meta.error(
                            "`force_new` needs the reason plans show next to the replacement: \
                             `force_new = \"an s3 bucket cannot be renamed\"`",
                        ));
                    }
                    let value = meta.value()?;
                    out.force_new = Some(if value.peek(LitStr) {
                        let reason: LitStr = value.parse()?;
                        if reason.value().trim().is_empty() {
                            return Err(syn::Error::new(
                                reason.span(),
                                "the reason a change forces replacement is empty",
                            ));
                        }
                        Reason::Text(reason)
                    } else {
                        Reason::Const(value.parse()?)
                    });
                }
                "failed_when" => {
                    let span = meta.path.span();
                    if !meta.input.peek(syn::Token![=]) {
                        return Err(meta.error(
                            "`failed_when` names the values meaning the live object failed: \
                             `failed_when = [\"Failed\", \"Canceled\"]` or `failed_when = FAILED_STATES`",
                        ));
                    }
                    if out.failed_when.is_some() {
                        return Err(meta.error("`failed_when` is given twice"));
                    }
                    let value = meta.value()?;
                    let failed = if value.peek(syn::token::Bracket) {
                        let content;
                        let brackets = syn::bracketed!(content in value);
                        let items = content.parse_terminated(syn::Lit::parse, syn::Token![,])?;
                        let mut values = Vec::new();
                        for item in items {
                            match item {
                                syn::Lit::Str(s) if !s.value().trim().is_empty() => values.push(s),
                                other => {
                                    return Err(syn::Error::new(
                                        other.span(),
                                        "`failed_when` lists the attribute's values as non-empty strings",
                                    ));
                                }
                            }
                        }
                        if values.is_empty() {
                            return Err(syn::Error::new(
                                brackets.span.join(),
                                "`failed_when` needs at least one value: an empty list means nothing fails",
                            ));
                        }
                        Failed::List(values)
                    } else {
                        Failed::Const(value.parse()?)
                    };
                    out.failed_when = Some((failed, span));
                }
                "sensitive" => out.sensitive = true,
                "identity" => out.identity = true,
                "setter" => {
                    let name = if meta.input.peek(syn::Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        lit.parse()?
                    } else {
                        // Named after the field, filled in by the caller.
                        format_ident!("__field")
                    };
                    out.setter = Some(name);
                }
                "insert" | "push" => {
                    if !meta.input.peek(syn::Token![=]) {
                        return Err(meta.error(format!("`{key}` names the builder: `{key} = \"tag\"`")));
                    }
                    let lit: LitStr = meta.value()?.parse()?;
                    let name = Some(lit.parse()?);
                    if key == "insert" {
                        out.insert = name;
                    } else {
                        out.push = name;
                    }
                }
                _ => return Err(meta.error(unknown("resource field attribute", &key, FIELD_KEYS))),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// `Option<T>` → `T`.
fn option_inner(ty: &Type) -> Option<&Type> {
    generic_args(ty, "Option").and_then(|args| args.first().copied())
}

/// The type arguments of `ty` when its last path segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    Some(args.args.iter().filter_map(|a| if let GenericArgument::Type(t) = a { Some(t) } else { None }).collect())
}

/// Whether `ty` is a number, which a builder takes as it is: `impl Into<u32>` would leave an
/// integer literal's type undecided (`.capacity(2)` would not compile).
fn is_number(ty: &Type) -> bool {
    const NUMBERS: &[&str] =
        &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64"];
    let Type::Path(p) = ty else { return false };
    p.qself.is_none() && p.path.get_ident().is_some_and(|i| NUMBERS.contains(&i.to_string().as_str()))
}

/// The parameter type and conversion of a builder taking a `ty`.
fn taking(ty: &Type, value: &Ident) -> (TokenStream, TokenStream) {
    if is_number(ty) {
        (quote!(#ty), quote!(#value))
    } else {
        (quote!(impl ::core::convert::Into<#ty>), quote!(#value.into()))
    }
}

fn docs_of(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).cloned().collect()
}

/// Checks one field against its serde attributes; `Ok(None)` for a field that is no attribute.
fn attribute_of(
    field: &syn::Field,
    serde: &FieldSerde,
    attrs: FieldAttrs,
    rename_all: Option<&str>,
) -> syn::Result<Option<Attribute_>> {
    let ident = field.ident.clone().expect("named field");
    if let Some(span) = serde.flatten {
        return Err(syn::Error::new(
            span,
            "a resource type cannot flatten a field: its attributes would be missing from the schema",
        ));
    }
    let name = match (&serde.rename, rename_all) {
        (Some(name), _) => name.clone(),
        (None, Some(rule)) => serde_attrs::rename_field(rule, &ident.to_string()).expect("rule checked"),
        (None, None) => ident.to_string().trim_start_matches("r#").to_string(),
    };
    let fail = |span: Span, message: String| Err(syn::Error::new(span, message));
    match attrs.mode {
        Mode::Computed | Mode::Watch if !serde.skip => {
            return fail(
                attrs.mode_span,
                format!(
                    "`{ident}` is `{}`: the cloud fills it in and no definition sets it, but the field is serialized, \
                     which makes it an input every definition must give; skip it: `#[serde(skip)] {ident}: Computed<_>`, \
                     or make it `optional_computed` (an `Option` with `skip_serializing_if`) if a definition may set it",
                    attrs.mode.keyword()
                ),
            );
        }
        Mode::OptionalComputed if serde.skip => {
            return fail(
                attrs.mode_span,
                format!("`{ident}` is `optional_computed`, which a definition may set, but serde skips the field"),
            );
        }
        Mode::OptionalComputed if !serde.skip_if => {
            return fail(
                attrs.mode_span,
                format!(
                    "`{ident}` is `optional_computed`: left out, the cloud picks it; but the field is always serialized, \
                     so it is never left out: add `#[serde(skip_serializing_if = \"Option::is_none\")]`"
                ),
            );
        }
        Mode::Input if serde.skip => {
            return match attrs.any {
                // Not serialized and not computed: not an attribute at all.
                None => Ok(None),
                Some(span) => fail(
                    span,
                    format!(
                        "serde skips `{ident}`, so it is no attribute: only `computed` and `watch` fields are skipped"
                    ),
                ),
            };
        }
        _ => {}
    }
    if let Some((_, span)) = &attrs.failed_when
        && attrs.mode != Mode::Watch
    {
        return fail(
            *span,
            format!(
                "`{ident}` is `{}`, but `failed_when` names values of a watched attribute (the cloud reports them, \
                 no definition sets them) that mean the live object failed: `#[resource(watch, failed_when = …)]`",
                attrs.mode.keyword()
            ),
        );
    }
    let computed = matches!(attrs.mode, Mode::Computed | Mode::Watch);
    if computed {
        let builder = attrs.setter.as_ref().or(attrs.insert.as_ref()).or(attrs.push.as_ref());
        if let Some(b) = builder {
            return fail(b.span(), format!("`{ident}` is filled in by the cloud: it has no builder"));
        }
        if let Some(reason) = &attrs.force_new {
            return fail(
                reason.span(),
                format!("`{ident}` is filled in by the cloud: no definition changes it, so it forces nothing"),
            );
        }
    }
    if attrs.insert.is_some() && generic_args(&field.ty, "BTreeMap").is_none_or(|a| a.len() != 2) {
        return fail(field.ty.span(), format!("`insert` builds a map: `{ident}` must be a `BTreeMap<K, V>`"));
    }
    if attrs.push.is_some() && generic_args(&field.ty, "Vec").is_none_or(|a| a.len() != 1) {
        return fail(field.ty.span(), format!("`push` builds a list: `{ident}` must be a `Vec<T>`"));
    }
    Ok(Some(Attribute_ { field: ident, ty: field.ty.clone(), docs: docs_of(&field.attrs), name, attrs }))
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a resource type cannot be generic: its schema is one static value",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(name.span(), "`#[derive(Resource)]` needs a struct with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(name.span(), "`#[derive(Resource)]` needs a struct with named fields"));
    };
    let ty = parse_type_attrs(&input.attrs)?;
    let missing = |what: &str, example: &str| {
        syn::Error::new(
            ty.span.unwrap_or_else(|| name.span()),
            format!("`#[derive(Resource)]` needs the {what}: `#[resource({example})]`"),
        )
    };
    let type_name = ty.type_name.clone().ok_or_else(|| missing("type name", "type = \"aws_s3_bucket\""))?;
    let provider = ty.provider.clone().ok_or_else(|| missing("provider family", "provider = \"aws\""))?;
    let container = serde_attrs::container(&input.attrs)?;
    let rename_all = match &container.rename_all {
        Some((rule, span)) => {
            if serde_attrs::rename_field(rule, "a_b").is_none() {
                return Err(syn::Error::new(
                    *span,
                    format!("serde's `rename_all = \"{rule}\"` is not a rule it knows"),
                ));
            }
            Some(rule.as_str())
        }
        None => None,
    };

    let mut meta = None;
    let mut attributes: Vec<Attribute_> = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let serde = serde_attrs::field(&field.attrs)?;
        let attrs = parse_field_attrs(&field.attrs)?;
        if ident == "meta" {
            if !serde.skip {
                return Err(syn::Error::new(
                    ident.span(),
                    "`meta` (name, dependencies, lifecycle) is no attribute: mark it `#[serde(skip)]`",
                ));
            }
            if let Some(span) = attrs.any {
                return Err(syn::Error::new(span, "`meta` takes no `#[resource]` attribute"));
            }
            meta = Some(field);
            continue;
        }
        if let Some(a) = attribute_of(field, &serde, attrs, rename_all)? {
            if let Some(other) = attributes.iter().find(|o| o.name == a.name) {
                return Err(syn::Error::new(
                    a.field.span(),
                    format!("`{}` and `{}` both serialize as `{}`", other.field, a.field, a.name),
                ));
            }
            attributes.push(a);
        }
    }
    if meta.is_none() {
        return Err(syn::Error::new(
            name.span(),
            "a resource type holds its name, dependencies and lifecycle in a field `#[serde(skip)] meta: Meta`",
        ));
    }

    let krate = ty.krate.clone().unwrap_or_else(|| syn::parse_quote!(::quikinfra_core));
    let schema_attrs = attributes.iter().map(|a| schema_entry(&krate, a));
    let shape_checks = attributes.iter().filter_map(|a| failed_shape(&krate, a));
    let keys = attributes.iter().map(|a| key(&krate, a)).collect::<syn::Result<Vec<_>>>()?;
    let mut methods = Vec::new();
    for r in &ty.refs {
        let Some(a) = attributes.iter().find(|a| a.field == r.field) else {
            let known: Vec<String> = attributes.iter().map(|a| a.field.to_string()).collect();
            let near = crate::closest(&r.field.to_string(), known.iter().map(String::as_str));
            let hint = match near {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("its attributes are {}", known.join(", ")),
            };
            return Err(syn::Error::new(
                r.field.span(),
                format!("`{}` refers to no attribute of `{name}`: there is no such field ({hint})", r.field),
            ));
        };
        methods.push(reference(&krate, r, a));
    }
    for a in &attributes {
        methods.extend(builders(a));
    }
    let builder_table: Vec<TokenStream> = attributes.iter().flat_map(|a| builder_entries(&krate, a)).collect();
    // Computed fields hold nothing and nothing reads them: touched here, they are not "unused".
    let placeholders =
        attributes.iter().filter(|a| matches!(a.attrs.mode, Mode::Computed | Mode::Watch)).map(|a| &a.field);
    let validate = ty.validate.as_ref().map(|path| {
        quote! {
            fn validate(&self, problems: &mut #krate::diag::FieldProblems<'_>) {
                #path(self, problems)
            }
        }
    });
    // The schema is a static inside `schema()`, where `Self` cannot be named: the path names
    // the type instead.
    let related = match &ty.related {
        Some(path) => {
            let mut path = path.clone();
            if let Some(first) = path.segments.first_mut()
                && first.ident == "Self"
            {
                first.ident = name.clone();
            }
            quote!(::core::option::Option::Some(#path))
        }
        None => quote!(::core::option::Option::None),
    };
    Ok(quote! {
        impl #krate::resource::Resource for #name {
            const TYPE: &'static str = #type_name;

            fn schema() -> &'static #krate::schema::Schema {
                static SCHEMA: #krate::schema::Schema = #krate::schema::Schema {
                    type_name: #type_name,
                    provider: #provider,
                    attributes: &[#(#schema_attrs),*],
                    related: #related,
                };
                &SCHEMA
            }

            fn meta(&self) -> &#krate::resource::Meta {
                let _ = (#(&self.#placeholders,)*);
                &self.meta
            }

            fn meta_mut(&mut self) -> &mut #krate::resource::Meta {
                &mut self.meta
            }

            fn builders() -> &'static [#krate::schema::Builder] {
                &[#(#builder_table),*]
            }

            #validate
        }

        #[allow(dead_code)]
        impl #name {
            #(#keys)*
        }

        impl #name {
            #(#methods)*
        }

        #(#shape_checks)*
    })
}

fn schema_entry(krate: &Path, a: &Attribute_) -> TokenStream {
    let name = &a.name;
    let ty = &a.ty;
    let constructor = format_ident!(
        "{}",
        match a.attrs.mode {
            Mode::Input => "input",
            Mode::Computed => "computed",
            Mode::OptionalComputed => "optional_computed",
            Mode::Watch => "watch",
        }
    );
    let shape = quote_spanned!(ty.span()=> <#ty as #krate::schema::AttrValue>::TYPE);
    let mut entry = quote!(#krate::schema::AttrSchema::#constructor(#name, #shape));
    if let Some(reason) = &a.attrs.force_new {
        entry = quote!(#entry.force_new_because(#reason));
    }
    if a.attrs.sensitive {
        entry = quote!(#entry.sensitive());
    }
    if a.attrs.identity {
        entry = quote!(#entry.identity());
    }
    if let Some((values, _)) = &a.attrs.failed_when {
        entry = quote!(#entry.failed_when(#values));
    }
    entry
}

/// A compile-time check that a `failed_when` attribute holds strings: the engine compares a
/// live string with the values, so on another shape they would never match.
fn failed_shape(krate: &Path, a: &Attribute_) -> Option<TokenStream> {
    let (_, span) = a.attrs.failed_when.as_ref()?;
    let ty = &a.ty;
    let message = format!("`{}` has `failed_when`, so it must hold a string (`Computed<String>`)", a.field);
    Some(quote_spanned! {*span=>
        const _: () = ::core::assert!(
            ::core::matches!(<#ty as #krate::schema::AttrValue>::TYPE, #krate::schema::AttrType::String),
            #message
        );
    })
}

fn key(krate: &Path, a: &Attribute_) -> syn::Result<TokenStream> {
    // SCREAMING_SNAKE_CASE of the attribute's name, word breaks kept (`sizeGb` → `SIZE_GB`).
    let mut upper = String::new();
    let mut prev_lower = false;
    for c in a.name.chars() {
        if c.is_uppercase() && prev_lower {
            upper.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        upper.extend(if c.is_alphanumeric() { c.to_uppercase().collect::<Vec<_>>() } else { vec!['_'] });
    }
    if upper == "TYPE" {
        return Err(syn::Error::new(a.field.span(), "an attribute named `type` would shadow `Resource::TYPE`"));
    }
    let konst = Ident::new(&upper, a.field.span());
    let (ty, name) = (&a.ty, &a.name);
    let doc = format!("The `{name}` attribute's key.");
    Ok(quote! {
        #[doc = #doc]
        pub const #konst: #krate::schema::Attr<#ty> = #krate::schema::Attr::new(#name);
    })
}

fn doc_or(docs: &[Attribute], fallback: String) -> TokenStream {
    if docs.is_empty() { quote!(#[doc = #fallback]) } else { quote!(#(#docs)*) }
}

fn reference(krate: &Path, r: &RefDecl, a: &Attribute_) -> TokenStream {
    let accessor = &r.accessor;
    let name = &a.name;
    let ty = &a.ty;
    let docs = doc_or(&a.docs, format!("A reference to the `{name}` attribute, known once applied."));
    let target = quote_spanned!(ty.span()=> <#ty as #krate::schema::AttrValue>::Target);
    quote! {
        #docs
        pub fn #accessor(&self) -> #krate::value::Ref<#target> {
            #krate::resource::ResourceExt::attr(self, #name)
        }
    }
}

/// The entries of `Resource::builders` for `a`'s plain builders: attribute, method, kind.
fn builder_entries(krate: &Path, a: &Attribute_) -> Vec<TokenStream> {
    let name = &a.name;
    let mut out = Vec::new();
    let mut entry = |method: String, kind: &str| {
        let kind = format_ident!("{kind}");
        out.push(quote! {
            #krate::schema::Builder { attribute: #name, method: #method, kind: #krate::schema::BuilderKind::#kind }
        });
    };
    if let Some(setter) = &a.attrs.setter {
        let method = if setter == "__field" { a.field.to_string() } else { setter.to_string() };
        entry(method, "Set");
    }
    if let Some(insert) = &a.attrs.insert {
        entry(insert.to_string(), "Insert");
    }
    if let Some(push) = &a.attrs.push {
        entry(push.to_string(), "Push");
    }
    out
}

fn builders(a: &Attribute_) -> Vec<TokenStream> {
    let field = &a.field;
    let ty = &a.ty;
    let mut out = Vec::new();
    if let Some(setter) = &a.attrs.setter {
        let setter = if setter == "__field" { field.clone() } else { setter.clone() };
        let docs = doc_or(&a.docs, format!("Sets `{}`.", a.name));
        let value = format_ident!("value");
        out.push(match option_inner(ty) {
            Some(inner) => {
                let (param, into) = taking(inner, &value);
                quote! {
                    #docs
                    pub fn #setter(mut self, #value: #param) -> Self {
                        self.#field = ::core::option::Option::Some(#into);
                        self
                    }
                }
            }
            None => {
                let (param, into) = taking(ty, &value);
                quote! {
                    #docs
                    pub fn #setter(mut self, #value: #param) -> Self {
                        self.#field = #into;
                        self
                    }
                }
            }
        });
    }
    if let Some(insert) = &a.attrs.insert {
        let args = generic_args(ty, "BTreeMap").expect("checked");
        let (k, v) = (args[0], args[1]);
        let docs = doc_or(&a.docs, format!("Adds an entry to `{}`.", a.name));
        let (key, value) = (format_ident!("key"), format_ident!("value"));
        let ((k, k_into), (v, v_into)) = (taking(k, &key), taking(v, &value));
        out.push(quote! {
            #docs
            pub fn #insert(mut self, #key: #k, #value: #v) -> Self {
                self.#field.insert(#k_into, #v_into);
                self
            }
        });
    }
    if let Some(push) = &a.attrs.push {
        let item = generic_args(ty, "Vec").expect("checked")[0];
        let docs = doc_or(&a.docs, format!("Adds an item to `{}`.", a.name));
        let value = format_ident!("item");
        let (param, into) = taking(item, &value);
        out.push(quote! {
            #docs
            pub fn #push(mut self, #value: #param) -> Self {
                self.#field.push(#into);
                self
            }
        });
    }
    out
}
