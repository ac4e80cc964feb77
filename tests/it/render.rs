//! Rendering from a monitor computed from a small export: what a reader sees, the views'
//! cells in the public memo, commentary as literal text, determinism, and the PDF's
//! accessibility metadata.

use std::collections::BTreeMap;
use std::path::Path;

use pipeline::config::Config;
use pipeline::disclose::{self, Audience};
use pipeline::figures::FigureKey;
use pipeline::load::Renames;
use pipeline::monitor::Monitor;
use pipeline::render::{self, Document, Engine};

use crate::common::{pdf_text, small_export, tool, write_config_reading};

/// The monitor of an xs export through `quarter`, thinned out to `keep`.
fn monitor_of(dir: &Path, seed: u64, keep: f64, quarter: &str) -> (Config, Monitor) {
    let quarter: pipeline::Quarter = quarter.parse().unwrap();
    let data = dir.join("export");
    small_export(&data, seed, keep, quarter);
    let config = Config::load(&write_config_reading(dir, "", &data)).unwrap();
    let tenant = config.tenant(None).unwrap();
    let renames = Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    let (mut export, quality) = pipeline::load::load_export(
        &data,
        &BTreeMap::new(),
        &renames,
        tenant.export.csv(),
        &config.monitor.load(),
    )
    .unwrap();
    export.encode_keys().unwrap();
    let monitor =
        pipeline::monitor::compute(&export, None, quarter, quality, &config.monitor.monitor())
            .unwrap();
    (config, monitor)
}

fn fixed_monitor_in(dir: &Path) -> (Config, Monitor) {
    monitor_of(dir, 2024, 1.0, "2024Q3")
}

/// The view of `audience` over every indicator of both documents.
fn view_of(config: &Config, monitor: &Monitor, audience: Audience) -> disclose::View {
    let scope: Vec<_> = Document::ALL
        .iter()
        .flat_map(|d| d.indicators().iter().copied())
        .collect();
    disclose::disclose(
        monitor,
        audience,
        &|k| scope.contains(&k.indicator),
        &config.monitor.disclose(),
    )
    .unwrap()
}

/// Both documents, the report in `report_audience`'s edition and the memo public.
fn render_with(
    config: &Config,
    monitor: &Monitor,
    version: u32,
    report_audience: Audience,
) -> (Vec<u8>, Vec<u8>) {
    let tenant = &config.tenants[0];
    let engine = Engine::new(&config.layouts_dir, &config.font_dirs);
    let letter = tenant.documents.raadsmemo.letter();
    let commentary_dir = config.commentary_dir.join(&tenant.id);
    let quarter = monitor.quarter.to_string();
    let commentary = |section: &str| {
        render::commentary::read(&commentary_dir, &quarter, section).unwrap_or_default()
    };
    let brand = &tenant.brands["gemeente"];
    let mut pdfs = Vec::new();
    for (document, audience) in [
        (Document::Kwartaalrapportage, report_audience),
        (Document::Raadsmemo, Audience::Openbaar),
    ] {
        let scope: Vec<_> = Document::ALL
            .iter()
            .flat_map(|d| d.indicators().iter().copied())
            .collect();
        let view = disclose::disclose(
            monitor,
            audience,
            &|k| scope.contains(&k.indicator),
            &config.monitor.disclose(),
        )
        .unwrap();
        let ctx = render::Context {
            organisation: &tenant.organisation,
            municipality: &tenant.municipality,
            brand,
            date: chrono::NaiveDate::from_ymd_opt(2024, 10, 10).unwrap(),
            version,
            snapshot: "0123456789abcdef",
            budget_file: None,
            commentary: &commentary,
            letter: &letter,
            attached_report: None,
        };
        let mut built = render::build(document, monitor, &view, &ctx).unwrap();
        let prepared = render::prepare(&engine, &mut built.model, brand).unwrap();
        pdfs.push(
            render::compile(
                &engine,
                render::Job {
                    layout: document.layout(),
                    data: prepared.data,
                    extra: prepared.logo.into_iter().collect(),
                    date: ctx.date,
                    ident: format!("test/{}", document.name()),
                },
            )
            .unwrap(),
        );
    }
    let memo = pdfs.pop().unwrap();
    (pdfs.pop().unwrap(), memo)
}

fn render(dir: &Path, version: u32) -> (Vec<u8>, Vec<u8>) {
    let (config, monitor) = fixed_monitor_in(dir);
    render_with(&config, &monitor, version, Audience::Intern)
}

#[test]
fn the_memo_shows_each_key_figure_as_the_public_view_does() {
    let dir = tempfile::tempdir().unwrap();
    // A small organisation: some counts are small and must be hidden.
    let (config, monitor) = monitor_of(dir.path(), 11, 0.04, "2024Q3");
    let view = view_of(&config, &monitor, Audience::Openbaar);
    let (report, memo) = render_with(&config, &monitor, 1, Audience::Intern);
    let (report_pdf, memo_pdf) = (dir.path().join("k.pdf"), dir.path().join("m.pdf"));
    std::fs::write(&report_pdf, &report).unwrap();
    std::fs::write(&memo_pdf, &memo).unwrap();
    let text = pdf_text(&memo_pdf);
    let mut hidden = 0;
    for (label, indicator, category, _) in render::memo::key_rows() {
        let cell = |period: &str| {
            view.text(&FigureKey::new(indicator, category, period), 0)
                .unwrap()
        };
        let (before, now) = (cell(&monitor.before.label), cell(&monitor.period.label));
        hidden += [&before, &now]
            .iter()
            .filter(|t| t.starts_with('<') || **t == "x")
            .count();
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&label))
            .unwrap_or_else(|| panic!("a row {label}:\n{text}"));
        let cells: Vec<&str> = line[line.find(&label).unwrap() + label.len()..]
            .split_whitespace()
            .collect();
        assert_eq!(cells, [before.as_str(), now.as_str()], "{line}");
    }
    assert!(
        hidden > 0,
        "the thinned export has small counts to hide:\n{text}"
    );
    // The internal report shows the same counts as they are.
    let report = pdf_text(&report_pdf);
    assert!(
        report.contains("Intern") && !report.contains("<5"),
        "{report}"
    );
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
    let (report, _) = render(dir.path(), 1);
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
    let first = render(dir.path(), 1);
    let second = render(dir.path(), 1);
    assert!(
        first.0 == second.0,
        "the report differs between two renders"
    );
    assert!(first.1 == second.1, "the memo differs between two renders");
    let corrected = render(dir.path(), 2);
    assert!(first.0 != corrected.0, "a corrected version is marked");
}

#[test]
fn pdfs_are_tagged_titled_dutch_and_embed_every_font() {
    let dir = tempfile::tempdir().unwrap();
    let (report, memo) = render(dir.path(), 1);
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
}

/// Inputs the commentary fuzz target found breaking the layout (PDF/UA refuses a NUL that
/// no font can show, and an empty heading), with a character no embedded font has: each
/// renders, the text around it intact.
#[test]
fn commentary_the_fuzzer_found_renders() {
    let regressions = crate::common::repo().join("fuzz/corpus/commentary");
    for (name, extra) in [
        ("crash-nul-bytes.md", ""),
        (
            "crash-empty-heading.md",
            "\n\nNa de kop \u{1F600} en \u{7}verder.\n",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let commentary = dir.path().join("commentary/noorderkwartier/2024Q3");
        std::fs::create_dir_all(&commentary).unwrap();
        let mut text = std::fs::read(regressions.join(name)).unwrap();
        text.extend_from_slice(extra.as_bytes());
        std::fs::write(commentary.join("individueel.md"), text).unwrap();
        let (report, _) = render(dir.path(), 1);
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
