//! `#[derive(AttrValue)]`: the attribute shape of a spec's own type, read from how serde
//! serializes it: a struct is a map, an enum of unit variants a string, an internally tagged
//! enum a map; a newtype or `transparent` type is shaped as what it wraps. `#[attr_value(…)]`
//! states the shape where serde's derive is not used.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Path, Type};

use crate::serde_attrs;
use crate::unknown;

const SHAPES: &[&str] = &["string", "number", "bool", "list", "map", "crate"];

enum Shape {
    /// Shaped as this type of quikinfra-core's.
    Like(TokenStream),
    /// Shaped as a field's type.
    Inner(Type),
}

/// The `#[attr_value]` options: a stated shape, the crate path.
struct Options {
    shape: Option<String>,
    krate: Option<Path>,
}

fn options(input: &DeriveInput) -> syn::Result<Options> {
    let mut out = Options { shape: None, krate: None };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("attr_value")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "string" | "number" | "bool" | "list" | "map" => out.shape = Some(key),
                "crate" => {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    out.krate = Some(lit.parse()?);
                }
                _ => return Err(meta.error(unknown("attribute shape", &key, SHAPES))),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// The type of quikinfra-core's whose shape `shape` names.
fn like(shape: &str, krate: &Path) -> TokenStream {
    match shape {
        "string" => quote!(::std::string::String),
        "number" => quote!(f64),
        "bool" => quote!(bool),
        "list" => quote!(::std::vec::Vec<()>),
        _ => quote!(#krate::value::Attrs),
    }
}

fn inferred(input: &DeriveInput, krate: &Path) -> syn::Result<Shape> {
    let serde = serde_attrs::container(&input.attrs)?;
    let map = like("map", krate);
    let string = like("string", krate);
    let cannot = |why: &str| {
        syn::Error::new(
            input.ident.span(),
            format!("cannot tell the attribute shape of `{}`: {why}; state it: `#[attr_value(map)]`", input.ident),
        )
    };
    match &input.data {
        Data::Struct(s) => {
            let fields: Vec<&syn::Field> = s.fields.iter().collect();
            let newtype = matches!(s.fields, Fields::Unnamed(_)) && fields.len() == 1;
            if serde.transparent || newtype {
                let [only] = fields.as_slice() else { return Err(cannot("it is transparent but not one field")) };
                return Ok(Shape::Inner(only.ty.clone()));
            }
            match s.fields {
                Fields::Named(_) => Ok(Shape::Like(map)),
                Fields::Unnamed(_) => Ok(Shape::Like(like("list", krate))),
                Fields::Unit => Err(cannot("a unit struct serializes as null")),
            }
        }
        Data::Enum(e) => {
            if serde.untagged {
                return Err(cannot("an untagged enum serializes as whatever each variant holds"));
            }
            if serde.tag {
                return Ok(Shape::Like(map));
            }
            let units = e.variants.iter().filter(|v| matches!(v.fields, Fields::Unit)).count();
            match (units, e.variants.len()) {
                (u, n) if u == n => Ok(Shape::Like(string)),
                (0, _) => Ok(Shape::Like(map)),
                _ => Err(cannot("its unit variants serialize as strings and the others as maps")),
            }
        }
        Data::Union(_) => Err(cannot("serde does not derive for unions")),
    }
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let opts = options(input)?;
    let krate = opts.krate.unwrap_or_else(|| syn::parse_quote!(::quikinfra_core));
    let shape = match &opts.shape {
        Some(shape) => Shape::Like(like(shape, &krate)),
        None => inferred(input, &krate)?,
    };
    let like = match shape {
        Shape::Like(t) => t,
        Shape::Inner(ty) => quote!(#ty),
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #krate::schema::AttrValue for #name #ty_generics #where_clause {
            const TYPE: #krate::schema::AttrType = <#like as #krate::schema::AttrValue>::TYPE;
            type Target = Self;
            type Read<'a> = <#like as #krate::schema::AttrValue>::Read<'a>;
            fn read(value: &#krate::value::Value) -> ::core::option::Option<Self::Read<'_>> {
                <#like as #krate::schema::AttrValue>::read(value)
            }
        }
    })
}
