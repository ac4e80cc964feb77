//! Logging: readable lines on a terminal, JSON under systemd (or when asked for).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for the journal and log collectors.
    Json,
}

/// Whether this process runs under systemd (its output goes to the journal).
pub fn under_systemd() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some() || std::env::var_os("INVOCATION_ID").is_some()
}

/// Whether a person is watching: a terminal on stderr and no systemd.
pub fn interactive() -> bool {
    std::io::stderr().is_terminal() && !under_systemd()
}

/// Installs the global subscriber. `RUST_LOG` decides the level (default `info`); on a
/// terminal with progress bars, only warnings and errors are logged unless `RUST_LOG` says more.
pub fn init(format: Option<LogFormat>, quiet_for_progress: bool) {
    let default = if quiet_for_progress { "warn" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = match format {
        Some(f) => f == LogFormat::Json,
        None => under_systemd(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// Runs one part of a stage and logs its time at debug level (`RUST_LOG=pipeline=debug`),
/// for profiling: the stages' own times are logged at info level by the run.
pub fn timed<T>(part: &str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    tracing::debug!(
        part,
        seconds = started.elapsed().as_secs_f64(),
        "part timed"
    );
    out
}
