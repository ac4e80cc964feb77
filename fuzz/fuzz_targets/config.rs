//! Any text as the config file: a config or an error naming the file, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pipeline::config::Config;

fuzz_target!(|text: &str| {
    let path = Path::new("/etc/pipeline/pipeline.toml");
    if let Err(e) = Config::parse(text, path) {
        let message = e.to_string();
        assert!(
            message.contains("pipeline.toml"),
            "names the file: {message}"
        );
    }
});
