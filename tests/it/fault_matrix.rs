//! The process stopped at every step that changes what is on disk or at the mail server,
//! then put right by the next run, or separately by a daemon's start:
//!
//! - at every failpoint (pipeline/failpoint.rs), ended there as a crash would (`kill`) or
//!   failing there (`fail`); needs a build with the `failpoints` feature (CI's);
//! - killed (SIGKILL) before each system call that renames, links, removes, creates,
//!   syncs, truncates or connects, before each call that sends to the mail server, and
//!   before a sample of the calls that write (all of them with
//!   `PIPELINE_FULL_SWEEP=1`), by an LD_PRELOAD shim (`killat.c`) that counts those
//!   calls over all threads; and killed twice, the recovery too, at 20 pairs of such calls.
//!
//! After each case every recipient has each version's mail, with one Message-ID, exactly
//! once (twice only when the process stopped, or the connection dropped, after the server
//! had the whole message); `current` is the newest version; every PDF published is whole;
//! history shows no run still running and no mail unfinished; nothing half-published or
//! temporary is left.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use crate::common::{SMTP_PASSWORD, SmtpServer, history, pipeline, repo, write_config};

/// Points after which the server may have the whole message: a stop there may leave the
/// recipient a second copy.
const AFTER_THE_FINAL_DOT: [&str; 3] = [
    "deliver::after_handed_over",
    "deliver::after_accepted",
    "ledger::after_mail_result",
];

/// Where a run is stopped.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stop<'a> {
    /// A failpoint set to `kill` (ends the process as a crash would) or `fail`.
    Failpoint { point: &'a str, action: &'a str },
    /// SIGKILL before the `nth` call, over all threads, of the C library calls in `set`.
    Syscall { set: &'a str, nth: usize },
}

impl Stop<'_> {
    fn is_kill(&self) -> bool {
        match self {
            Stop::Failpoint { action, .. } => *action == "kill",
            Stop::Syscall { .. } => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Recovery {
    Rerun,
    Daemon,
}

/// The shim, compiled once per test process with the system's C compiler.
fn killat() -> &'static Path {
    static SHIM: OnceLock<PathBuf> = OnceLock::new();
    SHIM.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("pipeline-killat-{}.so", std::process::id()));
        let status = std::process::Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&out)
            .arg(repo().join("tests/it/killat.c"))
            .arg("-ldl")
            .status()
            .expect("cc, the C compiler, to build tests/it/killat.c");
        assert!(status.success(), "tests/it/killat.c does not compile");
        out
    })
}

pub(crate) fn run(config: &Path, stop: Option<Stop>) -> Output {
    let mut c = pipeline();
    c.args(["run", "--quarter", "2024Q4", "--config"])
        .arg(config)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD);
    stopped_at(&mut c, stop);
    c.output().unwrap()
}

fn daemon_start(config: &Path, stop: Option<Stop>) -> Output {
    let mut c = pipeline();
    c.args(["daemon", "--once", "--config"])
        .arg(config)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD)
        .env("PIPELINE_CLOCK_START", "2025-01-11T09:00:00+01:00");
    stopped_at(&mut c, stop);
    c.output().unwrap()
}

fn stopped_at(c: &mut std::process::Command, stop: Option<Stop>) {
    match stop {
        Some(Stop::Failpoint { point, action }) => {
            c.env("FAILPOINTS", format!("{point}=1*return({action})"));
        }
        Some(Stop::Syscall { set, nth }) => {
            c.env("LD_PRELOAD", killat())
                .env("KILLAT_SET", set)
                .env("KILLAT_N", nth.to_string());
        }
        None => {}
    }
}

/// Visits every entry under `dir`; `visit` says whether to go into a folder (never into a
/// symlinked one).
fn walk(dir: &Path, mut visit: impl FnMut(&Path) -> bool) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if visit(&path) && path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
}

/// Every PDF under `dir` that does not end as a PDF ends: written only in part.
fn torn_pdfs(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(dir, |path| {
        if path.extension().is_some_and(|e| e == "pdf") && path.is_file() {
            let bytes = std::fs::read(path).unwrap_or_default();
            let end =
                String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(32)..]).into_owned();
            if !bytes.starts_with(b"%PDF-") || !end.trim_end().ends_with("%%EOF") {
                out.push(path.display().to_string());
            }
        }
        true
    });
    out
}

/// Every path under `dir` whose name says it is temporary or half-built.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(dir, |path| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let temporary = name.starts_with(".v")
            || name.starts_with(".current-")
            || name.starts_with(".building-")
            || name.starts_with("pull-")
            || name.ends_with(".tmp");
        if temporary {
            out.push(path.display().to_string());
        }
        !temporary
    });
    out
}

/// A config in `dir` with `extra` (the mail settings) and one recipient per document,
/// named for case `case` so that cases sharing a server tell their mails apart.
pub(crate) fn config_for_case(dir: &Path, extra: &str, case: &str) -> (PathBuf, String, String) {
    let config = write_config(dir, extra);
    let (a, b) = (
        format!("{case}-directie@noorderkwartier.example"),
        format!("{case}-griffie@noorderkwartier.example"),
    );
    crate::common::add_recipients(
        &config,
        &format!("to = [\"{a}\"]"),
        &format!("to = [\"{b}\"]"),
    );
    (config, a, b)
}

/// A version's mails at the server: (version, recipient, their Message-IDs), the version
/// read from the attachment's name (`…-v2.pdf`).
pub(crate) fn mails(server: &SmtpServer, recipients: &[&str]) -> Vec<(u32, String, Vec<String>)> {
    let mut out: std::collections::BTreeMap<(u32, String), Vec<String>> = Default::default();
    for m in server.messages() {
        let Some(rcpt) = m["rcpt_tos"][0].as_str().filter(|r| recipients.contains(r)) else {
            continue;
        };
        let version = m["attachments"][0]["filename"]
            .as_str()
            .and_then(|f| f.strip_suffix(".pdf"))
            .and_then(|f| f.rsplit_once("-v"))
            .and_then(|(_, v)| v.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("a mail without a versioned PDF: {m}"));
        out.entry((version, rcpt.to_string()))
            .or_default()
            .push(m["message_id"].to_string());
    }
    out.into_iter().map(|((v, r), ids)| (v, r, ids)).collect()
}

/// The mails the ledger has as sent: (version, recipient), from `pipeline history`.
pub(crate) fn recorded_sent(config: &Path) -> Vec<(u32, String)> {
    history(config, Some("2024Q4"))
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                [_tenant, _quarter, v, _document, rcpt, "sent", ..] => {
                    Some((v.parse().ok()?, rcpt.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

/// One stopped run, put right by `recovery`; with `again`, the first recovery is stopped
/// too (an operator, or a power cut, twice) and a second one puts things right. `false`
/// when the run was not stopped (a system call numbered past the run's last): the sweep is
/// over.
fn case(
    server: &SmtpServer,
    n: usize,
    (stop, again): (Stop, Option<Stop>),
    correction: bool,
    recovery: Recovery,
) -> bool {
    let what = format!(
        "{stop:?}{} ({recovery:?}{})",
        again.map_or_else(String::new, |a| format!(", then {a:?}")),
        if correction { ", a correction" } else { "" }
    );
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "{}[schedule]\nearliest_quarter = \"2024Q4\"\npull = \"\"\nretry_minutes = 1\n",
        server.mail_config()
    );
    // Commentary of its own (none at first), so that a correction can add some.
    std::fs::create_dir_all(dir.path().join("commentary")).unwrap();
    let (config, a, b) = config_for_case(dir.path(), &extra, &format!("c{n}"));
    if correction {
        assert!(
            run(&config, None).status.success(),
            "{what}: the first version"
        );
        let section = dir.path().join("commentary/noorderkwartier/2024Q4");
        std::fs::create_dir_all(&section).unwrap();
        std::fs::write(section.join("samenvatting.md"), "Een correctie.\n").unwrap();
    }
    let recipients = [a.as_str(), b.as_str()];
    // Copies a stopped run left at the server without the ledger knowing: each may be sent
    // once more by a run that cannot know it arrived.
    let mut in_doubt: Vec<(u32, String)> = Vec::new();
    let mut doubt = |before: &[(u32, String, Vec<String>)]| {
        let recorded = recorded_sent(&config);
        for (version, rcpt, ids) in mails(server, &recipients) {
            let had = before
                .iter()
                .find(|(v, r, _)| *v == version && *r == rcpt)
                .map_or(0, |(_, _, ids)| ids.len());
            if ids.len() > had && !recorded.contains(&(version, rcpt.clone())) {
                in_doubt.push((version, rcpt));
            }
        }
    };
    let before = mails(server, &recipients);
    let stopped = run(&config, Some(stop));
    doubt(&before);
    // A failpoint in deliver or after the mail result ends a process whose publication
    // is complete, which then says it succeeded.
    let failpoint_past_publish = matches!(stop, Stop::Failpoint { point, .. }
        if point.starts_with("deliver::") || point == "ledger::after_mail_result");
    match stop {
        Stop::Syscall { .. } if stopped.status.signal() != Some(9) => {
            assert!(
                stopped.status.success(),
                "{what}: not stopped, and failed: {}",
                String::from_utf8_lossy(&stopped.stderr)
            );
            return false;
        }
        _ if stop.is_kill() && !failpoint_past_publish => {
            assert!(
                !stopped.status.success(),
                "{what}: the process ended at the point"
            );
        }
        _ => {}
    }
    let recover = |stop: Option<Stop>| match recovery {
        Recovery::Rerun => run(&config, stop),
        Recovery::Daemon => daemon_start(&config, stop),
    };
    if again.is_some() {
        let before = mails(server, &recipients);
        recover(again);
        doubt(&before);
    }
    let recovered = recover(None);
    assert!(
        recovered.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&recovered.stderr)
    );
    // `current` is the newest version.
    let quarter = dir.path().join("output/noorderkwartier/2024Q4");
    let newest = std::fs::read_dir(&quarter)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix('v')?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or_else(|| panic!("{what}: nothing published"));
    assert_eq!(
        std::fs::read_link(quarter.join("current")).unwrap(),
        Path::new(&format!("v{newest}")),
        "{what}"
    );
    let torn = torn_pdfs(&quarter);
    assert!(torn.is_empty(), "{what}: PDFs written in part: {torn:?}");
    // Every recipient has each published version's mail, once (twice only after a stop past
    // the final dot), with one Message-ID.
    let have = mails(server, &recipients);
    for version in 1..=newest {
        for rcpt in recipients {
            let copies = |list: &[(u32, String, Vec<String>)]| {
                list.iter()
                    .find(|(v, r, _)| *v == version && r == rcpt)
                    .map(|(_, _, ids)| ids.clone())
                    .unwrap_or_default()
            };
            let ids = copies(&have);
            let allowed = match stop {
                Stop::Failpoint { point, .. } if AFTER_THE_FINAL_DOT.contains(&point) => 2,
                Stop::Failpoint { .. } => 1,
                Stop::Syscall { .. } => {
                    1 + in_doubt
                        .iter()
                        .filter(|(v, r)| *v == version && r == rcpt)
                        .count()
                }
            };
            assert!(
                !ids.is_empty() && ids.len() <= allowed,
                "{what}: {rcpt} has v{version} {} times",
                ids.len()
            );
            assert!(ids.iter().all(|id| *id == ids[0]), "{what}: one Message-ID");
        }
    }
    assert!(
        have.iter().all(|(v, _, _)| *v <= newest),
        "{what}: a mail of a version that is not published: {have:?}"
    );
    // History: no run left running; a run stopped at a failpoint says so.
    let table = history(&config, Some("2024Q4"));
    assert!(!table.contains(" running "), "{what}: {table}");
    if matches!(stop, Stop::Failpoint { action: "kill", .. }) && !failpoint_past_publish {
        assert!(table.contains("interrupted"), "{what}: {table}");
    }
    assert!(
        !table.contains("queued") && !table.contains("sending"),
        "{what}: mail left unfinished: {table}"
    );
    // Nothing half-published or temporary.
    let left = leftovers(dir.path());
    assert!(left.is_empty(), "{what}: {left:?}");
    true
}

#[cfg(feature = "failpoints")]
#[test]
fn a_run_stopped_or_failing_at_any_step_is_put_right_by_the_next_run_or_a_daemon_start() {
    use pipeline::failpoint::NAMES;
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let mut n = 0;
    for point in NAMES {
        for action in ["kill", "fail"] {
            for recovery in [Recovery::Rerun, Recovery::Daemon] {
                n += 1;
                let stop = Stop::Failpoint { point, action };
                case(&server, n, (stop, None), false, recovery);
            }
        }
    }
    for point in NAMES
        .iter()
        .filter(|p| p.starts_with("publish::") || p.starts_with("deliver::"))
    {
        for recovery in [Recovery::Rerun, Recovery::Daemon] {
            n += 1;
            let stop = Stop::Failpoint {
                point,
                action: "kill",
            };
            case(&server, n, (stop, None), true, recovery);
        }
    }
}

/// The calls that decide what survives a crash: every one is a case.
const ORDERING: &str = "rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,\
mkdir,mkdirat,rmdir,fsync,fdatasync,ftruncate,ftruncate64";
/// The mail server's connection: every one is a case.
const NETWORK: &str = "connect,send,sendto,sendmsg";
/// Writes (most of them the ledger's SQLite pages): every 150th is a case (300th for a
/// correction), every one with `PIPELINE_FULL_SWEEP=1` (about 1,600 per run, half an
/// hour). Between two ordering calls the writes add to files not yet renamed into place,
/// or to SQLite's pages under its journal: a kill at any of them leaves the same kind of
/// state, so CI takes a sample and spends its time on the ordering calls (the full sweep
/// passed once, 1,584 writes, on 2026-12-06).
const WRITES: &str = "open,write,writev,pwrite,pwrite64";

/// Kills the run before each `stride`-th call of `set`, until a run goes through; returns
/// how many were stopped.
fn sweep(server: &SmtpServer, n: &mut usize, set: &str, stride: usize, correction: bool) -> usize {
    let mut stopped = 0;
    let mut nth = 1;
    loop {
        *n += 1;
        let recovery = if n.is_multiple_of(2) {
            Recovery::Rerun
        } else {
            Recovery::Daemon
        };
        if !case(
            server,
            *n,
            (Stop::Syscall { set, nth }, None),
            correction,
            recovery,
        ) {
            return stopped;
        }
        stopped += 1;
        nth += stride;
    }
}

/// Every sweep for a first version or a correction. A sweep that stops nothing measures
/// nothing: the shim did not take, or the program no longer makes these calls through the C
/// library.
fn sweeps(correction: bool, write_stride: usize) {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let mut n = 0;
    let ordering = sweep(&server, &mut n, ORDERING, 1, correction);
    assert!(
        ordering >= 40,
        "only {ordering} renames, links, syncs … were stopped at"
    );
    let network = sweep(&server, &mut n, NETWORK, 1, correction);
    assert!(
        network >= 2,
        "only {network} calls to the mail server were stopped at"
    );
    let full = std::env::var("PIPELINE_FULL_SWEEP").is_ok_and(|v| v == "1");
    let stride = if full { 1 } else { write_stride };
    let writes = sweep(&server, &mut n, WRITES, stride, correction);
    assert!(writes >= 4, "only {writes} writes were stopped at");
    eprintln!("stopped at {ordering} ordering calls, {network} network calls, {writes} writes");
}

#[test]
fn a_first_version_killed_at_any_system_call_is_put_right_by_the_next_run_or_a_daemon_start() {
    sweeps(false, 150);
}

/// Every 300th write: each case publishes a first version before the correction it stops.
#[test]
fn a_correction_killed_at_any_system_call_is_put_right_by_the_next_run_or_a_daemon_start() {
    sweeps(true, 300);
}

/// How many (kill, kill the recovery too) pairs the double-kill test draws.
const PAIRS: usize = 20;

#[test]
fn a_run_killed_and_its_recovery_killed_too_are_put_right_by_the_next() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    // Fixed, so that a failure names a case that can be run again.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
    let sets = [(ORDERING, 60), (NETWORK, 6), (WRITES, 1_500)];
    let mut stopped = 0;
    for n in 1..=PAIRS {
        let mut pick = || {
            let (set, calls) = sets[rng.random_range(0..sets.len())];
            Stop::Syscall {
                set,
                nth: rng.random_range(1..=calls),
            }
        };
        let (first, second) = (pick(), pick());
        let recovery = if n % 2 == 0 {
            Recovery::Rerun
        } else {
            Recovery::Daemon
        };
        stopped += usize::from(case(
            &server,
            n,
            (first, Some(second)),
            n % 4 == 0,
            recovery,
        ));
    }
    assert!(
        stopped >= PAIRS * 3 / 4,
        "only {stopped} of {PAIRS} first runs were stopped"
    );
}
