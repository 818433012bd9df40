//! `#[derive(FromJson)]`: reads a type from a parsed `serde_json::Value`, following the same `#[serde(...)]`
//! attributes as serde's own derive (`rename`, `rename_all = "snake_case"`, `tag`, `default`, `default = "…"`,
//! `skip`, `deny_unknown_fields`), so that both read the same JSON. Any other serde attribute that changes how serde
//! reads (`untagged`, `alias`, `with`, `deserialize_with`, `from`, `transparent`, …) is refused at compile time:
//! the browser must never read a type differently from the server.
//!
//! Why not serde's derive in the browser: its decoders are generic visitors, compiled once per type with a
//! field-name enum, a map loop and a slot per field; the code they make is about a seventh of the WASM bundle.
//! What this derive writes is one short function per type that looks each field up by name and reads it through
//! the field type's own `FromJson` (see `app::json_text`). Only for use inside the `app` crate.
use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr};

#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    tag: Option<String>,
    content: Option<String>,
    /// `Some(None)`: `#[serde(default)]`; `Some(Some(path))`: `#[serde(default = "path")]`.
    default: Option<Option<syn::ExprPath>>,
    flatten: bool,
    skip: bool,
    deny_unknown_fields: bool,
}

/// Serde attributes that only change how a value is *written*: reading ignores them, as serde's reader does.
const WRITE_ONLY: &[&str] =
    &["skip_serializing_if", "skip_serializing", "serialize_with", "into", "bound", "expecting"];

fn serde_attrs(attrs: &[syn::Attribute]) -> syn::Result<Serde> {
    let mut s = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|m| {
            let text =
                |m: &syn::meta::ParseNestedMeta| -> syn::Result<String> { Ok(m.value()?.parse::<LitStr>()?.value()) };
            if m.path.is_ident("rename") {
                s.rename = Some(text(&m)?);
            } else if m.path.is_ident("rename_all") {
                s.rename_all = Some(text(&m)?);
            } else if m.path.is_ident("tag") {
                s.tag = Some(text(&m)?);
            } else if m.path.is_ident("content") {
                s.content = Some(text(&m)?);
            } else if m.path.is_ident("default") {
                s.default = Some(if m.input.peek(syn::Token![=]) {
                    Some(m.value()?.parse::<LitStr>()?.parse()?)
                } else {
                    None
                });
            } else if m.path.is_ident("flatten") {
                s.flatten = true;
            } else if m.path.is_ident("skip") || m.path.is_ident("skip_deserializing") {
                s.skip = true;
            } else if m.path.is_ident("deny_unknown_fields") {
                s.deny_unknown_fields = true;
            } else if WRITE_ONLY.iter().any(|w| m.path.is_ident(w)) {
                if m.input.peek(syn::Token![=]) {
                    let _: syn::Expr = m.value()?.parse()?;
                }
            } else {
                let name = m.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| "…".into());
                return Err(m.error(format!(
                    "FromJson: #[serde({name})] changes how serde reads this type and is not implemented here, so the \
                     browser would read it differently from the server: implement it in derive/ or write FromJson by hand"
                )));
            }
            Ok(())
        })?;
    }
    Ok(s)
}

fn renamed(ident: &syn::Ident, rule: Option<&str>) -> syn::Result<String> {
    let name = ident.to_string();
    match rule {
        None => Ok(name),
        Some("snake_case") => {
            let mut out = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    out.push('_');
                }
                out.extend(c.to_lowercase());
            }
            Ok(out)
        }
        Some("lowercase") => Ok(name.to_lowercase()),
        Some(other) => Err(syn::Error::new(ident.span(), format!("FromJson: rename_all = {other:?} is not supported"))),
    }
}

/// The JSON keys of named fields that are read (not skipped).
fn keys(fields: &syn::FieldsNamed) -> syn::Result<Vec<String>> {
    let mut out = Vec::new();
    for f in &fields.named {
        let a = serde_attrs(&f.attrs)?;
        if !a.skip {
            out.push(a.rename.unwrap_or_else(|| f.ident.as_ref().unwrap().to_string()));
        }
    }
    Ok(out)
}

/// The expressions reading named fields from `obj` (a `&serde_json::Map`), in the order of `fields`.
fn named_fields(fields: &syn::FieldsNamed, container_default: bool) -> syn::Result<Vec<Tokens>> {
    let mut out = Vec::new();
    for f in &fields.named {
        let ident = f.ident.as_ref().unwrap();
        let a = serde_attrs(&f.attrs)?;
        if a.flatten {
            return Err(syn::Error::new(
                ident.span(),
                "FromJson: #[serde(flatten)] is not supported; write it by hand",
            ));
        }
        let key = a.rename.clone().unwrap_or_else(|| ident.to_string());
        let read = if a.skip {
            quote! { ::core::default::Default::default() }
        } else {
            match (&a.default, container_default) {
                (Some(Some(path)), _) => quote! { crate::json_text::field_or(obj, #key, #path)? },
                (Some(None), _) => quote! { crate::json_text::field_or(obj, #key, ::core::default::Default::default)? },
                (None, true) => quote! { crate::json_text::field_or(obj, #key, || __default.#ident)? },
                (None, false) => quote! { crate::json_text::field(obj, #key)? },
            }
        };
        out.push(quote! { #ident: #read });
    }
    Ok(out)
}

#[proc_macro_derive(FromJson, attributes(serde))]
pub fn derive_from_json(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let a = serde_attrs(&input.attrs)?;
    let mut generics = input.generics.clone();
    for p in generics.type_params_mut() {
        p.bounds.push(syn::parse_quote!(crate::json_text::FromJson));
    }
    let (impl_g, ty_g, where_c) = generics.split_for_impl();
    let named_struct = matches!(&input.data, Data::Struct(s) if matches!(s.fields, Fields::Named(_)));
    if a.deny_unknown_fields && !named_struct {
        return Err(syn::Error::new(
            name.span(),
            "FromJson: #[serde(deny_unknown_fields)] is implemented for structs with named fields only",
        ));
    }
    let body = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(fields) => {
                let container_default = matches!(a.default, Some(None));
                let reads = named_fields(fields, container_default)?;
                let default = container_default
                    .then(|| quote! { let __default = <Self as ::core::default::Default>::default(); });
                let deny = if a.deny_unknown_fields {
                    let keys = keys(fields)?;
                    quote! { crate::json_text::deny_unknown(obj, &[#(#keys),*])?; }
                } else {
                    quote! {}
                };
                quote! {
                    let obj = crate::json_text::object(v)?;
                    #deny
                    #default
                    Ok(Self { #(#reads),* })
                }
            }
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                quote! { Ok(Self(crate::json_text::FromJson::from_json(v)?)) }
            }
            Fields::Unnamed(fields) => {
                let n = fields.unnamed.len();
                let items = (0..n).map(|i| quote! { crate::json_text::item(items, #i)? });
                quote! {
                    let items = crate::json_text::array(v, #n)?;
                    Ok(Self(#(#items),*))
                }
            }
            Fields::Unit => quote! { Ok(Self) },
        },
        Data::Enum(e) => {
            if a.content.is_some() {
                return Err(syn::Error::new(name.span(), "FromJson: adjacently tagged enums are not supported"));
            }
            let mut names = Vec::new();
            let mut arms = Vec::new();
            let mut unit_arms = Vec::new();
            let mut object_arms = Vec::new();
            for v in &e.variants {
                let va = serde_attrs(&v.attrs)?;
                let ident = &v.ident;
                let key = match va.rename {
                    Some(r) => r,
                    None => renamed(ident, a.rename_all.as_deref())?,
                };
                names.push(key.clone());
                match (&v.fields, &a.tag) {
                    (Fields::Unit, Some(_)) => arms.push(quote! { #key => Ok(Self::#ident) }),
                    (Fields::Named(fields), Some(_)) => {
                        let reads = named_fields(fields, false)?;
                        arms.push(quote! { #key => Ok(Self::#ident { #(#reads),* }) });
                    }
                    (Fields::Unit, None) => unit_arms.push(quote! { #key => Ok(Self::#ident) }),
                    (Fields::Named(fields), None) => {
                        let reads = named_fields(fields, false)?;
                        object_arms.push(quote! { #key => { let obj = crate::json_text::object(inner)?; Ok(Self::#ident { #(#reads),* }) } });
                    }
                    (Fields::Unnamed(f), None) if f.unnamed.len() == 1 => {
                        object_arms
                            .push(quote! { #key => Ok(Self::#ident(crate::json_text::FromJson::from_json(inner)?)) });
                    }
                    _ => return Err(syn::Error::new(ident.span(), "FromJson: this kind of variant is not supported")),
                }
            }
            match &a.tag {
                Some(tag) => quote! {
                    const VARIANTS: &[&str] = &[#(#names),*];
                    let obj = crate::json_text::object(v)?;
                    match crate::json_text::tag(obj, #tag)? {
                        #(#arms,)*
                        other => Err(crate::json_text::DecodeError::unknown_variant(other, VARIANTS)),
                    }
                },
                None => quote! {
                    const VARIANTS: &[&str] = &[#(#names),*];
                    let (kind, inner) = crate::json_text::variant(v)?;
                    let _ = inner;
                    match kind {
                        #(#unit_arms,)*
                        #(#object_arms,)*
                        other => Err(crate::json_text::DecodeError::unknown_variant(other, VARIANTS)),
                    }
                },
            }
        }
        Data::Union(_) => return Err(syn::Error::new(name.span(), "FromJson: unions are not supported")),
    };
    Ok(quote! {
        impl #impl_g crate::json_text::FromJson for #name #ty_g #where_c {
            fn from_json(v: &::serde_json::Value) -> ::core::result::Result<Self, crate::json_text::DecodeError> {
                #body
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(src: &str) -> Result<String, String> {
        expand(&syn::parse_str::<DeriveInput>(src).unwrap()).map(|t| t.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn attributes_that_change_reading_are_refused() {
        for src in [
            "#[serde(untagged)] enum A { X(i64), Y(String) }",
            "struct A { #[serde(alias = \"b\")] a: i64 }",
            "struct A { #[serde(with = \"m\")] a: i64 }",
            "struct A { #[serde(deserialize_with = \"f\")] a: i64 }",
            "#[serde(transparent)] struct A { a: i64 }",
            "#[serde(from = \"B\")] struct A { a: i64 }",
            "#[serde(tag = \"t\", deny_unknown_fields)] enum A { X }",
            "#[serde(deny_unknown_fields)] struct A(i64, i64);",
        ] {
            let e = derive(src).expect_err(src);
            assert!(e.contains("FromJson"), "{src}: {e}");
        }
    }

    #[test]
    fn what_only_changes_writing_is_accepted_and_unknown_fields_are_checked() {
        assert!(derive("struct A { #[serde(skip_serializing_if = \"Option::is_none\")] a: Option<i64> }").is_ok());
        let out = derive("#[serde(deny_unknown_fields)] struct A { a: i64, #[serde(rename = \"bee\")] b: i64, #[serde(skip)] c: i64 }").unwrap();
        assert!(out.contains("deny_unknown"), "{out}");
        assert!(out.contains("\"a\" , \"bee\""), "{out}");
        assert!(!out.contains("\"c\""), "{out}");
    }
}
