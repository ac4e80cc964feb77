//! Any bytes as the municipality's budget workbook (through the zip guard, calamine and the
//! hidden-column reader): a budget or a clear error naming the workbook, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::load::LoadError;
use pipeline::load::budget::load_budget;

/// calamine 0.38 parses a cell reference's row with plain `u32` arithmetic: with overflow
/// checks (this build) a reference beyond 4 billion rows panics, in the release build it
/// wraps. The loader turns a panic inside calamine into an error and refuses a sheet whose
/// cells span absurdly far; so a panic raised in calamine must not abort the fuzzer, while
/// any other panic still does.
fn tolerate_calamine_overflow() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            let overflow = info
                .payload_as_str()
                .is_some_and(|m| m.contains("with overflow"));
            if !(calamine && overflow) {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|bytes: &[u8]| {
    tolerate_calamine_overflow();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("begroting-2024.xlsx");
    std::fs::write(&path, bytes).unwrap();
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
});
