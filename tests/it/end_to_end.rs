//! The whole run on the demo export, as an analyst starts it, read back from the PDFs.

use std::path::Path;

use crate::common::{pdf_text, run_quarter, write_config};

fn figures(csv: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn dutch(n: i64) -> String {
    pipeline::render::format::int(n)
}

#[test]
fn a_run_publishes_both_pdfs_and_figures_that_agree() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v1 = dir.path().join("output/noorderkwartier/2024Q4/v1");
    assert!(
        stdout.contains(&v1.join("kwartaalrapportage.pdf").display().to_string()),
        "ends with where the PDFs are: {stdout}"
    );

    let report = pdf_text(&v1.join("kwartaalrapportage.pdf"));
    for expected in [
        "Welzijn Noorderkwartier",
        "Kwartaalrapportage",
        "Q4 2024",
        "Informatie en advies",
        "Individuele trajecten",
    ] {
        assert!(
            report.contains(expected),
            "the report should show {expected:?}"
        );
    }
    // The forms table: each row holds last year's and this year's ind_in_behandeling, in Dutch notation.
    let rows = figures(&v1.join("figures.csv"));
    let value = |indicator: &str, period: &str, category: &str| -> i64 {
        rows.iter()
            .find(|r| r[0] == indicator && r[3] == period && r[2] == category)
            .unwrap_or_else(|| panic!("{indicator} {period} {category} in figures.csv"))[4]
            .parse()
            .unwrap()
    };
    for (code, name) in [
        ("IA", "Informatie en advies"),
        ("LS", "Leun- en steuncontacten"),
        ("IT", "Individuele trajecten"),
    ] {
        let before = dutch(value("ind_in_behandeling", "2023Q1-Q4", code));
        let now = dutch(value("ind_in_behandeling", "2024Q1-Q4", code));
        let line = report
            .lines()
            .find(|l| l.trim_start().starts_with(name) && l.contains(&before))
            .unwrap_or_else(|| panic!("a table row for {name} with {before}:\n{report}"));
        let numbers: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .collect();
        assert_eq!(&numbers[..2], &[before.as_str(), now.as_str()], "{line}");
    }
    // Every indicator code of contracts/figures.md, for the year to date and the same period
    // last year; the finances for the budget year to date, fin_clienten per single quarter.
    const REGISTRATION: [&str; 32] = [
        "ind_in_behandeling",
        "ind_opgestart",
        "ind_afgesloten",
        "ind_opgestart_kwartaal",
        "ind_clienten",
        "ind_leeftijd",
        "ind_geslacht",
        "ind_werksoort",
        "ind_team",
        "ind_woonplaats",
        "ind_zrm_hoofddomein",
        "ind_zrm_groei",
        "ind_zrm_doel_behaald",
        "ind_verwijzer",
        "ind_samenwerking",
        "ind_afsluitreden",
        "ind_recidive",
        "ind_doorlooptijd",
        "ind_contactmomenten",
        "ind_wachtlijst",
        "ind_wachttijd",
        "ind_tevredenheid",
        "col_trajecten",
        "col_opgestart",
        "col_bijeenkomsten",
        "col_deelnemers",
        "col_kracht_groei",
        "col_doelgroep",
        "col_thuiskamers",
        "col_thuiskamer_bezoek_week",
        "inf_mantelzorgers",
        "inf_vrijwilligers",
    ];
    const FINANCE: [&str; 14] = [
        "fin_lasten_realisatie_vj",
        "fin_baten_realisatie_vj",
        "fin_lasten_begroting_primitief",
        "fin_baten_begroting_primitief",
        "fin_lasten_begroting",
        "fin_baten_begroting",
        "fin_lasten_realisatie",
        "fin_baten_realisatie",
        "fin_lasten_prognose",
        "fin_baten_prognose",
        "fin_verschil",
        "fin_besteed_pct",
        "fin_taakstelling",
        "fin_taakstelling_gerealiseerd",
    ];
    let has =
        |indicator: &str, period: &str| rows.iter().any(|r| r[0] == indicator && r[3] == period);
    for indicator in REGISTRATION {
        let (now, before) = if indicator == "ind_opgestart_kwartaal" {
            ("2024Q4", "2023Q4")
        } else {
            ("2024Q1-Q4", "2023Q1-Q4")
        };
        assert!(
            has(indicator, now) && has(indicator, before),
            "{indicator} for {now} and {before}"
        );
    }
    for indicator in FINANCE {
        assert!(has(indicator, "2024Q1-Q4"), "{indicator} for 2024Q1-Q4");
    }
    for quarter in ["2024Q1", "2024Q2", "2024Q3", "2024Q4"] {
        assert!(has("fin_clienten", quarter), "fin_clienten for {quarter}");
    }

    // Thousands get a dot: the collective table's Totaal row.
    let deelnemers = value("col_deelnemers", "2024Q1-Q4", "");
    assert!(
        deelnemers >= 1000,
        "the demo's numbers need a thousands dot to test the notation"
    );
    assert!(
        report
            .lines()
            .any(|l| l.trim_start().starts_with("Totaal") && l.contains(&dutch(deelnemers))),
        "Totaal {}:\n{report}",
        dutch(deelnemers)
    );

    let memo = pdf_text(&v1.join("raadsmemo.pdf"));
    for expected in [
        "Memo",
        "Gemeenteraad",
        "Geachte leden van de raad",
        "Hoogachtend",
        "J. Jansen",
        "burgemeester",
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
    let v1 = pdf_text(&quarter.join("v1/kwartaalrapportage.pdf"));
    let v2 = pdf_text(&quarter.join("v2/kwartaalrapportage.pdf"));
    assert!(!v1.contains("Gecorrigeerde versie"));
    assert!(
        v2.contains("Gecorrigeerde versie (v2)") && v2.contains("correctie"),
        "{v2}"
    );
    assert!(pdf_text(&quarter.join("v2/raadsmemo.pdf")).contains("Gecorrigeerde versie"));
    assert_eq!(
        std::fs::read_link(quarter.join("current")).unwrap(),
        Path::new("v2")
    );
}
