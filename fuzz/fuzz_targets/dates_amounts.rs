//! Dutch dates, amounts and quarters as people type them (`pipeline::fuzzing::dates_amounts`).
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| pipeline::fuzzing::dates_amounts(text));
