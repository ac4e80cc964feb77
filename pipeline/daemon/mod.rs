//! `pipeline daemon`: pulls and publishes on the configured timetable, catches up on what
//! fell due while it was down, and stops cleanly.
//!
//! One tick: every tenant's due, unpublished quarters run one at a time (oldest first), then
//! the daemon sleeps until the next scheduled moment (at most a minute, so a clock that
//! steps is noticed). Runs execute on a blocking thread; a shutdown sets the run's cancel
//! flag, which stops it at the next stage boundary, before anything is published.

pub mod schedule;
mod systemd;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::ledger::{Ledger, Trigger};
use crate::pull::{self, SnapshotStore};
use crate::quarter::Quarter;
use crate::render::Engine;
use crate::run::{self, Progress, RunError, RunRequest};
use schedule::{Cron, ScheduleError};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error("the async runtime cannot start: {0}")]
    Runtime(std::io::Error),
}

/// Where the daemon reads the time: the system clock, or a fixed moment in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock standing at a fixed moment plus the time elapsed since the daemon started.
pub struct OffsetClock {
    start: DateTime<Utc>,
    since: std::time::Instant,
}

impl OffsetClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            start,
            since: std::time::Instant::now(),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.since.elapsed()).unwrap_or_default()
    }
}

/// One publication to run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub tenant: String,
    pub quarter: Quarter,
    pub trigger: Trigger,
    /// Run from this kept snapshot instead of pulling (a recovery finishes the version
    /// its snapshot made).
    pub snapshot: Option<String>,
}

/// The daemon's memory between ticks: when it last looked, and failed attempts.
pub struct Planner {
    publish: Cron,
    pull: Option<Cron>,
    earliest: Quarter,
    retry: chrono::Duration,
    last_tick: Option<DateTime<Utc>>,
    failed: HashMap<(String, Quarter), DateTime<Utc>>,
}

impl Planner {
    pub fn new(config: &Config, started: DateTime<Utc>) -> Result<Planner, ScheduleError> {
        let s = &config.schedule;
        let publish = Cron::parse("publish", &s.publish)?;
        let pull = if s.pull.trim().is_empty() {
            None
        } else {
            Some(Cron::parse("pull", &s.pull)?)
        };
        let today = started
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive();
        Ok(Planner {
            publish,
            pull,
            earliest: s
                .earliest_quarter
                .unwrap_or_else(|| Quarter::last_complete(today)),
            retry: chrono::Duration::minutes(s.retry_minutes as i64),
            last_tick: None,
            failed: HashMap::new(),
        })
    }

    /// The publications to run at `now`: due, not in the ledger, not failed too recently.
    /// Each (tenant, quarter) appears once however many triggers meet: a fire of the
    /// schedule and a catch-up of the same quarter are one job.
    pub fn jobs(
        &mut self,
        now: DateTime<Utc>,
        tenants: &[String],
        published: &dyn Fn(&str, Quarter) -> bool,
    ) -> Vec<Job> {
        let since = self.last_tick;
        self.last_tick = Some(now);
        let mut jobs = Vec::new();
        for quarter in schedule::due_quarters(&self.publish, self.earliest, now) {
            let at =
                schedule::due_at(&self.publish, quarter).expect("a due quarter has a due time");
            // Fell due since the last look, while running: the schedule's own fire.
            let trigger = if since.is_some_and(|s| at > s) {
                Trigger::Schedule
            } else {
                Trigger::CatchUp
            };
            for tenant in tenants {
                let key = (tenant.clone(), quarter);
                if self.failed.get(&key).is_some_and(|t| now - *t < self.retry)
                    || published(tenant, quarter)
                {
                    continue;
                }
                jobs.push(Job {
                    tenant: tenant.clone(),
                    quarter,
                    trigger,
                    snapshot: None,
                });
            }
        }
        jobs
    }

    pub fn failed(&mut self, job: &Job, at: DateTime<Utc>) {
        self.failed.insert((job.tenant.clone(), job.quarter), at);
    }

    /// Whether the pull schedule fired in (last, now].
    pub fn pull_due(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.pull
            .as_ref()
            .and_then(|p| p.next_after(last))
            .is_some_and(|t| t <= now)
    }

    /// The next moment anything is scheduled after `now`.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        [
            self.publish.next_after(now),
            self.pull.as_ref().and_then(|p| p.next_after(now)),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Logs a run's stages; under systemd its STATUS shows them too.
struct StatusProgress {
    what: String,
}

impl Progress for StatusProgress {
    fn stage(&self, index: usize, name: &str) {
        tracing::info!(
            stage = name,
            step = index + 1,
            of = run::STAGES.len(),
            "stage started"
        );
        systemd::status(&format!("{}: {name}", self.what));
    }
    fn done(&self, _index: usize, name: &str, seconds: f64) {
        tracing::info!(stage = name, seconds, "stage finished");
    }
}

/// Options of `pipeline daemon`.
pub struct DaemonOptions {
    /// Run what is due once, then exit (for a systemd timer or a check by hand).
    pub once: bool,
}

/// Runs until SIGTERM or SIGINT (or after one tick with `once`).
pub fn serve(
    config: Config,
    clock: Arc<dyn Clock>,
    options: DaemonOptions,
) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DaemonError::Runtime)?;
    runtime.block_on(serve_async(Arc::new(config), clock, options))
}

async fn serve_async(
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    options: DaemonOptions,
) -> Result<(), DaemonError> {
    // What a stopped process left is put right, and every unfinished mail of every
    // published version sent, before anything new starts.
    let recovery = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || crate::run::recover::all(&config))
            .await
            .map_err(|e| DaemonError::Runtime(std::io::Error::other(e.to_string())))?
    };
    let reruns = match recovery {
        Ok(r) => r.reruns,
        Err(e) => {
            tracing::error!(error = %e, "putting right what a stopped process left failed");
            Vec::new()
        }
    };
    let mut planner = Planner::new(&config, clock.now())?;
    let engine = Arc::new(Engine::new(&config.layouts_dir, &config.font_dirs));
    let shutdown = Arc::new(AtomicBool::new(false));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(signals(shutdown.clone(), stop_tx));
    let _watchdog = systemd::spawn_watchdog();
    systemd::ready();
    tracing::info!(
        publish = planner.publish.expression(),
        earliest = %planner.earliest,
        tenants = config.tenants.len(),
        "daemon started"
    );

    // A version in place whose run stopped part-way is finished first, from its snapshot:
    // unchanged, its ledger entry and its mail.
    for (tenant, quarter, snapshot) in reruns {
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
        let job = Job {
            tenant,
            quarter,
            trigger: Trigger::Recovery,
            snapshot: Some(snapshot),
        };
        if let JobEnd::Failed(message) =
            run_job(&config, &engine, &job, &shutdown, &mut stop_rx).await
        {
            alert(&config, &job, &message);
        }
    }

    let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.clone()).collect();
    let mut last_pull_check = clock.now();
    loop {
        let now = clock.now();
        if planner.pull_due(last_pull_check, now) {
            nightly_pull(&config, now).await;
        }
        last_pull_check = now;

        let ledger = Ledger::open(&config.state_dir, Duration::from_secs(30))?;
        let jobs = planner.jobs(now, &tenants, &|t, q| {
            ledger.has_publication(t, q).unwrap_or(false)
        });
        drop(ledger);
        for job in jobs {
            if shutdown.load(Ordering::SeqCst) {
                break;
            }
            let outcome = run_job(&config, &engine, &job, &shutdown, &mut stop_rx).await;
            match outcome {
                JobEnd::Done => {}
                JobEnd::Failed(message) => {
                    planner.failed(&job, clock.now());
                    alert(&config, &job, &message);
                }
                JobEnd::Busy => {
                    tracing::info!(tenant = %job.tenant, quarter = %job.quarter, "another run holds this quarter; next tick")
                }
                JobEnd::Stopped => break,
            }
        }
        if options.once || shutdown.load(Ordering::SeqCst) {
            break;
        }
        let now = clock.now();
        let wake = planner
            .next_wake(now)
            .map(|t| (t - now).to_std().unwrap_or_default())
            .unwrap_or(Duration::from_secs(60));
        let wait = wake
            .min(Duration::from_secs(60))
            .max(Duration::from_millis(200));
        systemd::status(&format!(
            "idle; next scheduled moment {}",
            planner
                .next_wake(now)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        ));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop_rx.changed() => {}
        }
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
    }
    systemd::stopping();
    tracing::info!("daemon stopped");
    Ok(())
}

enum JobEnd {
    Done,
    Failed(String),
    Busy,
    Stopped,
}

async fn run_job(
    config: &Arc<Config>,
    engine: &Arc<Engine>,
    job: &Job,
    shutdown: &Arc<AtomicBool>,
    stop_rx: &mut tokio::sync::watch::Receiver<bool>,
) -> JobEnd {
    let (config2, engine2, job2, cancel) = (
        config.clone(),
        engine.clone(),
        job.clone(),
        shutdown.clone(),
    );
    tracing::info!(tenant = %job.tenant, quarter = %job.quarter, trigger = job.trigger.as_str(), "publication due");
    let handle = tokio::task::spawn_blocking(move || {
        let tenant = config2.tenant(Some(&job2.tenant)).map_err(RunError::from)?;
        let request = RunRequest {
            config: &config2,
            tenant,
            quarter: job2.quarter,
            snapshot: job2.snapshot.clone(),
            date: None,
            trigger: job2.trigger,
            cancel: Some(&cancel),
            mail: true,
            preview: false,
        };
        let progress = StatusProgress {
            what: format!("{} {}", job2.tenant, job2.quarter),
        };
        run::run(&request, &engine2, &progress)
    });
    tokio::pin!(handle);
    let result = tokio::select! {
        r = &mut handle => r,
        _ = stop_rx.changed() => {
            // Shutting down: the run stops at its next stage boundary; wait for it within
            // the grace time. Past that, exit anyway: publishing is one rename, so an
            // unfinished run leaves only a hidden temporary folder, removed by the next run.
            let grace = Duration::from_secs(config.schedule.grace_seconds);
            systemd::status(&format!("stopping: waiting up to {} s for {} {}", grace.as_secs(), job.tenant, job.quarter));
            match tokio::time::timeout(grace, &mut handle).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!(tenant = %job.tenant, quarter = %job.quarter, "the run did not stop within the grace time; abandoned");
                    return JobEnd::Stopped;
                }
            }
        }
    };
    match result {
        Ok(Ok(outcome)) => {
            let p = &outcome.publication;
            tracing::info!(tenant = %job.tenant, quarter = %job.quarter, version = p.version, new = p.new, dir = %p.dir.display(), "publication done");
            JobEnd::Done
        }
        Ok(Err(RunError::Cancelled)) => {
            tracing::info!(tenant = %job.tenant, quarter = %job.quarter, "run abandoned for shutdown; nothing published");
            JobEnd::Stopped
        }
        Ok(Err(RunError::Busy { .. })) => JobEnd::Busy,
        Ok(Err(e)) => {
            tracing::error!(tenant = %job.tenant, quarter = %job.quarter, error = %e, "publication failed");
            JobEnd::Failed(e.to_string())
        }
        Err(e) => {
            tracing::error!(tenant = %job.tenant, quarter = %job.quarter, error = %e, "the run crashed");
            JobEnd::Failed(format!("the run crashed: {e}"))
        }
    }
}

/// A failed scheduled publication is reported to operations (`[mail] alert_to`), besides
/// the log; a failing alert is logged, never fatal.
fn alert(config: &Config, job: &Job, message: &str) {
    let Ok(tenant) = config.tenant(Some(&job.tenant)) else {
        return;
    };
    let alert = crate::deliver::Alert {
        tenant: &tenant.id,
        organisation: &tenant.organisation,
        municipality: &tenant.municipality,
        quarter: job.quarter,
        error: message,
    };
    let outbox = crate::run::outbox(config, tenant);
    match crate::deliver::send_alert(config.mail.as_ref(), &outbox, &alert) {
        Ok(true) => {
            tracing::info!(tenant = %job.tenant, quarter = %job.quarter, "operations alerted")
        }
        Ok(false) => {}
        Err(e) => {
            tracing::error!(tenant = %job.tenant, quarter = %job.quarter, error = %e, "the alert mail failed")
        }
    }
}

/// Pulls every tenant's export for the current quarter (a snapshot a day) and deletes
/// snapshots older than the configured number of quarters.
async fn nightly_pull(config: &Arc<Config>, now: DateTime<Utc>) {
    let config = config.clone();
    let result = tokio::task::spawn_blocking(move || {
        let store = SnapshotStore::open(&config.state_dir)?;
        let today = now.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive();
        let quarter = Quarter::last_complete(today).next();
        let mut cutoff_quarter = Quarter::containing(today);
        for _ in 0..config.schedule.keep_snapshots_quarters {
            cutoff_quarter = cutoff_quarter.previous();
        }
        let cutoff = cutoff_quarter.first_day().and_time(chrono::NaiveTime::MIN).and_utc();
        for tenant in &config.tenants {
            systemd::status(&format!("nightly pull: {}", tenant.id));
            let origin = pull::Origin {
                tenant: &tenant.id,
                export: &tenant.export,
                budget: tenant.budget.as_ref(),
            };
            match pull::pull(&store, origin, quarter) {
                Ok(s) => tracing::info!(tenant = %tenant.id, snapshot = %s.id, "nightly pull done"),
                Err(e) => tracing::error!(tenant = %tenant.id, error = %e, "nightly pull failed"),
            }
            match store.prune(&tenant.id, cutoff) {
                Ok(0) => {}
                Ok(n) => tracing::info!(tenant = %tenant.id, snapshots = n, "old snapshots deleted"),
                Err(e) => tracing::error!(tenant = %tenant.id, error = %e, "old snapshots cannot be deleted"),
            }
        }
        Ok::<(), pull::PullError>(())
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "nightly pull failed"),
        Err(e) => tracing::error!(error = %e, "nightly pull crashed"),
    }
}

async fn signals(shutdown: Arc<AtomicBool>, stop: tokio::sync::watch::Sender<bool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("signal handlers cannot be installed");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing up"),
        _ = int.recv() => tracing::info!("SIGINT: finishing up"),
    }
    shutdown.store(true, Ordering::SeqCst);
    let _ = stop.send(true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn planner(earliest: &str) -> Planner {
        Planner {
            publish: Cron::parse("publish", "0 0 7 10 1,4,7,10 *").unwrap(),
            pull: None,
            earliest: earliest.parse().unwrap(),
            retry: chrono::Duration::minutes(60),
            last_tick: None,
            failed: HashMap::new(),
        }
    }

    #[test]
    fn catch_up_after_downtime_then_the_schedule_fires_once_per_quarter() {
        let mut p = planner("2024Q2");
        let tenants = vec!["a".to_string(), "b".to_string()];
        let published = std::cell::RefCell::new(std::collections::HashSet::new());
        let is_published = |t: &str, q: Quarter| published.borrow().contains(&(t.to_string(), q));
        // Started in February 2025 after being down: 2024Q2–Q4 are caught up, for both tenants.
        let jobs = p.jobs(utc("2025-02-03T09:00:00Z"), &tenants, &is_published);
        assert_eq!(jobs.len(), 6);
        assert!(jobs.iter().all(|j| j.trigger == Trigger::CatchUp));
        for j in &jobs {
            published.borrow_mut().insert((j.tenant.clone(), j.quarter));
        }
        // Later ticks: nothing until 10 April 07:00 (05:00 UTC, summer time); then 2025Q1 once.
        assert!(
            p.jobs(utc("2025-04-10T04:59:00Z"), &tenants, &is_published)
                .is_empty()
        );
        let fired = p.jobs(utc("2025-04-10T05:00:30Z"), &tenants, &is_published);
        assert_eq!(
            fired
                .iter()
                .map(|j| (j.tenant.as_str(), j.quarter.to_string(), j.trigger))
                .collect::<Vec<_>>(),
            vec![
                ("a", "2025Q1".to_string(), Trigger::Schedule),
                ("b", "2025Q1".to_string(), Trigger::Schedule)
            ]
        );
    }

    #[test]
    fn a_failed_publication_waits_for_the_retry_interval() {
        let mut p = planner("2024Q4");
        let tenants = vec!["a".to_string()];
        let never = |_: &str, _: Quarter| false;
        let jobs = p.jobs(utc("2025-01-10T06:00:00Z"), &tenants, &never);
        assert_eq!(jobs.len(), 1);
        p.failed(&jobs[0], utc("2025-01-10T06:01:00Z"));
        assert!(
            p.jobs(utc("2025-01-10T06:30:00Z"), &tenants, &never)
                .is_empty()
        );
        assert_eq!(
            p.jobs(utc("2025-01-10T07:02:00Z"), &tenants, &never).len(),
            1
        );
    }

    #[test]
    fn a_clock_stepping_back_runs_nothing_twice() {
        let mut p = planner("2024Q4");
        let tenants = vec!["a".to_string()];
        let published = std::cell::RefCell::new(false);
        let is_published = |_: &str, _: Quarter| *published.borrow();
        assert_eq!(
            p.jobs(utc("2025-01-10T06:00:10Z"), &tenants, &is_published)
                .len(),
            1
        );
        *published.borrow_mut() = true;
        // NTP steps the clock back an hour and forward again: the due time passes twice.
        assert!(
            p.jobs(utc("2025-01-10T05:00:10Z"), &tenants, &is_published)
                .is_empty()
        );
        assert!(
            p.jobs(utc("2025-01-10T06:00:20Z"), &tenants, &is_published)
                .is_empty()
        );
    }
}
