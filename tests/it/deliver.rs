//! The deliver stage against a real SMTP server (STARTTLS and AUTH), and the outbox.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use pipeline::ledger::{Ledger, MailKey, MailState};

use crate::common::{SMTP_PASSWORD, SmtpServer, add_recipients, demo_data, pipeline, write_config};

fn run(config: &Path, extra: &[&str]) -> Output {
    let out = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(config)
        .args(extra)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "run failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mail_state(dir: &Path, version: u32, document: &str, recipient: &str) -> (MailState, u32) {
    let ledger = Ledger::open(&dir.join("state"), Duration::from_secs(5)).unwrap();
    let r = ledger
        .mail(&MailKey {
            tenant: "noorderkwartier".into(),
            quarter: "2024Q4".into(),
            version,
            document: document.into(),
            recipient: recipient.into(),
        })
        .unwrap()
        .unwrap_or_else(|| panic!("a ledger row for {document} → {recipient}"));
    (r.state, r.attempts)
}

fn version_dir(dir: &Path, v: u32) -> PathBuf {
    dir.join(format!("output/noorderkwartier/2024Q4/v{v}"))
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

fn attachment_names(m: &serde_json::Value) -> Vec<String> {
    m["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap().to_string())
        .collect()
}

/// A figures.csv value of `indicator`/`category`/`period`, in Dutch notation.
fn figure(csv: &Path, indicator: &str, category: &str, period: &str) -> String {
    let text = std::fs::read_to_string(csv).unwrap();
    let row = text
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[0] == indicator && r[2] == category && r[3] == period)
        .unwrap_or_else(|| panic!("{indicator} {category} {period} in figures.csv"));
    pipeline::notation::int(row[4].parse().unwrap())
}

#[test]
fn mail_arrives_over_starttls_with_auth_with_both_pdfs_and_the_right_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = write_config(dir.path(), &server.mail_config());
    add_recipients(
        &config,
        r#"to = ["Directie <directie@noorderkwartier.example>", "beleid@noorderkwartier.example"]
cc = ["controller@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]
reply_to = "griffie-vragen@noorderkwartier.example""#,
    );
    let out = run(&config, &[]);
    let text = stdout(&out);
    assert!(text.contains("4 sent"), "{text}");

    let v1 = version_dir(dir.path(), 1);
    let messages = server.messages();
    assert_eq!(messages.len(), 4, "one message per recipient");
    let mut rcpts: Vec<String> = messages
        .iter()
        .map(|m| {
            let r = m["rcpt_tos"].as_array().unwrap();
            assert_eq!(r.len(), 1, "each envelope holds one recipient");
            r[0].as_str().unwrap().to_string()
        })
        .collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        [
            "beleid@noorderkwartier.example",
            "controller@noorderkwartier.example",
            "directie@noorderkwartier.example",
            "griffie@noorderkwartier.example"
        ]
    );
    let now = figure(
        &v1.join("intern/figures.csv"),
        "ind_in_behandeling",
        "IA",
        "2024Q1-Q4",
    );
    let before = figure(
        &v1.join("intern/figures.csv"),
        "ind_in_behandeling",
        "IA",
        "2023Q1-Q4",
    );
    for m in &messages {
        let rcpt = m["rcpt_tos"][0].as_str().unwrap();
        let body = m["body"].as_str().unwrap();
        assert_eq!(
            m["mail_from"].as_str().unwrap(),
            "monitor@noorderkwartier.example"
        );
        assert!(
            body.contains(&format!(
                "- Informatie en advies in behandeling: {now} ({before})"
            )),
            "key figures in Dutch notation: {body}"
        );
        assert!(!body.contains("Gecorrigeerde") && !body.contains("gecorrigeerde"));
        let names = attachment_names(m);
        assert!(
            !names.iter().any(|n| n.contains("figures")),
            "figures.csv is never mailed"
        );
        if rcpt.starts_with("griffie") {
            assert_eq!(names, ["raadsmemo-2024Q4-v1.pdf"]);
            assert!(
                m["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Raadsmemo Monitor Sociaal Domein Q4 2024")
            );
            assert_eq!(m["to"], "griffie@noorderkwartier.example");
            assert_eq!(m["reply_to"], "griffie-vragen@noorderkwartier.example");
        } else {
            assert_eq!(
                names,
                [
                    "kwartaalrapportage-2024Q4-v1.pdf",
                    "raadsmemo-2024Q4-v1.pdf"
                ]
            );
            assert_eq!(
                m["attachments"][0]["sha256"].as_str().unwrap(),
                sha256(&v1.join("intern/kwartaalrapportage.pdf")),
                "the published PDF itself"
            );
            assert_eq!(m["attachments"][0]["content_type"], "application/pdf");
            assert!(
                m["subject"].as_str().unwrap().starts_with(
                    "Kwartaalrapportage Monitor Sociaal Domein Q4 2024 — Gemeente Noorderkwartier"
                ),
                "{}",
                m["subject"]
            );
            let to = m["to"].as_str().unwrap();
            assert!(
                to.contains("directie@noorderkwartier.example")
                    && to.contains("beleid@noorderkwartier.example"),
                "{to}"
            );
            assert_eq!(m["cc"], "controller@noorderkwartier.example");
            assert_eq!(m["reply_to"], "informatie@noorderkwartier.example");
        }
        assert_eq!(
            attachment_names(m).len(),
            m["attachments"].as_array().unwrap().len()
        );
    }
    assert_eq!(
        mail_state(
            dir.path(),
            1,
            "kwartaalrapportage",
            "controller@noorderkwartier.example"
        ),
        (MailState::Sent, 1)
    );

    // The same quarter again: unchanged, and nothing is mailed twice.
    let again = stdout(&run(&config, &[]));
    assert!(
        again.contains("unchanged") && again.contains("0 sent, 4 already sent"),
        "{again}"
    );
    assert_eq!(server.messages().len(), 4);
}

fn one_recipient(dir: &Path, server: &SmtpServer) -> PathBuf {
    let config = write_config(dir, &server.mail_config());
    add_recipients(&config, r#"to = ["directie@noorderkwartier.example"]"#, "");
    config
}

#[test]
fn a_451_is_retried_and_delivers_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    server.control("451-once");
    let text = stdout(&run(&config, &[]));
    assert!(
        text.contains("1 sent") && text.contains("0 failed"),
        "{text}"
    );
    assert_eq!(server.data_attempts(), 2);
    assert_eq!(server.messages().len(), 1);
    assert_eq!(
        mail_state(
            dir.path(),
            1,
            "kwartaalrapportage",
            "directie@noorderkwartier.example"
        ),
        (MailState::Sent, 2)
    );
}

#[test]
fn a_550_is_not_retried_and_is_recorded_failed() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    server.control("550");
    let text = stdout(&run(&config, &[]));
    assert!(
        text.contains("1 failed")
            && text.contains("FAILED: kwartaalrapportage → directie@noorderkwartier.example")
            && text.contains("550"),
        "{text}"
    );
    assert_eq!(
        server.data_attempts(),
        1,
        "a permanent failure is not retried"
    );
    assert!(server.messages().is_empty());
    assert_eq!(
        mail_state(
            dir.path(),
            1,
            "kwartaalrapportage",
            "directie@noorderkwartier.example"
        ),
        (MailState::Failed, 1)
    );
    // The publication stands.
    assert!(
        version_dir(dir.path(), 1)
            .join("intern/kwartaalrapportage.pdf")
            .exists()
    );
}

#[test]
fn a_process_killed_after_the_server_had_the_message_sends_it_once_more_marked() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    // The server stores the message, then holds back its 250 while the client is killed.
    server.control("sleep 120");
    let mut child = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config)
        .env("SMTP_TEST_PASSWORD", SMTP_PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.messages().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no message reached the server"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the server answered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        mail_state(
            dir.path(),
            1,
            "kwartaalrapportage",
            "directie@noorderkwartier.example"
        )
        .0,
        MailState::Unconfirmed,
        "the ledger knows the server had the whole message"
    );

    // Never lost: the next run sends it again, once, with the same Message-ID, and says the
    // recipient may have it twice.
    let text = stdout(&run(&config, &[]));
    assert!(
        text.contains("unchanged") && text.contains("1 sent") && text.contains("POSSIBLY TWICE"),
        "{text}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 2, "one extra copy at most");
    assert_eq!(messages[0]["message_id"], messages[1]["message_id"]);
    let record = pipeline::ledger::Ledger::open(&dir.path().join("state"), Duration::from_secs(5))
        .unwrap()
        .mail(&MailKey {
            tenant: "noorderkwartier".into(),
            quarter: "2024Q4".into(),
            version: 1,
            document: "kwartaalrapportage".into(),
            recipient: "directie@noorderkwartier.example".into(),
        })
        .unwrap()
        .unwrap();
    assert!(record.doubtful && record.state == MailState::Sent);
    let table = crate::common::history(&config, Some("2024Q4"));
    assert!(table.contains("possibly doubled"), "{table}");
    // And not a third time.
    let text = stdout(&run(&config, &[]));
    assert!(text.contains("0 sent, 1 already sent"), "{text}");
    assert_eq!(server.messages().len(), 2);
}

#[test]
fn a_connection_dropped_after_the_final_dot_is_sent_again_once_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    server.control("drop-after-once");
    let text = stdout(&run(&config, &[]));
    assert!(
        text.contains("1 sent") && text.contains("POSSIBLY TWICE") && text.contains("0 failed"),
        "{text}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 2, "the stored copy and the one sent again");
    assert_eq!(messages[0]["message_id"], messages[1]["message_id"]);
}

#[test]
fn a_connection_dropped_before_the_message_is_retried_and_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    server.control("drop-rcpt-once");
    let text = stdout(&run(&config, &[]));
    assert!(
        text.contains("1 sent") && !text.contains("POSSIBLY TWICE"),
        "{text}"
    );
    assert_eq!(server.messages().len(), 1);
    let (state, attempts) = mail_state(
        dir.path(),
        1,
        "kwartaalrapportage",
        "directie@noorderkwartier.example",
    );
    assert_eq!((state, attempts), (MailState::Sent, 2));
}

#[test]
fn a_wrong_smtp_password_is_a_permanent_failure_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    let out = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config)
        .env("SMTP_TEST_PASSWORD", "not-the-password")
        .output()
        .unwrap();
    assert!(out.status.success(), "the publication stands");
    let text = stdout(&out);
    assert!(
        text.contains("1 failed") && text.contains("refused the login"),
        "{text}"
    );
    assert!(!text.contains("os error"), "{text}");
    assert_eq!(server.data_attempts(), 0);
    assert_eq!(
        mail_state(
            dir.path(),
            1,
            "kwartaalrapportage",
            "directie@noorderkwartier.example"
        ),
        (MailState::Failed, 1),
        "not retried: a wrong password stays wrong"
    );
}

#[test]
fn a_correction_mails_v2_with_the_changed_figures() {
    let dir = tempfile::tempdir().unwrap();
    // An own copy of the export, so this test can correct it.
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for entry in std::fs::read_dir(demo_data()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
    }
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let config = one_recipient(dir.path(), &server);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        &demo_data().display().to_string(),
        &data.display().to_string(),
    );
    std::fs::write(&config, text).unwrap();
    run(&config, &[]);
    assert_eq!(server.messages().len(), 1);

    // A registration correction: the last ten cases registered as Informatie en advies
    // were in fact Leun- en steuncontacten.
    let casussen = data.join("casussen.csv");
    let mut lines: Vec<String> = std::fs::read_to_string(&casussen)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut corrected = 0;
    for line in lines.iter_mut().rev() {
        if corrected < 10 && line.contains(";Informatie en advies;") {
            *line = line.replace(";Informatie en advies;", ";Leun- en steuncontact;");
            corrected += 1;
        }
    }
    std::fs::write(&casussen, lines.join("\n") + "\n").unwrap();
    let text = stdout(&run(&config, &[]));
    assert!(text.contains("published as version 2"), "{text}");

    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    let v2 = &messages[1];
    assert!(
        v2["subject"]
            .as_str()
            .unwrap()
            .starts_with("Gecorrigeerde versie (v2): Kwartaalrapportage"),
        "{}",
        v2["subject"]
    );
    assert_eq!(
        attachment_names(v2),
        [
            "kwartaalrapportage-2024Q4-v2.pdf",
            "raadsmemo-2024Q4-v2.pdf"
        ]
    );
    // What the internal report shows that changed, read back from both versions' figures.
    let read = |v: u32| {
        pipeline::figures::Figures::from_csv(
            &std::fs::read(version_dir(dir.path(), v).join("intern/figures.csv")).unwrap(),
        )
        .unwrap()
    };
    let changes = pipeline::publish::changes::internal(
        &read(1),
        &read(2),
        pipeline::render::Document::Kwartaalrapportage.indicators(),
    );
    assert!(!changes.is_empty());
    let body = v2["body"].as_str().unwrap();
    assert!(body.contains("Gewijzigde cijfers (oud → nieuw):"), "{body}");
    let listed: Vec<&str> = body
        .lines()
        .skip_while(|l| !l.starts_with("Gewijzigde cijfers"))
        .skip(1)
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(listed.len(), changes.len(), "every changed figure: {body}");
    // In the document's words, never a figure code.
    assert!(
        !listed
            .iter()
            .any(|l| l.contains("ind_") || l.contains("fin_")),
        "{body}"
    );
    // A changed count, in the document's words, old → new in Dutch notation.
    let count = changes
        .iter()
        .find_map(|c| match (c.old, c.new) {
            (
                Some(pipeline::disclose::Shown::Value(pipeline::figures::Value::Count(old))),
                Some(pipeline::disclose::Shown::Value(pipeline::figures::Value::Count(new))),
            ) if c.key.indicator == pipeline::figures::Indicator::InBehandeling => {
                Some((c.key.words(), old, new))
            }
            _ => None,
        })
        .expect("a changed count of cases in behandeling");
    assert!(
        count.0.starts_with("Casussen in behandeling, "),
        "{}",
        count.0
    );
    let expected = format!(
        "- {}: {} → {}",
        count.0,
        pipeline::notation::int(count.1),
        pipeline::notation::int(count.2)
    );
    assert!(listed.contains(&expected.as_str()), "{expected} in {body}");
    assert_eq!(
        mail_state(
            dir.path(),
            2,
            "kwartaalrapportage",
            "directie@noorderkwartier.example"
        ),
        (MailState::Sent, 1)
    );
}

#[test]
fn without_smtp_mail_goes_to_the_outbox_as_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "[mail]\nfrom = \"Monitor Sociaal Domein <monitor@noorderkwartier.example>\"\n",
    );
    add_recipients(
        &config,
        r#"to = ["directie@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]"#,
    );
    let outbox = dir.path().join("output/noorderkwartier/outbox");
    let emls = || -> Vec<String> {
        std::fs::read_dir(&outbox)
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .map(|p| std::fs::read_to_string(p).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = stdout(&run(&config, &["--no-mail"]));
    assert!(!text.contains("mail"), "{text}");
    assert!(emls().is_empty(), "--no-mail mails nothing");

    // The rerun publishes nothing new but sends what was not sent yet.
    let text = stdout(&run(&config, &[]));
    assert!(text.contains("outbox") && text.contains("2 sent"), "{text}");
    let mails = emls();
    assert_eq!(mails.len(), 2);
    let report = mails
        .iter()
        .find(|m| m.contains("directie@noorderkwartier.example"))
        .unwrap();
    assert!(report.contains("kwartaalrapportage-2024Q4-v1.pdf\""));
    assert!(report.contains("raadsmemo-2024Q4-v1.pdf\""));
    let memo = mails
        .iter()
        .find(|m| m.contains("griffie@noorderkwartier.example"))
        .unwrap();
    assert!(memo.contains("raadsmemo-2024Q4-v1.pdf\""));
    assert!(!memo.contains("kwartaalrapportage-2024Q4"));
    assert!(!mails.iter().any(|m| m.contains("figures.csv")));
}

#[test]
fn a_server_whose_certificate_is_not_trusted_gets_no_mail_and_the_publication_stands() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    // Without the test CA the server's self-signed certificate is not trusted.
    let mail: String = server
        .mail_config()
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| format!("{l}\n"))
        .collect();
    let config = write_config(dir.path(), &mail);
    add_recipients(
        &config,
        r#"to = ["directie@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]"#,
    );
    let out = run(&config, &[]);
    let text = stdout(&out);
    assert!(text.contains("2 failed"), "{text}");
    assert!(
        server.messages().is_empty(),
        "nothing is sent over an untrusted connection"
    );
    assert!(
        version_dir(dir.path(), 1)
            .join("intern/kwartaalrapportage.pdf")
            .is_file(),
        "published all the same"
    );
}
