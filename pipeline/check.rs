//! `pipeline check`: is every source reachable, and does every table load? Publishes
//! nothing; what it pulls goes to the object store like any pull, without a snapshot.

use crate::config::{Config, Tenant};
use crate::load::{self, Renames};
use crate::pull::{self, Origin, SnapshotStore, Sources};
use crate::quarter::Quarter;

/// One line of the check's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub tenant: String,
    /// `export`, `budget`, or a table name.
    pub subject: String,
    pub ok: bool,
    pub detail: String,
}

/// Checks every tenant for `quarter` (its budget year's workbook); without one, for the
/// newest quarter each tenant's export covers (by `today`).
pub fn check(config: &Config, quarter: Option<Quarter>, today: chrono::NaiveDate) -> Vec<Finding> {
    let mut findings = Vec::new();
    for tenant in &config.tenants {
        findings.extend(check_tenant(config, tenant, quarter, today));
    }
    findings
}

fn check_tenant(
    config: &Config,
    tenant: &Tenant,
    quarter: Option<Quarter>,
    today: chrono::NaiveDate,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut say = |subject: &str, ok: bool, detail: String| {
        out.push(Finding {
            tenant: tenant.id.clone(),
            subject: subject.into(),
            ok,
            detail,
        });
    };
    let store = match SnapshotStore::open(&config.state_dir) {
        Ok(s) => s,
        Err(e) => {
            say("state", false, e.to_string());
            return out;
        }
    };
    match store.verify_objects() {
        Ok((checked, damaged)) if damaged.is_empty() => say(
            "snapshot store",
            true,
            format!("{checked} objects match their hashes"),
        ),
        Ok((_, damaged)) => {
            for d in damaged {
                say(
                    "snapshot store",
                    false,
                    format!("damaged object {d}; the next pull stores a good copy"),
                );
            }
        }
        Err(e) => say("snapshot store", false, e.to_string()),
    }
    let origin = Origin {
        tenant: &tenant.id,
        export: &tenant.export,
        budget: tenant.budget.as_ref(),
    };
    // The export does not depend on the quarter (only the budget's year does).
    let export = pull::pull_sources(
        &store,
        origin,
        quarter.unwrap_or_else(|| Quarter::last_complete(today)),
        Sources::Export,
    );
    let export = match export {
        Ok(files) => {
            say("export", true, format!("reachable: {} files", files.len()));
            files
        }
        Err(e) => {
            say("export", false, e.to_string());
            return out;
        }
    };
    // The export alone, as a run's loader reads it.
    let renames = Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    let loaded = store
        .commit(&tenant.id, export.clone())
        .map_err(|e| e.to_string())
        .and_then(|snapshot| {
            load::load_export(
                &snapshot.dir,
                &snapshot.hashes(),
                &renames,
                tenant.export.csv(),
                &config.monitor.load(),
            )
            .map_err(|e| e.to_string())
        });
    let latest = match &loaded {
        Ok((export, quality)) => {
            for file in &quality.files {
                let excluded: u64 = quality
                    .exclusions
                    .iter()
                    .filter(|e| e.table == file.table)
                    .map(|e| e.rows)
                    .sum();
                say(
                    &file.table,
                    true,
                    format!("{}: {} rows, {} excluded", file.file, file.rows, excluded),
                );
            }
            for e in &quality.exclusions {
                say(&e.table, true, format!("excluded: {}", e.message()));
            }
            export.latest_registration()
        }
        Err(e) => {
            say("export tables", false, e.clone());
            None
        }
    };
    let quarter = match (quarter, latest) {
        (Some(q), _) => q,
        (None, Some(day)) => {
            let q = Quarter::newest_covered(day, today);
            say(
                "quarter",
                true,
                format!("{q}: the newest quarter the export covers (latest registration {day})"),
            );
            q
        }
        (None, None) => Quarter::last_complete(today),
    };
    let budget = if tenant.budget.is_some() {
        let b = pull::pull_sources(&store, origin, quarter, Sources::Budget);
        match &b {
            Ok(files) => say(
                "budget",
                true,
                format!(
                    "reachable: {}",
                    files
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Err(e) => say("budget", false, e.to_string()),
        }
        match b {
            Ok(b) => b,
            Err(_) => return out,
        }
    } else {
        say(
            "budget",
            true,
            "none configured: the finance chapter is left out".into(),
        );
        Vec::new()
    };
    let snapshot = match store.commit(&tenant.id, export.into_iter().chain(budget).collect()) {
        Ok(s) => s,
        Err(e) => {
            say("snapshot", false, e.to_string());
            return out;
        }
    };
    if let Some(file) = snapshot.file("budget") {
        match load::budget::load_budget(&snapshot.dir.join(&file.name), file.sha256.clone()) {
            Ok(b) => {
                say(
                    "budget workbook",
                    true,
                    format!(
                        "{}: {} lines, {} taakstellingen",
                        b.file,
                        b.lines.len(),
                        b.taakstellingen.len()
                    ),
                );
                for note in &b.notes {
                    say("budget workbook", true, format!("note: {note}"));
                }
            }
            Err(e) => say("budget workbook", false, e.to_string()),
        }
    }
    out
}
