//! The code writer's unit tests: literal escaping, address names, chains, derived builders, files.

use std::collections::BTreeMap;

use super::*;
use crate::resource::Resource;
use crate::testing::Thing;
use crate::value::Attrs;

#[test]
fn strings_escape_quotes_backslashes_and_control_characters() {
    assert_eq!(string("plain"), r#""plain""#);
    assert_eq!(string(r#"say "hi""#), r#""say \"hi\"""#);
    assert_eq!(string(r"C:\dir\file"), r#""C:\\dir\\file""#);
    assert_eq!(string("two\nlines\r\tand\0"), r#""two\nlines\r\tand\0""#);
    assert_eq!(string("bell\u{7}esc\u{1b}"), r#""bell\u{7}esc\u{1b}""#);
    assert_eq!(string(""), r#""""#);
}

#[test]
fn unicode_is_kept_as_written() {
    assert_eq!(string("équipe → 東京 🚀"), "\"équipe → 東京 🚀\"");
    // The line and paragraph separators are not control characters: Rust takes them as is.
    assert_eq!(string("a\u{2028}b"), "\"a\u{2028}b\"");
}

#[test]
fn string_literals_mean_what_they_hold() {
    // Each literal, read back by a Rust-compatible parser (JSON's escapes agree for these),
    // is the original string.
    for s in ["plain", "q\"uote", "back\\slash", "new\nline", "tab\t", "é東🚀"] {
        let literal = string(s);
        let back: String = serde_json::from_str(&literal).expect("a valid literal");
        assert_eq!(back, s);
    }
}

#[test]
fn numbers_and_string_arrays() {
    assert_eq!(number(&Value::from(30u32)).as_deref(), Some("30"));
    assert_eq!(number(&Value::from("30")), None);
    assert_eq!(strings(&["1", "2"]), r#"["1", "2"]"#);
    assert_eq!(strings::<&str>(&[]), "[]");
}

#[test]
fn address_names_are_valid_and_unique() {
    assert_eq!(address_name("quikapp-media-staging"), "quikapp-media-staging");
    assert_eq!(address_name("Media.Bucket 2"), "media_bucket_2");
    assert_eq!(address_name("9lives"), "r_9lives");
    assert_eq!(address_name("..."), "r_");
    for name in ["Media.Bucket 2", "9lives", "東京", "a"] {
        let address: Result<Address, _> = format!("aws_s3_bucket.{}", address_name(name)).parse();
        assert!(address.is_ok(), "{name}: {address:?}");
    }
    assert_eq!(unique_address_names(&["a.b", "a-b", "a_b", "a.b"]), ["a_b", "a-b", "a_b_2", "a_b_3"]);
}

#[test]
fn chains_write_one_call_a_line_or_inline() {
    let inner = Chain::new("Rule::new", [string("logs")]).call("prefix", [string("logs/")]);
    assert_eq!(inner.inline(), r#"Rule::new("logs").prefix("logs/")"#);
    let chain = Chain::new("Thing::new", [string("a")])
        .call("size", ["3".to_string()])
        .call_if(false, "never", [])
        .call("rule", [inner.inline()]);
    let declaration =
        Declaration::new(Address::new("test_thing", "a"), ["quikinfra::engine::testing::Thing"], chain).note("a note");
    insta::assert_snapshot!(render(&["First line.".to_string(), String::new(), "Third.".to_string()], &[declaration]));
}

#[test]
fn tags_leave_the_environments_standard_tags_out_and_note_the_missing_ones() {
    let standard: BTreeMap<String, String> =
        [("environment", "dev"), ("managed-by", "quikinfra")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let ctx = GenerateContext { standard_tags: &standard };
    let live: BTreeMap<String, String> =
        [("environment", "dev"), ("team", "media")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let d = tags(Declaration::new(Address::new("test_thing", "a"), [], Chain::new("Thing::new", [])), &live, &ctx);
    assert_eq!(d.chain.inline(), r#"Thing::new().tag("team", "media")"#);
    assert_eq!(
        d.notes,
        [
            "The environment tags every resource with managed-by=quikinfra, which the object does not carry: the first apply after import sets them."
        ]
    );
}

#[test]
fn generators_are_found_by_type_and_listed_sorted() {
    let generators = Generators::new().with::<Thing>();
    assert_eq!(generators.types(), [Thing::TYPE]);
    assert!(generators.get("aws_s3_bucket").is_none());
    let g = generators.get(Thing::TYPE).expect("registered");
    assert_eq!(g.schema.provider, "test");
    let mut live = Attrs::new();
    live.insert("size", Value::from(7u32));
    live.insert("zone", Value::from("b"));
    let no_tags = BTreeMap::new();
    let d = g.generate(&Address::new(Thing::TYPE, "x"), &live, &GenerateContext { standard_tags: &no_tags }).unwrap();
    assert_eq!(d.chain.inline(), r#"Thing::new("x").size(7).zone("b")"#);
}

#[test]
fn rendering_is_deterministic() {
    let d =
        || Declaration::new(Address::new("test_thing", "a"), ["b::B", "a::A"], Chain::new("Thing::new", [string("a")]));
    assert_eq!(render(&[], &[d(), d()]), render(&[], &[d(), d()]));
    assert!(render(&[], &[d()]).starts_with("use a::A;\nuse b::B;\nuse quikinfra::prelude::*;\n"));
}

#[test]
fn derived_builders_write_what_differs_from_the_constructor() {
    let no_tags = BTreeMap::new();
    let ctx = GenerateContext { standard_tags: &no_tags };
    let address = Address::new(Thing::TYPE, "x");
    let start = || Declaration::new(address.clone(), [], Chain::new("Thing::new", [string("x")]));
    let mut live = attributes(&Thing::new("x"));
    live.insert("link", Value::from("arn:aws:kms:eu-west-1:1:key/\"q\""));
    live.insert("tags", Value::Map([("team".to_string(), Value::from("media"))].into()));
    let d = plain_builders(start(), &live, &Thing::new("x"), &[], &ctx).unwrap();
    assert_eq!(
        d.chain.inline(),
        r#"Thing::new("x").link("arn:aws:kms:eu-west-1:1:key/\"q\"").tag("team", "media")"#,
        "size and zone are the constructor's"
    );
    let handled = plain_builders(start(), &live, &Thing::new("x"), &["link", "tags"], &ctx).unwrap();
    assert_eq!(handled.chain.inline(), r#"Thing::new("x")"#);
    live.insert("size", Value::List(vec![]));
    let err = plain_builders(start(), &live, &Thing::new("x"), &[], &ctx).unwrap_err();
    assert_eq!(err.to_string(), "test_thing.x: cannot write `size` as code: `.size` takes no literal");
}
