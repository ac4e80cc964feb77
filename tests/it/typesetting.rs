//! How the demo documents break across pages, read back from the PDFs: a table's caption
//! and header never stand at a page foot without at least three of its rows (or all of
//! them, for a shorter table), and a short list of changes is never split with a line or
//! two on the next page.

use std::path::Path;

use pipeline::render::document::{Block, ReportDoc};

use crate::common::{pipeline, write_config};

/// Each page's lines, without the running header and footer.
fn pages(pdf: &Path) -> Vec<Vec<String>> {
    let text = crate::common::pdf_text(pdf);
    text.split('\u{c}')
        .map(|page| {
            page.lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.contains("Pagina ")
                        && !l.starts_with("Welzijn Noorderkwartier · Gemeente")
                })
                .map(String::from)
                .collect()
        })
        .collect()
}

/// The kwartaalrapportage's tables (rows each) and lists of changes, in order, from the
/// data document the run kept.
fn report(dir: &Path) -> ReportDoc {
    let kept = dir.join("kept/kwartaalrapportage-intern.json");
    serde_json::from_slice(&std::fs::read(kept).unwrap()).unwrap()
}

#[test]
fn tables_keep_three_rows_with_their_caption_and_short_lists_stay_on_one_page() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let out = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config)
        .env("PIPELINE_KEEP_DOCUMENTS", dir.path().join("kept"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = report(dir.path());
    let pdf = dir
        .path()
        .join("output/noorderkwartier/2024Q4/v1/intern/kwartaalrapportage.pdf");
    let pages = pages(&pdf);
    let tables: Vec<usize> = doc
        .sections
        .iter()
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Table(t) => Some(t.rows.len()),
            _ => None,
        })
        .collect();
    assert!(tables.len() >= 20, "{} tables", tables.len());
    let mut checked = 0;
    for (i, rows) in tables.iter().enumerate() {
        let caption = format!("Tabel {}:", i + 1);
        let Some((p, at)) = pages.iter().enumerate().find_map(|(p, lines)| {
            lines
                .iter()
                .position(|l| l.starts_with(&caption))
                .map(|at| (p, at))
        }) else {
            panic!("{caption} is not in the PDF");
        };
        // The header takes a line or two; what follows on the page are rows (and, for a
        // table that ends there, its note and what comes next).
        let after = pages[p].len() - at - 1;
        let wanted = 2 + rows.min(&3);
        assert!(
            after >= wanted,
            "{caption} on page {} has {after} lines under it at the page foot (wants the header and {} rows): {:?}",
            p + 1,
            rows.min(&3),
            &pages[p][at..]
        );
        checked += 1;
    }
    assert_eq!(checked, tables.len());
    // Every list of changes of at most twelve items sits on one page: its title and last item.
    for block in doc.sections.iter().flat_map(|s| s.blocks.iter()) {
        let Block::Changes { title, items } = block else {
            continue;
        };
        if items.is_empty() || items.len() > 12 {
            continue;
        }
        // Words as a reader sees them, across line ends and non-breaking spaces.
        let words = |text: &str| -> String {
            text.replace('\u{a0}', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let page_of = |needle: &str| {
            let needle = words(needle);
            pages
                .iter()
                .position(|lines| words(&lines.join(" ")).contains(&needle))
                .unwrap_or_else(|| panic!("{needle:?} is in the PDF"))
        };
        assert_eq!(
            page_of(title),
            page_of(items.last().unwrap()),
            "the list {title:?} is split across pages"
        );
    }
}
