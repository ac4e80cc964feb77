//! Any text as an analyst's commentary file, parsed and typeset with the report's
//! components: commentary is data, so it can never break the layout.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pipeline::render::{self, Engine, Job, commentary};

#[path = "common.rs"]
mod common;

fn engine() -> &'static (tempfile::TempDir, Engine) {
    static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let layouts = common::repo().join("layouts");
        std::fs::copy(layouts.join("common.typ"), dir.path().join("common.typ")).unwrap();
        let harness = common::repo().join("fuzz/harness/commentary.typ");
        std::fs::copy(harness, dir.path().join("commentary.typ")).unwrap();
        let engine = Engine::new(dir.path(), &[layouts.join("fonts")]);
        (dir, engine)
    })
}

fuzz_target!(|text: &str| {
    let blocks = commentary::parse(text);
    let data = serde_json::to_vec(&serde_json::json!({ "blocks": blocks })).unwrap();
    let job = Job {
        layout: "commentary.typ",
        data,
        extra: Vec::new(),
        date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        ident: "fuzz".into(),
    };
    if let Err(e) = render::compile(&engine().1, job) {
        panic!("commentary broke the layout: {e}");
    }
});
