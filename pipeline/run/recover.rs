//! What a start finds of a process that stopped part-way, and puts right: runs left
//! `running` become `interrupted`, temporary and half-built files go, `current` points at
//! the newest whole version again, and every unfinished mail is sent.

use std::time::Duration;

use super::{RunError, RunLock, outbox};
use crate::config::{Config, Tenant};
use crate::deliver::{self, DeliveryReport};
use crate::ledger::{Ledger, MailScope, RunEnd, RunStatus, Trigger};
use crate::publish::{self, QuarterDir};
use crate::pull::SnapshotStore;
use crate::quarter::Quarter;

/// For one tenant's quarter whose run lock is held: its runs left running, its leftovers,
/// its `current` pointer.
pub fn quarter(
    config: &Config,
    ledger: &Ledger,
    tenant: &str,
    quarter: Quarter,
) -> Result<(), RunError> {
    let q = quarter.to_string();
    let interrupted = ledger.interrupt_stale(&|t, qq| t == tenant && qq == q)?;
    let dir = QuarterDir::new(&config.output_dir, tenant, quarter);
    let removed = publish::clean_abandoned(&dir.dir);
    let repaired = dir.repair_current()?;
    if interrupted > 0 || removed > 0 || repaired.is_some() {
        tracing::warn!(
            tenant,
            quarter = %quarter,
            interrupted,
            leftovers = removed,
            current = repaired,
            "an earlier run was stopped part-way; put right"
        );
    }
    Ok(())
}

/// The quarters a tenant has published or started to publish.
fn quarters(config: &Config, tenant: &Tenant) -> Vec<Quarter> {
    let dir = config.output_dir.join(&tenant.id);
    let mut out: Vec<Quarter> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    out.sort();
    out
}

/// What a daemon's start found to finish.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Unfinished mail sent, per tenant and quarter.
    pub mail: Vec<(String, Quarter, DeliveryReport)>,
    /// Versions in place whose run stopped before recording its end (and before storing
    /// its mail): each is run again from its own snapshot, which publishes nothing new and
    /// finishes it. (tenant, quarter, snapshot id).
    pub reruns: Vec<(String, Quarter, String)>,
}

/// At a daemon's start: every tenant and quarter not locked by a running process is put
/// right, and its unfinished mail sent.
pub fn all(config: &Config) -> Result<Recovery, RunError> {
    let ledger = Ledger::open(&config.state_dir, Duration::from_secs(30))?;
    let free = |tenant: &str, quarter: &str| {
        quarter
            .parse::<Quarter>()
            .is_ok_and(|q| RunLock::acquire(&config.state_dir, tenant, q).is_ok())
    };
    let interrupted = ledger.interrupt_stale(&free)?;
    if interrupted > 0 {
        tracing::warn!(
            runs = interrupted,
            "runs of a stopped process are marked interrupted"
        );
    }
    if let Ok(store) = SnapshotStore::open(&config.state_dir) {
        let removed = store.clean_leftovers();
        if removed > 0 {
            tracing::warn!(files = removed, "temporary files of a stopped pull removed");
        }
    }
    let mut recovery = Recovery::default();
    for tenant in &config.tenants {
        for q in quarters(config, tenant) {
            // A quarter being published right now is its run's to finish.
            let Ok(_lock) = RunLock::acquire(&config.state_dir, &tenant.id, q) else {
                continue;
            };
            quarter(config, &ledger, &tenant.id, q)?;
            let dir = QuarterDir::new(&config.output_dir, &tenant.id, q);
            if let Some((version, manifest)) = dir.current()
                && !ledger.version_finished(&tenant.id, q, version)?
            {
                recovery
                    .reruns
                    .push((tenant.id.clone(), q, manifest.snapshot.clone()));
                continue;
            }
            let Some(mail) = &config.mail else { continue };
            let quarter = q.to_string();
            let scope = MailScope::Quarter {
                tenant: &tenant.id,
                quarter: &quarter,
            };
            if ledger.pending_mails(scope, false)?.is_empty() {
                continue;
            }
            // Recorded as a run of its own, so that history says who sent these and when.
            let run = ledger.start_run(&tenant.id, q, Trigger::Recovery)?;
            let report =
                deliver::send_pending(&ledger, mail, &outbox(config, tenant), run, scope, false);
            let current = dir.current();
            let end = RunEnd {
                snapshot: current.as_ref().map(|(_, m)| m.snapshot.clone()),
                version: current.as_ref().map(|(v, _)| *v),
                pdf_hashes: None,
                error: report.error.clone(),
            };
            ledger.end_run(run, RunStatus::Unchanged, &end)?;
            tracing::info!(tenant = %tenant.id, quarter = %q, "{report}");
            recovery.mail.push((tenant.id.clone(), q, report));
        }
    }
    Ok(recovery)
}
