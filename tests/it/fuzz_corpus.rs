//! Every fuzz target's body, run on its committed corpus: the minimised inputs the fuzzer
//! kept and every crash it found (`fuzz/corpus/<target>/crash-*`). No instrumentation is
//! needed to replay them; `fuzz/run.sh` is where new inputs are found.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use pipeline::fuzzing::{self, Commentary, CsvTable, TARGETS};

use crate::common::repo;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` on every input of `target`'s corpus; names every input that failed.
fn replay(target: &str, body: impl Fn(&[u8])) -> usize {
    let files = corpus(target);
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap();
            catch_unwind(AssertUnwindSafe(|| body(&bytes))).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: failed on {failed:#?}");
    files.len()
}

/// libFuzzer hands a `&str` target only inputs that are UTF-8; others it skips.
fn text(bytes: &[u8], body: impl Fn(&str)) {
    if let Ok(t) = std::str::from_utf8(bytes) {
        body(t)
    }
}

#[test]
fn every_target_has_a_committed_corpus_with_its_crashes() {
    let mut total = 0;
    for target in TARGETS {
        let files = corpus(target);
        assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
        total += files
            .iter()
            .map(|f| f.metadata().unwrap().len())
            .sum::<u64>();
    }
    assert!(total <= 2 << 20, "the corpus is {total} bytes, above 2 MB");
    let crashes = |t: &str| {
        corpus(t)
            .iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("crash-")
            })
            .count()
    };
    assert!(crashes("commentary") >= 2 && crashes("xlsx_budget") >= 2);
}

#[test]
fn dates_amounts_corpus() {
    replay("dates_amounts", |b| text(b, fuzzing::dates_amounts));
}

#[test]
fn config_corpus() {
    replay("config", |b| text(b, fuzzing::config));
}

#[test]
fn xlsx_budget_corpus() {
    replay("xlsx_budget", fuzzing::xlsx_budget);
}

#[test]
fn csv_table_corpus() {
    let setup = CsvTable::new(&repo().join("layouts"));
    replay("csv_table", |b| setup.run(b));
}

#[test]
fn commentary_corpus() {
    let setup = Commentary::new(&repo().join("layouts"));
    replay("commentary", |b| text(b, |t| setup.run(t)));
}
