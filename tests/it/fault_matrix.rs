//! Every failpoint (pipeline/failpoint.rs): a run ended there as a crash would (`kill`) or
//! failing there (`fail`), then put right by the next run, or separately by a daemon's
//! start. After each case every recipient has the current version's mail, with one
//! Message-ID, exactly once (twice only when the process stopped, or the connection
//! dropped, after the server had the whole message); `current` is the newest version;
//! history shows no run still running and names what happened; nothing half-published or
//! temporary is left. Needs a build with the `failpoints` feature (CI's).

use std::path::Path;
use std::process::Output;

use pipeline::failpoint::NAMES;

use crate::common::{SMTP_PASSWORD, SmtpServer, history, pipeline, write_config};

/// Points after which the server may have the whole message: a stop there may leave the
/// recipient a second copy.
const AFTER_THE_FINAL_DOT: [&str; 3] = [
    "deliver::after_handed_over",
    "deliver::after_accepted",
    "ledger::after_mail_result",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Recovery {
    Rerun,
    Daemon,
}

fn run(config: &Path, failpoint: Option<&str>) -> Output {
    let mut c = pipeline();
    c.args(["run", "--quarter", "2024Q4", "--config"])
        .arg(config)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD);
    if let Some(f) = failpoint {
        c.env("FAILPOINTS", f);
    }
    c.output().unwrap()
}

fn daemon_start(config: &Path) -> Output {
    pipeline()
        .args(["daemon", "--once", "--config"])
        .arg(config)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD)
        .env("PIPELINE_CLOCK_START", "2025-01-11T09:00:00+01:00")
        .output()
        .unwrap()
}

/// Every path under `dir` whose name says it is temporary or half-built.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let temporary = name.starts_with(".v")
                || name.starts_with(".current-")
                || name.starts_with(".building-")
                || name.starts_with("pull-")
                || name.ends_with(".tmp");
            if temporary {
                out.push(path.display().to_string());
            } else if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out
}

fn case(
    server: &SmtpServer,
    n: usize,
    point: &str,
    action: &str,
    correction: bool,
    recovery: Recovery,
) {
    let what = format!(
        "{point}={action} ({recovery:?}{})",
        if correction { ", a correction" } else { "" }
    );
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "{}[schedule]\nearliest_quarter = \"2024Q4\"\npull = \"\"\nretry_minutes = 1\n",
        server.mail_config()
    );
    // Commentary of its own (none at first), so that a correction can add some.
    std::fs::create_dir_all(dir.path().join("commentary")).unwrap();
    let config = write_config(dir.path(), &extra);
    let (a, b) = (
        format!("c{n}-directie@noorderkwartier.example"),
        format!("c{n}-griffie@noorderkwartier.example"),
    );
    crate::common::add_recipients(
        &config,
        &format!("to = [\"{a}\"]"),
        &format!("to = [\"{b}\"]"),
    );
    if correction {
        assert!(
            run(&config, None).status.success(),
            "{what}: the first version"
        );
        let section = dir.path().join("commentary/noorderkwartier/2024Q4");
        std::fs::create_dir_all(&section).unwrap();
        std::fs::write(section.join("samenvatting.md"), "Een correctie.\n").unwrap();
    }
    let stopped = run(&config, Some(&format!("{point}=1*return({action})")));
    if action == "kill" && !point.starts_with("deliver::") && point != "ledger::after_mail_result" {
        assert!(
            !stopped.status.success(),
            "{what}: the process ended at the point"
        );
    }
    let recovered = match recovery {
        Recovery::Rerun => run(&config, None),
        Recovery::Daemon => daemon_start(&config),
    };
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
    // Every recipient has each published version's mail, once (twice only after a stop past
    // the final dot), with one Message-ID.
    let messages = server.messages();
    for version in 1..=newest {
        for rcpt in [&a, &b] {
            let copies: Vec<&serde_json::Value> = messages
                .iter()
                .filter(|m| m["rcpt_tos"][0].as_str() == Some(rcpt.as_str()))
                .filter(|m| {
                    m["attachments"][0]["filename"]
                        .as_str()
                        .is_some_and(|f| f.contains(&format!("-v{version}.pdf")))
                })
                .collect();
            let allowed = if AFTER_THE_FINAL_DOT.contains(&point) {
                2
            } else {
                1
            };
            assert!(
                !copies.is_empty() && copies.len() <= allowed,
                "{what}: {rcpt} has v{version} {} times",
                copies.len()
            );
            assert!(
                copies
                    .iter()
                    .all(|m| m["message_id"] == copies[0]["message_id"]),
                "{what}: one Message-ID"
            );
        }
    }
    // History: no run left running; a stopped one says so.
    let table = history(&config, Some("2024Q4"));
    assert!(!table.contains(" running "), "{what}: {table}");
    if action == "kill" && !point.starts_with("deliver::") && point != "ledger::after_mail_result" {
        assert!(table.contains("interrupted"), "{what}: {table}");
    }
    assert!(
        !table.contains("queued") && !table.contains("sending"),
        "{what}: mail left unfinished: {table}"
    );
    // Nothing half-published or temporary.
    let left = leftovers(dir.path());
    assert!(left.is_empty(), "{what}: {left:?}");
}

#[test]
fn a_run_stopped_or_failing_at_any_step_is_put_right_by_the_next_run_or_a_daemon_start() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let mut n = 0;
    for point in NAMES {
        for action in ["kill", "fail"] {
            for recovery in [Recovery::Rerun, Recovery::Daemon] {
                n += 1;
                case(&server, n, point, action, false, recovery);
            }
        }
    }
    for point in NAMES
        .iter()
        .filter(|p| p.starts_with("publish::") || p.starts_with("deliver::"))
    {
        for recovery in [Recovery::Rerun, Recovery::Daemon] {
            n += 1;
            case(&server, n, point, "kill", true, recovery);
        }
    }
}
