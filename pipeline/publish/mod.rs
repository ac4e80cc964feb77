//! Stage `publish`: a whole publication appears in one step, or not at all.
//!
//! ```text
//! <output>/<tenant>/<quarter>/v1/
//!     manifest.json                        every file, its audience and sha256
//!     intern/                              0750: the service user and its group
//!         kwartaalrapportage.pdf           the internal edition (every figure)
//!         figures.csv                      every figure, unsuppressed
//!     openbaar/<document>/                 0755: what may be published as it is
//!         <document>.pdf                   the public edition
//!         cijfers-openbaar.csv             the figures it shows, as it shows them
//! <output>/<tenant>/<quarter>/v2/          a correction, beside v1, never over it
//! <output>/<tenant>/<quarter>/current -> v2
//! ```
//!
//! A version is built in a hidden temporary folder beside its final place and renamed into
//! place; only then does `current` move. A failed run leaves every earlier version and the
//! pointer as they were. Publish decides the version number: the next one, unless the same
//! content is already the current version.

pub mod changes;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::disclose::Audience;
use crate::quarter::Quarter;

pub use changes::{CellChange, Correction};

/// One file of a version, before it is published: its path inside the version folder
/// (`intern/figures.csv`) and who it is for.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub audience: Audience,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// Where a file for `audience` goes: `intern/<name>`, or `openbaar/<document>/<name>`.
    pub fn place(audience: Audience, document: Option<&str>, name: &str) -> String {
        match (audience, document) {
            (Audience::Intern, _) => format!("intern/{name}"),
            (Audience::Openbaar, Some(doc)) => format!("openbaar/{doc}/{name}"),
            (Audience::Openbaar, None) => format!("openbaar/{name}"),
        }
    }
}

/// What publishing a version decided.
#[derive(Debug, Clone)]
pub enum Decision {
    /// The same content is already the current version.
    Unchanged { version: u32, manifest: Manifest },
    /// This content becomes `version`; `previous` is the current version it corrects.
    New { version: u32, previous: Option<u32> },
}

/// A published version, as delivery and the run's report see it.
#[derive(Debug, Clone)]
pub struct Publication {
    pub tenant: String,
    pub quarter: Quarter,
    pub version: u32,
    pub dir: PathBuf,
    /// False when the same content was already published as this version.
    pub new: bool,
    pub snapshot: String,
    pub files: Vec<PublishedFile>,
}

impl Publication {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

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
    /// The path inside the version folder, e.g. `openbaar/raadsmemo/raadsmemo.pdf`.
    pub name: String,
    pub audience: Audience,
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

/// The quarters a tenant has a folder for in `output_dir`, oldest first.
pub fn quarters(output_dir: &Path, tenant: &str) -> Vec<Quarter> {
    let mut out: Vec<Quarter> = fs::read_dir(output_dir.join(tenant))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let quarter: Quarter = name.parse().ok()?;
            (quarter.to_string() == name).then_some(quarter)
        })
        .collect();
    out.sort_unstable();
    out
}

/// Where one tenant's quarter is published.
#[derive(Debug, Clone)]
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

    /// Points `current` at the newest complete version when it points elsewhere (a run
    /// stopped between moving a version into place and moving the pointer). Returns the
    /// version it now points at, when it changed.
    pub fn repair_current(&self) -> Result<Option<u32>, PublishError> {
        let Some((newest, _)) = self.current() else {
            return Ok(None);
        };
        let link = self.dir.join("current");
        let target = fs::read_link(&link).ok();
        if target.as_deref() == Some(Path::new(&format!("v{newest}"))) {
            return Ok(None);
        }
        self.point_current(newest)?;
        Ok(Some(newest))
    }

    /// Whether `content` is already the current version, else the number it gets.
    pub fn decide(&self, content: &str) -> Decision {
        match self.current() {
            Some((version, manifest)) if manifest.content == content => {
                Decision::Unchanged { version, manifest }
            }
            Some((version, _)) => Decision::New {
                version: version + 1,
                previous: Some(version),
            },
            None => Decision::New {
                version: 1,
                previous: None,
            },
        }
    }

    /// Every published version (a folder with its manifest), oldest first.
    pub fn versions(&self) -> Vec<u32> {
        let mut out: Vec<u32> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let n = name.strip_prefix('v')?.parse::<u32>().ok()?;
                entry.path().join("manifest.json").is_file().then_some(n)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The highest published version and its manifest.
    pub fn current(&self) -> Option<(u32, Manifest)> {
        let v = *self.versions().last()?;
        Some((v, self.manifest(v)?))
    }

    /// A published version's manifest.
    pub fn manifest(&self, version: u32) -> Option<Manifest> {
        let text = fs::read_to_string(self.version_dir(version).join("manifest.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes `files` as version `version` in one step and points `current` at it.
    /// Internal files are readable by the service user and its group only; public ones by
    /// anyone who can reach the folder.
    pub fn publish(
        &self,
        version: u32,
        mut manifest: Manifest,
        files: &[OutputFile],
    ) -> Result<PathBuf, PublishError> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let building = tempfile::Builder::new()
            .prefix(&format!(".v{version}-"))
            .tempdir_in(&self.dir)
            .map_err(io(&self.dir))?;
        set_mode(building.path(), 0o755)?;
        manifest.files.clear();
        for file in files {
            let path = building.path().join(&file.path);
            let (dir_mode, file_mode) = match file.audience {
                Audience::Intern => (0o750, 0o640),
                Audience::Openbaar => (0o755, 0o644),
            };
            let mut folder = path.parent().expect("a file in a folder").to_path_buf();
            fs::create_dir_all(&folder).map_err(io(&folder))?;
            while folder != building.path() {
                set_mode(&folder, dir_mode)?;
                folder.pop();
            }
            write_synced(&path, &file.bytes)?;
            set_mode(&path, file_mode)?;
            manifest.files.push(PublishedFile {
                name: file.path.clone(),
                audience: file.audience,
                size: file.bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&file.bytes)),
            });
        }
        let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        let manifest_path = building.path().join("manifest.json");
        write_synced(&manifest_path, &text)?;
        set_mode(&manifest_path, 0o644)?;
        let target = self.version_dir(version);
        crate::failpoint!(
            "publish::before_rename",
            io(&target)(std::io::Error::other(crate::failpoint::message(
                "publish::before_rename"
            )))
        );
        let built = building.keep();
        // rename(2) refuses to replace a non-empty folder: an existing version is never overwritten.
        if let Err(e) = fs::rename(&built, &target) {
            let _ = fs::remove_dir_all(&built);
            return Err(io(&target)(e));
        }
        let finish = || -> Result<(), PublishError> {
            sync_dir(&self.dir)?;
            crate::failpoint!(
                "publish::after_rename",
                io(&target)(std::io::Error::other(crate::failpoint::message(
                    "publish::after_rename"
                )))
            );
            self.point_current(version)?;
            crate::failpoint!(
                "publish::after_current",
                io(&target)(std::io::Error::other(crate::failpoint::message(
                    "publish::after_current"
                )))
            );
            Ok(())
        };
        if let Err(e) = finish() {
            // A step after the rename failed (the process lives on): the version is taken
            // back so that a failed run publishes nothing. A crash here instead leaves a
            // whole version, which the next start finishes (`repair_current`).
            self.withdraw(version);
            return Err(e);
        }
        Ok(target)
    }

    /// Takes back a version whose publication failed after its folder was moved into
    /// place: `current` back on the version before it (or gone), the folder removed.
    fn withdraw(&self, version: u32) {
        let link = self.dir.join("current");
        let previous = (1..version)
            .rev()
            .find(|v| self.version_dir(*v).join("manifest.json").is_file());
        match previous {
            Some(v) => {
                if let Err(e) = self.point_current(v) {
                    tracing::error!(error = %e, "current could not be moved back");
                }
            }
            None => {
                let _ = fs::remove_file(&link);
            }
        }
        let aside = self.dir.join(format!(".v{version}-withdrawn"));
        if fs::rename(self.version_dir(version), &aside).is_ok() {
            let _ = fs::remove_dir_all(&aside);
        }
        let _ = sync_dir(&self.dir);
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
        sync_dir(&self.dir)
    }
}

/// Makes the renames in a folder durable: after a power loss the folder shows them.
fn sync_dir(dir: &Path) -> Result<(), PublishError> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PublishError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io(path))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(())
}

/// Removes leftovers of publications that were interrupted before their rename.
/// Called with the quarter's run lock held, so nothing else is building here. Returns how
/// many leftovers it removed.
pub fn clean_abandoned(quarter_dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(quarter_dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let gone = if name.starts_with(".v") {
            fs::remove_dir_all(entry.path()).is_ok()
        } else if name.starts_with(".current-") {
            fs::remove_file(entry.path()).is_ok()
        } else {
            false
        };
        removed += usize::from(gone);
    }
    removed
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
        let file = |bytes: &[u8]| {
            vec![
                OutputFile {
                    path: "intern/figures.csv".into(),
                    audience: Audience::Intern,
                    bytes: bytes.to_vec(),
                },
                OutputFile {
                    path: "openbaar/raadsmemo/raadsmemo.pdf".into(),
                    audience: Audience::Openbaar,
                    bytes: b"memo".to_vec(),
                },
            ]
        };
        assert!(matches!(
            q.decide("a"),
            Decision::New {
                version: 1,
                previous: None
            }
        ));
        q.publish(1, manifest("a"), &file(b"one")).unwrap();
        assert!(matches!(
            q.decide("a"),
            Decision::Unchanged { version: 1, .. }
        ));
        assert!(matches!(
            q.decide("b"),
            Decision::New {
                version: 2,
                previous: Some(1)
            }
        ));
        q.publish(2, manifest("b"), &file(b"two")).unwrap();
        assert_eq!(
            fs::read(q.version_dir(1).join("intern/figures.csv")).unwrap(),
            b"one"
        );
        assert_eq!(
            fs::read(q.dir.join("current").join("intern/figures.csv")).unwrap(),
            b"two"
        );
        let mode = |p: &str| {
            fs::metadata(q.version_dir(2).join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!((mode("intern"), mode("intern/figures.csv")), (0o750, 0o640));
        assert_eq!(
            (
                mode("openbaar/raadsmemo"),
                mode("openbaar/raadsmemo/raadsmemo.pdf")
            ),
            (0o755, 0o644)
        );
        let (v, m) = q.current().unwrap();
        assert_eq!((v, m.content.as_str()), (2, "b"));
        assert_eq!(m.files[0].sha256, hex::encode(Sha256::digest(b"two")));
        assert_eq!(m.files[0].audience, Audience::Intern);
        // An existing version is never overwritten.
        assert!(q.publish(2, manifest("c"), &file(b"three")).is_err());
        assert_eq!(
            fs::read(q.version_dir(2).join("intern/figures.csv")).unwrap(),
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
