//! The municipal budget workbook of `budget-workbook.md`, made the way a finance
//! department makes one: title rows above the header (the first one a merged cell), a
//! hidden column, amounts now and then typed as Dutch text (`€ 3.668.000`, `1.234,56`,
//! `-/- 500.000`), Baten written negative in themes that mix Lasten and Baten, a refund on
//! a Lasten line, empty rows between blocks and the author's own subtotals — one of which
//! is off by € 1.000, the typo the loader has to report.
//!
//! The subtotals follow the contract's rule exactly (a subtotal covers the lines above it
//! up to the previous subtotal or empty row, Lasten positive and Baten negative), so the
//! typo is the only disagreement a loader should find. Themes that mix Lasten and Baten
//! get no subtotal but an empty row, so the next subtotal does not reach over them.

use std::fs;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::calendar;
use super::random::{Draw, Kind};
use super::{DemoError, io_error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Soort {
    Lasten,
    Baten,
}
use Soort::{Baten, Lasten};

/// Onderdeel, Soort, Taakveld, Begroting primitief 2024 in thousands of euros.
type Item = (&'static str, Soort, &'static str, f64);
type Theme = (&'static str, &'static [Item]);

/// Domein → Thema → lines, as in a mid-sized Dutch municipality.
const BUDGET: [(&str, &[Theme]); 3] = [
    (
        "Wmo",
        &[
            (
                "Huishoudelijke ondersteuning",
                &[
                    ("HO - ZIN", Lasten, "6.71", 3668.0),
                    ("HO - PGB", Lasten, "6.71", 412.0),
                ],
            ),
            (
                "Begeleiding",
                &[
                    ("BG - ZIN", Lasten, "6.71", 3671.0),
                    ("BG - PGB", Lasten, "6.71", 2539.0),
                    ("Dagbesteding - ZIN", Lasten, "6.71", 1850.0),
                    ("Dagbesteding - PGB", Lasten, "6.71", 640.0),
                    ("Kortdurend verblijf", Lasten, "6.71", 180.0),
                ],
            ),
            (
                "Hulpmiddelen en voorzieningen",
                &[
                    ("Woonvoorzieningen", Lasten, "6.6", 820.0),
                    ("Vervoersvoorzieningen", Lasten, "6.6", 540.0),
                    ("Rolstoelvoorzieningen", Lasten, "6.6", 610.0),
                    ("Collectief vervoer", Lasten, "6.6", 1240.0),
                ],
            ),
            (
                "Opvang",
                &[
                    ("Maatschappelijke opvang", Lasten, "6.78", 460.0),
                    ("Vrouwenopvang en Veilig Thuis", Lasten, "6.78", 390.0),
                ],
            ),
            (
                "Algemene voorzieningen",
                &[
                    ("Welzijnswerk", Lasten, "6.1", 2450.0),
                    ("Cliëntondersteuning", Lasten, "6.1", 310.0),
                    ("Mantelzorgondersteuning", Lasten, "6.1", 280.0),
                    ("Vrijwilligerswerk", Lasten, "6.1", 150.0),
                ],
            ),
            (
                "Toegang en uitvoering",
                &[
                    ("Wmo-consulenten", Lasten, "6.2", 1320.0),
                    ("Indicatiestelling en advies", Lasten, "6.2", 260.0),
                ],
            ),
            (
                "Eigen bijdragen",
                &[
                    ("Eigen bijdrage HO", Baten, "6.71", 210.0),
                    ("Eigen bijdrage begeleiding", Baten, "6.71", 95.0),
                    ("Eigen bijdrage hulpmiddelen", Baten, "6.6", 40.0),
                ],
            ),
        ],
    ),
    (
        "Jeugd",
        &[
            (
                "Jeugdhulp ambulant",
                &[
                    ("Ambulante jeugdhulp - ZIN", Lasten, "6.72", 4210.0),
                    ("Ambulante jeugdhulp - PGB", Lasten, "6.72", 520.0),
                    ("Jeugd-GGZ", Lasten, "6.72", 2980.0),
                    ("Dyslexiezorg", Lasten, "6.72", 240.0),
                    ("POH-jeugd", Lasten, "6.72", 310.0),
                ],
            ),
            (
                "Jeugdhulp met verblijf",
                &[
                    ("Pleegzorg", Lasten, "6.73", 1450.0),
                    ("Gezinshuizen", Lasten, "6.73", 980.0),
                    ("Residentiële jeugdhulp", Lasten, "6.73", 2640.0),
                    ("Gesloten jeugdhulp", Lasten, "6.73", 710.0),
                ],
            ),
            (
                "Jeugdbescherming en jeugdreclassering",
                &[
                    ("Jeugdbescherming", Lasten, "6.82", 1180.0),
                    ("Jeugdreclassering", Lasten, "6.82", 220.0),
                ],
            ),
            (
                "Preventie",
                &[
                    ("Jongerenwerk", Lasten, "6.1", 860.0),
                    ("Schoolmaatschappelijk werk", Lasten, "6.1", 540.0),
                    ("Opvoedondersteuning", Lasten, "6.1", 330.0),
                    ("Jeugdgezondheidszorg", Lasten, "7.1", 1290.0),
                ],
            ),
            (
                "Toegang en uitvoering",
                &[
                    ("Toegangsteam jeugd", Lasten, "6.2", 1560.0),
                    ("Regionale inkoop en contractbeheer", Lasten, "6.2", 290.0),
                ],
            ),
            (
                "Bijdragen",
                &[
                    ("Bijdrage regio jeugdhulp", Baten, "6.72", 350.0),
                    ("Specifieke uitkering preventie", Baten, "6.1", 120.0),
                    ("Terugontvangen PGB-middelen", Baten, "6.72", 60.0),
                ],
            ),
        ],
    ),
    (
        "Participatie",
        &[
            (
                "Inkomensregelingen (BUIG)",
                &[
                    ("PW", Lasten, "6.3", 9850.0),
                    ("IOAW", Lasten, "6.3", 640.0),
                    ("IOAZ", Lasten, "6.3", 110.0),
                    ("Bbz levensonderhoud", Lasten, "6.3", 180.0),
                    ("Rijksuitkering BUIG", Baten, "6.3", 10400.0),
                    ("Terugvordering en verhaal", Baten, "6.3", 160.0),
                ],
            ),
            (
                "Re-integratie",
                &[
                    ("Re-integratietrajecten", Lasten, "6.4", 1240.0),
                    ("Loonkostensubsidie", Lasten, "6.4", 1630.0),
                    ("Beschut werk", Lasten, "6.4", 520.0),
                    ("Jobcoaching", Lasten, "6.4", 140.0),
                ],
            ),
            (
                "Sociale werkvoorziening",
                &[
                    ("Wsw - SW-bedrijf", Lasten, "6.4", 5210.0),
                    ("Rijksbijdrage Wsw", Baten, "6.4", 4980.0),
                ],
            ),
            (
                "Minimabeleid",
                &[
                    ("Bijzondere bijstand", Lasten, "6.3", 920.0),
                    ("Individuele inkomenstoeslag", Lasten, "6.3", 310.0),
                    ("Kindpakket", Lasten, "6.3", 190.0),
                    ("Schuldhulpverlening", Lasten, "6.3", 680.0),
                ],
            ),
            (
                "Uitvoering",
                &[
                    ("Uitvoeringskosten Werkplein", Lasten, "6.3", 2140.0),
                    ("Armoederegisseur", Lasten, "6.3", 90.0),
                ],
            ),
        ],
    ),
];

/// The budget amounts above are those of this year; other years move 3 % a year.
const BASE_YEAR: i32 = 2024;

const AMOUNT_COLUMNS: [&str; 8] = [
    "Realisatie vorig jaar",
    "Begroting primitief",
    "Begroting gewijzigd",
    "Realisatie Q1",
    "Realisatie Q2",
    "Realisatie Q3",
    "Realisatie Q4",
    "Prognose",
];
const REALISATIE_VJ: usize = 0;
const PRIMITIEF: usize = 1;
const GEWIJZIGD: usize = 2;
const Q1: usize = 3;
const PROGNOSE: usize = 7;
/// `Kostenplaats` (column F) is not in the contract: the sheet hides it, the loader ignores it.
const TEXT_COLUMNS: [&str; 6] = [
    "Domein",
    "Thema",
    "Onderdeel",
    "Soort",
    "Taakveld",
    "Kostenplaats",
];
const HIDDEN_COLUMN: u16 = 5;
const COLUMN_WIDTHS: [f64; 6] = [14.0, 34.0, 34.0, 8.0, 9.0, 11.0];
/// The header sits below two title rows and an empty row.
pub(super) const HEADER_ROW: u32 = 3;
const QUARTER_SHARE: [f64; 4] = [0.24, 0.25, 0.24, 0.27];

/// The theme whose subtotal the author mistyped by € 1.000 (in Begroting primitief).
const MISTYPED: (&str, &str) = ("Jeugd", "Jeugdhulp met verblijf");
const MISTYPE: f64 = 1000.0;

/// Volumes per quarter: Domein, Onderdeel, typical number of clients.
const VOLUMES: [(&str, &str, f64); 5] = [
    ("Wmo", "HO - ZIN", 1450.0),
    ("Wmo", "BG - ZIN", 610.0),
    ("Jeugd", "Jeugd-GGZ", 780.0),
    ("Jeugd", "Pleegzorg", 95.0),
    ("Participatie", "PW", 1320.0),
];

struct Line {
    domein: &'static str,
    thema: &'static str,
    onderdeel: &'static str,
    taakveld: &'static str,
    soort: Soort,
    /// As the sheet shows it: some Lasten lines leave Soort empty (empty = Lasten).
    soort_written: &'static str,
    kostenplaats: u32,
    /// The amounts as held (Baten positive); None = an empty cell.
    amounts: [Option<f64>; 8],
}

fn round_to(v: f64, unit: f64) -> f64 {
    (v / unit).round() * unit
}

fn cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The budget lines of `year`; only the first `known` quarters have a Realisatie.
fn budget_lines(year: i32, known: usize, draw: &mut Draw) -> Vec<Line> {
    let growth = 1.0 + 0.03 * f64::from(year - BASE_YEAR);
    let mut lines = Vec::new();
    for (domein, themes) in BUDGET {
        for &(thema, items) in themes {
            for &(onderdeel, soort, taakveld, base) in items {
                let primitief = round_to(base * 1000.0 * growth, 1000.0);
                let gewijzigd = round_to(primitief * (1.0 + draw.gauss(0.0, 0.05)), 1000.0);
                let quarters = QUARTER_SHARE
                    .map(|share| cents(gewijzigd * share * (1.0 + draw.gauss(0.0, 0.08))));
                let soort_written = match soort {
                    Lasten if draw.chance(0.2) => "",
                    Lasten => "Lasten",
                    Baten => "Baten",
                };
                let mut amounts = [None; 8];
                amounts[REALISATIE_VJ] = Some(cents(primitief * draw.uniform(0.9, 1.08)));
                amounts[PRIMITIEF] = Some(primitief);
                amounts[GEWIJZIGD] = draw.chance(0.7).then_some(gewijzigd); // empty = primitief
                for (q, &v) in quarters.iter().enumerate().take(known) {
                    amounts[Q1 + q] = Some(v);
                }
                // The expected year total: from the whole year's course, known or not.
                if draw.chance(0.85) {
                    let total: f64 = quarters.iter().sum();
                    amounts[PROGNOSE] =
                        Some(round_to(total * (1.0 + draw.gauss(0.0, 0.01)), 1000.0));
                }
                lines.push(Line {
                    domein,
                    thema,
                    onderdeel,
                    taakveld,
                    soort,
                    soort_written,
                    kostenplaats: 7000 + 10 * lines.len() as u32,
                    amounts,
                });
            }
        }
    }
    // A correction on a Lasten line: a real negative, in Q3 once Q3 is known.
    if known >= 3
        && let Some(refund) = lines
            .iter_mut()
            .find(|l| l.onderdeel == "Kortdurend verblijf")
    {
        refund.amounts[Q1 + 2] = Some(-12_500.0);
    }
    lines
}

enum Cell {
    Empty,
    Number(f64),
    Text(String),
}

/// 1234567 → `1.234.567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A cell as people fill it in, and the amount it then holds: mostly a number, sometimes
/// text in Dutch notation (`€ 3.668.000`, `3.668.000`, `1.234,56`, `-/- 500.000`).
fn as_written(value: Option<f64>, draw: &mut Draw) -> (Cell, Option<f64>) {
    let Some(v) = value else {
        return (Cell::Empty, None);
    };
    if draw.unit() >= 0.15 {
        return (Cell::Number(v), Some(v));
    }
    let style = draw.below(3);
    let v = if style < 2 { v.round() } else { v }; // typed in whole euros
    let cents = (v.abs() * 100.0).round() as u64;
    let whole = thousands(cents / 100);
    let text = match style {
        0 => format!("€ {whole}"),
        1 => whole,
        _ => format!("{whole},{:02}", cents % 100),
    };
    let text = if v < 0.0 { format!("-/- {text}") } else { text };
    (Cell::Text(text), Some(v))
}

/// The author's subtotal of `block`, per amount column, by the contract's rule: Lasten
/// positive, Baten negative, an empty Begroting gewijzigd counting as primitief, and an
/// empty column left empty.
fn subtotal(block: &[Line], skew: f64) -> [Option<f64>; 8] {
    std::array::from_fn(|col| {
        let mut sum = None;
        for line in block {
            let value = if col == GEWIJZIGD {
                line.amounts[GEWIJZIGD].or(line.amounts[PRIMITIEF])
            } else {
                line.amounts[col]
            };
            if let Some(v) = value {
                let signed = if line.soort == Baten { -v.abs() } else { v };
                sum = Some(sum.unwrap_or(0.0) + signed);
            }
        }
        sum.map(|s| cents(if col == PRIMITIEF { s + skew } else { s }))
    })
}

fn excel_datetime(day: NaiveDate, hour: u16) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)?
        .and_hms(hour, 0, 0)
}

fn build(year: i32, until: NaiveDate, export: NaiveDate, seed: u64) -> Result<Vec<u8>, XlsxError> {
    let mut draw = Draw::stream(seed, Kind::Budget, year as u64);
    let known = calendar::quarters_ended(year, until);
    let mut lines = budget_lines(year, known, &mut draw);

    let mut book = Workbook::new();
    // Fixed properties: rust_xlsxwriter would otherwise stamp the file with the clock.
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("Begroting en realisatie {year}"))
            .set_author("Gemeente Noorderkwartier, team Financiën")
            .set_company("Gemeente Noorderkwartier")
            .set_creation_datetime(&excel_datetime(export, 9)?),
    );
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    let bold_amount = Format::new().set_bold().set_num_format("#,##0.00");
    let last_col = (TEXT_COLUMNS.len() + AMOUNT_COLUMNS.len() - 1) as u16;

    let sheet = book.add_worksheet();
    sheet.set_name("Begroting")?;
    sheet.merge_range(0, 0, 0, last_col, "Gemeente Noorderkwartier", &title)?;
    sheet.write_string(
        1,
        0,
        format!("Monitor Sociaal Domein — begroting en realisatie {year} (bedragen in euro's)"),
    )?;
    for (col, name) in TEXT_COLUMNS.iter().chain(AMOUNT_COLUMNS.iter()).enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *name, &bold)?;
    }
    let amount_col = |i: usize| (TEXT_COLUMNS.len() + i) as u16;

    let mut row = HEADER_ROW + 1;
    let mut first = 0;
    for (domein, themes) in BUDGET {
        for &(thema, items) in themes {
            let block = &mut lines[first..first + items.len()];
            first += items.len();
            let mixed =
                block.iter().any(|l| l.soort == Baten) && block.iter().any(|l| l.soort == Lasten);
            for line in block.iter_mut() {
                // Where a theme mixes Lasten and Baten, this ledger writes Baten negative.
                let sign = if mixed && line.soort == Baten {
                    -1.0
                } else {
                    1.0
                };
                let texts = [
                    line.domein,
                    line.thema,
                    line.onderdeel,
                    line.soort_written,
                    line.taakveld,
                    &line.kostenplaats.to_string(),
                ];
                for (col, text) in texts.iter().enumerate() {
                    if !text.is_empty() {
                        sheet.write_string(row, col as u16, *text)?;
                    }
                }
                for (i, held) in line.amounts.iter_mut().enumerate() {
                    let (cell, written) = as_written(held.map(|v| sign * v), &mut draw);
                    *held = written.map(|v| sign * v);
                    match cell {
                        Cell::Empty => {}
                        Cell::Number(v) => {
                            sheet.write_number_with_format(row, amount_col(i), v, &amount)?;
                        }
                        Cell::Text(t) => {
                            sheet.write_string(row, amount_col(i), t)?;
                        }
                    }
                }
                row += 1;
            }
            if mixed {
                row += 1; // an empty row ends the block instead of a subtotal
                continue;
            }
            let skew = if (domein, thema) == MISTYPED {
                MISTYPE
            } else {
                0.0
            };
            sheet.write_string_with_format(row, 0, domein, &bold)?;
            sheet.write_string_with_format(row, 1, thema, &bold)?;
            sheet.write_string_with_format(row, 2, format!("Subtotaal {thema}"), &bold)?;
            for (i, sum) in subtotal(block, skew).into_iter().enumerate() {
                if let Some(v) = sum {
                    sheet.write_number_with_format(row, amount_col(i), v, &bold_amount)?;
                }
            }
            row += 1;
        }
        row += 1; // an empty row between domains
    }
    for (col, width) in COLUMN_WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    for i in 0..AMOUNT_COLUMNS.len() {
        sheet.set_column_width(amount_col(i), 15)?;
    }
    sheet.set_column_hidden(HIDDEN_COLUMN)?;

    let sheet = book.add_worksheet();
    sheet.set_name("Taakstellingen")?;
    for (col, name) in [
        "Domein",
        "Omschrijving",
        "Bedrag",
        "Gerealiseerd",
        "Toelichting",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    let tasks: [(&str, &str, f64, Option<f64>, String); 4] = [
        (
            "Wmo",
            "Herindicatie huishoudelijke ondersteuning",
            250_000.0,
            Some(180_000.0),
            "Loopt achter door personeelstekort".into(),
        ),
        (
            "Wmo",
            "Normering begeleiding",
            150_000.0,
            Some(150_000.0),
            String::new(),
        ),
        (
            "Jeugd",
            "Regionale inkoop jeugdhulp",
            400_000.0,
            Some(310_000.0),
            format!("Effect pas in {} volledig", year + 1),
        ),
        (
            "Participatie",
            "Uitstroom bijstand",
            300_000.0,
            None,
            String::new(),
        ),
    ];
    for (i, (domein, omschrijving, bedrag, gerealiseerd, toelichting)) in tasks.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, *domein)?;
        sheet.write_string(row, 1, *omschrijving)?;
        sheet.write_number(row, 2, *bedrag)?;
        if let Some(v) = gerealiseerd {
            sheet.write_number(row, 3, *v)?;
        }
        if !toelichting.is_empty() {
            sheet.write_string(row, 4, toelichting)?;
        }
    }
    sheet.set_column_width(1, 42)?;
    sheet.set_column_width(4, 40)?;

    // Volumes of the quarters that have ended, like the realisation.
    let sheet = book.add_worksheet();
    sheet.set_name("Volumes")?;
    for (col, name) in ["Domein", "Onderdeel", "Kwartaal", "Cliënten"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    let mut row = 1;
    for (domein, onderdeel, base) in VOLUMES {
        for q in 1..=known {
            sheet.write_string(row, 0, domein)?;
            sheet.write_string(row, 1, onderdeel)?;
            sheet.write_string(row, 2, format!("{year}Q{q}"))?;
            sheet.write_number(row, 3, (base * (1.0 + draw.gauss(0.0, 0.04))).trunc())?;
            row += 1;
        }
    }

    book.save_to_buffer()
}

/// Writes `begroting-<year>.xlsx` at `path`.
pub(super) fn write(
    path: &Path,
    year: i32,
    until: NaiveDate,
    export: NaiveDate,
    seed: u64,
) -> Result<(), DemoError> {
    let bytes = build(year, until, export, seed).map_err(|source| DemoError::Xlsx {
        path: path.to_path_buf(),
        source,
    })?;
    fs::write(path, bytes).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_amount_text() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(3_668_000), "3.668.000");
        assert_eq!(thousands(12_500), "12.500");
    }
}
