//! Tidy checks over the source tree: every module says what it is for in a `//!` comment on
//! its first line, and library code leaves no stub macro calls (todo, unimplemented) behind.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "src",
        "quikinfra-core/src",
        "quikinfra-aws/src",
        "quikinfra-azure/src",
        "quikinfra-arm-emulator/src",
        "examples",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "the tidy check found too few files: {files:?}");
    files
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|p| !std::fs::read_to_string(p).unwrap().starts_with("//!"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a leading `//!` comment: {missing:#?}");
}

#[test]
fn library_code_has_no_stubs() {
    let stubs: Vec<String> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.contains(concat!("todo", "!(")) || text.contains(concat!("unimplemented", "!("))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(stubs.is_empty(), "stubs left in: {stubs:#?}");
}
