//! Correcting a quarter as analysts do (README "Een kwartaal corrigeren"): change the data,
//! look first with `--preview`, read the changes, publish v2; `check` without a quarter; a
//! run on files.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{add_recipients, demo_data, entries, history, pipeline, write_config_reading};

/// A demo installation with an own copy of the export (so it can be corrected) and mail
/// to the outbox.
fn installation(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for entry in std::fs::read_dir(demo_data()).unwrap().flatten() {
        std::fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
    }
    let config = write_config_reading(
        dir,
        "[mail]\nfrom = \"monitor@noorderkwartier.example\"\n",
        &data,
    );
    add_recipients(
        &config,
        "to = [\"directie@noorderkwartier.example\"]",
        "to = [\"griffie@noorderkwartier.example\"]",
    );
    (config, data)
}

fn cmd(config: &Path, args: &[&str]) -> Output {
    let out = pipeline()
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The last ten cases registered as Informatie en advies were in fact Leun- en
/// steuncontacten (the export's own spelling: `Leun- en steuncontact`).
fn correct_ten_cases(data: &Path) {
    let path = data.join("casussen.csv");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
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
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// Every file under `dir`, with its size.
fn tree(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path().display().to_string(), m.len()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_preview_publishes_nothing_then_changes_lists_what_v2_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = installation(dir.path());
    cmd(&config, &["run", "--quarter", "2024Q4"]);
    correct_ten_cases(&data);

    let output = dir.path().join("output");
    let (before, ledger) = (tree(&output), history(&config, None));
    let preview = stdout(&cmd(&config, &["run", "--quarter", "2024Q4", "--preview"]));
    assert!(
        preview.contains("PREVIEW") && preview.contains("would be published as version 2"),
        "{preview}"
    );
    assert!(
        preview.contains("nothing is published or mailed"),
        "{preview}"
    );
    // Output, outbox and ledger untouched.
    assert_eq!(tree(&output), before, "the output folder and the outbox");
    assert_eq!(history(&config, None), ledger, "the ledger");
    // The preview's PDFs are where it says.
    let pdfs: Vec<&str> = preview
        .lines()
        .filter_map(|l| l.trim().split("  ").next())
        .filter(|p| p.ends_with(".pdf"))
        .collect();
    assert!(pdfs.len() >= 2, "{preview}");
    for pdf in &pdfs {
        assert!(Path::new(pdf).is_file(), "{pdf}");
        assert!(pdf.contains("/state/preview/"), "{pdf}");
    }
    // The changes, in the documents' words.
    assert!(preview.contains("changes against version 1"), "{preview}");
    let listed: Vec<&str> = preview
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(" → "))
        .collect();
    assert!(!listed.is_empty(), "{preview}");
    assert!(
        !preview.contains("ind_") && !preview.contains("fin_"),
        "{preview}"
    );
    assert!(
        listed.iter().any(|l| l.contains("Leun- en steuncontact")),
        "the corrected support form is named as the report names it: {listed:?}"
    );

    // `changes` and `explain` read the preview before anything is published.
    let q = ["--quarter", "2024Q4"];
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec![extra[0]];
        v.extend(q);
        v.extend(&extra[1..]);
        v
    };
    let previewed = |edition: &'static str| {
        stdout(&cmd(
            &config,
            &args(&["changes", "--preview", "--edition", edition]),
        ))
    };
    let (intern_preview, public_preview) = (previewed("intern"), previewed("openbaar"));
    assert!(
        intern_preview.contains("intern: v1 → v2 (preview)"),
        "{intern_preview}"
    );
    let explain = &["explain", "ind_in_behandeling", "LS"];
    let explained_preview = stdout(&cmd(
        &config,
        &args(&[explain[0], "--preview", explain[1], explain[2]]),
    ));
    assert!(
        explained_preview.contains("(preview of v2)"),
        "{}",
        explained_preview
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        explained_preview.contains("against v1: "),
        "{explained_preview}"
    );
    assert_eq!(
        tree(&output),
        before,
        "changes and explain of a preview write nothing there"
    );
    assert_eq!(history(&config, None), ledger);

    // Published for real: the same changes, and `pipeline changes` prints them.
    let published = stdout(&cmd(&config, &["run", "--quarter", "2024Q4"]));
    assert!(published.contains("published as version 2"), "{published}");
    let changes = stdout(&cmd(&config, &["changes", "--quarter", "2024Q4"]));
    assert!(changes.contains("v1 → v2"), "{changes}");
    let lines: Vec<&str> = changes.lines().skip(1).map(str::trim).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(line.contains(" → ") && !line.contains("ind_"), "{line}");
    }
    // The internal report's changes of the preview are among them.
    let report_block: Vec<&str> = preview
        .lines()
        .skip_while(|l| !l.contains("kwartaalrapportage (intern)"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert!(!report_block.is_empty(), "{preview}");
    for line in report_block {
        assert!(lines.contains(&line), "{line} in `changes`:\n{changes}");
    }
    // The public edition: only cells the public documents show.
    let public = stdout(&cmd(
        &config,
        &["changes", "--quarter", "2024Q4", "--edition", "openbaar"],
    ));
    assert!(public.contains("openbaar: v1 → v2"), "{public}");
    // What the preview said is what was published.
    let unmarked = |t: &str| t.replace(" (preview)", "").replace("preview of v2", "v2");
    assert_eq!(unmarked(&intern_preview), changes);
    assert_eq!(unmarked(&public_preview), public);
    let explained = stdout(&cmd(&config, &args(explain)));
    assert_eq!(unmarked(&explained_preview), explained);
    // A preview of data that changes nothing leaves no stale preview behind to compare.
    let again = stdout(&cmd(&config, &["run", "--quarter", "2024Q4", "--preview"]));
    assert!(
        again.contains("nothing would change") && !again.contains("changes against"),
        "{again}"
    );
    let out = pipeline()
        .args(args(&["changes", "--preview"]))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no preview"), "{err}");
}

#[test]
fn changes_names_the_versions_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = installation(dir.path());
    cmd(&config, &["run", "--quarter", "2024Q4", "--no-mail"]);
    let out = pipeline()
        .args([
            "changes",
            "--quarter",
            "2024Q4",
            "--from",
            "1",
            "--to",
            "3",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no version 3") && err.contains("published: v1"),
        "{err}"
    );
}

#[test]
fn check_without_a_quarter_checks_the_newest_quarter_the_export_covers() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = installation(dir.path());
    let text = stdout(&cmd(&config, &["check"]));
    assert!(
        text.contains("2024Q4: the newest quarter the export covers"),
        "{text}"
    );
    assert!(text.contains("begroting-2024.xlsx"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn a_run_on_files_reads_the_folder_and_the_workbook_and_publishes_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    // A config whose sources point nowhere: the files given on the command line count.
    let config = write_config_reading(dir.path(), "", &dir.path().join("nowhere"));
    let out_dir = dir.path().join("elders");
    let export = demo_data().display().to_string();
    let budget = demo_data()
        .join("begroting-2024.xlsx")
        .display()
        .to_string();
    let out = pipeline()
        .args([
            "run",
            "--quarter",
            "2024Q4",
            "--no-mail",
            "--export",
            &export,
            "--budget",
            &budget,
            "--output",
        ])
        .arg(&out_dir)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v1 = out_dir.join("noorderkwartier/2024Q4/v1");
    assert!(v1.join("intern/kwartaalrapportage.pdf").is_file());
    let report = crate::common::pdf_text(&v1.join("intern/kwartaalrapportage.pdf"));
    assert!(
        report.contains("Financiën") || report.contains("Wmo"),
        "the budget was read"
    );
    assert!(
        !dir.path().join("output").exists(),
        "nothing in the configured output_dir"
    );
    assert!(entries(&out_dir).contains(&"noorderkwartier".to_string()));
}

/// Dates of the export as written (`dd-mm-jjjj`), compared as `jjjjmmdd`.
fn ymd(text: &str) -> Option<u32> {
    let mut parts = text.split('-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    format!("{y}{m}{d}").parse().ok()
}

/// The case numbers in behandeling of form IT in 2024, counted from casussen.csv by the
/// contract's rule, without the pipeline: Startdatum ≤ 31-12-2024 and Einddatum empty or
/// ≥ 01-01-2024 (the demo writes these dates as `dd-mm-jjjj`; a row in another notation
/// would be missed here and show up as a difference).
fn recount_in_behandeling_it(data: &Path) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(data.join("casussen.csv"))
        .unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (nr, form, start, end) = (
        at("Casusnummer"),
        at("Ondersteuningsvorm"),
        at("Startdatum"),
        at("Einddatum"),
    );
    let mut out: Vec<String> = reader
        .records()
        .map(Result::unwrap)
        // The contract's spellings of the form (contracts/regas-export.md).
        .filter(|r| ["individueel traject", "it"].contains(&r[form].trim().to_lowercase().as_str()))
        .filter(|r| ymd(&r[start]).is_some_and(|s| s <= 20241231))
        .filter(|r| r[end].is_empty() || ymd(&r[end]).is_some_and(|e| e >= 20240101))
        .map(|r| r[nr].to_string())
        .collect();
    out.sort();
    out
}

/// The case numbers `explain` lists (lines `  C…  why`).
fn listed(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(['+', '-', '~']))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    out.sort();
    out
}

#[test]
fn explain_lists_exactly_the_registrations_behind_a_figure_and_what_a_correction_moved() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = installation(dir.path());
    cmd(&config, &["run", "--quarter", "2024Q4", "--no-mail"]);
    let text = stdout(&cmd(
        &config,
        &["explain", "--quarter", "2024Q4", "ind_in_behandeling", "IT"],
    ));
    assert!(
        text.starts_with("PERSONAL DATA"),
        "it says what it prints: {text}"
    );
    let expected = recount_in_behandeling_it(&data);
    assert!(expected.len() > 100);
    assert_eq!(
        listed(&text),
        expected,
        "the registrations, recounted from the export"
    );
    assert!(
        text.contains(&format!(
            "{} registrations; figures.csv of v1: {}",
            expected.len(),
            expected.len()
        )),
        "{}",
        text.lines().take(3).collect::<Vec<_>>().join("\n")
    );

    // A correction: one open individual trajectory was in fact a leun- en steuncontact.
    let path = data.join("casussen.csv");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut moved_case = None;
    let corrected: Vec<String> = original
        .lines()
        .map(|line| {
            let mut fields: Vec<String> = line.split(';').map(String::from).collect();
            if moved_case.is_none() && fields[2] == "Individueel traject" && fields[8].is_empty() {
                fields[2] = "Leun- en steuncontact".into();
                moved_case = Some(fields[0].clone());
            }
            fields.join(";")
        })
        .collect();
    std::fs::write(&path, corrected.join("\n") + "\n").unwrap();
    let moved_case = moved_case.expect("an open individual trajectory");
    cmd(&config, &["run", "--quarter", "2024Q4", "--no-mail"]);
    let text = stdout(&cmd(
        &config,
        &["explain", "--quarter", "2024Q4", "ind_in_behandeling", "IT"],
    ));
    assert!(
        text.contains("(v2)"),
        "{}",
        text.lines().nth(1).unwrap_or("")
    );
    assert_eq!(listed(&text), recount_in_behandeling_it(&data));
    let moved: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("against v1"))
        .collect();
    assert!(moved[0].contains("0 added, 1 removed"), "{moved:?}");
    assert!(
        moved[1].starts_with(&format!("  - {moved_case}")),
        "{moved:?}"
    );
    // Nothing of it reached the log or any file: no file of the installation is new or
    // changed after an explain (the ledger included).
    let before = files(dir.path());
    let logs = String::from_utf8_lossy(
        &pipeline()
            .args([
                "explain",
                "--quarter",
                "2024Q4",
                "ind_in_behandeling",
                "IT",
                "--config",
            ])
            .arg(&config)
            .output()
            .unwrap()
            .stderr,
    )
    .into_owned();
    assert!(!logs.contains(&moved_case), "{logs}");
    assert_eq!(files(dir.path()), before, "explain writes nothing");
}

/// Every file under `root` with its size and modification time.
fn files(root: &Path) -> std::collections::BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

/// A published version's file that is there and does not read (edited by hand, or broken
/// on disk) stops the next run of any quarter it would be read beside, naming the file: a
/// correction would no longer answer to it, and another quarter's memo would be published
/// beside it unaudited. Nothing is published, mailed or changed; restored, the runs go on.
#[test]
fn a_published_file_that_does_not_read_stops_the_runs_beside_it_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = installation(dir.path());
    cmd(&config, &["run", "--quarter", "2024Q4"]);
    let output = dir.path().join("output");
    let published: Vec<PathBuf> = tree(&output)
        .into_iter()
        .map(|(p, _)| PathBuf::from(p))
        .filter(|p| p.to_string_lossy().contains("/2024Q4/v1/"))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n == "cijfers-openbaar.csv" || n == "figures.csv")
        })
        .collect();
    assert!(
        published
            .iter()
            .any(|p| p.ends_with("cijfers-openbaar.csv"))
            && published.iter().any(|p| p.ends_with("figures.csv")),
        "{published:?}"
    );
    let run = |quarter: &str| {
        pipeline()
            .args(["run", "--quarter", quarter, "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    correct_ten_cases(&data);
    for file in &published {
        let good = std::fs::read(file).unwrap();
        let mut broken = good.clone();
        broken.extend_from_slice(b"ind_onbekend,,,,2024Q1-Q4,12\n");
        std::fs::write(file, &broken).unwrap();
        let (before, ledger) = (tree(&output), history(&config, None));
        // Another quarter beside it, and a correction of its own quarter.
        for quarter in ["2024Q3", "2024Q4"] {
            let out = run(quarter);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{quarter} beside {}", file.display());
            assert!(
                stderr.contains(&file.display().to_string()) && stderr.contains("cannot be read"),
                "{quarter}: {stderr}"
            );
            assert!(
                stderr.contains("ind_onbekend"),
                "what is wrong, and where: {stderr}"
            );
            assert_eq!(
                tree(&output),
                before,
                "{quarter}: the output folder and the outbox"
            );
            // The ledger has the failed run, and no mail more.
            let now = history(&config, None);
            let mails = |h: &str| h.split_once("\n\n").map(|(_, m)| m.to_string());
            assert_eq!(mails(&now), mails(&ledger), "{quarter}: the mails");
            assert!(
                now.lines()
                    .any(|l| l.contains(quarter) && l.contains("failed")),
                "{now}"
            );
        }
        std::fs::write(file, &good).unwrap();
    }
    cmd(&config, &["run", "--quarter", "2024Q3"]);
    cmd(&config, &["run", "--quarter", "2024Q4"]);
    let versions = |quarter: &str| {
        tree(&output)
            .iter()
            .filter(|(p, _)| p.contains(&format!("/{quarter}/v2/")))
            .count()
    };
    assert!(versions("2024Q4") > 0, "the correction is published as v2");
}
