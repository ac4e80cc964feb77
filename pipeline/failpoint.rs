//! Test hooks at every step where a crash or a failure must leave nothing half done: the
//! tests' fault matrix (tests/it/fault_matrix.rs) ends the process at each of them, or makes the
//! step fail, and checks what the next run or daemon start makes of it.
//!
//! Compiled in only with the `failpoints` feature (CI's test build). Set
//! `FAILPOINTS=<name>=return(kill)` to end the process there as a crash would (abort: no
//! destructor runs, no lock is released by the program), or `=return(fail)` to make the
//! step fail with an error naming the point. Without the feature the macro is nothing.

/// Every failpoint, in the order a run meets them.
pub const NAMES: [&str; 12] = [
    "pull::after_object",
    "snapshot::before_rename",
    "run::after_load",
    "publish::before_rename",
    "publish::after_rename",
    "publish::after_current",
    "ledger::before_end_run",
    "deliver::after_queue",
    "deliver::before_send",
    "deliver::after_handed_over",
    "deliver::after_accepted",
    "ledger::after_mail_result",
];

/// What the point is set to do, if anything: `kill` never returns.
#[cfg(feature = "failpoints")]
pub fn action(name: &str) -> Option<String> {
    let action = fail::eval(name, |arg| arg.unwrap_or_default())?;
    if action == "kill" {
        eprintln!("failpoint {name}: ending the process");
        std::process::abort();
    }
    Some(action)
}

/// Whether the point is set to fail (it never is without the `failpoints` feature).
#[cfg(not(feature = "failpoints"))]
pub fn action(_name: &str) -> Option<String> {
    None
}

/// `failpoint!("name", error)`: returns `Err(error)` when the point is set to fail; ends
/// the process when it is set to kill.
#[macro_export]
macro_rules! failpoint {
    ($name:expr, $error:expr) => {
        if $crate::failpoint::action($name).is_some() {
            return Err($error);
        }
    };
}

/// The error text a failed point gives.
pub fn message(name: &str) -> String {
    format!("injected failure at {name}")
}
