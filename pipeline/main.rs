//! The `pipeline` command: one run by hand, the demo data, and (later) the daemon.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use pipeline::config::Config;
use pipeline::demo::{DemoOptions, Scale};
use pipeline::logging::{self, LogFormat};
use pipeline::quarter::Quarter;
use pipeline::render::Engine;
use pipeline::run::{self, Progress, RunRequest, STAGES};

#[derive(Parser)]
#[command(
    name = "pipeline",
    version,
    about = "Publishes the quarterly Monitor Sociaal Domein: pulls the registration export and the budget workbook, computes the figures and typesets the kwartaalrapportage and raadsmemo as PDFs."
)]
struct Cli {
    /// Log format; JSON by default under systemd, text otherwise.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one quarter now: pull, load, compute, render and publish.
    Run {
        /// The report quarter, e.g. 2024Q4 (also 2024-Q4 or 2024q4).
        #[arg(long)]
        quarter: Quarter,
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// The tenant to run (default: the first in the config).
        #[arg(long)]
        tenant: Option<String>,
        /// Rerun from a kept snapshot instead of pulling.
        #[arg(long)]
        snapshot: Option<String>,
        /// Do not mail the publication.
        #[arg(long)]
        no_mail: bool,
        /// Build the whole publication into a scratch folder and show what would change;
        /// publish nothing, mail nothing.
        #[arg(long)]
        preview: bool,
        /// Read every table from this folder instead of the configured export (encoding and
        /// delimiter detected, the contract's headers, no column mapping).
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        /// Read the budget from this workbook instead of the configured source.
        #[arg(long, value_name = "FILE")]
        budget: Option<PathBuf>,
        /// Publish into this folder instead of the configured output_dir.
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Show what changed between two published versions of a quarter, in the documents'
    /// words: label, breakdown, period, old → new.
    Changes {
        /// The quarter whose versions to compare, e.g. 2024Q4.
        #[arg(long)]
        quarter: Quarter,
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// The tenant (default: the first in the config).
        #[arg(long)]
        tenant: Option<String>,
        /// The older version (default: the one before --to).
        #[arg(long)]
        from: Option<u32>,
        /// The newer version (default: the current one).
        #[arg(long)]
        to: Option<u32>,
        /// `intern`: every figure of figures.csv; `openbaar`: the cells the public documents show.
        #[arg(long, default_value = "intern", value_parser = ["intern", "openbaar"])]
        edition: String,
        /// Compare the preview (`run --preview`) with the current version (or --from).
        #[arg(long, conflicts_with = "to")]
        preview: bool,
    },
    /// For the quality staff, on the terminal only: the registrations (case or client
    /// numbers) behind one figure and what counted each; for a correction, what moved it.
    /// Its output is personal data.
    Explain {
        /// The quarter whose publication to explain, e.g. 2024Q4.
        #[arg(long)]
        quarter: Quarter,
        /// The figure: its code (ind_in_behandeling) or its label as the report prints it.
        figure: String,
        /// The breakdown value (a form code such as IT, a team, an age band such as 55-64);
        /// default the total.
        breakdown: Option<String>,
        /// The period (default the year to date, e.g. 2024Q1-Q4; also 2023Q1-Q4 or 2024Q3).
        #[arg(long)]
        period: Option<String>,
        /// The version to explain (default the current one).
        #[arg(long)]
        version: Option<u32>,
        /// Explain the preview (`run --preview`), against the current version.
        #[arg(long, conflicts_with = "version")]
        preview: bool,
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// The tenant (default: the first in the config).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Run as a service: publish on the configured schedule and catch up on missed quarters.
    Daemon {
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// Run what is due now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Show the run ledger: every run, its outcome and its mails.
    History {
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// Only this quarter.
        #[arg(long)]
        quarter: Option<Quarter>,
        /// At most this many runs, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Check every source and table without publishing anything.
    Check {
        /// Default: config/pipeline.toml here, else /etc/pipeline/pipeline.toml.
        #[arg(long, default_value_os_t = pipeline::config::default_path())]
        config: PathBuf,
        /// The quarter whose budget workbook to check (default: the newest quarter the
        /// export covers).
        #[arg(long)]
        quarter: Option<Quarter>,
    },
    /// Write a deterministic, realistic demo export and budget workbook.
    DemoData {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        #[arg(long, value_enum, default_value = "s")]
        scale: Scale,
        /// The last quarter the export covers (default: the last complete quarter).
        #[arg(long)]
        until: Option<Quarter>,
    },
}

/// Progress per stage on a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn stage(&self, index: usize, name: &str) {
        self.0.set_position(index as u64);
        self.0.set_message(name.to_string());
    }
    fn done(&self, index: usize, name: &str, seconds: f64) {
        self.0.println(format!("  ✓ {name:<8} {seconds:>6.2} s"));
        self.0.set_position(index as u64 + 1);
    }
}

/// Stage timings in the log when nobody watches.
struct Logged;

impl Progress for Logged {
    fn stage(&self, index: usize, name: &str) {
        tracing::info!(
            stage = name,
            step = index + 1,
            of = STAGES.len(),
            "stage started"
        );
    }
    fn done(&self, _index: usize, name: &str, seconds: f64) {
        tracing::info!(stage = name, seconds, "stage finished");
    }
}

/// The ledger as a plain table for a terminal.
fn history_table(rows: &[pipeline::ledger::RunRow]) -> String {
    let t = rows
        .iter()
        .map(|r| r.tenant.chars().count())
        .max()
        .unwrap_or(0)
        .max("tenant".len());
    let mut out = format!(
        "{:>4}  {:<t$} {:<7} {:<9} {:<20} {:<20} {:<11} {:>3} {:<16} {:>5} {:>6}  {}\n",
        "run",
        "tenant",
        "quarter",
        "trigger",
        "started (UTC)",
        "ended (UTC)",
        "status",
        "v",
        "snapshot",
        "mails",
        "failed",
        "error"
    );
    for r in rows {
        let time = |t: &Option<String>| {
            t.as_deref()
                .unwrap_or("")
                .trim_end_matches('Z')
                .replace('T', " ")
        };
        out.push_str(&format!(
            "{:>4}  {:<t$} {:<7} {:<9} {:<20} {:<20} {:<11} {:>3} {:<16} {:>5} {:>6}  {}\n",
            r.id,
            r.tenant,
            r.quarter,
            r.trigger,
            time(&Some(r.started.clone())),
            time(&r.ended),
            r.status,
            r.version.map(|v| v.to_string()).unwrap_or_default(),
            r.snapshot.as_deref().unwrap_or(""),
            r.mails_sent,
            r.mails_failed,
            r.error.as_deref().unwrap_or("")
        ));
    }
    if rows.is_empty() {
        out.push_str("(no runs recorded)\n");
    }
    out
}

/// Every mail of the ledger: where it got, and whether its recipient may have it twice.
fn mails_table(rows: &[pipeline::ledger::MailRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    // As wide as the longest tenant and recipient, so that the columns line up.
    let width = |f: &dyn Fn(&pipeline::ledger::MailRow) -> usize, title: &str| {
        rows.iter().map(f).max().unwrap_or(0).max(title.len())
    };
    let (t, r) = (
        width(&|m| m.key.tenant.chars().count(), "tenant"),
        width(&|m| m.key.recipient.chars().count(), "recipient"),
    );
    let mut out = format!(
        "\n{:<t$} {:<7} {:>3} {:<18} {:<r$} {:<12} {:>8} {:<20} {}\n",
        "tenant",
        "quarter",
        "v",
        "document",
        "recipient",
        "state",
        "attempts",
        "last attempt (UTC)",
        "note"
    );
    for m in rows {
        let mut note = m.error.clone().unwrap_or_default();
        if m.doubtful {
            note =
                format!("possibly doubled (an attempt was cut off after the server had it) {note}");
        }
        out.push_str(&format!(
            "{:<t$} {:<7} {:>3} {:<18} {:<r$} {:<12} {:>8} {:<20} {}\n",
            m.key.tenant,
            m.key.quarter,
            m.key.version,
            m.key.document,
            m.key.recipient,
            m.state.as_str(),
            m.attempts,
            m.last_attempt
                .as_deref()
                .unwrap_or("")
                .trim_end_matches('Z')
                .replace('T', " "),
            note.trim()
        ));
    }
    out
}

/// glibc gives every thread that allocates under contention an arena of its own, up to
/// eight per core, and each keeps the memory its thread freed. Polars' workers allocate and
/// free column buffers of hundreds of megabytes; spread over a dozen arenas that freed
/// memory stays resident and is faulted in afresh elsewhere. One arena per core (at least
/// two) measured 0.3–0.4 GB less peak memory at scale L and a third less system time, with
/// the same or shorter wall time (bench/README.md, "Malloc arenas").
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = i32::try_from(cores.max(2)).unwrap_or(i32::MAX);
    // SAFETY: mallopt only sets a malloc parameter; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

fn main() -> ExitCode {
    // The tests' fault hooks (pipeline/failpoint.rs), from FAILPOINTS; only in a build with
    // the `failpoints` feature.
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    // Output piped into `head` or `less` that stops reading ends the program quietly, as
    // other command-line tools do, instead of a panic about a broken pipe.
    #[cfg(target_os = "linux")]
    // SAFETY: restores the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    limit_malloc_arenas();
    let cli = Cli::parse();
    let interactive = logging::interactive();
    logging::init(
        cli.log_format,
        interactive && matches!(cli.command, Command::Run { .. }),
    );
    let result = match cli.command {
        Command::Run {
            quarter,
            config,
            tenant,
            snapshot,
            no_mail,
            preview,
            export,
            budget,
            output,
        } => run_command(
            &config,
            RunArgs {
                quarter,
                tenant,
                snapshot,
                mail: !no_mail,
                preview,
                export,
                budget,
                output,
            },
            interactive,
        ),
        Command::Changes {
            quarter,
            config,
            tenant,
            from,
            to,
            edition,
            preview,
        } => changes_command(
            &config,
            quarter,
            tenant.as_deref(),
            (from, to, preview),
            &edition,
        ),
        Command::Explain {
            quarter,
            figure,
            breakdown,
            period,
            version,
            preview,
            config,
            tenant,
        } => explain_command(
            &config,
            tenant.as_deref(),
            quarter,
            (&figure, breakdown.as_deref(), period.as_deref()),
            if preview {
                run::explain::Which::Preview
            } else {
                run::explain::Which::Published(version)
            },
        ),
        Command::Daemon { config, once } => daemon_command(&config, once),
        Command::History {
            config,
            quarter,
            limit,
        } => history_command(&config, quarter, limit),
        Command::Check { config, quarter } => check_command(&config, quarter),
        Command::DemoData {
            out,
            seed,
            scale,
            until,
        } => demo_data_command(&out, seed, scale, until),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line a person can act on: the chain of causes, outermost first.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", written_out(&chain.join(": ")));
            ExitCode::FAILURE
        }
    }
}

/// A message as a terminal should show it: a message may quote a file name, a path or a
/// header from outside, and an escape sequence or a direction control in it would act on
/// the terminal (clear it, turn the line around) instead of being read. Those are written
/// out as `\u{1b}`; line breaks and tabs stay.
fn written_out(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if (c.is_control() && c != '\n' && c != '\t')
                || pipeline::load::table::direction_control(c)
            {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What `pipeline run` was asked.
struct RunArgs {
    quarter: Quarter,
    tenant: Option<String>,
    snapshot: Option<String>,
    mail: bool,
    preview: bool,
    export: Option<PathBuf>,
    budget: Option<PathBuf>,
    output: Option<PathBuf>,
}

/// `pipeline run`: one quarter now, with progress on a terminal; ends with where the PDFs are
/// (or, with `--preview`, where the preview is and what would change).
fn run_command(config: &Path, args: RunArgs, interactive: bool) -> anyhow::Result<()> {
    let mut config = Config::load(config)?;
    config.on_files(
        args.tenant.as_deref(),
        args.export.as_deref(),
        args.budget.as_deref(),
        args.output.as_deref(),
    )?;
    let tenant = config.tenant(args.tenant.as_deref())?;
    let engine = Engine::new(&config.layouts_dir, &config.font_dirs);
    let quarter = args.quarter;
    let request = RunRequest {
        config: &config,
        tenant,
        quarter,
        snapshot: args.snapshot,
        date: None,
        trigger: pipeline::ledger::Trigger::Manual,
        cancel: None,
        mail: args.mail && !args.preview,
        preview: args.preview,
    };
    let outcome = if interactive {
        let bar = ProgressBar::new(STAGES.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let result = run::run(&request, &engine, &Bar(bar.clone()));
        bar.finish_and_clear();
        result?
    } else {
        run::run(&request, &engine, &Logged)?
    };
    let p = &outcome.publication;
    let what = format!(
        "{} {} for {}",
        tenant.organisation, quarter, tenant.municipality
    );
    match (args.preview, p.new) {
        (true, true) => println!(
            "PREVIEW of {what}: would be published as version {}; nothing is published or mailed",
            p.version
        ),
        (true, false) => println!(
            "PREVIEW of {what}: the same as version {}, already published; nothing would change",
            p.version
        ),
        (false, true) => println!("{what}: published as version {}", p.version),
        (false, false) => println!(
            "{what}: unchanged, already published as version {}",
            p.version
        ),
    }
    if !args.preview || p.new {
        for file in &p.files {
            println!(
                "  {}  ({})",
                p.path(&file.name).display(),
                file.audience.as_str()
            );
        }
    }
    if args.preview
        && p.new
        && let Some(correction) = &outcome.correction
    {
        print!("{}", correction_text(&config, correction));
    }
    if let Some(delivery) = &outcome.delivery {
        println!("{delivery}");
    }
    Ok(())
}

/// A correction's changes per edition, as the documents' readers would read them.
fn correction_text(config: &Config, correction: &pipeline::publish::Correction) -> String {
    let threshold = config.monitor.disclose().threshold;
    let mut out = format!("changes against version {}:\n", correction.previous);
    for ((document, audience), changes) in &correction.cells {
        let view = pipeline::disclose::View::from_cells(*audience, threshold, []);
        out.push_str(&format!(
            "  {} ({}): {} changed\n",
            document.name(),
            audience.as_str(),
            changes.len()
        ));
        for c in changes {
            out.push_str(&format!(
                "    {}\n",
                pipeline::publish::changes::line(c, &view)
            ));
        }
    }
    out
}

/// `pipeline changes`: what changed between two published versions of a quarter.
fn changes_command(
    config: &Path,
    quarter: Quarter,
    tenant: Option<&str>,
    (from, to, preview): (Option<u32>, Option<u32>, bool),
    edition: &str,
) -> anyhow::Result<()> {
    use pipeline::disclose::{Audience, View};
    let config = Config::load(config)?;
    let tenant = config.tenant(tenant)?;
    let dir = pipeline::publish::QuarterDir::new(&config.output_dir, &tenant.id, quarter);
    let versions = dir.versions();
    let listed = versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let nothing = || {
        format!(
            "{} {quarter}: nothing is published in {}",
            tenant.id,
            dir.dir.display()
        )
    };
    // The newer side: a published version, or the preview.
    let (to_dir, to, from) = if preview {
        let (scratch, v) = run::preview_version(&config, &tenant.id, quarter)?;
        let from = from.or(versions.last().copied()).with_context(nothing)?;
        (scratch.version_dir(v), v, from)
    } else {
        let to = to.or(versions.last().copied()).with_context(nothing)?;
        anyhow::ensure!(
            versions.contains(&to),
            "{} {quarter}: there is no version {to} to compare (published: {listed})",
            tenant.id
        );
        (
            dir.version_dir(to),
            to,
            from.unwrap_or(to.saturating_sub(1)),
        )
    };
    anyhow::ensure!(
        versions.contains(&from),
        "{} {quarter}: there is no version {from} to compare (published: {listed})",
        tenant.id
    );
    let audience = if edition == "openbaar" {
        Audience::Openbaar
    } else {
        Audience::Intern
    };
    let changes = pipeline::publish::changes::between(
        (&dir.version_dir(from), &to_dir),
        (from, to),
        audience,
    )?
    .with_context(|| {
        format!(
            "{} {quarter}: v{from} or v{to} has no {edition} figures file",
            tenant.id
        )
    })?;
    let view = View::from_cells(audience, config.monitor.disclose().threshold, []);
    println!(
        "{} {quarter}, {edition}: v{from} → v{to}{}, {} changed",
        tenant.organisation,
        if preview { " (preview)" } else { "" },
        changes.len()
    );
    for c in &changes {
        println!("  {}", pipeline::publish::changes::line(c, &view));
    }
    Ok(())
}

/// `pipeline explain`: a figure's registrations, on the terminal only.
fn explain_command(
    config: &Path,
    tenant: Option<&str>,
    quarter: Quarter,
    (figure, breakdown, period): (&str, Option<&str>, Option<&str>),
    which: run::explain::Which,
) -> anyhow::Result<()> {
    use pipeline::figures::{FigureKey, Indicator};
    let config = Config::load(config)?;
    let tenant = config.tenant(tenant)?;
    let indicator = Indicator::from_code(figure)
        .or_else(|| {
            Indicator::ALL
                .iter()
                .copied()
                .find(|i| i.label().eq_ignore_ascii_case(figure.trim()))
        })
        .with_context(|| {
            format!("'{figure}' is no figure: give its code (ind_in_behandeling) or its label")
        })?;
    let period = period.map_or_else(|| quarter.year_to_date().label, str::to_string);
    let key = FigureKey::new(indicator, breakdown.unwrap_or(""), period);
    let e = run::explain::explain(&config, tenant, quarter, which, &key)?;
    let x = &e.explained;
    println!(
        "PERSONAL DATA: {} of the export, for the quality staff. Do not copy into a publication, mail or log; nothing of it was written anywhere.",
        x.numbers
    );
    let v = if e.preview {
        format!("preview of v{}", e.version)
    } else {
        format!("v{}", e.version)
    };
    println!("{} ({v}): {}", key.words(), x.rule);
    println!(
        "{} registrations; figures.csv of {v}: {}",
        x.registrations.len(),
        e.published.as_deref().unwrap_or("no such figure")
    );
    for r in &x.registrations {
        println!("  {}  {}", r.number, r.why);
    }
    if let Some((v, moved)) = &e.before {
        println!(
            "against v{v}: {} added, {} removed, {} changed",
            moved.added.len(),
            moved.removed.len(),
            moved.changed.len()
        );
        for r in &moved.added {
            println!("  + {}  {}", r.number, r.why);
        }
        for r in &moved.removed {
            println!("  - {}  {}", r.number, r.why);
        }
        for (old, new) in &moved.changed {
            println!("  ~ {}  {} → {}", new.number, old.why, new.why);
        }
    }
    Ok(())
}

/// `pipeline daemon`: the service.
fn daemon_command(config: &Path, once: bool) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    // Tests stand the daemon's clock at a chosen moment; nothing else sets this.
    let clock: std::sync::Arc<dyn pipeline::daemon::Clock> =
        match std::env::var("PIPELINE_CLOCK_START") {
            Ok(start) => {
                let start = chrono::DateTime::parse_from_rfc3339(&start).with_context(|| {
                    format!("PIPELINE_CLOCK_START={start}: expected an RFC 3339 time")
                })?;
                std::sync::Arc::new(pipeline::daemon::OffsetClock::new(
                    start.with_timezone(&chrono::Utc),
                ))
            }
            Err(_) => std::sync::Arc::new(pipeline::daemon::SystemClock),
        };
    pipeline::daemon::serve(config, clock, pipeline::daemon::DaemonOptions { once })?;
    Ok(())
}

/// `pipeline history`: the run ledger as a table.
fn history_command(config: &Path, quarter: Option<Quarter>, limit: usize) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let ledger = pipeline::ledger::Ledger::open(&config.state_dir, Duration::from_secs(10))?;
    print!("{}", history_table(&ledger.history(quarter, limit)?));
    print!("{}", mails_table(&ledger.mails(quarter)?));
    Ok(())
}

/// `pipeline check`: every source and table, one line each; non-zero when any failed.
fn check_command(config: &Path, quarter: Option<Quarter>) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let findings = pipeline::check::check(&config, quarter, chrono::Local::now().date_naive());
    for f in &findings {
        println!(
            "{} {:<10} {:<22} {}",
            if f.ok { "ok  " } else { "FAIL" },
            f.tenant,
            f.subject,
            f.detail
        );
    }
    let failed = findings.iter().filter(|f| !f.ok).count();
    anyhow::ensure!(failed == 0, "{failed} of {} checks failed", findings.len());
    Ok(())
}

/// `pipeline demo-data`: a deterministic, realistic export and budget workbook.
fn demo_data_command(
    out: &Path,
    seed: u64,
    scale: Scale,
    until: Option<Quarter>,
) -> anyhow::Result<()> {
    let until = until.unwrap_or_else(|| Quarter::last_complete(chrono::Local::now().date_naive()));
    let summary = pipeline::demo::generate(
        out,
        &DemoOptions {
            seed,
            scale,
            until: until.last_day(),
        },
    )
    .with_context(|| format!("writing demo data to {}", out.display()))?;
    for (file, rows) in &summary.files {
        println!("{file:<28} {rows:>12} rows");
    }
    println!("demo data through {until} written to {}", out.display());
    Ok(())
}
