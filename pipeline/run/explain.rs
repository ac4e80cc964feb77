//! `pipeline explain`, from a published version: the export exactly as that version read
//! it (its snapshot, checked against its hashes), and the registrations behind one figure;
//! for a correction, also what moved it since the version before.

use super::RunError;
use crate::config::{Config, Tenant};
use crate::figures::{FigureKey, Figures};
use crate::load::{self, Export, Renames};
use crate::monitor::explain::{self, Explained, Moved};
use crate::publish::QuarterDir;
use crate::pull::SnapshotStore;
use crate::quarter::Quarter;

/// A figure of one version, its registrations, and what moved it since the version before.
pub struct Explanation {
    pub version: u32,
    /// The version is the preview's, not published.
    pub preview: bool,
    /// The figure as that version's figures.csv has it (`None` when it has no such figure).
    pub published: Option<String>,
    pub explained: Explained,
    pub before: Option<(u32, Moved)>,
}

/// Which version to explain.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    /// A published version; `None` for the current one.
    Published(Option<u32>),
    /// The quarter's preview (`run --preview`), against the newest published version.
    Preview,
}

pub fn explain(
    config: &Config,
    tenant: &Tenant,
    quarter: Quarter,
    which: Which,
    key: &FigureKey,
) -> Result<Explanation, RunError> {
    let published = QuarterDir::new(&config.output_dir, &tenant.id, quarter);
    let versions = published.versions();
    let listed = versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (dir, version) = match which {
        Which::Preview => super::preview_version(config, &tenant.id, quarter)?,
        Which::Published(asked) => match asked.or(versions.last().copied()) {
            Some(v) if versions.contains(&v) => (published.clone(), v),
            Some(v) => {
                return Err(RunError::NotPublished(format!(
                    "{} {quarter} has no version {v} (published: {listed})",
                    tenant.id
                )));
            }
            None => {
                return Err(RunError::NotPublished(format!(
                    "{} {quarter}: nothing is published in {}",
                    tenant.id,
                    published.dir.display()
                )));
            }
        },
    };
    let explained = explain::explain(&export_of(config, tenant, &dir, version)?, key)?;
    let figure = std::fs::read(dir.version_dir(version).join("intern/figures.csv"))
        .ok()
        .and_then(|bytes| Figures::from_csv(&bytes).ok())
        .and_then(|f| f.get(key).map(|f| f.value.csv()));
    let before = match versions.iter().rev().find(|v| **v < version) {
        Some(&v) => {
            let old = explain::explain(&export_of(config, tenant, &published, v)?, key)?;
            Some((v, explain::compare(&old, &explained)))
        }
        None => None,
    };
    Ok(Explanation {
        version,
        preview: matches!(which, Which::Preview),
        published: figure,
        explained,
        before,
    })
}

/// The export version `version` was computed from, as loaded then (keys not encoded).
fn export_of(
    config: &Config,
    tenant: &Tenant,
    dir: &QuarterDir,
    version: u32,
) -> Result<Export, RunError> {
    let manifest = dir.manifest(version).ok_or_else(|| {
        RunError::NotPublished(format!(
            "{}: the manifest cannot be read",
            dir.version_dir(version).display()
        ))
    })?;
    let store = SnapshotStore::open(&config.state_dir)?;
    let snapshot = store.get(&tenant.id, &manifest.snapshot)?;
    store.verify(&snapshot)?;
    let renames = Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    let (export, _) = load::load_export(
        &snapshot.dir,
        &snapshot.hashes(),
        &renames,
        tenant.export.csv(),
        &config.monitor.load(),
    )?;
    Ok(export)
}
