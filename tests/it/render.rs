//! Rendering from a fixed monitor: what a reader sees, suppression in the public memo,
//! commentary as literal text, determinism, and the PDF's accessibility metadata.

use std::path::Path;

use pipeline::config::Config;
use pipeline::load::Quality;
use pipeline::monitor::{Figure, Figures, Monitor, Value};
use pipeline::render::Engine;
use pipeline::run::{Context, documents, render_pdfs};

use crate::common::{pdf_text, repo, tool, write_config};

/// A monitor with hand-picked figures: small counts that the public memo must hide.
fn fixed_monitor() -> Monitor {
    let quarter: pipeline::Quarter = "2024Q3".parse().unwrap();
    let mut f = Figures::default();
    let (now, before) = ("2024Q1-Q3", "2023Q1-Q3");
    for (p, ia, ls, it) in [(before, 1458, 3, 478), (now, 1770, 12, 432)] {
        for (ind, scale) in [
            ("ind_in_behandeling", 1),
            ("ind_opgestart", 2),
            ("ind_afgesloten", 3),
        ] {
            f.count(ind, p, "vorm", "IA", ia / scale);
            f.count(ind, p, "vorm", "LS", ls);
            f.count(ind, p, "vorm", "IT", it / scale);
        }
        f.count("ind_clienten", p, "", "", 1900);
        f.count("inf_mantelzorgers", p, "soort", "totaal", 1205);
        f.count(
            "inf_mantelzorgers",
            p,
            "soort",
            "jong",
            if p == now { 4 } else { 108 },
        );
        f.count("inf_vrijwilligers", p, "", "", 214);
        f.count("col_trajecten", p, "", "", 115);
        f.count("col_bijeenkomsten", p, "", "", 571);
        f.count("ind_wachtlijst", p, "", "", 37);
        f.push(Figure {
            indicator: "ind_wachttijd",
            dimension: String::new(),
            category: String::new(),
            period: p.into(),
            value: Value::Mean(12.25),
            n: Some(600),
        });
    }
    for q in 1..=3 {
        for (year, n) in [(2023, 600), (2024, 700 + q)] {
            f.count(
                "ind_opgestart_kwartaal",
                &format!("{year}Q{q}"),
                "vorm",
                "IA",
                n,
            );
        }
    }
    Monitor {
        quarter,
        period: quarter.year_to_date(),
        before: quarter.year_before().year_to_date(),
        figures: f,
        finance: None,
        quality: Quality::default(),
    }
}

fn render(dir: &Path, monitor: &Monitor, version: u32) -> (Vec<u8>, Vec<u8>) {
    let config = Config::load(&write_config(dir, "")).unwrap();
    let engine = Engine::new(&config.layouts_dir, &config.font_dirs);
    let ctx = Context {
        config: &config,
        tenant: &config.tenants[0],
        snapshot_id: "0123456789abcdef",
        budget_file: None,
        date: chrono::NaiveDate::from_ymd_opt(2024, 10, 10).unwrap(),
    };
    let docs = documents(&ctx, monitor, version);
    render_pdfs(&ctx, &engine, &docs, version).unwrap()
}

#[test]
fn documents_show_the_figures_in_dutch_notation_and_the_memo_suppresses_small_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (report, memo) = render(dir.path(), &fixed_monitor(), 1);
    let (report_pdf, memo_pdf) = (dir.path().join("k.pdf"), dir.path().join("m.pdf"));
    std::fs::write(&report_pdf, &report).unwrap();
    std::fs::write(&memo_pdf, &memo).unwrap();
    let text = pdf_text(&report_pdf);
    // The internal report shows every count, small ones too.
    for expected in [
        "1.458",
        "1.770",
        "478",
        "432",
        "1.205",
        "12,3",
        "Q3 2024",
        "10 oktober 2024",
        "Welzijn Noorderkwartier",
    ] {
        assert!(
            text.contains(expected),
            "report should show {expected}:\n{text}"
        );
    }
    assert!(
        text.lines()
            .any(|l| l.contains("Leun- en steuncontacten") && l.contains(" 3 ")),
        "LS 2023 = 3 shown in the internal report"
    );
    let memo_text = pdf_text(&memo_pdf);
    for expected in ["1.458", "1.770", "1.205", "<5", "Openbaar"] {
        assert!(
            memo_text.contains(expected),
            "memo should show {expected}:\n{memo_text}"
        );
    }
    // LS 2023 = 3 is hidden as `<5`, and the next smallest cell of that column (IT 478) is
    // withheld as `x`, so the total cannot give the 3 away; `x` never claims to be small.
    let ls = memo_text
        .lines()
        .find(|l| l.contains("Leun- en steuncontacten"))
        .unwrap();
    assert!(ls.contains("<5") && ls.contains(" 12"), "{ls}");
    let it = memo_text
        .lines()
        .find(|l| l.contains("Individuele trajecten"))
        .unwrap();
    assert!(
        it.split_whitespace().any(|w| w == "x")
            && !it.contains("<5")
            && it.contains("432")
            && !it.contains("478"),
        "{it}"
    );
    let young = memo_text
        .lines()
        .find(|l| l.contains("jonge mantelzorgers"))
        .unwrap();
    assert!(young.contains("108") && young.contains("<5"), "{young}");
    // Every number on the page except page numbers, years and the note that explains `<5`.
    for line in memo_text.lines().filter(|l| !l.contains("privacy")) {
        for word in line.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_ascii_digit());
            if word.chars().all(|c| c.is_ascii_digit()) {
                let n: i64 = bare.parse().unwrap();
                assert!(
                    !(1..5).contains(&n) || line.contains("Pagina") || line.contains("202"),
                    "a count of {n} in the public memo: {line}"
                );
            }
        }
    }
}

#[test]
fn commentary_markup_appears_as_literal_text() {
    let dir = tempfile::tempdir().unwrap();
    let commentary = dir.path().join("commentary/noorderkwartier/2024Q3");
    std::fs::create_dir_all(&commentary).unwrap();
    std::fs::write(
        commentary.join("individueel.md"),
        "Let op: #import \"x.typ\": * en #read(\"/etc/passwd\") ] $a$ <script>alert(1)</script> \\#set page(width: 1cm)\n",
    )
    .unwrap();
    let (report, _) = render(dir.path(), &fixed_monitor(), 1);
    let pdf = dir.path().join("k.pdf");
    std::fs::write(&pdf, &report).unwrap();
    let text = pdf_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for literal in [
        "#import",
        "#read(\"/etc/passwd\")",
        "]",
        "$a$",
        "<script>alert(1)</script>",
    ] {
        assert!(
            text.contains(literal),
            "{literal} should appear literally:\n{text}"
        );
    }
    assert!(
        !text.contains("root:x:0:0"),
        "the layout must never read files named by commentary"
    );
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let first = render(dir.path(), &fixed_monitor(), 1);
    let second = render(dir.path(), &fixed_monitor(), 1);
    assert!(
        first.0 == second.0,
        "the report differs between two renders"
    );
    assert!(first.1 == second.1, "the memo differs between two renders");
    let corrected = render(dir.path(), &fixed_monitor(), 2);
    assert!(first.0 != corrected.0, "a corrected version is marked");
}

#[test]
fn pdfs_are_tagged_titled_dutch_and_embed_every_font() {
    let dir = tempfile::tempdir().unwrap();
    let (report, memo) = render(dir.path(), &fixed_monitor(), 1);
    for (name, bytes, title) in [
        ("k.pdf", report, "Monitor Sociaal Domein"),
        ("m.pdf", memo, "Raadsmemo Monitor Sociaal Domein Q3 2024"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let info = tool("pdfinfo", &path);
        assert!(
            info.lines()
                .any(|l| l.starts_with("Title:") && l.contains(title)),
            "{name}: {info}"
        );
        assert!(
            info.lines()
                .any(|l| l.starts_with("Tagged:") && l.contains("yes")),
            "{name}: {info}"
        );
        let raw = String::from_utf8_lossy(&bytes);
        assert!(
            raw.contains("/Lang(nl") || raw.contains("/Lang (nl"),
            "{name}: document language Dutch"
        );
        assert!(
            raw.contains("pdfuaid"),
            "{name}: PDF/UA identification in the metadata"
        );
        let fonts = tool("pdffonts", &path);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{name}: fonts listed");
        for row in rows {
            // Columns: name type encoding emb sub uni object ID; `emb` must be yes.
            let cols: Vec<&str> = row.split_whitespace().collect();
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "{name}: font not embedded: {row}");
        }
    }
    let _ = repo();
}

/// Every figure of the fixed monitor is one the internal report shows: each must appear on
/// its pages in Dutch notation (counts with a thousands dot, means with a decimal comma).
#[test]
fn every_figure_the_report_shows_appears_in_dutch_notation() {
    use pipeline::render::format;
    let dir = tempfile::tempdir().unwrap();
    let monitor = fixed_monitor();
    let (report, _) = render(dir.path(), &monitor, 1);
    let pdf = dir.path().join("k.pdf");
    std::fs::write(&pdf, &report).unwrap();
    let text = pdf_text(&pdf);
    let words: std::collections::HashSet<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()))
        .collect();
    let mut checked = 0;
    for f in monitor.figures.rows() {
        let shown = match f.value {
            Value::Count(n) => format::int(n),
            Value::Mean(m) => format::decimal(m, 1),
            _ => continue,
        };
        assert!(
            words.contains(shown.as_str()),
            "{} {} {} {} = {shown} is not on the report's pages",
            f.indicator,
            f.dimension,
            f.category,
            f.period
        );
        checked += 1;
    }
    assert!(checked >= 30, "{checked} figures checked");
}

/// Inputs the commentary fuzz target found breaking the layout (PDF/UA refuses a NUL that
/// no font can show, and an empty heading), with a character no embedded font has: each
/// renders, the text around it intact.
#[test]
fn commentary_the_fuzzer_found_renders() {
    let regressions = crate::common::repo().join("tests/fuzz-regressions");
    for (name, extra) in [
        ("commentary-nul-bytes.md", ""),
        (
            "commentary-empty-heading.md",
            "\n\nNa de kop \u{1F600} en \u{7}verder.\n",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let commentary = dir.path().join("commentary/noorderkwartier/2024Q3");
        std::fs::create_dir_all(&commentary).unwrap();
        let mut text = std::fs::read(regressions.join(name)).unwrap();
        text.extend_from_slice(extra.as_bytes());
        std::fs::write(commentary.join("individueel.md"), text).unwrap();
        let (report, _) = render(dir.path(), &fixed_monitor(), 1);
        let pdf = dir.path().join("k.pdf");
        std::fs::write(&pdf, &report).unwrap();
        let text = pdf_text(&pdf);
        let expected = if extra.is_empty() {
            "stabiele vraag"
        } else {
            "verder."
        };
        assert!(text.contains(expected), "{name}: {text}");
    }
}
