//! Faults of the machine under a run: the output folder read-only, and the disk filling up
//! while a version is published. Real faults, not mocks: inside a private mount namespace
//! the output folder is remounted read-only, or put on a small tmpfs that is then filled.
//! After each: nothing half-published, nothing published lost, no mail sent, a clear error,
//! and the next run publishes and mails once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use crate::common::{add_recipients, entries as names, run_quarter, write_config};

/// A private mount namespace held open by a sleeping process, so that several commands
/// (and this test, through `/proc/<pid>/root`) see the same mounts. The mounts vanish with
/// it; nothing outside ever sees them.
struct Namespace {
    holder: Child,
    user: bool,
}

impl Namespace {
    fn new() -> Self {
        // As root a mount namespace is enough; otherwise a user namespace grants the mounts.
        let user = unsafe { geteuid() } != 0;
        let mut c = Command::new("unshare");
        if user {
            c.args(["--user", "--map-root-user"]);
        }
        let holder = c
            .args(["--mount", "--propagation", "private", "sleep", "infinity"])
            .spawn()
            .expect("unshare (util-linux)");
        let ns = Self { holder, user };
        let comm = format!("/proc/{}/comm", ns.holder.id());
        let started = Instant::now();
        // Mounts may only be made once unshare has made propagation private and become sleep.
        while std::fs::read_to_string(&comm).unwrap_or_default().trim() != "sleep" {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the namespace did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        ns
    }

    fn enter(&self, program: &str) -> Command {
        let mut c = Command::new("nsenter");
        c.args(["-t", &self.holder.id().to_string(), "-m"]);
        if self.user {
            c.args(["-U", "--preserve-credentials"]);
        }
        c.arg("--").arg(program);
        c
    }

    fn sh(&self, script: &str) {
        let out = self.enter("sh").args(["-ec", script]).output().unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn run_quarter(&self, config: &Path) -> Output {
        self.enter(env!("CARGO_BIN_EXE_pipeline"))
            .args(["run", "--quarter", "2024Q4", "--config"])
            .arg(config)
            .env_remove("JOURNAL_STREAM")
            .env_remove("INVOCATION_ID")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    /// `path` as the processes inside see it.
    fn inside(&self, path: &Path) -> PathBuf {
        Path::new(&format!("/proc/{}/root", self.holder.id())).join(path.strip_prefix("/").unwrap())
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

unsafe extern "C" {
    fn geteuid() -> u32;
}

/// A config with three recipients and its own commentary folder (so a later run can be
/// given new content), and where its quarter and outbox will be.
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir.join("commentary")).unwrap();
    let config = write_config(
        dir,
        "[mail]\nfrom = \"Monitor <monitor@noorderkwartier.example>\"\n",
    );
    add_recipients(
        &config,
        r#"to = ["directie@noorderkwartier.example", "beleid@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]"#,
    );
    let tenant = dir.join("output/noorderkwartier");
    (config, tenant.join("2024Q4"), tenant.join("outbox"))
}

/// New commentary: the next run has new content to publish as v2.
fn correct(dir: &Path) {
    let section = dir.join("commentary/noorderkwartier/2024Q4");
    std::fs::create_dir_all(&section).unwrap();
    std::fs::write(
        section.join("samenvatting.md"),
        "Een correctie van de toelichting.\n",
    )
    .unwrap();
}

/// Every file of a published version, by its path inside the version.
fn contents(version: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for n in names(version) {
        let path = version.join(&n);
        if path.is_dir() {
            for (inner, bytes) in contents(&path) {
                out.push((format!("{n}/{inner}"), bytes));
            }
        } else {
            out.push((n, std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn assert_stood(quarter: &Path, outbox: &Path, v1: &[(String, Vec<u8>)], what: &str) {
    assert_eq!(
        names(quarter),
        ["current", "v1"],
        "{what}: nothing half, nothing beside v1"
    );
    assert_eq!(contents(&quarter.join("v1")), v1, "{what}: v1 untouched");
    assert_eq!(
        std::fs::read_link(quarter.join("current")).unwrap(),
        Path::new("v1"),
        "{what}: current still points at v1"
    );
    assert_eq!(
        names(outbox).len(),
        3,
        "{what}: no mail sent for the failed version"
    );
}

/// The run after the fault published v2 beside an untouched v1 and mailed it once.
fn assert_v2_beside_v1(out: &Output, quarter: &Path, outbox: &Path, v1: &[(String, Vec<u8>)]) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(quarter), ["current", "v1", "v2"]);
    assert_eq!(contents(&quarter.join("v1")), v1);
    assert_eq!(
        names(outbox).len(),
        6,
        "v2 mailed once to each of the three"
    );
}

fn assert_one_line_naming(out: &Output, path: &Path, reason: &str) {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&path.display().to_string()),
        "names {}: {stderr}",
        path.display()
    );
    assert!(stderr.contains(reason), "says {reason}: {stderr}");
}

#[test]
fn a_read_only_output_folder_stops_the_run_and_the_next_run_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let (config, quarter, outbox) = setup(dir.path());
    assert!(run_quarter(&config, "2024Q4").status.success());
    let v1 = contents(&quarter.join("v1"));
    correct(dir.path());

    let ns = Namespace::new();
    let output = dir.path().join("output");
    ns.sh(&format!(
        "mount --bind '{o}' '{o}' && mount -o remount,bind,ro '{o}'",
        o = output.display()
    ));
    let out = ns.run_quarter(&config);
    assert_one_line_naming(&out, &quarter, "Read-only file system");
    drop(ns);
    assert_stood(&quarter, &outbox, &v1, "read-only");

    assert_v2_beside_v1(&run_quarter(&config, "2024Q4"), &quarter, &outbox, &v1);
}

#[test]
fn a_disk_filling_up_during_publish_loses_nothing_and_the_next_run_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let (config, quarter, outbox) = setup(dir.path());
    let ns = Namespace::new();
    let output = dir.path().join("output");
    std::fs::create_dir_all(&output).unwrap();
    ns.sh(&format!(
        "mount -t tmpfs -o size=8m tmpfs '{}'",
        output.display()
    ));
    let out = ns.run_quarter(&config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (quarter_in, outbox_in) = (ns.inside(&quarter), ns.inside(&outbox));
    let v1 = contents(&quarter_in.join("v1"));
    let size = |name: &str| v1.iter().find(|(n, _)| n == name).unwrap().1.len() as u64;
    let (report, memo) = (
        size("intern/kwartaalrapportage.pdf"),
        size("openbaar/raadsmemo/raadsmemo.pdf"),
    );
    correct(dir.path());

    // The disk fills up with the new version's first file, halfway through the second, and
    // halfway through the third.
    let filler_path = ns.inside(&output.join("filler"));
    for room in [0, report + memo / 2, report + memo + 2048] {
        let mut filler = std::fs::File::create(&filler_path).unwrap();
        let block = vec![0u8; 64 << 10];
        let mut written = 0u64;
        loop {
            match filler.write(&block) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC: the disk is full
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        filler.set_len(written.saturating_sub(room)).unwrap();
        filler.sync_all().unwrap();
        drop(filler);

        let out = ns.run_quarter(&config);
        assert_one_line_naming(&out, &quarter, "No space left on device");
        assert_stood(
            &quarter_in,
            &outbox_in,
            &v1,
            &format!("disk full with {room} bytes free"),
        );
    }

    std::fs::remove_file(&filler_path).unwrap();
    assert_v2_beside_v1(&ns.run_quarter(&config), &quarter_in, &outbox_in, &v1);
}

/// A process id no process has: a child that has been waited for.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn what_a_stopped_process_left_is_removed_at_the_next_start_and_a_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    assert!(run_quarter(&config, "2024Q4").status.success());
    let state = dir.path().join("state");
    let quarter = dir.path().join("output/noorderkwartier/2024Q4");
    let dead = dead_pid();
    let live = std::process::id();
    // Client data a killed pull was writing, a half-built snapshot, a half-built version
    // and a pointer that was never moved into place.
    let planted = [
        state.join(format!("tmp/pull-{dead}-a1b2c3")),
        state.join(format!(
            "snapshots/noorderkwartier/.building-{dead}-x7/casussen.csv"
        )),
        quarter.join(".v2-k8s7/intern/figures.csv"),
    ];
    for p in &planted {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "Casusnummer;Clientnummer\nC1;K1\n").unwrap();
    }
    std::os::unix::fs::symlink("v2", quarter.join(".current-2")).unwrap();
    // A pull of a process that still runs is not touched.
    let running = state.join(format!("tmp/pull-{live}-d4e5f6"));
    std::fs::write(&running, "in use").unwrap();

    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for p in &planted {
        assert!(!p.exists(), "{} is left", p.display());
    }
    assert!(
        !state
            .join(format!("snapshots/noorderkwartier/.building-{dead}-x7"))
            .exists()
    );
    assert!(!quarter.join(".v2-k8s7").exists() && !quarter.join(".current-2").exists());
    assert!(running.exists(), "a live process's file is kept");
    assert_eq!(
        std::fs::read_link(quarter.join("current")).unwrap(),
        Path::new("v1"),
        "nothing of the leftovers became a version"
    );
}
