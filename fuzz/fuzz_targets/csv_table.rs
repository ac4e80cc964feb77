//! Any bytes as one table of the registration export: the load gives frames or a clear
//! error naming the file, never a panic and never an internal error.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pipeline::config::Config;
use pipeline::load::{LoadError, load_export};

#[path = "common.rs"]
mod common;

const TABLES: [&str; 9] = [
    "casussen.csv",
    "clienten.csv",
    "contactmomenten.csv",
    "zrm_metingen.csv",
    "tevredenheid.csv",
    "collectieve_trajecten.csv",
    "bijeenkomsten.csv",
    "mantelzorgers.csv",
    "vrijwilligers.csv",
];

struct Setup {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    config: Config,
    originals: Vec<Vec<u8>>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("export");
        common::tiny_export(&data);
        let path = dir.path().join("pipeline.toml");
        let config = Config::parse(&common::config_text(dir.path(), &data), &path).unwrap();
        let originals = TABLES
            .iter()
            .map(|t| std::fs::read(data.join(t)).unwrap())
            .collect();
        // The untouched export loads: a failure below is the mutated table's doing.
        let s = Setup {
            _dir: dir,
            data,
            config,
            originals,
        };
        let tenant = s.config.tenant(None).unwrap();
        load_export(
            &s.data,
            &BTreeMap::new(),
            tenant,
            tenant.export.csv(),
            &s.config.monitor,
        )
        .expect("the tiny export loads");
        s
    })
}

fuzz_target!(|input: &[u8]| {
    let Some((&pick, bytes)) = input.split_first() else {
        return;
    };
    let s = setup();
    let i = usize::from(pick) % TABLES.len();
    let path = s.data.join(TABLES[i]);
    std::fs::write(&path, bytes).unwrap();
    let tenant = s.config.tenant(None).unwrap();
    let result = load_export(
        &s.data,
        &BTreeMap::new(),
        tenant,
        tenant.export.csv(),
        &s.config.monitor,
    );
    std::fs::write(&path, &s.originals[i]).unwrap();
    match result {
        Ok(_) => {}
        Err(LoadError::Internal(message)) => panic!("internal error on {}: {message}", TABLES[i]),
        Err(e) => {
            let message = e.to_string();
            // A mutated table can make another one fail (e.g. contacts of cases that are
            // gone), so the error names some file or the folder, not necessarily this one.
            let named = TABLES
                .iter()
                .any(|t| message.contains(t.trim_end_matches(".csv")))
                || message.contains(&s.data.display().to_string());
            assert!(named, "the error names the file: {message}");
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }
});
