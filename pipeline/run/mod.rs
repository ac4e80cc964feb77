//! One run for one tenant and quarter, stage by stage (`stages.rs`): pull → load →
//! monitor → disclose → render → publish, then deliver. Each stage takes the typed result
//! of the one before.

pub mod explain;
pub mod recover;
mod stages;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};

use crate::config::{Config, Tenant};
use crate::ledger::{Ledger, LedgerError, RunEnd, RunStatus, Trigger};
use crate::load::LoadError;
use crate::publish::{Correction, Publication, QuarterDir};
use crate::pull;
use crate::quarter::Quarter;
use crate::render::{self, Engine};

pub use stages::Staged;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Pull(#[from] pull::PullError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("computing the figures failed: {0}")]
    Monitor(#[from] polars::prelude::PolarsError),
    #[error(transparent)]
    Disclose(#[from] crate::disclose::DiscloseError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    #[error(transparent)]
    Previous(#[from] crate::publish::changes::PreviousError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("another run of {tenant} {quarter} is in progress; try again when it has finished")]
    Busy { tenant: String, quarter: Quarter },
    #[error("lock file {path}: {reason}")]
    Lock { path: String, reason: String },
    #[error("stopped before publishing: the service is shutting down")]
    Cancelled,
    #[error(transparent)]
    Explain(#[from] crate::monitor::explain::ExplainError),
    #[error("{0}")]
    NotPublished(String),
    /// A test's failpoint (pipeline/failpoint.rs).
    #[error("{0}")]
    Injected(String),
}

/// The stages, in order, for progress and timing.
pub const STAGES: [&str; 6] = ["pull", "load", "monitor", "disclose", "render", "publish"];

/// Told when a stage starts; the CLI shows progress with it, the daemon logs.
pub trait Progress {
    fn stage(&self, index: usize, name: &str);
    fn done(&self, _index: usize, _name: &str, _seconds: f64) {}
}

pub struct RunRequest<'a> {
    pub config: &'a Config,
    pub tenant: &'a Tenant,
    pub quarter: Quarter,
    /// Rerun from a kept snapshot instead of pulling.
    pub snapshot: Option<String>,
    /// The date printed on the documents; by default the 10th of the month after the quarter.
    pub date: Option<NaiveDate>,
    pub trigger: Trigger,
    /// Set when the service shuts down: the run stops at the next stage boundary, before
    /// anything is published.
    pub cancel: Option<&'a AtomicBool>,
    /// Mail the version to its recipients after the run (`--no-mail` clears it).
    pub mail: bool,
    /// Build the publication into a scratch folder (`<state>/preview/`) instead: nothing is
    /// published, mailed or recorded in the ledger (`--preview`).
    pub preview: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub publication: Publication,
    /// The ledger's id of this run.
    pub run_id: i64,
    /// For a correction: what changed since the previous version.
    pub correction: Option<Correction>,
    /// What the deliver stage did; `None` when the run was asked not to mail.
    pub delivery: Option<crate::deliver::DeliveryReport>,
}

/// The day a quarter's documents carry: the 10th of the month after it.
pub fn document_date(quarter: Quarter) -> NaiveDate {
    let next = quarter.next().first_day();
    NaiveDate::from_ymd_opt(next.year(), next.month(), 10).expect("the 10th exists")
}

/// How long a run waits for another process that holds the ledger's write lock.
const LEDGER_BUSY: Duration = Duration::from_secs(30);

/// Holds `<state>/locks/<tenant>-<quarter>.lock` for the duration of a run: one run per
/// tenant and quarter at a time, across processes (daemon and manual runs alike). The
/// operating system releases it when the process ends, however it ends.
pub struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    pub fn acquire(state_dir: &Path, tenant: &str, quarter: Quarter) -> Result<RunLock, RunError> {
        let dir = state_dir.join("locks");
        let path = dir.join(format!("{tenant}-{quarter}.lock"));
        let lock_err = |e: std::io::Error| RunError::Lock {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(lock_err)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(lock_err)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(RunError::Busy {
                tenant: tenant.to_string(),
                quarter,
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(lock_err(e)),
        }
    }
}

/// One run, recorded in the ledger: refused while another run of the same tenant and
/// quarter holds the lock. Nothing is published unless every stage succeeds.
pub fn run(
    req: &RunRequest,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<RunOutcome, RunError> {
    let _lock = RunLock::acquire(&req.config.state_dir, &req.tenant.id, req.quarter)?;
    if req.preview {
        // A look before publishing: output, ledger and outbox stay as they are.
        let staged = stages::stages(req, engine, progress)?;
        return Ok(RunOutcome {
            publication: staged.publication,
            run_id: 0,
            correction: staged.correction,
            delivery: None,
        });
    }
    let ledger = Ledger::open(&req.config.state_dir, LEDGER_BUSY)?;
    // This quarter's lock is ours: whatever an earlier run of it left is put right first.
    recover::quarter(req.config, &ledger, &req.tenant.id, req.quarter)?;
    if let Ok(store) = pull::SnapshotStore::open(&req.config.state_dir) {
        store.clean_leftovers();
    }
    let run_id = ledger.start_run(&req.tenant.id, req.quarter, req.trigger)?;
    let result = stages::stages(req, engine, progress);
    // Every mail of the version is composed and stored before the run records its end:
    // from here on a crash loses none (the next run or daemon start sends them).
    let mail = match &result {
        Ok(staged) if req.mail => stages::mail_request(req, run_id, staged),
        _ => None,
    };
    let queued = mail.as_ref().map(|m| crate::deliver::queue(&ledger, m));
    let (status, end) = match &result {
        Ok(staged) => (
            if staged.publication.new {
                RunStatus::Published
            } else {
                RunStatus::Unchanged
            },
            RunEnd {
                snapshot: Some(staged.publication.snapshot.clone()),
                version: Some(staged.publication.version),
                pdf_hashes: pdf_hashes(&staged.publication),
                error: None,
            },
        ),
        Err(RunError::Cancelled) => (
            RunStatus::Abandoned,
            RunEnd {
                error: Some(RunError::Cancelled.to_string()),
                ..Default::default()
            },
        ),
        Err(e) => (
            RunStatus::Failed,
            RunEnd {
                error: Some(e.to_string()),
                ..Default::default()
            },
        ),
    };
    // The publication stands even if the ledger cannot record it; the error is reported.
    ledger.end_run(run_id, status, &end)?;
    // Also after an unchanged rerun: it sends what an earlier run of this version could not.
    // Mail failures are in the report, never an error of the run.
    let delivery = match (&mail, queued) {
        (Some(request), Some(queued)) => Some(crate::deliver::send(&ledger, request, queued)),
        _ => None,
    };
    drop(mail);
    let staged = result?;
    Ok(RunOutcome {
        publication: staged.publication,
        run_id,
        correction: staged.correction,
        delivery,
    })
}

/// The sha256 of the first PDF of each document, for the ledger.
fn pdf_hashes(p: &Publication) -> Option<(String, String)> {
    let hash = |doc: render::Document| {
        p.files
            .iter()
            .find(|f| f.name.ends_with(&format!("/{}", doc.pdf_name())))
            .map(|f| f.sha256.clone())
    };
    Some((
        hash(render::Document::Kwartaalrapportage)?,
        hash(render::Document::Raadsmemo)?,
    ))
}

fn check_cancel(req: &RunRequest) -> Result<(), RunError> {
    match req.cancel {
        Some(flag) if flag.load(Ordering::SeqCst) => Err(RunError::Cancelled),
        _ => Ok(()),
    }
}

/// Where `--preview` builds a quarter: `<state_dir>/preview/<tenant>/<quarter>/`.
pub fn preview_dir(config: &Config) -> std::path::PathBuf {
    config.state_dir.join("preview")
}

/// The preview of one quarter: the version it would publish, alone in its folder.
pub fn preview_quarter(config: &Config, tenant: &str, quarter: Quarter) -> QuarterDir {
    QuarterDir::new(&preview_dir(config), tenant, quarter)
}

/// The version a quarter's preview holds; an error that says how to make one.
pub fn preview_version(
    config: &Config,
    tenant: &str,
    quarter: Quarter,
) -> Result<(QuarterDir, u32), RunError> {
    let scratch = preview_quarter(config, tenant, quarter);
    match scratch.versions().last() {
        Some(&v) => Ok((scratch, v)),
        None => Err(RunError::NotPublished(format!(
            "{tenant} {quarter}: there is no preview of a change in {} (run `pipeline run --quarter {quarter} --preview` first)",
            scratch.dir.display()
        ))),
    }
}

/// Where a tenant's mail goes without `[mail.smtp]`: `<output_dir>/<tenant>/outbox/`.
pub fn outbox(config: &Config, tenant: &Tenant) -> std::path::PathBuf {
    config.output_dir.join(&tenant.id).join("outbox")
}
