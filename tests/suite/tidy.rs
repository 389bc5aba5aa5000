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
        "quikinfra-derive/src",
        "quikinfra-core/src",
        "quikinfra-cli/src",
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

/// Each workspace package's normal (not dev, not build) dependencies, transitively, as
/// `cargo metadata` resolves them with the lock file.
fn normal_closure(package: &str) -> std::collections::BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let rustc = std::process::Command::new("rustc").arg("-vV").output().expect("rustc -vV runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc names its host");
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", &host, "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: std::collections::BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let deps_of = |id: &str| -> Vec<String> {
        let node = nodes.iter().find(|n| n["id"] == id).unwrap();
        node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect()
    };
    let start = names.iter().find(|(_, name)| **name == package).map(|(id, _)| id.to_string()).unwrap();
    let (mut seen, mut stack) = (std::collections::BTreeSet::new(), vec![start]);
    while let Some(id) = stack.pop() {
        for dep in deps_of(&id) {
            if seen.insert(dep.clone()) {
                stack.push(dep);
            }
        }
    }
    seen.iter().map(|id| names[id.as_str()].to_string()).collect()
}

/// The crates in `closure` matching any of `forbidden` (`name` exactly, or a `prefix*`).
fn matching(closure: &std::collections::BTreeSet<String>, forbidden: &[&str]) -> Vec<String> {
    closure
        .iter()
        .filter(|name| {
            forbidden.iter().any(|f| match f.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => *name == f,
            })
        })
        .cloned()
        .collect()
}

#[test]
fn crates_keep_to_their_roles() {
    let derive = normal_closure("quikinfra-derive");
    let macro_crates = ["proc-macro2", "quote", "syn", "unicode-ident"];
    let beyond: Vec<&String> = derive.iter().filter(|name| !macro_crates.contains(&name.as_str())).collect();
    assert!(
        derive.contains("syn") && beyond.is_empty(),
        "quikinfra-derive depends on more than syn, quote, proc-macro2: {beyond:?}"
    );
    let core = normal_closure("quikinfra-core");
    assert!(core.contains("serde") && core.contains("quikinfra-derive"), "the closure was read: {core:?}");
    let cloud_or_terminal = [
        "clap*",
        "indicatif",
        "console",
        "aws-*",
        "azure_*",
        "quikinfra-cli",
        "quikinfra-aws",
        "quikinfra-azure",
        "quikinfra-arm-*",
    ];
    assert_eq!(matching(&core, &cloud_or_terminal), Vec::<String>::new(), "quikinfra-core depends on these");
    let cli = normal_closure("quikinfra-cli");
    assert_eq!(matching(&cli, &["aws-*", "azure_*", "quikinfra-aws", "quikinfra-azure"]), Vec::<String>::new());
    let aws = normal_closure("quikinfra-aws");
    let forbidden_aws = ["azure_*", "quikinfra-azure", "quikinfra-cli", "clap*", "indicatif"];
    assert_eq!(matching(&aws, &forbidden_aws), Vec::<String>::new(), "quikinfra-aws depends on these");
    let azure = normal_closure("quikinfra-azure");
    let forbidden_azure =
        ["aws-sdk-*", "aws-config", "aws-smithy-*", "quikinfra-aws", "quikinfra-cli", "clap*", "indicatif"];
    assert_eq!(matching(&azure, &forbidden_azure), Vec::<String>::new(), "quikinfra-azure depends on these");
    let emulator = normal_closure("quikinfra-arm-emulator");
    assert_eq!(matching(&emulator, &["quikinfra-*"]), Vec::<String>::new(), "the emulator depends on these");
    // The derive is a build-time tool of the engine, never a way around it.
    assert_eq!(matching(&derive, &["quikinfra-*"]), Vec::<String>::new(), "the derive depends on these");
}

#[test]
fn every_row_of_the_estate_has_its_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let missing: Vec<String> = crate::blueprint::ESTATE
        .iter()
        .filter(|row| {
            let file = root.join(format!("{}.rs", row.name));
            !std::fs::read_to_string(&file)
                .is_ok_and(|text| text.contains(&format!("blueprint::run(\"{}\")", row.name)))
        })
        .map(|row| row.name.to_string())
        .collect();
    assert!(missing.is_empty(), "rows without an examples/<name>.rs calling blueprint::run(\"<name>\"): {missing:?}");
}

#[test]
fn examples_parse_no_flags_by_hand() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let by_hand: Vec<String> = files
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).unwrap().contains(concat!("std::env::", "args(")))
        .map(|p| p.display().to_string())
        .collect();
    assert!(by_hand.is_empty(), "examples reading their arguments by hand (use clap or quikinfra::cli): {by_hand:?}");
}
