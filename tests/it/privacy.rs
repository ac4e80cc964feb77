//! No client-level value leaves the snapshot store: markers planted in every identifying
//! and free-text column of the export never appear in a PDF, figures.csv, a manifest, a
//! mail, the ledger, a log line (at trace level too) or an error message.

use std::path::Path;
use std::process::Output;

use crate::common::{add_recipients, demo_data, pdf_text, write_config_reading};

/// Holds `_`, which base64 (the mails' attachments) never does.
const MARK: &str = "ZQ_X";
const BIRTH: &str = "17-11-1911";

/// The xs demo export with markers: every key prefixed, free text added or prefixed, every
/// birth date one telltale date.
fn planted(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("export");
    std::fs::create_dir_all(&out).unwrap();
    for entry in std::fs::read_dir(demo_data()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".csv") {
            std::fs::copy(entry.path(), out.join(&name)).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(';').collect();
        let extra = matches!(
            name.as_str(),
            "casussen.csv" | "clienten.csv" | "contactmomenten.csv"
        );
        let mut written = header.join(";");
        if extra {
            written.push_str(";Naam;Toelichting");
        }
        written.push('\n');
        for line in lines {
            let cells: Vec<String> = line
                .split(';')
                .zip(&header)
                .map(|(v, h)| match *h {
                    "Casusnummer" | "Clientnummer" | "Trajectnummer" | "Relatienummer" | "Naam"
                    | "Vraag"
                        if !v.is_empty() =>
                    {
                        format!("{MARK}{v}")
                    }
                    "Geboortedatum" if !v.is_empty() => BIRTH.to_string(),
                    _ => v.to_string(),
                })
                .collect();
            written.push_str(&cells.join(";"));
            if extra {
                written.push_str(&format!(
                    ";{MARK}NAAM Pietje Puk;{MARK}NOTITIE schulden bij de buurman"
                ));
            }
            written.push('\n');
        }
        std::fs::write(out.join(&name), written).unwrap();
    }
    out
}

fn config_for(dir: &Path, export: &Path) -> std::path::PathBuf {
    // Mail without a server: to the outbox, where the test reads it.
    let config = write_config_reading(
        dir,
        "[mail]\nfrom = \"Monitor <monitor@noorderkwartier.example>\"\n",
        export,
    );
    add_recipients(
        &config,
        r#"to = ["directie@noorderkwartier.example"]"#,
        r#"to = ["griffie@noorderkwartier.example"]"#,
    );
    config
}

fn assert_clean(what: &str, text: &str) {
    for needle in [MARK, BIRTH, "1911-11-17", "Pietje Puk", "bij de buurman"] {
        assert!(
            !text.contains(needle),
            "{what} shows client-level data ({needle}):\n{}",
            excerpt(text, needle)
        );
    }
}

fn excerpt(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    text[at.saturating_sub(200)..(at + 200).min(text.len())].to_string()
}

fn run(config: &Path) -> Output {
    crate::common::json_run(config, "2024Q4", "trace")
        .output()
        .unwrap()
}

#[test]
fn planted_client_data_appears_in_no_publication_mail_ledger_or_log() {
    let dir = tempfile::tempdir().unwrap();
    let export = planted(dir.path());
    let config = config_for(dir.path(), &export);
    let out = run(&config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.lines().count() > 10, "trace logging is on");
    assert_clean("the trace log", &log);

    let output = dir.path().join("output/noorderkwartier");
    let mut seen = 0;
    for entry in walk(&output) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = if entry.extension().is_some_and(|e| e == "pdf") {
            pdf_text(&entry)
        } else {
            String::from_utf8_lossy(&bytes).to_string()
        };
        assert_clean(&entry.display().to_string(), &text);
        seen += 1;
    }
    assert!(
        seen >= 6,
        "PDFs, figures.csv, manifest and mails were checked: {seen}"
    );
    let ledger = std::fs::read(dir.path().join("state/ledger.sqlite")).unwrap();
    assert_clean("the ledger", &String::from_utf8_lossy(&ledger));
    // The snapshot itself does hold the data, as it must: the planting worked.
    let snapshots = walk(&dir.path().join("state/snapshots"));
    assert!(
        snapshots
            .iter()
            .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(MARK)))
    );
}

#[test]
fn an_error_about_a_client_row_names_the_row_not_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let export = planted(dir.path());
    // The same case number twice: a run-stopping defect.
    let cases = std::fs::read_to_string(export.join("casussen.csv")).unwrap();
    let second = cases.lines().nth(1).unwrap().to_string();
    std::fs::write(export.join("casussen.csv"), format!("{cases}{second}\n")).unwrap();
    let config = config_for(dir.path(), &export);
    let out = run(&config);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("casussen.csv") && stderr.contains("row"),
        "{stderr}"
    );
    assert_clean("the error", &stderr);
    assert!(
        !dir.path()
            .join("output/noorderkwartier/2024Q4/current")
            .exists(),
        "nothing published"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.is_symlink() {
            out.extend(walk(&path));
        } else if path.is_file() {
            out.push(path);
        }
    }
    out
}
