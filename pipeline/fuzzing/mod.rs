//! The bodies of the fuzz targets (`fuzz/`), as plain library functions.
//!
//! libFuzzer calls them through `fuzz/fuzz_targets/*.rs` with coverage instrumentation
//! (`fuzz/run.sh`); `cargo test` calls the same functions on the committed corpus and on
//! every crash found so far (`fuzz/corpus/<target>/`), so a fuzz finding stays a test
//! without an instrumented build. Each function panics when the input breaks a promise the
//! program makes about outside input; otherwise it returns quietly.

mod tiny;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::load::{LoadError, amount, budget::load_budget, dates, load_export};
use crate::render::{self, Engine, Job, commentary as markdown};

/// The fuzz targets, by the name of their folder under `fuzz/corpus/`.
pub const TARGETS: [&str; 5] = [
    "dates_amounts",
    "csv_table",
    "xlsx_budget",
    "config",
    "commentary",
];

/// Dutch dates, amounts and quarters as people type them: any text gives a value or a
/// refusal, never a panic, and what is read is a real value.
pub fn dates_amounts(text: &str) {
    for birth in [false, true] {
        if let Some(days) = dates::parse(text, birth)
            && days != dates::UNREADABLE
        {
            // Every date read lies in the calendar chrono knows.
            assert!(
                chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163).is_some(),
                "{text:?} -> {days}"
            );
        }
    }
    if let Some(v) = amount::parse_amount(text) {
        assert!(v.is_finite(), "{text:?} -> {v}");
    }
    if let Ok(q) = text.parse::<crate::Quarter>() {
        // A quarter read is one that prints and reads back as itself.
        assert_eq!(q.to_string().parse::<crate::Quarter>().ok(), Some(q));
    }
}

/// Any text as the config file: a config or an error naming the file, never a panic.
pub fn config(text: &str) {
    let path = Path::new("/etc/pipeline/pipeline.toml");
    if let Err(e) = Config::parse(text, path) {
        let message = e.to_string();
        assert!(
            message.contains("pipeline.toml"),
            "names the file: {message}"
        );
    }
}

/// Any bytes as the municipality's budget workbook (through the zip guard, calamine and
/// the hidden-column reader): a budget or a clear error naming the workbook, never a panic.
pub fn xlsx_budget(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("begroting-2024.xlsx");
    std::fs::write(&path, bytes).expect("writing the workbook");
    match load_budget(&path, String::new()) {
        Ok(budget) => {
            for line in &budget.lines {
                assert!(line.begroting().is_finite());
            }
        }
        Err(LoadError::Internal(message)) => panic!("internal error: {message}"),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("begroting-2024.xlsx"),
                "names the workbook: {message}"
            );
        }
    }
}

/// One table of a tiny, consistent export replaced by the input, the rest left as they
/// are: built once, then used for every input.
pub struct CsvTable {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: Config,
    originals: Vec<Vec<u8>>,
}

impl CsvTable {
    pub fn new(layouts: &Path) -> CsvTable {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("export");
        tiny::export(&data);
        let path = dir.path().join("pipeline.toml");
        let config = Config::parse(&tiny::config_text(dir.path(), &data, layouts), &path)
            .expect("the fuzzing config parses");
        let originals = tiny::TABLES
            .iter()
            .map(|t| std::fs::read(data.join(t)).expect("the tiny export"))
            .collect();
        let setup = CsvTable {
            _dir: dir,
            data,
            config,
            originals,
        };
        // The untouched export loads: a failure below is the mutated table's doing.
        setup.load().expect("the tiny export loads");
        setup
    }

    fn load(&self) -> Result<(), LoadError> {
        let tenant = self.config.tenant(None).expect("one tenant");
        let renames = crate::load::Renames {
            columns: &tenant.columns,
            values: &tenant.values,
        };
        load_export(
            &self.data,
            &Default::default(),
            &renames,
            tenant.export.csv(),
            &self.config.monitor.load(),
        )
        .map(|_| ())
    }

    /// The first byte picks the table, the rest is its content: the load gives frames or a
    /// clear one-line error naming a file, never a panic and never an internal error.
    pub fn run(&self, input: &[u8]) {
        let Some((&pick, bytes)) = input.split_first() else {
            return;
        };
        let i = usize::from(pick) % tiny::TABLES.len();
        let path = self.data.join(tiny::TABLES[i]);
        std::fs::write(&path, bytes).expect("writing the table");
        let result = self.load();
        std::fs::write(&path, &self.originals[i]).expect("restoring the table");
        match result {
            Ok(()) => {}
            Err(LoadError::Internal(message)) => {
                panic!("internal error on {}: {message}", tiny::TABLES[i])
            }
            Err(e) => {
                let message = e.to_string();
                // A mutated table can make another one fail (e.g. contacts of cases that
                // are gone), so the error names some file or the folder.
                let named = tiny::TABLES
                    .iter()
                    .any(|t| message.contains(t.trim_end_matches(".csv")))
                    || message.contains(&self.data.display().to_string());
                assert!(named, "the error names the file: {message}");
                assert!(!message.contains('\n'), "one line: {message}");
            }
        }
    }
}

/// Analysts' commentary typeset with the report's own components: any text is data and
/// can never break the layout or the PDF/UA export.
pub struct Commentary {
    _dir: tempfile::TempDir,
    engine: Engine,
}

impl Commentary {
    pub fn new(layouts: &Path) -> Commentary {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::copy(layouts.join("common.typ"), dir.path().join("common.typ"))
            .expect("layouts/common.typ");
        std::fs::write(
            dir.path().join("commentary.typ"),
            include_str!("commentary.typ"),
        )
        .expect("writing the harness layout");
        let engine = Engine::new(dir.path(), &[layouts.join("fonts")]);
        Commentary { _dir: dir, engine }
    }

    pub fn run(&self, text: &str) {
        let mut blocks = markdown::parse(text);
        // As every document's text is before it reaches a layout (render::prepare).
        let texts = blocks.iter_mut().flat_map(|b| b.texts()).collect();
        crate::render::displayable::clean(&self.engine, "", texts);
        let data =
            serde_json::to_vec(&serde_json::json!({ "blocks": blocks })).expect("blocks serialise");
        let job = Job {
            layout: "commentary.typ",
            data,
            extra: Vec::new(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).expect("a date"),
            ident: "fuzz".into(),
        };
        if let Err(e) = render::compile(&self.engine, job) {
            panic!("commentary broke the layout: {e}");
        }
    }
}
