//! The snapshot store under the state folder:
//!
//! ```text
//! <state>/objects/<sha256>                      every file once, 0600, never modified
//! <state>/snapshots/<tenant>/<id>/<file name>   hard links to the objects
//! <state>/snapshots/<tenant>/<id>/manifest.json
//! ```
//!
//! A snapshot folder appears in one rename, so a reader never sees half of one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::PullError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    /// The file name as delivered, e.g. `casussen.csv`.
    pub name: String,
    /// `export` or `budget`.
    pub source: String,
    /// Where it came from (a folder path, or a URL without credentials).
    pub origin: String,
    pub size: u64,
    pub sha256: String,
    /// The server's validators, as delivered, for tracing a file back to its version there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub tenant: String,
    /// When these files were first pulled (RFC 3339, UTC); a later pull of the same files
    /// is the same snapshot.
    #[serde(default)]
    pub pulled: String,
    pub files: Vec<SnapshotFile>,
    /// The folder holding the files under their delivered names.
    #[serde(skip)]
    pub dir: PathBuf,
}

impl Snapshot {
    pub fn hashes(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect()
    }

    pub fn file(&self, source: &str) -> Option<&SnapshotFile> {
        self.files.iter().find(|f| f.source == source)
    }
}

pub struct SnapshotStore {
    root: PathBuf,
}

/// A file on its way into the object store. Dropped unfinished, it leaves nothing behind.
pub struct ObjectWriter<'a> {
    store: &'a SnapshotStore,
    out: std::io::BufWriter<tempfile::NamedTempFile>,
    hasher: Sha256,
    size: u64,
    /// Bytes handed to the disk so far (see [`ObjectWriter::write`]).
    flushed: u64,
}

/// How much written data may wait in memory before the disk is asked to take it.
const WRITEBACK_STEP: u64 = 16 << 20;

impl ObjectWriter<'_> {
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), PullError> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.out
            .write_all(bytes)
            .map_err(|e| self.store.err(&self.store.root, e))?;
        // The object is synced before it counts; asking the disk to start writing as the
        // data arrives lets that overlap with reading and hashing the rest, so the final
        // sync waits for the last few megabytes instead of the whole export.
        if self.size - self.flushed >= WRITEBACK_STEP {
            self.out
                .flush()
                .map_err(|e| self.store.err(&self.store.root, e))?;
            start_writeback(self.out.get_ref().as_file(), self.flushed, self.size);
            self.flushed = self.size;
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Moves the file into the store under its hash (once: an existing object is kept).
    pub fn finish(self, name: &str, source: &str, origin: &str) -> Result<SnapshotFile, PullError> {
        let store = self.store;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| store.err(&store.root, e.error()))?;
        let sha256 = hex::encode(self.hasher.finalize());
        let object = store.root.join("objects").join(&sha256);
        // An object already stored (the same file pulled again) was synced when it came.
        if !object.exists() {
            tmp.as_file()
                .sync_all()
                .map_err(|e| store.err(&store.root, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600))
                    .map_err(|e| store.err(tmp.path(), e))?;
            }
            tmp.persist(&object)
                .map_err(|e| store.err(&object, e.error))?;
        }
        Ok(SnapshotFile {
            name: name.into(),
            source: source.into(),
            origin: origin.into(),
            size: self.size,
            sha256,
            etag: None,
            last_modified: None,
        })
    }
}

/// Starts writing `from..to` of the file to disk without waiting for it (Linux only; a
/// failure here is harmless: the sync before the object is kept reports real errors).
#[cfg(target_os = "linux")]
fn start_writeback(file: &fs::File, from: u64, to: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor this file owns; no memory is passed.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            from as libc::off_t,
            (to - from) as libc::off_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &fs::File, _from: u64, _to: u64) {}

fn private_dir(path: &Path) -> std::io::Result<()> {
    fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl SnapshotStore {
    pub fn open(state_dir: &Path) -> Result<Self, PullError> {
        let root = state_dir.to_path_buf();
        for dir in [
            root.clone(),
            root.join("objects"),
            root.join("snapshots"),
            root.join("tmp"),
        ] {
            private_dir(&dir).map_err(|e| PullError::Store {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        Ok(Self { root })
    }

    fn err(&self, path: &Path, e: impl std::fmt::Display) -> PullError {
        PullError::Store {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    /// A new object being written: hashed as it is written, in the store only once finished.
    pub fn writer(&self) -> Result<ObjectWriter<'_>, PullError> {
        let tmp = tempfile::Builder::new()
            .prefix("pull-")
            .tempfile_in(self.root.join("tmp"))
            .map_err(|e| self.err(&self.root, e))?;
        Ok(ObjectWriter {
            store: self,
            out: std::io::BufWriter::with_capacity(1 << 20, tmp),
            hasher: Sha256::new(),
            size: 0,
            flushed: 0,
        })
    }

    /// Copies one file into the object store, hashing it on the way.
    pub fn add(&self, source: &str, file: &Path) -> Result<SnapshotFile, PullError> {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let unreadable = |e: std::io::Error| PullError::Source {
            source_name: source.into(),
            path: file.display().to_string(),
            reason: e.to_string(),
        };
        let mut input = fs::File::open(file).map_err(unreadable)?;
        let mut writer = self.writer()?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n])?;
        }
        writer.finish(&name, source, &file.display().to_string())
    }

    /// Records a snapshot of the given files; the same files give the same id.
    pub fn commit(
        &self,
        tenant: &str,
        mut files: Vec<SnapshotFile>,
    ) -> Result<Snapshot, PullError> {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let mut hasher = Sha256::new();
        for f in &files {
            hasher.update(format!("{}\0{}\0{}\n", f.source, f.name, f.sha256));
        }
        let id = hex::encode(hasher.finalize())[..16].to_string();
        let tenant_dir = self.root.join("snapshots").join(tenant);
        private_dir(&tenant_dir).map_err(|e| self.err(&tenant_dir, e))?;
        let dir = tenant_dir.join(&id);
        if dir.join("manifest.json").exists() {
            return self.get(tenant, &id);
        }
        let snapshot = Snapshot {
            id: id.clone(),
            tenant: tenant.into(),
            pulled: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            files,
            dir: dir.clone(),
        };
        let building = tempfile::Builder::new()
            .prefix(".building-")
            .tempdir_in(&tenant_dir)
            .map_err(|e| self.err(&tenant_dir, e))?;
        for f in &snapshot.files {
            let object = self.root.join("objects").join(&f.sha256);
            let target = building.path().join(&f.name);
            if fs::hard_link(&object, &target).is_err() {
                fs::copy(&object, &target).map_err(|e| self.err(&target, e))?;
            }
        }
        let manifest = building.path().join("manifest.json");
        let mut out = private_file(&manifest).map_err(|e| self.err(&manifest, e))?;
        out.write_all(&serde_json::to_vec_pretty(&snapshot).expect("a manifest serialises"))
            .map_err(|e| self.err(&manifest, e))?;
        out.sync_all().map_err(|e| self.err(&manifest, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(building.path(), fs::Permissions::from_mode(0o700))
                .map_err(|e| self.err(building.path(), e))?;
        }
        let built = building.keep();
        if let Err(e) = fs::rename(&built, &dir) {
            // Another run committed the same snapshot first: same content, keep theirs.
            let _ = fs::remove_dir_all(&built);
            if !dir.join("manifest.json").exists() {
                return Err(self.err(&dir, e));
            }
        }
        Ok(snapshot)
    }

    /// Deletes this tenant's snapshots first pulled before `cutoff`, then every object no
    /// snapshot links to any more. An object's only remaining link is its own name in
    /// `objects/`, so the link count tells which are unused without reading any manifest.
    /// Returns how many snapshots were deleted.
    pub fn prune(
        &self,
        tenant: &str,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, PullError> {
        let tenant_dir = self.root.join("snapshots").join(tenant);
        let mut deleted = 0;
        for entry in fs::read_dir(&tenant_dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let Ok(snapshot) = self.get(tenant, &name) else {
                continue;
            };
            let pulled = chrono::DateTime::parse_from_rfc3339(&snapshot.pulled)
                .map(|d| d.with_timezone(&chrono::Utc));
            if pulled.is_ok_and(|p| p < cutoff) {
                fs::remove_dir_all(entry.path()).map_err(|e| self.err(&entry.path(), e))?;
                deleted += 1;
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let objects = self.root.join("objects");
            for entry in fs::read_dir(&objects).into_iter().flatten().flatten() {
                if entry
                    .metadata()
                    .is_ok_and(|m| m.is_file() && m.nlink() == 1)
                {
                    fs::remove_file(entry.path()).map_err(|e| self.err(&entry.path(), e))?;
                }
            }
        }
        Ok(deleted)
    }

    /// A kept snapshot, for `--snapshot ID` reruns.
    pub fn get(&self, tenant: &str, id: &str) -> Result<Snapshot, PullError> {
        let dir = self.root.join("snapshots").join(tenant).join(id);
        let manifest = dir.join("manifest.json");
        let text = fs::read_to_string(&manifest)
            .map_err(|e| self.err(&manifest, format!("no such snapshot ({e})")))?;
        let mut snapshot: Snapshot =
            serde_json::from_str(&text).map_err(|e| self.err(&manifest, e))?;
        snapshot.dir = dir;
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_deletes_old_snapshots_and_their_unshared_objects() {
        let state = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let store = SnapshotStore::open(state.path()).unwrap();
        fs::write(data.path().join("a.csv"), "old\n").unwrap();
        fs::write(data.path().join("b.csv"), "shared\n").unwrap();
        let snapshot = || {
            let files =
                ["a.csv", "b.csv"].map(|f| store.add("export", &data.path().join(f)).unwrap());
            store.commit("t", files.to_vec()).unwrap()
        };
        let old = snapshot();
        // Age the first snapshot by rewriting its manifest's time.
        let manifest = old.dir.join("manifest.json");
        let mut aged: Snapshot =
            serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
        aged.pulled = "2020-01-01T00:00:00Z".into();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&manifest, fs::Permissions::from_mode(0o600)).unwrap();
        }
        fs::write(&manifest, serde_json::to_vec(&aged).unwrap()).unwrap();
        fs::write(data.path().join("a.csv"), "new\n").unwrap();
        let new = snapshot();
        let cutoff = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(store.prune("t", cutoff).unwrap(), 1);
        assert!(!old.dir.exists() && new.dir.exists());
        let objects: Vec<_> = fs::read_dir(state.path().join("objects"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(
            objects.len(),
            2,
            "the old a.csv is gone; the new one and the shared b.csv stay"
        );
        assert_eq!(
            fs::read_to_string(new.dir.join("b.csv")).unwrap(),
            "shared\n"
        );
    }

    #[test]
    fn same_files_same_snapshot_private_and_unchanged() {
        let state = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        fs::write(data.path().join("casussen.csv"), "Casusnummer\nC1\n").unwrap();
        let store = SnapshotStore::open(state.path()).unwrap();
        let add = || {
            store
                .add("export", &data.path().join("casussen.csv"))
                .unwrap()
        };
        let a = add();
        let s1 = store.commit("demo", vec![a.clone()]).unwrap();
        let s2 = store.commit("demo", vec![add()]).unwrap();
        assert_eq!(s1.id, s2.id);
        assert_eq!(
            fs::read_to_string(s1.dir.join("casussen.csv")).unwrap(),
            "Casusnummer\nC1\n"
        );
        assert_eq!(a.sha256.len(), 64);
        let again = store.get("demo", &s1.id).unwrap();
        assert_eq!(again.files, s1.files);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&state.path().join("objects").join(&a.sha256)), 0o600);
            assert_eq!(mode(&s1.dir), 0o700);
        }
        fs::write(data.path().join("casussen.csv"), "Casusnummer\nC2\n").unwrap();
        let s3 = store.commit("demo", vec![add()]).unwrap();
        assert_ne!(s3.id, s1.id);
        assert_eq!(
            fs::read_to_string(s1.dir.join("casussen.csv")).unwrap(),
            "Casusnummer\nC1\n",
            "a kept snapshot never changes"
        );
    }
}
