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

/// Checks every tenant for `quarter` (its budget year's workbook).
pub fn check(config: &Config, quarter: Quarter) -> Vec<Finding> {
    let mut findings = Vec::new();
    for tenant in &config.tenants {
        findings.extend(check_tenant(config, tenant, quarter));
    }
    findings
}

fn check_tenant(config: &Config, tenant: &Tenant, quarter: Quarter) -> Vec<Finding> {
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
    let export = pull::pull_sources(&store, origin, quarter, Sources::Export);
    match &export {
        Ok(files) => say("export", true, format!("reachable: {} files", files.len())),
        Err(e) => say("export", false, e.to_string()),
    }
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
        b.ok()
    } else {
        say(
            "budget",
            true,
            "none configured: the finance chapter is left out".into(),
        );
        Some(Vec::new())
    };
    let (Ok(export), Some(budget)) = (export, budget) else {
        return out;
    };
    // A snapshot of what was just fetched, so the loader reads exactly what a run would.
    let snapshot = match store.commit(&tenant.id, export.into_iter().chain(budget).collect()) {
        Ok(s) => s,
        Err(e) => {
            say("snapshot", false, e.to_string());
            return out;
        }
    };
    let renames = Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    match load::load_export(
        &snapshot.dir,
        &snapshot.hashes(),
        &renames,
        tenant.export.csv(),
        &config.monitor.load(),
    ) {
        Ok((_, quality)) => {
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
        }
        Err(e) => say("export tables", false, e.to_string()),
    }
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
