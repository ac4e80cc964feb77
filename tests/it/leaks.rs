//! One regression test per kind of leak that was found in the public documents and their
//! mails before the `disclose` stage: chart bars, alternative texts, linked tables, the mail
//! body, a correction's list of changes, and `figures.csv` beside the public memo. Each
//! runs on one small organisation (an export thinned out until counts need hiding), with
//! the report in both editions, the memo public, and a correction that adds one case.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pipeline::config::Config;
use pipeline::disclose::{self, Audience, Shown, View};
use pipeline::figures::{FigureKey, relations};
use pipeline::render::{self, Document, document::Block};

use crate::common::small_export;
use crate::disclosure::{
    allowed_for, config, council_mails, mail_body, monitor_of, publish, published,
};
use crate::reader;

const THRESHOLD: u32 = 5;

/// The shared publication: v1 of a small organisation's 2024Q4, then v2 after one case was
/// added (a new client: a woman born in 1961 in Zandeweer, an individual trajectory).
struct Published {
    dir: PathBuf,
    config: Config,
}

fn quarter() -> pipeline::Quarter {
    pipeline::Quarter::new(2024, 4).unwrap()
}

fn published_twice() -> &'static Published {
    static P: OnceLock<Published> = OnceLock::new();
    P.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let data = dir.join("export");
        small_export(&data, 11, 0.04, quarter());
        config(&dir, &data, THRESHOLD);
        // The report in both editions: management reads the internal one.
        let path = dir.join("pipeline.toml");
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "editions = [\"openbaar\"]",
            "editions = [\"intern\", \"openbaar\"]",
        );
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let first = publish(&config, quarter());
        assert_eq!(first.publication.version, 1);
        add_one_case(&data);
        let second = publish(&config, quarter());
        assert_eq!(
            second.publication.version, 2,
            "adding a case is a correction"
        );
        Published { dir, config }
    })
}

/// A new client with one open individual trajectory started in the quarter.
fn add_one_case(data: &Path) {
    let cases = data.join("casussen.csv");
    let text = std::fs::read_to_string(&cases).unwrap();
    let header = text.lines().next().unwrap();
    let columns: Vec<&str> = header.split(';').collect();
    let mut row = vec![String::new(); columns.len()];
    let set = |row: &mut Vec<String>, column: &str, value: &str| {
        let i = columns.iter().position(|c| *c == column).unwrap();
        row[i] = value.to_string();
    };
    set(&mut row, "Casusnummer", "C99999901");
    set(&mut row, "Clientnummer", "K9999901");
    set(&mut row, "Ondersteuningsvorm", "Individueel traject");
    set(&mut row, "Werksoort", "Algemeen maatschappelijk werk");
    set(&mut row, "Team", "Bedum en Uithuizen");
    set(&mut row, "Woonplaats", "Zandeweer");
    set(&mut row, "Aanmelddatum", "07-10-2024");
    set(&mut row, "Startdatum", "14-10-2024");
    set(&mut row, "Hoofddomeinen", "Huiselijke relaties");
    std::fs::write(&cases, format!("{}{}\n", text, row.join(";"))).unwrap();
    let clients = data.join("clienten.csv");
    let text = std::fs::read_to_string(&clients).unwrap();
    std::fs::write(&clients, format!("{text}K9999901;14-03-1961;Vrouw\n")).unwrap();
}

fn version_dir(p: &Published, version: u32) -> PathBuf {
    p.dir
        .join(format!("output/noorderkwartier/{}/v{version}", quarter()))
}

/// The public kwartaalrapportage's model as the run builds it, and the view it reads.
fn public_report(p: &Published) -> (render::document::ReportDoc, View) {
    let monitor = monitor_of(&p.config, quarter());
    let cells = published(&version_dir(p, 2), "kwartaalrapportage");
    let view = View::published(Audience::Openbaar, THRESHOLD, cells);
    let tenant = &p.config.tenants[0];
    let letter = tenant.documents.raadsmemo.letter();
    let ctx = render::Context {
        organisation: &tenant.organisation,
        municipality: &tenant.municipality,
        brand: &tenant.brands["gemeente"],
        date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        version: 2,
        snapshot: "0123456789abcdef",
        budget_file: None,
        commentary: &|_| Vec::new(),
        letter: &letter,
        attached_report: None,
    };
    let built = render::build(Document::Kwartaalrapportage, &monitor, &view, &ctx).unwrap();
    match built.model {
        render::Model::Report(r) => (*r, view),
        render::Model::Memo(_) => unreachable!("the report"),
    }
}

fn charts(report: &render::document::ReportDoc) -> Vec<&render::document::Chart> {
    report
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn withheld_label(label: &str) -> bool {
    label == "x" || label.starts_with('<') || label.starts_with("n<")
}

#[test]
fn leak_chart_bars_a_withheld_cell_draws_no_bar() {
    let (report, _) = public_report(published_twice());
    let mut withheld = 0;
    for chart in charts(&report) {
        for series in &chart.series {
            for (value, label) in series.values.iter().zip(&series.labels) {
                if withheld_label(label) {
                    withheld += 1;
                    assert!(
                        value.is_none(),
                        "{}: a bar of height {value:?} under {label}",
                        chart.caption
                    );
                } else {
                    assert!(value.is_some(), "{}: {label} has its bar", chart.caption);
                }
            }
        }
    }
    assert!(
        withheld > 0,
        "the small organisation has withheld cells in charts"
    );
}

#[test]
fn leak_alt_texts_say_what_the_labels_say_and_no_more() {
    let p = published_twice();
    let (report, _) = public_report(p);
    let mut withheld = 0;
    for chart in charts(&report) {
        // Every number of the alternative text is a label of the chart (or in its
        // categories and caption): a withheld label stays withheld.
        let mut own = reader::Allowed::default();
        for series in &chart.series {
            for label in &series.labels {
                own.add(label.clone());
                withheld +=
                    usize::from(withheld_label(label) && chart.alt.contains(label.as_str()));
            }
        }
        if let Some(norm) = &chart.norm {
            own.add(norm.label.clone());
            for n in reader::numbers(&norm.label) {
                own.add(n);
            }
        }
        for text in chart.categories.iter().chain([&chart.caption]) {
            for n in reader::numbers(text) {
                own.add(n);
            }
        }
        own.add(THRESHOLD.to_string());
        let stray = own.strangers(&chart.alt);
        assert!(
            stray.is_empty(),
            "{}: {stray:?} in {:?}",
            chart.caption,
            chart.alt
        );
    }
    assert!(
        withheld > 0,
        "some alternative text names a withheld cell as withheld"
    );
    // And in the PDF as a screen reader gets it.
    let v2 = version_dir(p, 2);
    let cells = published(&v2, "kwartaalrapportage");
    let allowed = allowed_for(&cells, THRESHOLD);
    let pdf = v2.join("openbaar/kwartaalrapportage/kwartaalrapportage.pdf");
    let alts = reader::alt_texts(&pdf);
    assert!(!alts.is_empty());
    for alt in alts {
        let stray = allowed.strangers(&alt);
        assert!(stray.is_empty(), "{alt:?}: {stray:?}");
    }
}

/// The relations between tables the issue named: recidive rows, the started cases in two
/// tables, werksoorten and teams against the cases in behandeling, the quarters against
/// the year.
fn linked(name: &str) -> bool {
    [
        "ind_recidive",
        "ind_opgestart",
        "ind_werksoort",
        "ind_team",
        "ind_in_behandeling",
    ]
    .iter()
    .any(|code| name.contains(code))
}

#[test]
fn leak_linked_tables_no_exact_relation_leaves_one_cell_to_work_out() {
    let p = published_twice();
    let monitor = monitor_of(&p.config, quarter());
    for version in [1, 2] {
        let v = version_dir(p, version);
        let mut all: HashMap<FigureKey, Shown> = HashMap::new();
        for doc in ["kwartaalrapportage", "raadsmemo"] {
            all.extend(published(&v, doc));
        }
        let relations = relations(&monitor.figures, &monitor.spans);
        let declared = relations.iter().filter(|r| linked(&r.name)).count();
        assert!(
            declared >= 5,
            "the cross-table relations are declared: {declared}"
        );
        // A reader subtracts: an exact relation whose cells are all shown but one gives
        // that one away, whichever tables they sit in.
        for r in relations.iter().filter(|r| r.exact) {
            let hidden: Vec<&FigureKey> = r
                .keys()
                .filter(|k| matches!(all.get(*k), Some(Shown::Small | Shown::Withheld)))
                .collect();
            let unseen = r.keys().filter(|k| !all.contains_key(*k)).count();
            assert!(
                !(hidden.len() == 1 && unseen == 0),
                "v{version}: {} gives {} away",
                r.name,
                hidden[0]
            );
        }
        // And the audit, over every relation at once.
        let view = View::from_cells(Audience::Openbaar, THRESHOLD, all);
        let audit = disclose::audit(&view, &monitor.figures, &relations).unwrap();
        assert!(
            audit.failures.is_empty(),
            "v{version}: {:?}",
            audit.failures
        );
        assert!(audit.checked > 0, "withheld cells were checked");
    }
}

#[test]
fn leak_mail_body_the_council_reads_only_numbers_the_memo_shows() {
    let p = published_twice();
    let v1 = version_dir(p, 1);
    let memo = published(&v1, "raadsmemo");
    let allowed = allowed_for(&memo, THRESHOLD);
    let mails = council_mails(&p.dir.join("output/noorderkwartier/outbox"), quarter(), 1);
    assert!(!mails.is_empty());
    for mail in mails {
        let body = mail_body(&mail);
        let stray = allowed.strangers(&body);
        assert!(stray.is_empty(), "{stray:?} in\n{body}");
    }
}

#[test]
fn leak_correction_list_one_added_case_tells_the_council_nothing_about_that_person() {
    let p = published_twice();
    let (v1, v2) = (version_dir(p, 1), version_dir(p, 2));
    // The council's mail carries the memo and the public report: what they show in either
    // version.
    let (mut before, mut after) = (HashMap::new(), HashMap::new());
    for doc in ["raadsmemo", "kwartaalrapportage"] {
        before.extend(published(&v1, doc));
        after.extend(published(&v2, doc));
    }
    let mut allowed = allowed_for(&after, THRESHOLD);
    for s in before.values() {
        allowed.shown(*s, THRESHOLD);
    }
    allowed.add("1");
    allowed.add("2");
    // What the documents show, in the words a change line uses.
    let words: std::collections::HashSet<String> = before
        .keys()
        .chain(after.keys())
        .map(|k| k.words())
        .collect();
    let mails = council_mails(&p.dir.join("output/noorderkwartier/outbox"), quarter(), 2);
    assert!(!mails.is_empty(), "the council gets the correction");
    let mut listed = 0;
    for mail in mails {
        let body = mail_body(&mail);
        assert!(
            !body.contains("ind_") && !body.contains("fin_"),
            "no figure codes: {body}"
        );
        let stray = allowed.strangers(&body);
        assert!(stray.is_empty(), "{stray:?} in\n{body}");
        let changes = body
            .lines()
            .skip_while(|l| !l.starts_with("Gewijzigde cijfers"))
            .skip(1)
            .take_while(|l| l.starts_with("- "));
        for line in changes {
            listed += 1;
            // A period whose cells a small correction withheld is one line, not a line
            // per cell; it names a period of the documents and no cell.
            let Some((head, new)) = line[2..].rsplit_once(" → ") else {
                let (period, said) = line[2..].split_once(": ").unwrap();
                assert!(
                    before.keys().any(|k| k.period_words() == period),
                    "{line:?} names no period of the documents"
                );
                assert!(said.contains("als x"), "{line}");
                continue;
            };
            // Only cells the documents show, and no exact small difference: the list
            // does not tell the added case's sex, age band, village or team.
            let (what, old) = head.rsplit_once(": ").unwrap();
            assert!(words.contains(what), "{line:?} is no cell of the documents");
            let count = |t: &str| t.replace('.', "").parse::<i64>().ok();
            if let (Some(a), Some(b)) = (count(old), count(new)) {
                let d = (a - b).abs();
                assert!(d == 0 || d >= i64::from(THRESHOLD), "{line}");
            }
        }
    }
    assert!(
        listed > 0,
        "the added case changes cells the documents show"
    );
}

/// A reader with both versions subtracts: no count shown as a number in both changed by 1
/// to T − 1 (that would tell what the added case is: sex, age band, village, team), and no
/// mean or percentage shown in both moved while fewer than T of its records changed.
#[test]
fn a_reader_with_both_versions_learns_nothing_about_the_corrected_case() {
    let p = published_twice();
    let (v1, v2) = (version_dir(p, 1), version_dir(p, 2));
    let figures = |v: &Path| {
        pipeline::figures::Figures::from_csv(&std::fs::read(v.join("intern/figures.csv")).unwrap())
            .unwrap()
    };
    let (f1, f2) = (figures(&v1), figures(&v2));
    let mut compared = 0;
    let mut touched = 0;
    for doc in ["kwartaalrapportage", "raadsmemo"] {
        let (before, after) = (published(&v1, doc), published(&v2, doc));
        for (key, now) in &after {
            let Some(then) = before.get(key) else {
                continue;
            };
            let value = |f: &pipeline::figures::Figures| f.get(key).map(|f| f.value.csv());
            if value(&f1) != value(&f2) {
                touched += 1;
            }
            if let (Shown::Value(a), Shown::Value(b)) = (then, now) {
                compared += 1;
                if let (Some(a), Some(b)) = (a.count(), b.count()) {
                    let d = (a - b).abs();
                    assert!(
                        d == 0 || d >= i64::from(THRESHOLD),
                        "{doc}: {key} {a} → {b}"
                    );
                } else if a.csv() != b.csv() {
                    let (n1, n2) = (f1.get(key).and_then(|f| f.n), f2.get(key).and_then(|f| f.n));
                    let (n1, n2) = (n1.unwrap(), n2.unwrap());
                    assert!(
                        n1.abs_diff(n2) >= u64::from(THRESHOLD),
                        "{doc}: {key} {} → {} over {n1} → {n2} records",
                        a.csv(),
                        b.csv()
                    );
                }
            }
        }
    }
    assert!(compared > 0);
    for doc in ["kwartaalrapportage", "raadsmemo"] {
        let (before, after) = (published(&v1, doc), published(&v2, doc));
        let moved = crate::disclosure::no_cell_points_at_the_correction(&before, &after);
        assert!(moved > 0, "{doc}: the added case changes what v2 shows");
    }
    // Not vacuous: the added case moves cells both versions publish (each of them hidden
    // in one version or the other, or moved by at least T, as checked above).
    assert!(touched > 0, "the added case changes published cells");
    // The public reader is told why a number of v1 is an x now; the first version has no
    // earlier one to explain against.
    let says_why = |v: &Path| {
        let text =
            crate::common::pdf_text(&v.join("openbaar/kwartaalrapportage/kwartaalrapportage.pdf"));
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("Dit is een gecorrigeerde versie.")
    };
    assert!(
        says_why(&v2),
        "the corrected public report explains its x's:\n{}",
        crate::common::pdf_text(&v2.join("openbaar/kwartaalrapportage/kwartaalrapportage.pdf"))
    );
    assert!(!says_why(&v1));
}

#[test]
fn leak_figures_csv_internal_files_stay_internal() {
    use std::os::unix::fs::PermissionsExt;
    let p = published_twice();
    for version in [1, 2] {
        let v = version_dir(p, version);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&v.join("intern")), 0o750);
        for entry in std::fs::read_dir(v.join("intern")).unwrap().flatten() {
            assert_eq!(mode(&entry.path()), 0o640, "{}", entry.path().display());
        }
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(v.join("manifest.json")).unwrap()).unwrap();
        for file in manifest["files"].as_array().unwrap() {
            let name = file["name"].as_str().unwrap();
            let audience = file["audience"].as_str().unwrap();
            assert!(
                name.starts_with(&format!("{audience}/")),
                "{name} is {audience}"
            );
            if audience == "openbaar" {
                assert!(
                    name.ends_with(".pdf") || name.ends_with("/cijfers-openbaar.csv"),
                    "only public documents and their public figures: {name}"
                );
                assert_eq!(mode(&v.join(name)), 0o644);
            }
        }
        let mut public = Vec::new();
        let mut stack = vec![v.join("openbaar")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    public.push(e.file_name().to_string_lossy().into_owned());
                }
            }
        }
        assert!(!public.iter().any(|n| n == "figures.csv"), "{public:?}");
    }
    // No mail carries figures.csv.
    for entry in std::fs::read_dir(p.dir.join("output/noorderkwartier/outbox"))
        .unwrap()
        .flatten()
    {
        let mail = std::fs::read_to_string(entry.path()).unwrap();
        assert!(!mail.contains("figures.csv"), "{}", entry.path().display());
    }
}

/// A decision gone wrong (the failpoint shows one withheld cell as it is) is caught by the
/// audit: the run publishes nothing, mails nothing, and says which cell and relation.
#[cfg(feature = "failpoints")]
#[test]
fn a_public_document_that_fails_the_audit_publishes_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export");
    small_export(&data, 11, 0.04, quarter());
    config(dir.path(), &data, THRESHOLD);
    let out = crate::common::pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(dir.path().join("pipeline.toml"))
        .env("FAILPOINTS", "disclose::before_audit=return")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("disclosure audit failed")
            && err.contains("can be worked out from the relation"),
        "{err}"
    );
    assert!(
        !dir.path().join("output/noorderkwartier/2024Q4").exists(),
        "nothing published"
    );
    assert!(
        crate::common::entries(&dir.path().join("output/noorderkwartier/outbox")).is_empty(),
        "nothing mailed"
    );
    let table = crate::common::history(&dir.path().join("pipeline.toml"), Some("2024Q4"));
    assert!(table.contains("failed"), "{table}");
}

/// The PDFs a mail carries, decoded.
fn pdf_attachments(eml: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    eml.split("Content-Type: application/pdf")
        .skip(1)
        .map(|part| {
            let (_, body) = part.split_once("\r\n\r\n").expect("part headers");
            let body = body.split("\r\n--").next().unwrap();
            let joined: String = body.lines().map(str::trim).collect();
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("base64")
        })
        .collect()
}

/// A raadsmemo configured in both editions: the council, to whom it is addressed, gets the
/// public one, and its mail shows only what that edition shows. (Before, a memo's list
/// read the internal edition whenever there was one.)
#[test]
fn leak_mail_edition_the_council_gets_the_public_memo_when_there_are_two() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export");
    small_export(&data, 11, 0.04, quarter());
    config(dir.path(), &data, THRESHOLD);
    let path = dir.path().join("pipeline.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[tenant.documents.raadsmemo]\n"), "{text}");
    let text = text.replace(
        "[tenant.documents.raadsmemo]\n",
        "[tenant.documents.raadsmemo]\neditions = [\"intern\", \"openbaar\"]\n",
    );
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let first = publish(&config, quarter());
    let v = dir
        .path()
        .join(format!("output/noorderkwartier/{}/v1", quarter()));
    let public_memo = std::fs::read(v.join("openbaar/raadsmemo/raadsmemo.pdf")).unwrap();
    let internal_memo = std::fs::read(v.join("intern/raadsmemo.pdf")).unwrap();
    assert_ne!(public_memo, internal_memo, "two editions");
    let mails = council_mails(
        &dir.path().join("output/noorderkwartier/outbox"),
        quarter(),
        1,
    );
    assert_eq!(
        mails.len(),
        1,
        "{:?}",
        first.delivery.map(|d| d.to_string())
    );
    let attached = pdf_attachments(&mails[0]);
    assert!(
        attached.contains(&public_memo),
        "the public memo is attached"
    );
    assert!(
        !attached.contains(&internal_memo),
        "the internal memo is not"
    );
    let cells = published(&v, "raadsmemo");
    let allowed = allowed_for(&cells, THRESHOLD);
    let body = mail_body(&mails[0]);
    let stray = allowed.strangers(&body);
    assert!(
        stray.is_empty(),
        "the council's mail shows {stray:?}:\n{body}"
    );
}

/// Analysts' commentary is printed as written: in a public edition, a number in it would
/// bypass the view. The run stops before anything is published and names the file, the
/// number and where it stands.
#[test]
fn leak_commentary_a_number_in_public_commentary_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export");
    small_export(&data, 11, 0.04, quarter());
    let notes = dir.path().join("commentary/noorderkwartier/2024Q4");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("individueel.md"),
        "Meer vragen over geldzaken in 2024.\n\nIn Zandeweer kregen **2** vrouwen hulp.\n",
    )
    .unwrap();
    config(dir.path(), &data, THRESHOLD);
    let out = crate::common::pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(dir.path().join("pipeline.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("individueel.md")
            && err.contains("the number \"2\"")
            && err.contains("Zandeweer kregen 2 vrouwen"),
        "{err}"
    );
    assert!(
        !dir.path().join("output/noorderkwartier/2024Q4").exists(),
        "nothing published"
    );
    assert!(
        crate::common::entries(&dir.path().join("output/noorderkwartier/outbox")).is_empty(),
        "nothing mailed"
    );
    // Without the number the same run publishes.
    std::fs::write(
        notes.join("individueel.md"),
        "Meer vragen over geldzaken in 2024.\n",
    )
    .unwrap();
    let out = crate::common::pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(dir.path().join("pipeline.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
