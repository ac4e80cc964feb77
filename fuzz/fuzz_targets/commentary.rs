//! Any text as an analyst's commentary file, typeset with the report's components
//! (`pipeline::fuzzing::Commentary`).
#![no_main]

use std::sync::OnceLock;

use pipeline::fuzzing::Commentary;

fn setup() -> &'static Commentary {
    static SETUP: OnceLock<Commentary> = OnceLock::new();
    let layouts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    SETUP.get_or_init(|| Commentary::new(&layouts))
}

libfuzzer_sys::fuzz_target!(|text: &str| setup().run(text));
