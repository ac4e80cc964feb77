//! One run for one tenant and quarter: pull → load → monitor → render → publish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::config::{Brand, Config, Tenant};
use crate::ledger::{Ledger, LedgerError, RunEnd, RunStatus, Trigger};
use crate::load::{self, LoadError};
use crate::monitor::{self, Monitor, changes};
use crate::publish::{self, FigureChange, Manifest, QuarterDir};
use crate::pull::{self, SnapshotStore};
use crate::quarter::Quarter;
use crate::render::document::{BrandData, Meta};
use crate::render::report::Counts;
use crate::render::{self, Engine, Job, format, memo, report};

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
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Publish(#[from] publish::PublishError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("another run of {tenant} {quarter} is in progress; try again when it has finished")]
    Busy { tenant: String, quarter: Quarter },
    #[error("lock file {path}: {reason}")]
    Lock { path: String, reason: String },
    #[error("stopped before publishing: the service is shutting down")]
    Cancelled,
}

/// The stages, in order, for progress and timing.
pub const STAGES: [&str; 5] = ["pull", "load", "monitor", "render", "publish"];

/// Told when a stage starts; the CLI shows progress with it, the daemon logs.
pub trait Progress {
    fn stage(&self, index: usize, name: &str);
    fn done(&self, _index: usize, _name: &str, _seconds: f64) {}
}

pub struct NoProgress;
impl Progress for NoProgress {
    fn stage(&self, _: usize, _: &str) {}
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
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub version: u32,
    pub dir: PathBuf,
    /// False when the same content was already published as this version.
    pub new: bool,
    pub snapshot: String,
    pub files: Vec<PathBuf>,
    /// The ledger's id of this run.
    pub run_id: i64,
    /// For a correction: every figure that changed since the previous version.
    pub changes: Vec<FigureChange>,
    /// What the deliver stage did; `None` when the run was asked not to mail.
    pub delivery: Option<crate::deliver::DeliveryReport>,
}

/// The day a quarter's documents carry: the 10th of the month after it.
pub fn document_date(quarter: Quarter) -> NaiveDate {
    let next = quarter.next().first_day();
    NaiveDate::from_ymd_opt(next.year(), next.month(), 10).expect("the 10th exists")
}

/// The brand as the layouts get it; the logo's virtual path is set when compiling.
fn brand_data(brand: &Brand) -> BrandData {
    BrandData {
        name: brand.name.clone(),
        primary: brand.primary.clone(),
        accent: brand.accent.clone(),
        light: brand.light.clone().unwrap_or_else(|| tint(&brand.primary)),
        font: brand.font.clone(),
        logo: None,
    }
}

/// A light tint of a colour (88 % towards white) for table stripes and backgrounds.
fn tint(hex: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f64;
    let mix = |c: f64| (c + (255.0 - c) * 0.88).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(channel(1)),
        mix(channel(3)),
        mix(channel(5))
    )
}

fn logo_file(brand: &Brand) -> Result<Option<(String, Vec<u8>)>, render::RenderError> {
    let Some(path) = &brand.logo else {
        return Ok(None);
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !["svg", "png", "jpg", "jpeg"].contains(&ext.as_str()) {
        return Err(render::RenderError::Logo {
            path: path.display().to_string(),
            reason: "expected an SVG or PNG file".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| render::RenderError::Logo {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(Some((format!("/logo.{ext}"), bytes)))
}

fn meta(
    ctx: &Context,
    monitor: &Monitor,
    title: &str,
    subtitle: String,
    public: bool,
    version: u32,
) -> Meta {
    let (tenant, quarter, date) = (ctx.tenant, monitor.quarter, ctx.date);
    Meta {
        title: title.into(),
        subtitle,
        quarter_label: quarter.label_nl(),
        period: format::period(monitor.period.start, monitor.period.end),
        compare_period: format::period(monitor.before.start, monitor.before.end),
        year: quarter.year().to_string(),
        previous_year: (quarter.year() - 1).to_string(),
        date: format::date(date),
        organisation: tenant.organisation.clone(),
        municipality: tenant.municipality.clone(),
        version_note: (version > 1).then(|| format!("Gecorrigeerde versie (v{version})")),
        classification: if public { "Openbaar" } else { "Intern" }.into(),
    }
}

/// The two data documents for a version (version 1 carries no correction mark).
pub struct Documents {
    pub report: Vec<u8>,
    pub memo: Vec<u8>,
}

/// What a publication is made from, besides the monitor.
pub struct Context<'a> {
    pub config: &'a Config,
    pub tenant: &'a Tenant,
    pub snapshot_id: &'a str,
    /// The budget workbook's file name and sha256, for the appendix.
    pub budget_file: Option<(String, String)>,
    pub date: NaiveDate,
}

/// Builds both data documents for `version` from the monitor.
pub fn documents(ctx: &Context, monitor: &Monitor, version: u32) -> Documents {
    let (config, tenant, quarter) = (ctx.config, ctx.tenant, monitor.quarter);
    let settings = &config.monitor;
    let docs = &tenant.documents;
    let report_brand = &tenant.brands[&docs.kwartaalrapportage.brand];
    let memo_brand = &tenant.brands[&docs.raadsmemo.brand];
    let commentary_dir = config.commentary_dir.join(&tenant.id);
    let commentary = |section: &str| match render::commentary::read(
        &commentary_dir,
        &quarter.to_string(),
        section,
    ) {
        Ok(blocks) => blocks,
        Err(e) => {
            tracing::warn!(error = %e, "commentary cannot be read");
            Vec::new()
        }
    };
    let report_title = format!(
        "Monitor Sociaal Domein — Kwartaalrapportage {}",
        quarter.label_nl()
    );
    let finance_lines = monitor
        .finance
        .as_ref()
        .map(changes::finance_sentences)
        .unwrap_or_default();
    let (now, before) = (&monitor.period.label, &monitor.before.label);

    let report_public = docs.kwartaalrapportage.public;
    let report_changes = changes::sentences(
        &monitor.figures,
        now,
        before,
        quarter.year() - 1,
        settings,
        report_public,
    );
    let report_doc = report::build(&report::ReportInput {
        monitor,
        meta: meta(
            ctx,
            monitor,
            "Monitor Sociaal Domein",
            format!("Kwartaalrapportage {}", quarter.label_nl()),
            report_public,
            version,
        ),
        brand: brand_data(report_brand),
        counts: Counts {
            public: report_public,
            threshold: settings.suppression_threshold,
        },
        commentary: &commentary,
        zrm_norm: settings.zrm_norm,
        changes: report_changes,
        finance_changes: finance_lines,
        snapshot: ctx.snapshot_id.to_string(),
        budget_file: ctx.budget_file.clone(),
        flag_amount: settings.flag_amount,
        flag_share: settings.flag_share,
    });
    let memo_public = docs.raadsmemo.public;
    // The memo names the flagged budget lines in its own finance paragraph.
    let memo_changes = changes::sentences(
        &monitor.figures,
        now,
        before,
        quarter.year() - 1,
        settings,
        memo_public,
    );
    let memo_doc = memo::build(&memo::MemoInput {
        monitor,
        meta: meta(
            ctx,
            monitor,
            &format!("Raadsmemo Monitor Sociaal Domein {}", quarter.label_nl()),
            report_title.clone(),
            memo_public,
            version,
        ),
        brand: brand_data(memo_brand),
        config: &docs.raadsmemo,
        counts: Counts {
            public: memo_public,
            threshold: settings.suppression_threshold,
        },
        changes: memo_changes,
        report_title,
    });
    Documents {
        report: serde_json::to_vec_pretty(&report_doc).expect("the report document serialises"),
        memo: serde_json::to_vec_pretty(&memo_doc).expect("the memo document serialises"),
    }
}

/// Compiles both documents to PDF: (kwartaalrapportage, raadsmemo).
pub fn render_pdfs(
    ctx: &Context,
    engine: &Engine,
    docs: &Documents,
    version: u32,
) -> Result<(Vec<u8>, Vec<u8>), RunError> {
    let tenant = ctx.tenant;
    let quarter_id = docs_quarter(&docs.report);
    let one = |layout: &str, data: &[u8], brand: &Brand, doc: &str| -> Result<Vec<u8>, RunError> {
        let _span = tracing::info_span!("render", document = doc).entered();
        let logo = logo_file(brand)?;
        let data = with_logo(data, logo.as_ref().map(|(p, _)| p.as_str()));
        let ident = format!("{}/{quarter_id}/{doc}/v{version}", tenant.id);
        Ok(render::compile(
            engine,
            Job {
                layout,
                data,
                extra: logo.into_iter().collect(),
                date: ctx.date,
                ident,
            },
        )?)
    };
    // The two documents compile side by side: each is one mostly single-threaded Typst
    // compilation, and the machine has a core for each.
    let (report, memo) = std::thread::scope(|scope| {
        let memo = scope.spawn(|| {
            one(
                "raadsmemo.typ",
                &docs.memo,
                &tenant.brands[&tenant.documents.raadsmemo.brand],
                "raadsmemo",
            )
        });
        let report = one(
            "kwartaalrapportage.typ",
            &docs.report,
            &tenant.brands[&tenant.documents.kwartaalrapportage.brand],
            "kwartaalrapportage",
        );
        (
            report,
            memo.join().expect("the memo's compilation does not panic"),
        )
    });
    Ok((report?, memo?))
}

fn docs_quarter(report: &[u8]) -> String {
    let doc: serde_json::Value = serde_json::from_slice(report).expect("our own JSON");
    doc["meta"]["quarter_label"]
        .as_str()
        .unwrap_or_default()
        .replace(' ', "-")
}

/// Runs every stage; nothing is published unless all of them succeed.
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
/// quarter holds the lock.
pub fn run(
    req: &RunRequest,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<RunOutcome, RunError> {
    let _lock = RunLock::acquire(&req.config.state_dir, &req.tenant.id, req.quarter)?;
    let ledger = Ledger::open(&req.config.state_dir, LEDGER_BUSY)?;
    let run_id = ledger.start_run(&req.tenant.id, req.quarter, req.trigger)?;
    let result = stages(req, engine, progress, run_id);
    let (status, end) = match &result {
        Ok(o) => (
            if o.new {
                RunStatus::Published
            } else {
                RunStatus::Unchanged
            },
            RunEnd {
                snapshot: Some(o.snapshot.clone()),
                version: Some(o.version),
                pdf_hashes: pdf_hashes(&o.files),
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
    let mut outcome = result?;
    // Also after an unchanged rerun: it sends what an earlier run of this version could not.
    // Mail failures are in the report, never an error of the run.
    if req.mail {
        outcome.delivery = Some(crate::deliver::deliver(
            req.config,
            req.tenant,
            &ledger,
            &outcome,
            req.quarter,
        ));
    }
    Ok(outcome)
}

fn pdf_hashes(files: &[PathBuf]) -> Option<(String, String)> {
    let hash = |name: &str| -> Option<String> {
        let path = files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| n == name))?;
        Some(hex::encode(Sha256::digest(std::fs::read(path).ok()?)))
    };
    Some((hash("kwartaalrapportage.pdf")?, hash("raadsmemo.pdf")?))
}

fn check_cancel(req: &RunRequest) -> Result<(), RunError> {
    match req.cancel {
        Some(flag) if flag.load(Ordering::SeqCst) => Err(RunError::Cancelled),
        _ => Ok(()),
    }
}

fn stages(
    req: &RunRequest,
    engine: &Engine,
    progress: &dyn Progress,
    run_id: i64,
) -> Result<RunOutcome, RunError> {
    let (config, tenant, quarter) = (req.config, req.tenant, req.quarter);
    let timed =
        |i: usize, started: Instant| progress.done(i, STAGES[i], started.elapsed().as_secs_f64());

    progress.stage(0, STAGES[0]);
    let t = Instant::now();
    let store = SnapshotStore::open(&config.state_dir)?;
    let snapshot = {
        let _span = tracing::info_span!("pull", tenant = %tenant.id).entered();
        match &req.snapshot {
            Some(id) => store.get(&tenant.id, id)?,
            None => pull::pull(&store, tenant, quarter)?,
        }
    };
    tracing::info!(snapshot = %snapshot.id, files = snapshot.files.len(), "snapshot ready");
    timed(0, t);

    check_cancel(req)?;
    progress.stage(1, STAGES[1]);
    let t = Instant::now();
    let (export, mut quality, budget) = {
        let _span = tracing::info_span!("load").entered();
        let (export, quality) = load::load_export(
            &snapshot.dir,
            &snapshot.hashes(),
            tenant,
            tenant.export.csv(),
            &config.monitor,
        )?;
        let budget = match snapshot.file("budget") {
            Some(file) => Some(load::budget::load_budget(
                &snapshot.dir.join(&file.name),
                file.sha256.clone(),
            )?),
            None => None,
        };
        let mut export = export;
        crate::logging::timed("encode keys", || export.encode_keys())?;
        (export, quality, budget)
    };
    if let Some(b) = &budget {
        quality.notes.extend(b.notes.iter().cloned());
    }
    for e in &quality.exclusions {
        tracing::warn!(table = %e.table, kind = %e.kind, rows = e.rows, "rows excluded");
    }
    timed(1, t);

    check_cancel(req)?;
    progress.stage(2, STAGES[2]);
    let t = Instant::now();
    let monitor = {
        let _span = tracing::info_span!("monitor").entered();
        monitor::compute(&export, budget.as_ref(), quarter, quality, &config.monitor)?
    };
    drop(export);
    tracing::info!(figures = monitor.figures.rows().len(), "figures computed");
    timed(2, t);

    check_cancel(req)?;
    progress.stage(3, STAGES[3]);
    let t = Instant::now();
    let date = req.date.unwrap_or_else(|| document_date(quarter));
    let quarter_dir = QuarterDir::new(&config.output_dir, &tenant.id, quarter);
    publish::clean_abandoned(&quarter_dir.dir);
    let figures_csv = monitor.figures.to_csv();
    let ctx = Context {
        config,
        tenant,
        snapshot_id: &snapshot.id,
        budget_file: budget.as_ref().map(|b| (b.file.clone(), b.sha256.clone())),
        date,
    };
    let unversioned = documents(&ctx, &monitor, 1);
    let content = {
        let mut h = Sha256::new();
        for part in [&figures_csv, &unversioned.report, &unversioned.memo] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        hex::encode(h.finalize())
    };
    let current = quarter_dir.current();
    if let Some((version, manifest)) = &current
        && manifest.content == content
    {
        tracing::info!(
            version,
            "the same content is already published; nothing new"
        );
        let dir = quarter_dir.version_dir(*version);
        let files = manifest.files.iter().map(|f| dir.join(&f.name)).collect();
        timed(3, t);
        return Ok(RunOutcome {
            version: *version,
            dir,
            new: false,
            snapshot: snapshot.id,
            files,
            run_id,
            changes: Vec::new(),
            delivery: None,
        });
    }
    let version = current.as_ref().map_or(1, |(v, _)| v + 1);
    let changes = match &current {
        Some((v, _)) => {
            let old = std::fs::read_to_string(quarter_dir.version_dir(*v).join("figures.csv"))
                .unwrap_or_default();
            publish::changed_figures(&old, &String::from_utf8_lossy(&figures_csv))
        }
        None => Vec::new(),
    };
    let docs = if version == 1 {
        unversioned
    } else {
        documents(&ctx, &monitor, version)
    };
    // For layout work: the exact data documents the layouts get, to compile by hand.
    if let Some(dir) = std::env::var_os("PIPELINE_KEEP_DOCUMENTS") {
        let dir = PathBuf::from(dir);
        for (name, bytes) in [
            ("kwartaalrapportage.json", &docs.report),
            ("raadsmemo.json", &docs.memo),
        ] {
            if let Err(e) =
                std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(dir.join(name), bytes))
            {
                tracing::warn!(dir = %dir.display(), error = %e, "the data documents cannot be kept");
            }
        }
    }
    let (report_pdf, memo_pdf) = render_pdfs(&ctx, engine, &docs, version)?;
    timed(3, t);

    check_cancel(req)?;
    progress.stage(4, STAGES[4]);
    let t = Instant::now();
    let files = vec![
        ("kwartaalrapportage.pdf".to_string(), report_pdf),
        ("raadsmemo.pdf".to_string(), memo_pdf),
        ("figures.csv".to_string(), figures_csv),
    ];
    let manifest = Manifest {
        tenant: tenant.id.clone(),
        quarter: quarter.to_string(),
        version,
        snapshot: snapshot.id.clone(),
        content,
        files: Vec::new(),
    };
    let dir = {
        let _span = tracing::info_span!("publish").entered();
        quarter_dir.publish(version, manifest, &files)?
    };
    tracing::info!(version, dir = %dir.display(), "published");
    timed(4, t);
    let files = files.iter().map(|(n, _)| dir.join(n)).collect();
    Ok(RunOutcome {
        version,
        dir,
        new: true,
        snapshot: snapshot.id,
        files,
        run_id,
        changes,
        delivery: None,
    })
}

/// Sets the brand logo's virtual path in a data document.
fn with_logo(data: &[u8], logo: Option<&str>) -> Vec<u8> {
    let mut doc: serde_json::Value = serde_json::from_slice(data).expect("our own JSON");
    doc["brand"]["logo"] = logo.map_or(serde_json::Value::Null, |p| {
        serde_json::Value::String(p.to_string())
    });
    serde_json::to_vec_pretty(&doc).expect("our own JSON")
}
