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
        // An object already stored (the same file pulled again) was synced when it came;
        // it is reused only when its bytes are still these (an object changed in place is
        // set aside, and this good copy takes its place).
        if object.exists() && !same_bytes(tmp.path(), &object) {
            let aside = store.set_aside(&object)?;
            tracing::warn!(object = %object.display(), set_aside = %aside.display(), "a stored object no longer matches its hash; a good copy replaces it");
        }
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
            // std's rename rather than tempfile's `persist`: tempfile renames with a raw
            // system call (rustix), which the fault matrix's shim (it kills a run at the
            // C library's calls) would not see; this way a kill at this rename is tested.
            let (_, path) = tmp.into_parts();
            fs::rename(&path, &object).map_err(|e| store.err(&object, e))?;
            let _ = path.keep();
        }
        crate::failpoint!(
            "pull::after_object",
            store.err(&object, crate::failpoint::message("pull::after_object"))
        );
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

/// Whether two files hold the same bytes (a cheaper check than hashing again: the file just
/// written is still in memory).
fn same_bytes(a: &Path, b: &Path) -> bool {
    let (Ok(mut fa), Ok(mut fb)) = (fs::File::open(a), fs::File::open(b)) else {
        return false;
    };
    if fa.metadata().map(|m| m.len()).ok() != fb.metadata().map(|m| m.len()).ok() {
        return false;
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let (Ok(n), Ok(m)) = (read_full(&mut fa, &mut ba), read_full(&mut fb, &mut bb)) else {
            return false;
        };
        if n != m || ba[..n] != bb[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

fn read_full(f: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The sha256 of a file, read again.
fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf)? {
            0 => return Ok(hex::encode(h.finalize())),
            n => h.update(&buf[..n]),
        }
    }
}

/// Whether the process with this id is alive (a temporary file it left is still in use).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The process id a temporary name carries after its prefix (`pull-1234-…`).
pub fn owner(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.split('-').next()?.parse().ok()
}

impl SnapshotStore {
    /// Sets a damaged object aside (`quarantine/<sha256>-<time>`), out of every pull's way.
    fn set_aside(&self, object: &Path) -> Result<PathBuf, PullError> {
        let dir = self.root.join("quarantine");
        private_dir(&dir).map_err(|e| self.err(&dir, e))?;
        let name = format!(
            "{}-{}",
            object.file_name().unwrap_or_default().to_string_lossy(),
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.f")
        );
        let aside = dir.join(name);
        fs::rename(object, &aside).map_err(|e| self.err(object, e))?;
        Ok(aside)
    }

    /// Makes every file of a kept snapshot the stored object again where it no longer is
    /// (the object was damaged and replaced by a good copy since).
    fn relink(&self, snapshot: &Snapshot) -> Result<(), PullError> {
        use std::os::unix::fs::MetadataExt;
        for f in &snapshot.files {
            let object = self.root.join("objects").join(&f.sha256);
            let path = snapshot.dir.join(&f.name);
            let same_inode = match (fs::metadata(&object), fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
                _ => false,
            };
            if same_inode || same_bytes(&object, &path) {
                continue;
            }
            let tmp = snapshot.dir.join(format!(".relink-{}", f.name));
            let _ = fs::remove_file(&tmp);
            if fs::hard_link(&object, &tmp).is_err() {
                fs::copy(&object, &tmp).map_err(|e| self.err(&tmp, e))?;
            }
            fs::rename(&tmp, &path).map_err(|e| self.err(&path, e))?;
            tracing::warn!(file = %path.display(), "a damaged snapshot file is replaced by the good copy just pulled");
        }
        Ok(())
    }

    /// Checks every file of `snapshot` against its hash. A file that no longer matches is
    /// an error naming its object, which is set aside: a fresh pull stores a good copy.
    pub fn verify(&self, snapshot: &Snapshot) -> Result<(), PullError> {
        for f in &snapshot.files {
            let path = snapshot.dir.join(&f.name);
            let actual = hash_file(&path).map_err(|e| self.err(&path, e))?;
            if actual != f.sha256 {
                let object = self.root.join("objects").join(&f.sha256);
                // The object is set aside when it is damaged too (it is the same file
                // unless the snapshot had to copy it).
                let aside = if hash_file(&object).is_ok_and(|h| h != f.sha256) {
                    format!("; set aside as {}", self.set_aside(&object)?.display())
                } else {
                    String::new()
                };
                return Err(PullError::Damaged {
                    object: object.display().to_string(),
                    file: format!("{} of snapshot {}", f.name, snapshot.id),
                    found: actual,
                    aside,
                });
            }
        }
        Ok(())
    }

    /// Checks every stored object against its name (its sha256); damaged ones are set
    /// aside. Returns how many were checked and the damaged ones' names.
    pub fn verify_objects(&self) -> Result<(usize, Vec<String>), PullError> {
        let objects = self.root.join("objects");
        let mut checked = 0;
        let mut damaged = Vec::new();
        for entry in fs::read_dir(&objects)
            .map_err(|e| self.err(&objects, e))?
            .flatten()
        {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !path.is_file() {
                continue;
            }
            checked += 1;
            let actual = hash_file(&path).map_err(|e| self.err(&path, e))?;
            if actual != name {
                let aside = self.set_aside(&path)?;
                damaged.push(format!(
                    "{} (holds {actual}; set aside as {})",
                    path.display(),
                    aside.display()
                ));
            }
        }
        Ok((checked, damaged))
    }

    /// Removes what a stopped process left: temporary pull files and half-built snapshot
    /// folders of processes that are gone. Returns how many.
    pub fn clean_leftovers(&self) -> usize {
        let mut removed = 0;
        let tmp = self.root.join("tmp");
        for entry in fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if owner(&name, "pull-").is_none_or(|pid| !alive(pid))
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        let snapshots = self.root.join("snapshots");
        for tenant in fs::read_dir(&snapshots).into_iter().flatten().flatten() {
            for entry in fs::read_dir(tenant.path()).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(".building-")
                    && owner(&name, ".building-").is_none_or(|pid| !alive(pid))
                    && fs::remove_dir_all(entry.path()).is_ok()
                {
                    removed += 1;
                }
            }
        }
        removed
    }

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
            .prefix(&format!("pull-{}-", std::process::id()))
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
        self.add_watching(source, file, || {})
    }

    /// [`Self::add`], refusing a file that changed while it was read: an exporter still
    /// writing it would otherwise have a part of the export pulled as the whole. `read`
    /// runs after the last byte was read (tests change the file there).
    fn add_watching(
        &self,
        source: &str,
        file: &Path,
        read: impl FnOnce(),
    ) -> Result<SnapshotFile, PullError> {
        use std::os::unix::fs::MetadataExt;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let fail = |reason: String| PullError::Source {
            source_name: source.into(),
            path: file.display().to_string(),
            reason,
        };
        let unreadable = |e: std::io::Error| fail(e.to_string());
        let mut input = fs::File::open(file).map_err(unreadable)?;
        let stamp = |m: &fs::Metadata| (m.len(), m.mtime(), m.mtime_nsec(), m.ino());
        let before = input.metadata().map_err(unreadable)?;
        let mut writer = self.writer()?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n])?;
        }
        read();
        // By the path, not the open file: an exporter that replaces the file by a rename
        // has changed it too.
        let after = fs::metadata(file).map_err(unreadable)?;
        if stamp(&before) != stamp(&after) || writer.size() != before.len() {
            return Err(fail(format!(
                "the file changed while it was read ({} bytes when opened, {} read, {} now): \
                 is it still being written? Nothing of it was pulled; the next run reads it again",
                before.len(),
                writer.size(),
                after.len()
            )));
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
            // The same files were pulled before. Its objects were just checked (or stored
            // anew when damaged); the snapshot's own links must be those objects too.
            let snapshot = self.get(tenant, &id)?;
            self.relink(&snapshot)?;
            return Ok(snapshot);
        }
        let snapshot = Snapshot {
            id: id.clone(),
            tenant: tenant.into(),
            pulled: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            files,
            dir: dir.clone(),
        };
        let building = tempfile::Builder::new()
            .prefix(&format!(".building-{}-", std::process::id()))
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
        crate::failpoint!(
            "snapshot::before_rename",
            self.err(&dir, crate::failpoint::message("snapshot::before_rename"))
        );
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

    /// A kept snapshot, for `--snapshot ID` reruns. `id` is a snapshot id (16 hex digits),
    /// never a path.
    pub fn get(&self, tenant: &str, id: &str) -> Result<Snapshot, PullError> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PullError::Store {
                path: self
                    .root
                    .join("snapshots")
                    .join(tenant)
                    .display()
                    .to_string(),
                reason: format!(
                    "'{id}' is not a snapshot id: expected the 16 hexadecimal digits the manifest and the report's appendix name"
                ),
            });
        }
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
    fn a_file_changed_while_it_was_read_is_refused_and_nothing_of_it_kept() {
        let state = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let store = SnapshotStore::open(state.path()).unwrap();
        let file = data.path().join("casussen.csv");
        let empty = |dir: &str| fs::read_dir(state.path().join(dir)).unwrap().count() == 0;
        type Change = fn(&Path);
        let changes: [(&str, Change); 3] = [
            ("appended to", |f| {
                use std::io::Write;
                let mut out = fs::OpenOptions::new().append(true).open(f).unwrap();
                out.write_all(b"C0003;K0003\n").unwrap();
            }),
            ("cut short", |f| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(f)
                    .unwrap()
                    .set_len(5)
                    .unwrap();
            }),
            ("replaced by a rename", |f| {
                let other = f.with_extension("new");
                fs::write(&other, "Casusnummer;Clientnummer\nC0001;K0001\n").unwrap();
                fs::rename(&other, f).unwrap();
            }),
        ];
        for (what, change) in changes {
            fs::write(&file, "Casusnummer;Clientnummer\nC0001;K0001\n").unwrap();
            let err = store
                .add_watching("export", &file, || change(&file))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("casussen.csv") && err.contains("changed while it was read"),
                "{what}: {err}"
            );
            assert!(
                empty("objects") && empty("tmp"),
                "{what}: something was kept"
            );
        }
        fs::write(&file, "Casusnummer;Clientnummer\nC0001;K0001\n").unwrap();
        assert_eq!(store.add_watching("export", &file, || {}).unwrap().size, 37);
    }

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
