//! Compile-fail tests: each misuse of `#[derive(Resource)]` and the error it gets
//! (`tests/ui/*.rs`, the expected compiler output beside each in a `.stderr`), and one type
//! using every attribute, which compiles. `TRYBUILD=overwrite` rewrites the `.stderr` files.

#[test]
fn misuse_is_a_compile_error_naming_the_field_and_the_fix() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
