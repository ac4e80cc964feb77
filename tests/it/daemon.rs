//! The daemon and runs under faults: catch-up, shutdown, a run killed mid-way, history.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{entries as versions, history, pipeline, run_quarter, write_config};

const SCHEDULE: &str =
    "[schedule]\nearliest_quarter = \"2024Q3\"\ngrace_seconds = 20\npull = \"\"\n";

fn daemon(config: &Path, clock: &str, once: bool) -> Command {
    let mut c = pipeline();
    c.args([
        "--log-format",
        "json",
        "daemon",
        "--config",
        config.to_str().unwrap(),
    ])
    .env("PIPELINE_CLOCK_START", clock)
    .env("RUST_LOG", "info");
    if once {
        c.arg("--once");
    }
    c
}

/// Waits until a stderr line contains every needle, then returns; panics after a minute.
fn wait_for_log(child: &mut Child, needles: &[&str]) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let needles: Vec<String> = needles.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && needles.iter().all(|n| line.contains(n.as_str())) {
                let _ = tx.send(());
                sent = true;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the awaited log line");
}

#[test]
fn after_downtime_the_daemon_catches_up_once_and_history_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), SCHEDULE);
    // Standing on 11 January 2025: 2024Q3 (due 10 October) and 2024Q4 (due 10 January) are due.
    let out = daemon(&config, "2025-01-11T09:00:00+01:00", true)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = dir.path().join("output/noorderkwartier");
    assert_eq!(versions(&output.join("2024Q3")), vec!["current", "v1"]);
    assert_eq!(versions(&output.join("2024Q4")), vec!["current", "v1"]);
    assert!(!output.join("2025Q1").exists(), "2025Q1 is not yet due");
    // Started again: nothing is due that is not published.
    let again = daemon(&config, "2025-01-11T09:05:00+01:00", true)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("publication due"),
        "nothing runs twice"
    );
    let table = history(&config, None);
    assert_eq!(
        table
            .lines()
            .filter(|l| l.contains("catch-up") && l.contains("published"))
            .count(),
        2,
        "{table}"
    );
    assert_eq!(
        history(&config, Some("2024Q3")).lines().count(),
        2,
        "header and the one 2024Q3 run"
    );
}

#[test]
fn sigterm_during_a_run_exits_zero_and_publishes_nothing_half() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), SCHEDULE);
    let mut child = daemon(&config, "2024-10-10T08:00:00+02:00", false)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_log(&mut child, &["stage started", "\"load\""]);
    let started = Instant::now();
    unsafe { libc_kill(child.id() as i32, 15) };
    let status = child.wait().unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "within the grace time"
    );
    let quarter = dir.path().join("output/noorderkwartier/2024Q3");
    let left = versions(&quarter);
    assert!(
        left.is_empty() || left == ["current", "v1"],
        "either abandoned before publishing or whole: {left:?}"
    );
    // The next start publishes normally.
    let out = daemon(&config, "2024-10-10T08:10:00+02:00", true)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(versions(&quarter), vec!["current", "v1"]);
}

/// Kills `pipeline run` as soon as the log says `stage` started (or, for `deliver`, as
/// soon as publishing finished), then checks that nothing is half-published, that the
/// next run publishes, and that no mail goes out twice.
fn kill_at(stage: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[mail]\nfrom = \"Monitor <monitor@noorderkwartier.example>\"\n",
    );
    crate::common::add_recipients(
        &config,
        r#"to = ["directie@noorderkwartier.example", "beleid@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]"#,
    );
    let mut child = crate::common::json_run(&config, "2024Q4", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stage_name = format!("\"{}\"", if stage == "deliver" { "publish" } else { stage });
    let event = if stage == "deliver" {
        "stage finished"
    } else {
        "stage started"
    };
    wait_for_log(&mut child, &[event, stage_name.as_str()]);
    child.kill().unwrap();
    child.wait().unwrap();
    let quarter = dir.path().join("output/noorderkwartier/2024Q4");
    let left = versions(&quarter);
    let visible: Vec<&String> = left.iter().filter(|v| !v.starts_with('.')).collect();
    assert!(
        visible.is_empty()
            || (visible == ["current", "v1"]
                && quarter
                    .join("current/openbaar/raadsmemo/raadsmemo.pdf")
                    .is_file()),
        "killed at {stage}: nothing or a whole version, never half: {left:?}"
    );
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "after a kill at {stage}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        versions(&quarter),
        vec!["current", "v1"],
        "killed at {stage}: published once, temporary folders gone"
    );
    let outbox = dir.path().join("output/noorderkwartier/outbox");
    let mails = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    assert!(
        mails <= 3,
        "killed at {stage}: no mail twice ({mails} for 3 recipients)"
    );
    let table = history(&config, None);
    assert!(
        table.contains("published") || table.contains("unchanged"),
        "{table}"
    );
}

#[test]
fn a_run_killed_at_any_stage_leaves_nothing_half_and_the_next_run_publishes() {
    for stage in ["pull", "load", "monitor", "render", "publish", "deliver"] {
        kill_at(stage);
    }
}

#[test]
fn a_second_run_of_the_same_quarter_is_refused_while_one_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let state = pipeline::config::Config::load(&config).unwrap().state_dir;
    let _held =
        pipeline::run::RunLock::acquire(&state, "noorderkwartier", "2024Q4".parse().unwrap())
            .unwrap();
    let out = run_quarter(&config, "2024Q4");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another run of noorderkwartier 2024Q4 is in progress"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn a_failed_scheduled_publication_alerts_operations_and_the_daemon_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::SmtpServer::start(&dir.path().join("smtp"));
    let mail = server.mail_config().replace(
        "reply_to = \"informatie@noorderkwartier.example\"\n",
        "reply_to = \"informatie@noorderkwartier.example\"\nalert_to = \"beheer@noorderkwartier.example\"\n",
    );
    let schedule = "[schedule]\nearliest_quarter = \"2019Q1\"\npull = \"\"\n";
    let config = write_config(dir.path(), &format!("{schedule}{mail}"));
    // In April 2019 the 2019Q1 publication is due, but there is no budget workbook for 2019.
    let out = daemon(&config, "2019-04-11T09:00:00+02:00", true)
        .env("SMTP_TEST_PASSWORD", crate::common::SMTP_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a failed publication does not stop the daemon: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one alert");
    let alert = &messages[0];
    assert_eq!(alert["rcpt_tos"][0], "beheer@noorderkwartier.example");
    let raw = alert.to_string();
    assert!(
        raw.contains("2019") && raw.contains("begroting"),
        "the alert says what failed: {raw}"
    );
    assert!(!raw.contains(crate::common::SMTP_PASSWORD));
    let table = history(&config, None);
    assert!(
        table
            .lines()
            .any(|l| l.contains("2019Q1") && l.contains("failed") && l.contains("catch-up")),
        "{table}"
    );
    assert!(
        !dir.path()
            .join("output/noorderkwartier/2019Q1")
            .join("current")
            .exists()
    );
}

/// One daemon start that catches up 20 quarters (2020Q1–2024Q4) for five tenants at scale
/// s: a hundred publications in one process, one after another, within 2 GB.
#[test]
fn catching_up_twenty_quarters_for_five_tenants_stays_under_two_gigabytes() {
    use pipeline::demo::{DemoOptions, Scale, generate};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export-s");
    let make = |out: &Path, scale, year| {
        let until = pipeline::Quarter::new(year, 4).unwrap().last_day();
        generate(
            out,
            &DemoOptions {
                seed: 2024,
                scale,
                until,
            },
        )
        .unwrap();
    };
    make(&data, Scale::S, 2024);
    // A budget workbook for every year caught up (the demo writes its year's and the one before).
    for year in [2020, 2022] {
        let budgets = dir.path().join(format!("budgets-{year}"));
        make(&budgets, Scale::Xs, year);
        for y in [year - 1, year] {
            let name = format!("begroting-{y}.xlsx");
            std::fs::copy(budgets.join(&name), data.join(&name)).unwrap();
        }
    }
    let schedule = "[schedule]\nearliest_quarter = \"2020Q1\"\npull = \"\"\n";
    let config = crate::common::write_config_reading(dir.path(), schedule, &data);
    let text = std::fs::read_to_string(&config).unwrap();
    let tenant = &text[text.find("[[tenant]]").unwrap()..];
    let mut all = text.clone();
    let tenants = ["noorderkwartier", "t2", "t3", "t4", "t5"];
    for id in &tenants[1..] {
        all.push_str(&tenant.replace("id = \"noorderkwartier\"", &format!("id = \"{id}\"")));
    }
    std::fs::write(&config, all).unwrap();

    let run = crate::common::run_measured(daemon(&config, "2025-01-11T09:00:00+01:00", true));
    assert_eq!(
        run.code,
        0,
        "{}",
        run.stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    for id in tenants {
        let published = (2020..=2024)
            .flat_map(|y| (1..=4).map(move |q| format!("{y}Q{q}")))
            .filter(|q| {
                dir.path()
                    .join("output")
                    .join(id)
                    .join(q)
                    .join("v1/openbaar/raadsmemo/raadsmemo.pdf")
                    .is_file()
            })
            .count();
        assert_eq!(published, 20, "{id}: every quarter caught up");
    }
    eprintln!("catch-up of 100 publications: peak {} MB", run.peak_mb);
    assert!(run.peak_mb < 2_048, "peak {} MB", run.peak_mb);
}
