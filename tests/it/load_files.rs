//! The loader on real files written by the test: every encoding, delimiter, date and amount
//! notation of the contracts, an export table as XLSX, a messy budget workbook, and every
//! run-stopping and row-excluding defect with its message.

use std::collections::BTreeMap;
use std::path::Path;

use pipeline::config::{Config, Tenant};
use pipeline::load::budget::{Budget, load_budget};
use pipeline::load::quality::Exclusion;
use pipeline::load::{Export, LoadError, Quality, Soort, load_export};
use pipeline::load::{Renames, Settings};
use pipeline::pull::{CsvOptions, Encoding};
use polars::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const TENANT: &str = r##"
[[tenant]]
id = "t"
organisation = "Welzijn Test"
municipality = "Gemeente Test"
export = { kind = "dir", path = "data" }
[tenant.brands.b]
name = "Test"
primary = "#00626f"
accent = "#e8862a"
[tenant.documents.kwartaalrapportage]
brand = "b"
[tenant.documents.raadsmemo]
brand = "b"
portefeuillehouder = "A. de Vries"
signatures = [{ name = "J. Jansen", function = "burgemeester" }]
"##;

/// A tenant with the given column mapping and value aliases (TOML under `[[tenant]]`).
fn tenant(extra: &str) -> Tenant {
    let text = format!("{TENANT}{extra}");
    Config::parse(&text, Path::new("/tmp/pipeline.toml"))
        .expect("test config")
        .tenants
        .remove(0)
}

/// Settings that let any share of rows be excluded, so exclusions can be inspected.
fn lenient() -> Settings {
    Settings {
        max_excluded_share: 1.0,
    }
}

fn renames(tenant: &Tenant) -> Renames<'_> {
    Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    }
}

fn load(dir: &Path, csv: &CsvOptions) -> Result<(Export, Quality), LoadError> {
    load_export(
        dir,
        &BTreeMap::new(),
        &renames(&tenant("")),
        csv,
        &lenient(),
    )
}

fn load_ok(dir: &Path) -> (Export, Quality) {
    load(dir, &CsvOptions::default()).unwrap_or_else(|e| panic!("load failed: {e}"))
}

fn load_err(dir: &Path, settings: &Settings) -> String {
    match load_export(
        dir,
        &BTreeMap::new(),
        &renames(&tenant("")),
        &CsvOptions::default(),
        settings,
    ) {
        Ok(_) => panic!("the load should have stopped"),
        Err(e) => e.to_string(),
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// A column as text (dates as ISO), nulls as `None`.
fn texts(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    let column = frame
        .column(name)
        .unwrap_or_else(|_| panic!("column {name}"))
        .cast(&DataType::String)
        .unwrap();
    column
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(String::from))
        .collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|v| (!v.is_empty()).then(|| v.to_string()))
        .collect()
}

fn names(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

const CASE_COLUMNS: [&str; 13] = [
    "Casusnummer",
    "Clientnummer",
    "Ondersteuningsvorm",
    "Werksoort",
    "Team",
    "Woonplaats",
    "Aanmelddatum",
    "Startdatum",
    "Einddatum",
    "Verwijzer",
    "Hoofddomeinen",
    "Afsluitreden",
    "Samenwerkingspartners",
];

/// `casussen` with every contract column, two name/free-text columns, quoted fields holding
/// the separator and a line break, and each text date notation.
fn cases_text(sep: char) -> String {
    let rows = [
        CASE_COLUMNS
            .iter()
            .copied()
            .chain(["Naam cliënt", "Notities"])
            .collect::<Vec<_>>(),
        vec![
            "C1",
            "K1",
            "Informatie en advies",
            "Onafhankelijke cliëntondersteuning",
            "Bedum en Uithuizen",
            "Eenrum",
            "1-2-2024",
            "05-02-2024",
            "2024-03-31",
            "Huisarts/POH",
            "Financiën|Huisvesting",
            "\"Doel bereikt{S} verhuisd\"",
            "",
            "\"Jansen{S} Marieke\"",
            "\"Belt liever 's avonds{S}\nniet op maandag\"",
        ],
        vec![
            "C2",
            "K2",
            "Leun- en steuncontact",
            "Sociaal raadsliedenwerk",
            "Team Noord",
            "Ten Boer",
            "15-01-2024",
            "",
            "",
            "Gemeente: WMO",
            "Financiën",
            "",
            "",
            "Piet",
            "",
        ],
        vec![
            "C3",
            "K1",
            "I&A",
            "Maatschappelijk werk",
            "Team Noord",
            "Thesinge",
            "2024-02-01",
            "2024-02-01",
            "",
            "",
            "Huiselijke relaties",
            "",
            "\"Gemeente|Huisarts/POH\"",
            "",
            "\"Zei: \"\"bel me\"\"\"",
        ],
    ];
    let mut text = String::new();
    for row in rows {
        let line = row.join(&sep.to_string()).replace("{S}", &sep.to_string());
        text.push_str(&line);
        text.push_str("\r\n");
    }
    text
}

fn clients_text(sep: char) -> String {
    [
        "Clientnummer;Geboortedatum;Geslacht;Achternaam",
        "K1;12-03-1967;Vrouw;Jansen",
        "K2;1980; man ;Bakker",
        "K3;;;Smit",
    ]
    .map(|l| l.replace(';', &sep.to_string()))
    .join("\n")
        + "\n"
}

/// Checks the three cases of `cases_text` loaded completely and correctly.
fn assert_cases(export: &Export) {
    let cases = &export.cases;
    assert_eq!(
        names(cases),
        CASE_COLUMNS,
        "free text and names are dropped"
    );
    assert_eq!(texts(cases, "Casusnummer"), some(&["C1", "C2", "C3"]));
    assert_eq!(
        texts(cases, "Ondersteuningsvorm"),
        some(&["IA", "LS", "IA"])
    );
    assert_eq!(
        texts(cases, "Werksoort"),
        some(&[
            "Onafhankelijke cliëntondersteuning",
            "Sociaal raadsliedenwerk",
            "Maatschappelijk werk"
        ])
    );
    // d-m-jjjj, dd-mm-jjjj and ISO.
    assert_eq!(
        texts(cases, "Aanmelddatum"),
        some(&["2024-02-01", "2024-01-15", "2024-02-01"])
    );
    assert_eq!(
        texts(cases, "Startdatum"),
        some(&["2024-02-05", "", "2024-02-01"])
    );
    assert_eq!(texts(cases, "Einddatum"), some(&["2024-03-31", "", ""]));
    assert_eq!(
        texts(cases, "Hoofddomeinen"),
        some(&["Financiën|Huisvesting", "Financiën", "Huiselijke relaties"])
    );
    let clients = &export.clients;
    assert_eq!(
        names(clients),
        ["Clientnummer", "Geboortedatum", "Geslacht"],
        "the name column is dropped"
    );
    // A year alone is taken as 1 July; empty gender is Onbekend.
    assert_eq!(
        texts(clients, "Geboortedatum"),
        some(&["1967-03-12", "1980-07-01", ""])
    );
    assert_eq!(
        texts(clients, "Geslacht"),
        some(&["Vrouw", "Man", "Onbekend"])
    );
}

#[test]
fn utf8_with_bom_and_semicolons_with_quoted_separators_and_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(cases_text(';').as_bytes());
    write(dir.path(), "casussen.csv", bytes);
    write(dir.path(), "clienten.csv", clients_text(';'));
    let (export, quality) = load_ok(dir.path());
    assert_cases(&export);
    assert!(quality.exclusions.is_empty(), "{:?}", quality.exclusions);
    assert_eq!(quality.rows_read("casussen"), 3);
    assert_eq!(
        texts(&export.cases, "Afsluitreden"),
        some(&["Doel bereikt; verhuisd", "", ""])
    );
    assert_eq!(
        texts(&export.cases, "Samenwerkingspartners"),
        some(&["", "", "Gemeente|Huisarts/POH"])
    );
}

#[test]
fn utf8_without_bom_and_commas_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "casussen.csv", cases_text(','));
    write(dir.path(), "clienten.csv", clients_text(','));
    let (export, quality) = load_ok(dir.path());
    assert_cases(&export);
    assert_eq!(
        texts(&export.cases, "Afsluitreden"),
        some(&["Doel bereikt, verhuisd", "", ""])
    );
    assert_eq!(quality.files.len(), 2);
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn windows_1252_detected_with_semicolons() {
    let dir = tempfile::tempdir().unwrap();
    let text = cases_text(';').replace("Team Noord", "Team Zuidwolde-Eé");
    write(dir.path(), "casussen.csv", windows_1252(&text));
    write(dir.path(), "clienten.csv", windows_1252(&clients_text(';')));
    let (export, _) = load_ok(dir.path());
    assert_cases(&export);
    assert_eq!(
        texts(&export.cases, "Team"),
        some(&[
            "Bedum en Uithuizen",
            "Team Zuidwolde-Eé",
            "Team Zuidwolde-Eé"
        ])
    );
}

#[test]
fn windows_1252_and_comma_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "casussen.csv", windows_1252(&cases_text(',')));
    write(dir.path(), "clienten.csv", windows_1252(&clients_text(',')));
    let csv = CsvOptions {
        delimiter: Some(','),
        encoding: Some(Encoding::Windows1252),
    };
    let (export, _) = load(dir.path(), &csv).unwrap();
    assert_cases(&export);
    // Configured UTF-8 on a UTF-8 file with a BOM.
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(cases_text(';').as_bytes());
    write(dir.path(), "casussen.csv", bytes);
    write(dir.path(), "clienten.csv", clients_text(';'));
    let csv = CsvOptions {
        delimiter: Some(';'),
        encoding: Some(Encoding::Utf8),
    };
    let (export, _) = load(dir.path(), &csv).unwrap();
    assert_cases(&export);
}

/// A cell to write into a test workbook.
enum Cell<'a> {
    S(&'a str),
    N(f64),
    /// An Excel date cell: the serial number with a date format.
    D(u16, u8, u8),
    /// A bare serial number with a date format, as Excel stores a typed date.
    Serial(f64),
    /// A formula with its cached result, as Excel saved it.
    F(&'a str, &'a str),
    E,
}
use Cell::{D, E, F, N, S, Serial};

fn write_rows(sheet: &mut rust_xlsxwriter::Worksheet, first_row: u32, rows: &[Vec<Cell>]) {
    let date = Format::new().set_num_format("dd-mm-yyyy");
    for (i, row) in rows.iter().enumerate() {
        let r = first_row + i as u32;
        for (j, cell) in row.iter().enumerate() {
            let c = j as u16;
            match cell {
                S(s) => {
                    sheet.write_string(r, c, *s).unwrap();
                }
                N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                Serial(n) => {
                    sheet.write_number_with_format(r, c, *n, &date).unwrap();
                }
                F(formula, result) => {
                    sheet
                        .write_formula(
                            r,
                            c,
                            rust_xlsxwriter::Formula::new(*formula).set_result(*result),
                        )
                        .unwrap();
                }
                E => {}
            }
        }
    }
}

#[test]
fn an_export_table_as_xlsx_with_date_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Casussen").unwrap();
    // Row 1 is empty: the header is the first non-empty row.
    let header: Vec<Cell> = [
        " Casusnummer ",
        "CLIENTNUMMER",
        "Ondersteuningsvorm",
        "Werksoort",
        "Team",
        "Woonplaats",
        "Aanmelddatum",
        "Startdatum",
        "Einddatum",
        "Hoofddomeinen",
        "Naam",
    ]
    .into_iter()
    .map(S)
    .collect();
    let rows = vec![
        header,
        vec![
            N(1001.0),
            S("K1"),
            S("Individueel traject"),
            S("Maatschappelijk werk"),
            S("Team Noord"),
            S("Eenrum"),
            D(2024, 1, 15),
            Serial(45352.0),
            S("2024-04-02"),
            S("Financiën"),
            S("Jansen"),
        ],
        vec![E],
        vec![
            N(1002.0),
            S("K2"),
            S("L&S"),
            S("Sociaal raadsliedenwerk"),
            S("Team Zuid"),
            S("Ten Boer"),
            S("2-1-2024"),
            S("03-01-2024"),
            E,
            S("Werk en opleiding"),
            S("Bakker"),
        ],
        vec![
            N(1003.0),
            S("K2"),
            S("IT"),
            S("Maatschappelijk werk"),
            S("Team Zuid"),
            S("Ten Boer"),
            D(2024, 2, 1),
            S("30-02-2024"),
            E,
            S("Financiën"),
            S("Bakker"),
        ],
    ];
    write_rows(sheet, 1, &rows);
    book.save(dir.path().join("casussen.xlsx")).unwrap();
    write(dir.path(), "clienten.csv", clients_text(';'));

    let (export, quality) = load_ok(dir.path());
    let cases = &export.cases;
    assert!(!names(cases).contains(&"Naam".to_string()));
    assert_eq!(texts(cases, "Casusnummer"), some(&["1001", "1002"]));
    assert_eq!(texts(cases, "Ondersteuningsvorm"), some(&["IT", "LS"]));
    // A date cell, a serial number formatted as a date, d-m-jjjj, dd-mm-jjjj and ISO.
    assert_eq!(
        texts(cases, "Aanmelddatum"),
        some(&["2024-01-15", "2024-01-02"])
    );
    assert_eq!(
        texts(cases, "Startdatum"),
        some(&["2024-03-01", "2024-01-03"])
    );
    assert_eq!(texts(cases, "Einddatum"), some(&["2024-04-02", ""]));
    // Optional contract columns the sheet lacks are there, empty.
    assert_eq!(texts(cases, "Verwijzer"), vec![None, None]);

    let e = only(&quality, "casussen");
    assert_eq!(e.rows, 1);
    assert_eq!(e.examples, vec![6], "sheet row, the empty rows counted");
    assert_eq!(
        e.message(),
        "casussen.xlsx, sheet Casussen, row 6: onleesbare Startdatum (verwacht dd-mm-jjjj of jjjj-mm-dd)"
    );
}

fn only<'a>(quality: &'a Quality, table: &str) -> &'a Exclusion {
    let found: Vec<&Exclusion> = quality
        .exclusions
        .iter()
        .filter(|e| e.table == table)
        .collect();
    assert_eq!(found.len(), 1, "{table}: {:?}", quality.exclusions);
    found[0]
}

#[test]
fn column_mapping_and_value_aliases_from_config() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "casussen.csv",
        "  DOSSIER NR. ;Cliënt ID;soort hulp;Werksoort;TEAM;woonplaats;Aanmelddatum;Startdatum;Einddatum;Verwijzer;Hoofddomeinen;Casusnummer\n\
         D-1;K1;Kort contact;Maatschappelijk werk;Noord;Eenrum;01-02-2024;;;huisarts;Financiën;oud-1\n\
         D-2;K2;  informatie & advies ;Maatschappelijk werk;Noord;Eenrum;01-02-2024;;;Wijkteam;Financiën;oud-2\n\
         D-3;K2;Traject;Maatschappelijk werk;Noord;Eenrum;01-02-2024;;;;Financiën;oud-3\n",
    );
    write(
        dir.path(),
        "clienten.csv",
        "Cliënt ID;Geslacht\nK1;V\nK2;Man\n",
    );
    let tenant = tenant(
        r#"
[tenant.columns.casussen]
Casusnummer = "Dossier nr."
Clientnummer = "cliënt id"
Ondersteuningsvorm = "Soort hulp"
[tenant.columns.clienten]
Clientnummer = "Cliënt ID"
[tenant.values.Ondersteuningsvorm]
"Kort contact" = "Leun- en steuncontact"
" TRAJECT " = "IT"
[tenant.values.Verwijzer]
"Huisarts" = "Huisarts/POH"
[tenant.values.Geslacht]
"V" = "Vrouw"
"#,
    );
    let (export, quality) = load_export(
        dir.path(),
        &BTreeMap::new(),
        &renames(&tenant),
        &CsvOptions::default(),
        &lenient(),
    )
    .unwrap();
    assert!(quality.exclusions.is_empty(), "{:?}", quality.exclusions);
    let cases = &export.cases;
    // The configured header wins over a column that happens to carry the contract's name.
    assert_eq!(texts(cases, "Casusnummer"), some(&["D-1", "D-2", "D-3"]));
    assert_eq!(texts(cases, "Clientnummer"), some(&["K1", "K2", "K2"]));
    assert_eq!(
        texts(cases, "Ondersteuningsvorm"),
        some(&["LS", "IA", "IT"])
    );
    assert_eq!(texts(cases, "Team"), some(&["Noord", "Noord", "Noord"]));
    assert_eq!(
        texts(cases, "Verwijzer"),
        some(&["Huisarts/POH", "Wijkteam", ""])
    );
    assert_eq!(texts(&export.clients, "Geslacht"), some(&["Vrouw", "Man"]));
}

#[test]
fn a_missing_required_column_names_table_column_alias_and_headers_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "casussen.csv",
        cases_text(';').replace("Aanmelddatum", "Datum aanmelding"),
    );
    write(dir.path(), "clienten.csv", clients_text(';'));
    let err = load_err(dir.path(), &lenient());
    assert_eq!(
        err,
        "casussen.csv: table 'casussen' has no column 'Aanmelddatum'; the headers found are: \
         Casusnummer, Clientnummer, Ondersteuningsvorm, Werksoort, Team, Woonplaats, \
         Datum aanmelding, Startdatum, Einddatum, Verwijzer, Hoofddomeinen, Afsluitreden, \
         Samenwerkingspartners, Naam cliënt, Notities"
    );

    // With a mapping, the configured header is named too.
    write(dir.path(), "clienten.csv", "Nummer;Geslacht\nK1;Man\n");
    write(dir.path(), "casussen.csv", cases_text(';'));
    let tenant = tenant("[tenant.columns.clienten]\nClientnummer = \"Cliënt-ID\"\n");
    let err = load_export(
        dir.path(),
        &BTreeMap::new(),
        &renames(&tenant),
        &CsvOptions::default(),
        &lenient(),
    )
    .err()
    .unwrap()
    .to_string();
    assert_eq!(
        err,
        "clienten.csv: table 'clienten' has no column 'Clientnummer' (configured header: \"Cliënt-ID\"); \
         the headers found are: Nummer, Geslacht"
    );
}

#[test]
fn a_missing_required_table_names_the_folder_and_the_files_found() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "casussen.csv", cases_text(';'));
    write(dir.path(), "clienten.txt", clients_text(';'));
    let err = load_err(dir.path(), &lenient());
    assert_eq!(
        err,
        format!(
            "{}: required table 'clienten' is missing: expected clienten.csv or clienten.xlsx \
             (found: casussen.csv, clienten.txt)",
            dir.path().display()
        )
    );
}

#[test]
fn a_duplicate_key_names_both_rows_but_not_the_value() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "casussen.csv", cases_text(';'));
    write(
        dir.path(),
        "clienten.csv",
        "Clientnummer;Geslacht\n739204;Man\n511873;Vrouw\n739204;Man\n",
    );
    let err = load_err(dir.path(), &lenient());
    assert_eq!(
        err,
        "clienten.csv row 4: duplicate Clientnummer: the same value as row 2 \
         (each Clientnummer must be unique)"
    );
    assert!(!err.contains("739204"));

    // The same in a workbook names the sheet.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("clienten").unwrap();
    write_rows(
        sheet,
        0,
        &[
            vec![S("Clientnummer"), S("Geslacht")],
            vec![N(739204.0), S("Man")],
            vec![N(739204.0), S("Man")],
        ],
    );
    std::fs::remove_file(dir.path().join("clienten.csv")).unwrap();
    book.save(dir.path().join("clienten.xlsx")).unwrap();
    let err = load_err(dir.path(), &lenient());
    assert_eq!(
        err,
        "clienten.xlsx, sheet clienten, row 3: duplicate Clientnummer: the same value as row 2 \
         (each Clientnummer must be unique)"
    );
}

/// Tables load in two lanes side by side; when both stop, the table earlier in the
/// contract's order is named, as loading them one by one would, whichever lane stops first.
#[test]
fn of_two_failing_tables_the_earlier_one_in_contract_order_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // clienten (second in order, second lane) and contactmomenten (third, first lane).
    write(dir.path(), "casussen.csv", cases_text(';'));
    write(
        dir.path(),
        "clienten.csv",
        "Clientnummer;Geslacht\n739204;Man\n739204;Man\n",
    );
    write(dir.path(), "contactmomenten.csv", "Datum\n01-02-2024\n");
    for _ in 0..10 {
        let err = load_err(dir.path(), &lenient());
        assert!(
            err.starts_with("clienten.csv row 3: duplicate Clientnummer"),
            "{err}"
        );
    }
    // casussen (first, first lane) before clienten.
    write(dir.path(), "casussen.csv", "");
    for _ in 0..10 {
        let err = load_err(dir.path(), &lenient());
        assert!(err.starts_with("casussen.csv: cannot be read"), "{err}");
    }
    // Only the later table fails: it is named.
    write(dir.path(), "casussen.csv", cases_text(';'));
    write(dir.path(), "clienten.csv", clients_text(';'));
    let err = load_err(dir.path(), &lenient());
    assert!(
        err.starts_with("contactmomenten.csv: table 'contactmomenten' has no column 'Casusnummer'"),
        "{err}"
    );
}

#[test]
fn an_unreadable_file_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clienten.csv", clients_text(';'));
    write(
        dir.path(),
        "casussen.xlsx",
        "<html><body>Inloggen</body></html>",
    );
    let err = load_err(dir.path(), &lenient());
    assert!(
        err.starts_with("casussen.xlsx: cannot be read: not a readable XLSX workbook"),
        "{err}"
    );
    std::fs::remove_file(dir.path().join("casussen.xlsx")).unwrap();
    write(dir.path(), "casussen.csv", "");
    let err = load_err(dir.path(), &lenient());
    assert_eq!(
        err,
        "casussen.csv: cannot be read: the file is empty: expected a header line"
    );
}

/// An exporter still writing, or paused, leaves a file cut at any byte: a last row cut
/// before its last field would be read as a row with empty fields, or a value cut short as
/// another value.
#[test]
fn a_file_cut_off_in_its_last_row_stops_the_run_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clienten.csv", clients_text(';'));
    let whole = cases_text(';');
    let whole = whole.trim_end();
    let header = whole.lines().next().unwrap().split(';').count();
    write(dir.path(), "casussen.csv", whole);
    assert_cases(&load_ok(dir.path()).0);

    // C3 starts on line 5: C1's remark holds a line break.
    let c3 = whole.rfind("C3;").unwrap();
    write(dir.path(), "casussen.csv", &whole[..c3 + "C3;K1;I&A".len()]);
    assert_eq!(
        load_err(dir.path(), &lenient()),
        format!(
            "casussen.csv: cannot be read: the file stops in the middle of its last row: line 5 \
             has 3 of the header's {header} fields and no line end (was the export still being \
             written?); nothing is published, deliver the whole file again"
        )
    );
    write(
        dir.path(),
        "casussen.csv",
        &whole[..whole.rfind("bel me").unwrap()],
    );
    let err = load_err(dir.path(), &lenient());
    assert!(
        err.contains(&format!(
            "line 5 has {header} of the header's {header} fields, inside a quoted value, and no line end"
        )),
        "{err}"
    );
    let last_field = c3 + whole[c3..].rfind(";\"Zei").unwrap();
    for stop in c3 + 1..=last_field {
        write(dir.path(), "casussen.csv", &whole[..stop]);
        let err = load_err(dir.path(), &lenient());
        assert!(
            err.contains("stops in the middle of its last row: line 5 "),
            "{err}"
        );
    }
}

#[test]
fn more_excluded_rows_than_allowed_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "casussen.csv",
        cases_text(';').replace("05-02-2024", "5 feb 2024"),
    );
    write(dir.path(), "clienten.csv", clients_text(';'));
    let err = load_err(dir.path(), &Settings::default());
    assert_eq!(
        err,
        "casussen.csv: 1 of 3 rows excluded (33.3%), more than the allowed 1.0%: \
         1 × onleesbare Startdatum (verwacht dd-mm-jjjj of jjjj-mm-dd) (e.g. row 2); \
         nothing is published"
    );
    assert!(!err.contains("feb"), "the value is not echoed");
}

/// Every excluding defect of the contract, one table each, with its message.
#[test]
fn row_defects_are_excluded_and_counted_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(
        p,
        "casussen.csv",
        "Casusnummer;Clientnummer;Ondersteuningsvorm;Werksoort;Team;Woonplaats;Aanmelddatum;Startdatum;Einddatum;Hoofddomeinen\n\
         C1;K1;IT;MW;Noord;Eenrum;01-01-2024;02-01-2024;;Financiën\n\
         C2;K1;IT;MW;Noord;Eenrum;01-01-2024;31-02-2024;;Financiën\n\
         C3;K1;IT;MW;Noord;Eenrum;01-01-2024;10-01-2024;09-01-2024;Financiën\n\
         C4;K1;Groepswerk;MW;Noord;Eenrum;01-01-2024;;;Financiën\n\
         C5;K1;IT;MW;Noord;Eenrum;01-01-2024;2024-01-10;2024-01-09;Financiën\n\
         C6;K1;IT;MW;Noord;Eenrum;;;;Financiën\n\
         C7;K1;IT;MW;Noord;Eenrum;01-01-2024;;;Financiën\n",
    );
    write(
        p,
        "clienten.csv",
        "Clientnummer;Geboortedatum;Geslacht\nK1;12-03-1967;Vrouw\nK2;1967-13-45;Man\n",
    );
    write(
        p,
        "contactmomenten.csv",
        "Casusnummer;Datum;Soort\nC1;03-01-2024;Telefonisch\nC99;03-01-2024;Telefonisch\n\
         C7;04-01-2024;Telefonisch\nC3;04-01-2024;Telefonisch\n",
    );
    write(
        p,
        "zrm_metingen.csv",
        "Casusnummer;Datum;Domein;Score;Type\n\
         C1;03-01-2024;Financiën;2;Meting\n\
         C1;03-01-2024;Financiën;7;Meting\n\
         C1;03-01-2024;Financiën;4;Doel\n\
         C1;03-01-2024;Financiën;4;Wens\n",
    );
    write(
        p,
        "tevredenheid.csv",
        "Casusnummer;Datum;Vraag;Score\nC1;03-01-2024;Bejegening;8,5\nC1;03-01-2024;Bejegening;11\n",
    );
    write(
        p,
        "collectieve_trajecten.csv",
        "Trajectnummer;Naam;Categorie;Doelgroep;Startdatum;Einddatum;Kracht start;Kracht eind\n\
         T1;Thuiskamer Eenrum;Thuiskamer;55-75|75+;01-01-2024;;2;4\n\
         T2;Jongerenwerk;Jongerenwerk;12-18;01-02-2024;01-01-2024;;\n\
         T3;Meidenclub;Meidenwerk;12-18;01-02-2024;;6;\n",
    );
    write(
        p,
        "bijeenkomsten.csv",
        "Trajectnummer;Datum;Deelnemers\nT1;08-01-2024;12\nT9;08-01-2024;5\nT1;15-01-2024;-1\n",
    );
    write(
        p,
        "mantelzorgers.csv",
        "Relatienummer;Registratiedatum;Uitschrijfdatum;Jonge mantelzorger\nM1;01-01-2024;;Ja\nM2;01-03-2024;01-02-2024;nee\n",
    );
    write(
        p,
        "vrijwilligers.csv",
        "Relatienummer;Startdatum;Einddatum;Project\nV1;01-01-2024;;Thuiskamer\nV2;01-03-2024;01-02-2024;\n",
    );
    let (export, quality) = load_ok(p);
    let messages: Vec<String> = quality.exclusions.iter().map(Exclusion::message).collect();
    assert_eq!(
        messages,
        [
            "casussen.csv row 3: onleesbare Startdatum (verwacht dd-mm-jjjj of jjjj-mm-dd)",
            "casussen.csv rows 4, 6: Einddatum vóór Startdatum (verwacht op of na de Startdatum)",
            "casussen.csv row 5: onbekende Ondersteuningsvorm (verwacht Informatie en advies, \
             Leun- en steuncontact of Individueel traject)",
            "casussen.csv row 7: Aanmelddatum ontbreekt (verwacht een datum)",
            "clienten.csv row 3: onleesbare Geboortedatum (verwacht dd-mm-jjjj, jjjj-mm-dd of jjjj)",
            // C3 is a case excluded above: its contacts have no case to count towards.
            "contactmomenten.csv rows 3, 5: onbekend Casusnummer (verwacht een Casusnummer uit casussen)",
            "zrm_metingen.csv row 3: Score buiten bereik (verwacht geheel getal 1–5)",
            "zrm_metingen.csv row 5: onbekend Type (verwacht Meting of Doel)",
            "tevredenheid.csv row 3: Score buiten bereik (verwacht 1–10)",
            "collectieve_trajecten.csv row 3: Einddatum vóór Startdatum (verwacht op of na de Startdatum)",
            "collectieve_trajecten.csv row 4: Kracht start buiten bereik (verwacht geheel getal 1–5)",
            "bijeenkomsten.csv row 3: onbekend Trajectnummer (verwacht een Trajectnummer uit collectieve_trajecten)",
            "bijeenkomsten.csv row 4: Deelnemers buiten bereik (verwacht geheel getal vanaf 0)",
            "mantelzorgers.csv row 3: Uitschrijfdatum vóór Registratiedatum (verwacht op of na de Registratiedatum)",
            "vrijwilligers.csv row 3: Einddatum vóór Startdatum (verwacht op of na de Startdatum)",
        ]
    );
    // No client-level value is echoed anywhere.
    for m in &messages {
        assert!(
            !m.contains("1967") && !m.contains("K2") && !m.contains("C99"),
            "{m}"
        );
    }
    let counted: u64 = quality.exclusions.iter().map(|e| e.rows).sum();
    assert_eq!(counted, 17);
    assert_eq!(quality.excluded_from("casussen"), 5);
    assert_eq!(texts(&export.cases, "Casusnummer"), some(&["C1", "C7"]));
    assert_eq!(export.clients.height(), 1);
    // A contact names its case by the case's row among the cases kept: C7 is the second.
    assert_eq!(texts(&export.contacts, "Casusnummer"), some(&["0", "1"]));
    assert_eq!(export.zrm.height(), 2);
    assert_eq!(
        texts(&export.survey, "Score"),
        some(&["8.5"]),
        "a decimal comma"
    );
    assert_eq!(texts(&export.trajectories, "Trajectnummer"), some(&["T1"]));
    assert_eq!(export.meetings.height(), 1);
    assert_eq!(texts(&export.carers, "Jonge mantelzorger"), some(&["true"]));
    assert_eq!(export.volunteers.height(), 1);
    assert!(
        !names(&export.trajectories).contains(&"Naam".to_string()),
        "a trajectory's name is free text"
    );
}

#[test]
fn examples_stop_at_ten_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = String::from(
        "Casusnummer;Clientnummer;Ondersteuningsvorm;Werksoort;Team;Woonplaats;Aanmelddatum;Startdatum;Einddatum;Hoofddomeinen\n",
    );
    for i in 0..12 {
        cases.push_str(&format!(
            "C{i};K1;Onbekend;MW;Noord;Eenrum;01-01-2024;;;Financiën\n"
        ));
    }
    write(dir.path(), "casussen.csv", cases);
    write(
        dir.path(),
        "clienten.csv",
        "Clientnummer;Geslacht\nK1;Man\n",
    );
    let (_, quality) = load_ok(dir.path());
    let e = only(&quality, "casussen");
    assert_eq!(e.rows, 12);
    assert_eq!(e.examples, (2..12).collect::<Vec<u64>>());
    assert_eq!(
        e.message(),
        "casussen.csv rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 … (12 rows): onbekende Ondersteuningsvorm \
         (verwacht Informatie en advies, Leun- en steuncontact of Individueel traject)"
    );
}

// ---------------------------------------------------------------------------------------
// The budget workbook.

const BUDGET_HEADER: [&str; 14] = [
    "Domein",
    "Thema",
    "Onderdeel",
    "Soort",
    "Taakveld",
    // Column F is hidden: the author's draft figures under the same name.
    "Begroting primitief",
    "Begroting primitief",
    " begroting GEWIJZIGD ",
    "Realisatie Q1",
    "Realisatie Q2",
    "Realisatie Q3",
    "Realisatie Q4",
    "Prognose",
    "Toelichting",
];

fn budget_rows<'a>() -> Vec<Vec<Cell<'a>>> {
    vec![
        BUDGET_HEADER.iter().map(|h| S(h)).collect(),
        // Row 4.
        vec![
            S("Wmo"),
            S("Huishoudelijke ondersteuning"),
            S("HO - ZIN"),
            S("Lasten"),
            S("6.71"),
            S("concept"),
            S("€ 3.668.000"),
            N(3_700_000.0),
            S("1.234,56"),
            N(900_000.0),
            E,
            E,
            N(3_650_000.0),
            S("Stijging door abonnementstarief; zie mail wethouder"),
        ],
        vec![
            S("Wmo"),
            S("Huishoudelijke ondersteuning"),
            S("HO - PGB"),
            E,
            S("6.71"),
            S("n.n.b."),
            N(500_000.0),
            E,
            S("(123)"),
        ],
        vec![
            S("Wmo"),
            S("Huishoudelijke ondersteuning"),
            S("Eigen bijdragen"),
            S("Baten"),
            E,
            S("-"),
            S("-/- 200.000"),
            N(-200_000.0),
            S("-500"),
            E,
            E,
            E,
            S("-/- 210.000"),
        ],
        // Row 7: the author's subtotal, which agrees.
        vec![
            E,
            E,
            S("Subtotaal Huishoudelijke ondersteuning"),
            E,
            E,
            S("???"),
            N(3_968_000.0),
            S("4.000.000"),
            S("611,56"),
            N(900_000.0),
            E,
            E,
            N(3_440_000.0),
        ],
        vec![E],
        // Row 9.
        vec![
            S("Jeugd"),
            S("Begeleiding"),
            S("BG - ZIN"),
            S("Lasten"),
            S("6.72"),
            S("x"),
            N(3_671_000.0),
            S("3.671.000"),
            E,
            E,
            E,
            E,
            S("€ 3.535.000"),
        ],
        vec![
            S("Jeugd"),
            S("Begeleiding"),
            S("BG - PGB"),
            S("lasten"),
            E,
            E,
            S("2.539.000"),
            N(2_539_000.0),
            E,
            E,
            E,
            E,
            N(2_589_000.0),
        ],
        // Row 11: a total whose Prognose disagrees with the lines above.
        vec![
            E,
            E,
            S("Totaal Begeleiding"),
            E,
            E,
            E,
            N(6_210_000.0),
            N(6_210_000.0),
            E,
            E,
            E,
            E,
            N(6_200_000.0),
        ],
    ]
}

/// A workbook as a finance department makes one: a merged title, a second title row with an
/// Excel date, the header on row 3, a hidden column, blocks with subtotals.
fn write_budget(path: &Path, rows: &[Vec<Cell>]) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Begroting").unwrap();
    sheet
        .merge_range(
            0,
            0,
            0,
            12,
            "Gemeente Noorderkwartier — begroting sociaal domein 2024",
            &Format::new().set_bold(),
        )
        .unwrap();
    write_rows(sheet, 1, &[vec![S("Stand per"), Serial(45565.0)]]);
    write_rows(sheet, 2, rows);
    sheet.set_column_hidden(5).unwrap();
    let other = book.add_worksheet();
    other.set_name("Toelichting").unwrap();
    other.write_string(0, 0, "Vrije tekst").unwrap();
    book.save(path).unwrap();
}

fn budget(rows: &[Vec<Cell>]) -> Result<Budget, LoadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("begroting-2024.xlsx");
    write_budget(&path, rows);
    load_budget(&path, "abc".into())
}

#[test]
fn a_messy_budget_workbook_loads() {
    let b = budget(&budget_rows()).unwrap_or_else(|e| panic!("{e}"));
    let onderdelen: Vec<&str> = b.lines.iter().map(|l| l.onderdeel.as_str()).collect();
    assert_eq!(
        onderdelen,
        [
            "HO - ZIN",
            "HO - PGB",
            "Eigen bijdragen",
            "BG - ZIN",
            "BG - PGB"
        ],
        "title rows, the empty row and the subtotals are no budget lines"
    );
    let ho = &b.lines[0];
    assert_eq!(ho.domein, "Wmo");
    assert_eq!(ho.thema, "Huishoudelijke ondersteuning");
    assert_eq!(ho.soort, Soort::Lasten);
    assert_eq!(ho.taakveld.as_deref(), Some("6.71"));
    assert_eq!(ho.row, 4);
    // `€ 3.668.000` from the visible column, not the hidden draft.
    assert_eq!(ho.begroting_primitief, 3_668_000.0);
    assert_eq!(ho.begroting_gewijzigd, Some(3_700_000.0));
    assert_eq!(
        ho.realisatie,
        [Some(1234.56), Some(900_000.0), None, None],
        "`1.234,56`"
    );
    assert_eq!(ho.prognose, Some(3_650_000.0));
    let pgb = &b.lines[1];
    assert_eq!(pgb.soort, Soort::Lasten, "empty Soort is Lasten");
    assert_eq!(pgb.begroting_gewijzigd, None);
    assert_eq!(pgb.begroting(), 500_000.0);
    assert_eq!(pgb.realisatie[0], Some(-123.0), "`(123)` on Lasten");
    let baten = &b.lines[2];
    assert_eq!(baten.soort, Soort::Baten);
    assert_eq!(
        baten.begroting_primitief, 200_000.0,
        "`-/- 200.000` on Baten"
    );
    assert_eq!(baten.begroting_gewijzigd, Some(200_000.0));
    assert_eq!(baten.realisatie[0], Some(500.0));
    assert_eq!(baten.prognose, Some(210_000.0));
    assert_eq!(b.lines[3].begroting(), 3_671_000.0);
    assert_eq!(b.lines[3].prognose, Some(3_535_000.0));
    assert_eq!(b.lines[4].soort, Soort::Lasten);
    assert_eq!(b.lines[4].begroting_primitief, 2_539_000.0);
    assert_eq!(
        b.notes,
        [
            "begroting-2024.xlsx, Begroting!M11: subtotaal 'Totaal Begeleiding', Prognose: \
          € 6.200.000 in het werkblad, € 6.124.000 als som van de regels erboven (verwacht \
          een verschil van hooguit € 1)"
        ]
    );
    assert_eq!(b.file, "begroting-2024.xlsx");
    assert!(b.taakstellingen.is_empty() && b.volumes.is_empty());
}

#[test]
fn a_budget_amount_that_cannot_be_read_stops_the_run() {
    let mut rows = budget_rows();
    rows[2][6] = S("n.v.t.");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: Begroting!G5 holds 'n.v.t.': expected an amount such as \
         1.234,56 or € 3.668.000"
    );
    let mut rows = budget_rows();
    rows[8][12] = S("12.5");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: Begroting!M11 holds '12.5': expected an amount such as \
         1.234,56 or € 3.668.000"
    );
}

/// A budget line's name is printed in the documents, their mail and the log: a direction
/// control in it (it would turn the numbers beside it around) or an escape sequence is
/// refused naming the cell, and the text is not repeated, not even in the message.
#[test]
fn hostile_text_in_a_budget_cell_stops_the_run_naming_the_cell_not_the_text() {
    let refused = |cell: &str, expected: &str| {
        format!(
            "begroting-2024.xlsx: Begroting!{cell} holds text with a control character, a \
             direction control or more than 200 characters (not repeated here): expected \
             {expected}"
        )
    };
    for (row, col, text, cell) in [
        (2, 2, "HO - PGB\u{202e}", "C5"),
        (1, 1, "Huishoudelijke\u{200f} ondersteuning", "B4"),
        (2, 0, "Wmo\u{1b}[2J", "A5"),
    ] {
        let mut rows = budget_rows();
        rows[row][col] = S(text);
        let err = budget(&rows).unwrap_err().to_string();
        assert_eq!(err, refused(cell, "plain text"));
    }
    let mut rows = budget_rows();
    rows[2][6] = S("12\u{1b}[2J");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        refused("G5", "an amount such as 1.234,56 or € 3.668.000")
    );
}

#[test]
fn a_formula_error_in_an_amount_cell_stops_the_run_naming_the_cell() {
    let mut rows = budget_rows();
    rows[2][6] = F("=G4/0", "#DIV/0!");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: Begroting!G5 holds the formula error #DIV/0!: expected an amount \
         (the workbook's formula needs correcting)"
    );
}

#[test]
fn a_budget_without_its_sheet_or_a_required_column_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("begroting-2024.xlsx");
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Blad1").unwrap();
    book.save(&path).unwrap();
    let err = load_budget(&path, String::new()).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: no sheet 'Begroting' (found: Blad1): expected a sheet Begroting \
         with one row per budget line"
    );

    let mut rows = budget_rows();
    rows[0][6] = S("Begroting");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: sheet Begroting has no header row with the columns Domein, Thema, \
         Onderdeel, Begroting primitief: row 3 comes closest but lacks Begroting primitief"
    );

    let mut rows = budget_rows();
    rows[1][3] = S("Uitgaven");
    let err = budget(&rows).unwrap_err().to_string();
    assert_eq!(
        err,
        "begroting-2024.xlsx: Begroting!D4 holds 'Uitgaven': expected Lasten or Baten"
    );

    write(dir.path(), "begroting-2024.xlsx", "<html>login</html>");
    let err = load_budget(&path, String::new()).unwrap_err().to_string();
    assert!(
        err.starts_with("begroting-2024.xlsx: not a readable XLSX workbook"),
        "{err}"
    );
}

const SMALL_CASES_HEADER: &str = "Casusnummer;Clientnummer;Ondersteuningsvorm;Werksoort;Team;Woonplaats;Aanmelddatum;Startdatum;Einddatum;Hoofddomeinen";

#[test]
fn an_excel_serial_number_in_a_csv_date_column_is_a_date() {
    let dir = tempfile::tempdir().unwrap();
    // An Excel sheet saved as CSV writes its date cells as serial numbers.
    write(
        dir.path(),
        "casussen.csv",
        format!(
            "{SMALL_CASES_HEADER}\n1001;K1;IT;Maatschappelijk werk;Noord;Eenrum;45306;45352,5;;Financiën\n"
        ),
    );
    write(
        dir.path(),
        "clienten.csv",
        "Clientnummer;Geboortedatum;Geslacht\nK1;22356;Vrouw\n",
    );
    let (export, quality) = load_ok(dir.path());
    assert!(quality.exclusions.is_empty(), "{:?}", quality.exclusions);
    assert_eq!(texts(&export.cases, "Aanmelddatum"), some(&["2024-01-15"]));
    assert_eq!(texts(&export.cases, "Startdatum"), some(&["2024-03-01"]));
    assert_eq!(
        texts(&export.clients, "Geboortedatum"),
        some(&["1961-03-16"])
    );
}

/// `casussen` and `clienten` as sheets of one workbook, `regas-export.xlsx`.
fn one_workbook(dir: &Path) {
    let mut book = Workbook::new();
    let cases = book.add_worksheet();
    cases.set_name("Casussen").unwrap();
    let header: Vec<Cell> = SMALL_CASES_HEADER.split(';').map(S).collect();
    write_rows(
        cases,
        0,
        &[
            header,
            vec![
                S("1001"),
                S("K1"),
                S("IT"),
                S("Maatschappelijk werk"),
                S("Noord"),
                S("Eenrum"),
                D(2024, 1, 15),
                D(2024, 3, 1),
                E,
                S("Financiën"),
            ],
        ],
    );
    let clients = book.add_worksheet();
    clients.set_name("clienten").unwrap();
    write_rows(
        clients,
        0,
        &[
            vec![S("Clientnummer"), S("Geboortedatum"), S("Geslacht")],
            vec![S("K1"), D(1961, 3, 16), S("Vrouw")],
        ],
    );
    book.save(dir.join("regas-export.xlsx")).unwrap();
}

#[test]
fn one_workbook_with_a_sheet_per_table_loads_every_table_from_its_sheet() {
    let dir = tempfile::tempdir().unwrap();
    one_workbook(dir.path());
    let (export, quality) = load_ok(dir.path());
    assert_eq!(texts(&export.cases, "Casusnummer"), some(&["1001"]));
    assert_eq!(texts(&export.clients, "Geslacht"), some(&["Vrouw"]));
    let files: Vec<&str> = quality.files.iter().map(|f| f.file.as_str()).collect();
    assert!(
        files.iter().all(|f| f.starts_with("regas-export.xlsx")),
        "{files:?}"
    );

    // From a folder source that names the workbook (`files`), as a run pulls it.
    let root = tempfile::tempdir().unwrap();
    let text = format!(
        "state_dir = \"{state}\"\noutput_dir = \"{out}\"\n{TENANT}",
        state = root.path().join("state").display(),
        out = root.path().join("output").display(),
    )
    .replace(
        "export = { kind = \"dir\", path = \"data\" }",
        &format!(
            "export = {{ kind = \"dir\", path = \"{}\", files = [\"regas-export.xlsx\"] }}",
            dir.path().display()
        ),
    );
    let config = Config::parse(&text, &root.path().join("pipeline.toml")).unwrap();
    let findings = pipeline::check::check(
        &config,
        Some("2024Q1".parse().unwrap()),
        chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
    );
    let line = |subject: &str| {
        findings
            .iter()
            .find(|f| f.subject == subject)
            .unwrap_or_else(|| panic!("{subject}: {findings:?}"))
    };
    assert!(
        line("export").ok && line("export").detail.contains("1 files"),
        "{findings:?}"
    );
    assert!(
        line("casussen").ok && line("casussen").detail.contains("1 rows"),
        "{findings:?}"
    );
    assert!(line("clienten").ok, "{findings:?}");
}

#[test]
fn hidden_columns_of_an_export_workbook_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("casussen").unwrap();
    // A hidden helper column under the same header as the real one, before it.
    let mut header: Vec<Cell> = SMALL_CASES_HEADER.split(';').map(S).collect();
    header.insert(4, S("Team"));
    let mut row = vec![
        S("1001"),
        S("K1"),
        S("IT"),
        S("Maatschappelijk werk"),
        S("concept: Zuid?"),
        S("Noord"),
        S("Eenrum"),
        D(2024, 1, 15),
        D(2024, 3, 1),
        E,
        S("Financiën"),
    ];
    write_rows(sheet, 0, &[header, std::mem::take(&mut row)]);
    sheet.set_column_hidden(4).unwrap();
    book.save(dir.path().join("casussen.xlsx")).unwrap();
    write(dir.path(), "clienten.csv", clients_text(';'));
    let (export, _) = load_ok(dir.path());
    assert_eq!(texts(&export.cases, "Team"), some(&["Noord"]));
}

#[test]
fn row_numbers_of_a_csv_are_lines_after_a_quoted_line_break() {
    let dir = tempfile::tempdir().unwrap();
    // Line 2 holds a quoted line break (lines 2 and 3 are one record); line 4 has an
    // unreadable date, line 5 repeats the case number of line 2.
    let text = format!(
        "{SMALL_CASES_HEADER}\n\
         1001;K1;IT;MW;Noord;Eenrum;15-01-2024;01-03-2024;;\"Financiën\nen Huisvesting\"\n\
         1002;K2;IT;MW;Noord;Eenrum;15-01-2024;31-02-2024;;Financiën\n\
         1003;K3;IT;MW;Noord;Eenrum;15-01-2024;01-03-2024;;Financiën\n"
    );
    write(dir.path(), "casussen.csv", &text);
    write(dir.path(), "clienten.csv", clients_text(';'));
    let (_, quality) = load_ok(dir.path());
    let e = only(&quality, "casussen");
    assert_eq!(
        e.examples,
        vec![4],
        "the line a person finds it on, not the record"
    );
    assert!(
        e.message().starts_with("casussen.csv row 4:"),
        "{}",
        e.message()
    );

    let duplicate = format!("{text}1001;K1;IT;MW;Noord;Eenrum;15-01-2024;01-03-2024;;Financiën\n");
    write(dir.path(), "casussen.csv", duplicate);
    let err = load_err(dir.path(), &lenient());
    assert!(
        err.starts_with("casussen.csv row 6: duplicate Casusnummer: the same value as row 2"),
        "{err}"
    );
}

#[test]
fn line_breaks_and_tabs_inside_a_text_cell_become_one_space() {
    let dir = tempfile::tempdir().unwrap();
    // A team typed over two lines in Regas, a werksoort pasted with a tab: one category
    // each, as a reader would name it, not a second team "Noord\nOost".
    let text = format!(
        "{SMALL_CASES_HEADER}\n\
         1001;K1;IT;\"MW\t\";\"Noord\r\n  Oost\";Eenrum;15-01-2024;01-03-2024;;Financiën\n\
         1002;K2;IT;MW;Noord Oost;Eenrum;15-01-2024;01-03-2024;;Financiën\n"
    );
    write(dir.path(), "casussen.csv", &text);
    write(dir.path(), "clienten.csv", clients_text(';'));
    let (export, quality) = load_ok(dir.path());
    assert!(quality.exclusions.is_empty(), "{:?}", quality.exclusions);
    assert_eq!(
        texts(&export.cases, "Team"),
        some(&["Noord Oost", "Noord Oost"])
    );
    assert_eq!(texts(&export.cases, "Werksoort"), some(&["MW", "MW"]));
}
