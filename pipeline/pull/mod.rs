//! Stage `pull`: every configured source fetched into a snapshot.
//!
//! A snapshot holds the raw bytes exactly as they arrived, content-addressed by sha256,
//! with a manifest. Files are written once (atomically, 0600, folders 0700) and never
//! changed, so a run can be repeated from its snapshot byte for byte. Identical inputs give
//! the same snapshot id.

mod config;
pub mod http;
pub mod snapshot;

use std::path::{Path, PathBuf};

pub use config::{Auth, BudgetSource, CsvOptions, DemoSource, Encoding, HttpOptions, Source};
pub use snapshot::{Snapshot, SnapshotFile, SnapshotStore};

use crate::quarter::Quarter;
use crate::vocab::TABLES;

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{source_name}: {path}: {reason}")]
    Source {
        source_name: String,
        path: String,
        reason: String,
    },
    #[error("snapshot store {path}: {reason}")]
    Store { path: String, reason: String },
    #[error("demo data for {path}: {reason}")]
    Demo { path: String, reason: String },
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(
        "snapshot object {object} ({file}) does not match its hash: it holds {found}{aside}; pull again to store a good copy"
    )]
    Damaged {
        object: String,
        file: String,
        found: String,
        aside: String,
    },
    /// The HTTP client cannot be set up (e.g. an unreadable CA file).
    #[error("{0}")]
    Setup(String),
}

/// The files a source folder offers for this run: the export's tables, or the budget
/// workbook of the report year.
fn wanted(dir: &Path, names: &[String]) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if names.contains(&name) && entry.file_type()?.is_file() {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

fn export_names() -> Vec<String> {
    TABLES
        .iter()
        .flat_map(|(name, _)| [format!("{name}.csv"), format!("{name}.xlsx")])
        .collect()
}

/// Adds files to the store on two threads, largest first: hashing and the disk's writing
/// of one file overlap with the other's. The result is in the order given, and the error
/// reported is the one adding them in that order would have met first: after a failure,
/// files later in the order are skipped, earlier ones are still tried.
fn add_all(
    store: &SnapshotStore,
    source: &str,
    paths: &[PathBuf],
) -> Result<Vec<snapshot::SnapshotFile>, PullError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_cached_key(|&i| {
        std::cmp::Reverse(std::fs::metadata(&paths[i]).map_or(0, |m| m.len()))
    });
    let next = AtomicUsize::new(0);
    let first_failed = AtomicUsize::new(usize::MAX);
    let results = std::sync::Mutex::new(Vec::with_capacity(paths.len()));
    let work = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            if i > first_failed.load(Ordering::Relaxed) {
                continue;
            }
            let added = store.add(source, &paths[i]);
            if added.is_err() {
                first_failed.fetch_min(i, Ordering::Relaxed);
            }
            results
                .lock()
                .expect("no panic while holding")
                .push((i, added));
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(work);
        work();
    });
    let mut results = results.into_inner().expect("no panic while holding");
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, added)| added).collect()
}

/// Generates the demo export into the configured folder when it is not there yet.
pub fn ensure_demo(source: &Source) -> Result<(), PullError> {
    let Source::Dir {
        path,
        demo: Some(demo),
        ..
    } = source
    else {
        return Ok(());
    };
    if path.join("casussen.csv").exists() {
        return Ok(());
    }
    tracing::info!(path = %path.display(), scale = ?demo.scale, until = %demo.until, "generating the demo export");
    let opts = crate::demo::DemoOptions {
        seed: demo.seed,
        scale: demo.scale,
        until: demo.until.last_day(),
    };
    crate::demo::generate(path, &opts).map_err(|e| PullError::Demo {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(())
}

/// One file to fetch: where from, and under which name it is kept.
struct Wanted {
    source: &'static str,
    name: String,
    url: String,
    /// A required file that is missing stops the run; an optional one is left out.
    required: bool,
}

fn export_urls(http: &HttpOptions) -> Vec<Wanted> {
    let base = if http.url.ends_with('/') {
        http.url.clone()
    } else {
        format!("{}/", http.url)
    };
    match &http.files {
        Some(files) => files
            .iter()
            .map(|f| Wanted {
                source: "export",
                name: f.clone(),
                url: format!("{base}{f}"),
                required: true,
            })
            .collect(),
        None => TABLES
            .iter()
            .map(|&(name, required)| Wanted {
                source: "export",
                name: format!("{name}.csv"),
                url: format!("{base}{name}.csv"),
                required,
            })
            .collect(),
    }
}

/// Fetches the HTTPS sources concurrently, each with its own client and credentials.
fn pull_http(
    store: &SnapshotStore,
    jobs: Vec<(&HttpOptions, Wanted)>,
) -> Result<Vec<SnapshotFile>, PullError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PullError::Store {
            path: "tokio runtime".into(),
            reason: e.to_string(),
        })?;
    runtime.block_on(async {
        let mut fetches = Vec::new();
        for (options, wanted) in jobs {
            let fetcher = http::Fetcher::new(options)?;
            fetches.push(async move {
                let fetched = fetcher.fetch(store, wanted.source, &wanted.name, &wanted.url).await?;
                match fetched {
                    http::Fetched::Stored(file) => Ok(Some(file)),
                    http::Fetched::NotFound if !wanted.required => {
                        tracing::info!(url = %http::shown_url(&wanted.url), "not delivered (404): an optional table");
                        Ok(None)
                    }
                    http::Fetched::NotFound => Err(PullError::Source {
                        source_name: wanted.source.into(),
                        path: http::shown_url(&wanted.url),
                        reason: format!("the server answered 404 Not Found: the required {} is missing", wanted.name),
                    }),
                }
            });
        }
        let results = futures_util::future::join_all(fetches).await;
        let mut files = Vec::new();
        for r in results {
            if let Some(f) = r? {
                files.push(f);
            }
        }
        Ok(files)
    })
}

/// What one tenant pulls: its export and, when it has one, its budget workbook.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The tenant's id, which names its snapshots.
    pub tenant: &'a str,
    pub export: &'a Source,
    pub budget: Option<&'a BudgetSource>,
}

/// Pulls the tenant's export and the budget workbook of `quarter`'s year into one snapshot.
pub fn pull(
    store: &SnapshotStore,
    origin: Origin,
    quarter: Quarter,
) -> Result<Snapshot, PullError> {
    let files = pull_sources(store, origin, quarter, Sources::Both)?;
    store.commit(origin.tenant, files)
}

/// Which of a tenant's sources to pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    Both,
    Export,
    Budget,
}

/// Pulls the chosen sources into the object store, without making a snapshot of them;
/// `pipeline check` uses it to try each source on its own.
pub fn pull_sources(
    store: &SnapshotStore,
    origin: Origin,
    quarter: Quarter,
    which: Sources,
) -> Result<Vec<snapshot::SnapshotFile>, PullError> {
    let mut files = Vec::new();
    let mut remote = Vec::new();
    if which != Sources::Budget {
        match origin.export {
            Source::Dir {
                path,
                files: listed,
                ..
            } => {
                ensure_demo(origin.export)?;
                let names = match listed {
                    Some(listed) => listed.iter().map(|f| f.to_lowercase()).collect(),
                    None => export_names(),
                };
                let export = wanted(path, &names).map_err(|e| PullError::Source {
                    source_name: "export".into(),
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                files.extend(add_all(store, "export", &export)?);
            }
            Source::Https(http) => remote.extend(export_urls(http).into_iter().map(|w| (http, w))),
        }
    }
    if let Some(budget) = origin.budget.filter(|_| which != Sources::Export) {
        let name = budget.file.replace("{year}", &quarter.year().to_string());
        match &budget.source {
            Source::Dir { path, .. } => {
                ensure_demo(&budget.source)?;
                let file = path.join(&name);
                if !file.is_file() {
                    return Err(PullError::Source {
                        source_name: "budget".into(),
                        path: file.display().to_string(),
                        reason: format!(
                            "the budget workbook for {} is missing (expected {name})",
                            quarter.year()
                        ),
                    });
                }
                files.push(store.add("budget", &file)?);
            }
            Source::Https(http) => {
                let url = http.url.replace("{year}", &quarter.year().to_string());
                remote.push((
                    http,
                    Wanted {
                        source: "budget",
                        name,
                        url,
                        required: true,
                    },
                ));
            }
        }
    }
    files.extend(pull_http(store, remote)?);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_back_in_order_and_the_first_failure_in_that_order_is_reported() {
        let state = tempfile::tempdir().unwrap();
        let source = tempfile::tempdir().unwrap();
        let store = SnapshotStore::open(state.path()).unwrap();
        let mut paths = Vec::new();
        for (name, size) in [
            ("a.csv", 10),
            ("b.csv", 300_000),
            ("c.csv", 20),
            ("d.csv", 5),
        ] {
            let path = source.path().join(name);
            std::fs::write(&path, vec![b'x'; size]).unwrap();
            paths.push(path);
        }
        let added = add_all(&store, "export", &paths).unwrap();
        let names: Vec<&str> = added.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["a.csv", "b.csv", "c.csv", "d.csv"],
            "in the order given"
        );
        assert_eq!(added[1].size, 300_000);

        // Two files gone: the earlier one in the given order is named, whichever thread
        // met which first.
        let mut broken = paths.clone();
        broken.insert(1, source.path().join("missing-1.csv"));
        broken.push(source.path().join("missing-2.csv"));
        for _ in 0..20 {
            match add_all(&store, "export", &broken) {
                Err(PullError::Source { path, .. }) => {
                    assert!(path.ends_with("missing-1.csv"), "{path}")
                }
                other => panic!("expected the missing file, got {other:?}"),
            }
        }
    }
}
