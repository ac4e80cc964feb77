//! Any bytes as the municipality's budget workbook (`pipeline::fuzzing::xlsx_budget`).
#![no_main]

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

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    tolerate_calamine_overflow();
    pipeline::fuzzing::xlsx_budget(bytes);
});
