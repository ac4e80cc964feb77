//! Any text as the config file (`pipeline::fuzzing::config`).
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| pipeline::fuzzing::config(text));
