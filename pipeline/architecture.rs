//! The crate's shape, checked: data flows one way through the stages, leaf modules use no
//! stage, and no two modules import each other, directly or round a loop. Read from the
//! source, so a new `use` that breaks the shape fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages in the order a run goes through them.
const STAGES: [&str; 7] = [
    "pull", "load", "monitor", "disclose", "render", "publish", "deliver",
];

/// Modules every stage may use, which use no stage.
const LEAVES: [&str; 8] = [
    "figures", "vocab", "notation", "quarter", "secrets", "spelling", "logging", "ledger",
];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module of each source file → the top-level modules its code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("under pipeline/");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main", "architecture"].contains(&module.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file");
        let entry = out.entry(module.clone()).or_default();
        // `crate::x` in code (the test modules too: they may not bend the shape either).
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                entry.insert(name);
            }
        }
    }
    out
}

#[test]
fn no_stage_imports_a_later_one_and_leaves_import_no_stage() {
    let imports = imports();
    for (module, names) in &imports {
        if let Some(at) = STAGES.iter().position(|s| s == module) {
            for later in &STAGES[at + 1..] {
                assert!(
                    !names.contains(*later),
                    "stage {module} imports the later stage {later}"
                );
            }
            for app in ["run", "daemon", "check", "config"] {
                assert!(!names.contains(app), "stage {module} imports {app}");
            }
        }
        if LEAVES.contains(&module.as_str()) {
            for stage in STAGES.iter().chain(["run", "daemon", "config"].iter()) {
                assert!(!names.contains(*stage), "leaf {module} imports {stage}");
            }
        }
    }
    // The earlier stages know nothing of what comes after them, by the letter too.
    for early in ["load", "monitor", "pull"] {
        for later in ["render", "publish", "deliver", "run"] {
            assert!(!imports[early].contains(later), "{early} imports {later}");
        }
    }
}

#[test]
fn no_two_modules_import_each_other_directly_or_round_a_loop() {
    let imports = imports();
    // Depth-first search for a cycle, reporting its path.
    fn visit<'a>(
        m: &'a str,
        imports: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!(
                "modules import each other: {} → {m}",
                path[at..].join(" → ")
            );
        }
        if done.contains(m) {
            return;
        }
        path.push(m);
        for next in imports.get(m).into_iter().flatten() {
            if imports.contains_key(next) {
                visit(next, imports, path, done);
            }
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in imports.keys() {
        visit(m, &imports, &mut Vec::new(), &mut done);
    }
    assert!(imports.len() >= 15, "{} modules found", imports.len());
}

#[test]
fn no_figure_code_is_written_as_text_outside_its_definition() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    let codes: Vec<&str> = crate::figures::Indicator::ALL
        .iter()
        .map(|i| i.code())
        .collect();
    for file in files {
        if file.ends_with("figures/indicator.rs") || file.ends_with("architecture.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file");
        for code in &codes {
            assert!(
                !text.contains(&format!("\"{code}\"")),
                "{}: the figure code {code} written as text",
                file.display()
            );
        }
    }
}
