//! Any bytes as one table of the registration export (`pipeline::fuzzing::CsvTable`).
#![no_main]

use std::sync::OnceLock;

use pipeline::fuzzing::CsvTable;

fn setup() -> &'static CsvTable {
    static SETUP: OnceLock<CsvTable> = OnceLock::new();
    let layouts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    SETUP.get_or_init(|| CsvTable::new(&layouts))
}

libfuzzer_sys::fuzz_target!(|input: &[u8]| setup().run(input));
