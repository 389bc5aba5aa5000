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

/// The top-level modules of `quikinfra-core` each file names through `crate::…` (test modules
/// left out), keyed by the module the file belongs to.
fn core_module_imports() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("quikinfra-core/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut imports: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for path in files {
        let relative = path.strip_prefix(&root).unwrap();
        let module =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || relative.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let entry = imports.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name != module && name.chars().next().is_some_and(|c| c.is_lowercase()) {
                entry.insert(name);
            }
        }
    }
    imports
}

#[test]
fn core_modules_import_no_circle() {
    let imports = core_module_imports();
    assert!(imports.len() > 10 && imports.contains_key("plan"), "found too few modules: {imports:?}");
    // Depth-first search for a path from each module back to itself.
    let mut circles = Vec::new();
    for start in imports.keys() {
        let mut stack = vec![vec![start.clone()]];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path.last().unwrap();
            for next in imports.get(last).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles between quikinfra-core modules: {circles:#?}");
}
