//! The `pipeline` command: one run by hand, the demo data, and (later) the daemon.

use std::path::PathBuf;
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
        #[arg(long, default_value = "config/pipeline.toml")]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let interactive = logging::interactive();
    logging::init(
        cli.log_format,
        interactive && matches!(cli.command, Command::Run { .. }),
    );
    match execute(cli.command, interactive) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line a person can act on: the chain of causes, outermost first.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command, interactive: bool) -> anyhow::Result<()> {
    match command {
        Command::Run {
            quarter,
            config,
            tenant,
            snapshot,
            no_mail: _,
        } => {
            let config = Config::load(&config)?;
            let tenant = config.tenant(tenant.as_deref())?;
            let engine = Engine::new(&config.layouts_dir, &config.font_dirs);
            let request = RunRequest {
                config: &config,
                tenant,
                quarter,
                snapshot,
                date: None,
                trigger: pipeline::ledger::Trigger::Manual,
                cancel: None,
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
            let state = if outcome.new {
                "published"
            } else {
                "unchanged, already published"
            };
            println!(
                "{} {} for {}: {state} as version {}",
                tenant.organisation, quarter, tenant.municipality, outcome.version
            );
            for file in &outcome.files {
                println!("  {}", file.display());
            }
            Ok(())
        }
        Command::DemoData {
            out,
            seed,
            scale,
            until,
        } => {
            let until =
                until.unwrap_or_else(|| Quarter::last_complete(chrono::Local::now().date_naive()));
            let summary = pipeline::demo::generate(
                &out,
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
    }
}
