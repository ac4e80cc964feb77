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
/// for profiling: the stages' own times are logged at info level by the run. The process's
/// CPU time beside it (all threads) says how busy the cores were: near twice the seconds on
/// two cores, the part is parallel; near the seconds, it runs on one.
pub fn timed<T>(part: &str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let cpu = cpu_seconds();
    let out = f();
    tracing::debug!(
        part,
        seconds = started.elapsed().as_secs_f64(),
        cpu_seconds = cpu_seconds() - cpu,
        "part timed"
    );
    out
}

/// User and system CPU time of the whole process so far.
#[cfg(target_os = "linux")]
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF always exists.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

#[cfg(not(target_os = "linux"))]
fn cpu_seconds() -> f64 {
    0.0
}
