//! Stage `publish`: a whole publication appears in one step, or not at all.
//!
//! ```text
//! <output>/<tenant>/<quarter>/v1/   kwartaalrapportage.pdf, raadsmemo.pdf, figures.csv, manifest.json
//! <output>/<tenant>/<quarter>/v2/   a correction, beside v1, never over it
//! <output>/<tenant>/<quarter>/current -> v2
//! ```
//!
//! A version is built in a hidden temporary folder beside its final place and renamed into
//! place; only then does `current` move. A failed run leaves every earlier version and the
//! pointer as they were.

pub mod changes;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::quarter::Quarter;

pub use changes::{FigureChange, changed_figures};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> PublishError + '_ {
    move |e| PublishError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedFile {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub tenant: String,
    pub quarter: String,
    pub version: u32,
    pub snapshot: String,
    /// Digest of what the documents show (figures and data documents without version marks):
    /// a rerun with the same content publishes nothing new.
    pub content: String,
    pub files: Vec<PublishedFile>,
}

/// Where one tenant's quarter is published.
pub struct QuarterDir {
    pub dir: PathBuf,
}

impl QuarterDir {
    pub fn new(output_dir: &Path, tenant: &str, quarter: Quarter) -> Self {
        Self {
            dir: output_dir.join(tenant).join(quarter.to_string()),
        }
    }

    pub fn version_dir(&self, version: u32) -> PathBuf {
        self.dir.join(format!("v{version}"))
    }

    /// The highest published version and its manifest.
    pub fn current(&self) -> Option<(u32, Manifest)> {
        let mut best: Option<u32> = None;
        for entry in fs::read_dir(&self.dir).ok()?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(n) = name.strip_prefix('v').and_then(|n| n.parse::<u32>().ok())
                && entry.path().join("manifest.json").is_file()
            {
                best = best.max(Some(n));
            }
        }
        let v = best?;
        let text = fs::read_to_string(self.version_dir(v).join("manifest.json")).ok()?;
        Some((v, serde_json::from_str(&text).ok()?))
    }

    /// Writes `files` as version `version` in one step and points `current` at it.
    pub fn publish(
        &self,
        version: u32,
        mut manifest: Manifest,
        files: &[(String, Vec<u8>)],
    ) -> Result<PathBuf, PublishError> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let building = tempfile::Builder::new()
            .prefix(&format!(".v{version}-"))
            .tempdir_in(&self.dir)
            .map_err(io(&self.dir))?;
        manifest.files.clear();
        for (name, bytes) in files {
            let path = building.path().join(name);
            write_synced(&path, bytes)?;
            manifest.files.push(PublishedFile {
                name: name.clone(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(bytes)),
            });
        }
        let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        write_synced(&building.path().join("manifest.json"), &text)?;
        let target = self.version_dir(version);
        let built = building.keep();
        // rename(2) refuses to replace a non-empty folder: an existing version is never overwritten.
        if let Err(e) = fs::rename(&built, &target) {
            let _ = fs::remove_dir_all(&built);
            return Err(io(&target)(e));
        }
        self.point_current(version)?;
        Ok(target)
    }

    fn point_current(&self, version: u32) -> Result<(), PublishError> {
        let link = self.dir.join("current");
        let tmp = self.dir.join(format!(".current-{version}"));
        let _ = fs::remove_file(&tmp);
        #[cfg(unix)]
        std::os::unix::fs::symlink(format!("v{version}"), &tmp).map_err(io(&tmp))?;
        #[cfg(not(unix))]
        fs::write(&tmp, format!("v{version}")).map_err(io(&tmp))?;
        fs::rename(&tmp, &link).map_err(io(&link))?;
        Ok(())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(())
}

/// Removes leftovers of publications that were interrupted before their rename.
pub fn clean_abandoned(quarter_dir: &Path) {
    let Ok(entries) = fs::read_dir(quarter_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".v") {
            let _ = fs::remove_dir_all(entry.path());
        } else if name.starts_with(".current-") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(content: &str) -> Manifest {
        Manifest {
            tenant: "t".into(),
            quarter: "2024Q4".into(),
            version: 0,
            snapshot: "s".into(),
            content: content.into(),
            files: Vec::new(),
        }
    }

    #[test]
    fn versions_sit_side_by_side_and_current_follows() {
        let out = tempfile::tempdir().unwrap();
        let q = QuarterDir::new(out.path(), "t", "2024Q4".parse().unwrap());
        assert!(q.current().is_none());
        q.publish(1, manifest("a"), &[("figures.csv".into(), b"one".to_vec())])
            .unwrap();
        q.publish(2, manifest("b"), &[("figures.csv".into(), b"two".to_vec())])
            .unwrap();
        assert_eq!(
            fs::read(q.version_dir(1).join("figures.csv")).unwrap(),
            b"one"
        );
        assert_eq!(
            fs::read(q.dir.join("current").join("figures.csv")).unwrap(),
            b"two"
        );
        let (v, m) = q.current().unwrap();
        assert_eq!((v, m.content.as_str()), (2, "b"));
        assert_eq!(m.files[0].sha256, hex::encode(Sha256::digest(b"two")));
        // An existing version is never overwritten.
        assert!(
            q.publish(
                2,
                manifest("c"),
                &[("figures.csv".into(), b"three".to_vec())]
            )
            .is_err()
        );
        assert_eq!(
            fs::read(q.version_dir(2).join("figures.csv")).unwrap(),
            b"two"
        );
        let leftovers: Vec<_> = fs::read_dir(&q.dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
