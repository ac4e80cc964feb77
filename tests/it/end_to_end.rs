//! The whole run on the demo export, as an analyst starts it, read back from the PDFs: every
//! number on every page and in every alternative text is a figure of `figures.csv` (the
//! internal edition) or of the public figures file (a public edition), as the document
//! shows it.

use std::collections::HashMap;
use std::path::Path;

use pipeline::disclose::{Shown, read_public_csv};
use pipeline::figures::{FigureKey, Figures};

use crate::common::{pdf_text, run_quarter, write_config};
use crate::reader::{self, Allowed};

fn figures(v: &Path) -> Figures {
    Figures::from_csv(&std::fs::read(v.join("intern/figures.csv")).unwrap()).unwrap()
}

/// The settings a document names (`▲ = afwijking van ten minste € 100.000 of 10,0%`, the
/// ZRM norm).
fn settings(a: &mut Allowed) {
    a.add(pipeline::notation::euro(100_000.0));
    a.add(pipeline::notation::pct(10.0));
    a.add(pipeline::notation::decimal(1.0, 1));
}

/// Every page up to the appendix (whose row counts and row numbers account for the files,
/// and are checked by the data-quality tests).
fn before_appendix(text: &str) -> &str {
    match text.rfind("Bijlage A") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The numbers of `pdf`'s text and alternative texts that `allowed` does not allow.
fn strangers(pdf: &Path, allowed: &Allowed, whole: bool) -> Vec<String> {
    let text = pdf_text(pdf);
    let text = if whole {
        &text[..]
    } else {
        before_appendix(&text)
    };
    let mut out = allowed.strangers(text);
    for alt in reader::alt_texts(pdf) {
        out.extend(
            allowed
                .strangers(&alt)
                .into_iter()
                .map(|n| format!("{n} (alt: {alt})")),
        );
    }
    out
}

/// What a public edition may show: its own figures file, its threshold and its count of
/// withheld cells.
pub fn public_allowed(dir: &Path, threshold: u32) -> Allowed {
    let cells: HashMap<FigureKey, Shown> =
        read_public_csv(&std::fs::read(dir.join("cijfers-openbaar.csv")).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    let withheld = cells
        .values()
        .filter(|s| matches!(s, Shown::Small | Shown::Withheld))
        .count();
    let mut a = reader::allowed(&cells, threshold);
    a.add(threshold.to_string());
    a.add(pipeline::notation::int(withheld as i64));
    settings(&mut a);
    a
}

#[test]
fn every_number_of_every_page_is_a_figure_of_the_publication() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[tenant.documents.kwartaalrapportage]",
        "[tenant.documents.kwartaalrapportage]\neditions = [\"intern\", \"openbaar\"]",
    );
    std::fs::write(&config, text).unwrap();
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v1 = dir.path().join("output/noorderkwartier/2024Q4/v1");
    let internal = v1.join("intern/kwartaalrapportage.pdf");
    assert!(
        stdout.contains(&internal.display().to_string()),
        "ends with where the PDFs are: {stdout}"
    );

    let f = figures(&v1);
    let mut allowed = reader::allowed(&reader::internal_cells(&f), 5);
    settings(&mut allowed);
    let report = pdf_text(&internal);
    let found = reader::numbers(before_appendix(&report));
    assert!(
        found.len() > 300,
        "the report shows its figures: {}",
        found.len()
    );
    let stray = strangers(&internal, &allowed, false);
    assert!(stray.is_empty(), "numbers that are no figure: {stray:?}");

    for doc in ["kwartaalrapportage", "raadsmemo"] {
        let folder = v1.join("openbaar").join(doc);
        let allowed = public_allowed(&folder, 5);
        let stray = strangers(&folder.join(format!("{doc}.pdf")), &allowed, true);
        assert!(
            stray.is_empty(),
            "{doc}: numbers that are no shown figure: {stray:?}"
        );
    }

    // The memo reads as a memo.
    let memo = pdf_text(&v1.join("openbaar/raadsmemo/raadsmemo.pdf"));
    for expected in [
        "Memo",
        "Gemeenteraad",
        "Geachte leden van de raad",
        "Hoogachtend",
        "J. Jansen",
        "burgemeester",
        "Monitor Sociaal Domein — Kwartaalrapportage Q4 2024",
    ] {
        assert!(
            memo.contains(expected),
            "the memo should show {expected:?}:\n{memo}"
        );
    }

    // The same inputs again: nothing new is published.
    let again = run_quarter(&config, "2024Q4");
    assert!(again.status.success());
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("unchanged")
    );
    assert!(!dir.path().join("output/noorderkwartier/2024Q4/v2").exists());
}

#[test]
fn changed_commentary_publishes_a_corrected_version_beside_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let commentary = dir.path().join("commentary/noorderkwartier/2024Q3");
    std::fs::create_dir_all(&commentary).unwrap();
    let config = write_config(dir.path(), "");
    let run = || run_quarter(&config, "2024Q3");
    assert!(run().status.success());
    std::fs::write(
        commentary.join("samenvatting.md"),
        "Een **correctie** op de eerste versie.",
    )
    .unwrap();
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let quarter = dir.path().join("output/noorderkwartier/2024Q3");
    let v1 = pdf_text(&quarter.join("v1/intern/kwartaalrapportage.pdf"));
    let v2 = pdf_text(&quarter.join("v2/intern/kwartaalrapportage.pdf"));
    assert!(!v1.contains("Gecorrigeerde versie"));
    assert!(
        v2.contains("Gecorrigeerde versie (v2)") && v2.contains("correctie"),
        "{v2}"
    );
    assert!(
        pdf_text(&quarter.join("v2/openbaar/raadsmemo/raadsmemo.pdf"))
            .contains("Gecorrigeerde versie")
    );
    assert_eq!(
        std::fs::read_link(quarter.join("current")).unwrap(),
        Path::new("v2")
    );
}
