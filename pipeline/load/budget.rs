//! The municipality's budget workbook (contracts/budget-workbook.md), as people make them:
//! title rows above the header, empty rows, the author's own subtotals, amounts typed as
//! text, Baten written negative.

use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx, open_workbook};
use serde::Serialize;

use super::LoadError;
use super::amount::parse_amount;
use super::xlsx_table::cell_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Soort {
    Lasten,
    Baten,
}

/// One budget line; every amount of a Baten line is positive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetLine {
    pub domein: String,
    pub thema: String,
    pub onderdeel: String,
    pub soort: Soort,
    pub taakveld: Option<String>,
    pub realisatie_vj: Option<f64>,
    pub begroting_primitief: f64,
    /// Begroting gewijzigd as written; `begroting()` falls back to primitief.
    pub begroting_gewijzigd: Option<f64>,
    pub realisatie: [Option<f64>; 4],
    pub prognose: Option<f64>,
    /// The sheet row, for messages.
    pub row: u32,
}

impl BudgetLine {
    /// Begroting gewijzigd; empty means equal to primitief.
    pub fn begroting(&self) -> f64 {
        self.begroting_gewijzigd.unwrap_or(self.begroting_primitief)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Taakstelling {
    pub domein: String,
    pub omschrijving: String,
    pub bedrag: f64,
    pub gerealiseerd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volume {
    pub domein: String,
    pub onderdeel: String,
    /// `2024Q3`.
    pub kwartaal: String,
    pub clienten: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub file: String,
    pub sha256: String,
    pub lines: Vec<BudgetLine>,
    pub taakstellingen: Vec<Taakstelling>,
    pub volumes: Vec<Volume>,
    /// Author subtotals that disagree with their lines, in Dutch, for the appendix.
    pub notes: Vec<String>,
}

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
const REQUIRED: [&str; 4] = ["Domein", "Thema", "Onderdeel", "Begroting primitief"];

/// `A`, `B`, … `Z`, `AA` for a zero-based column.
pub fn column_letter(mut col: u32) -> String {
    let mut letters = Vec::new();
    col += 1;
    while col > 0 {
        let rem = (col - 1) % 26;
        letters.push(b'A' + rem as u8);
        col = (col - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

struct Sheet<'a> {
    file: &'a str,
    name: &'a str,
    range: Range<Data>,
    /// Absolute (row, col) of the range's first cell.
    top: (u32, u32),
}

impl Sheet<'_> {
    fn cell_ref(&self, row: usize, col: usize) -> String {
        format!(
            "{}!{}{}",
            self.name,
            column_letter(self.top.1 + col as u32),
            self.top.0 + row as u32 + 1
        )
    }

    fn error(&self, message: String) -> LoadError {
        LoadError::Budget {
            file: self.file.to_string(),
            message,
        }
    }

    /// The header row: the first row holding every required name; the map from header to column.
    fn header(&self, required: &[&str]) -> Result<(usize, Vec<(String, usize)>), LoadError> {
        // The row naming most required columns, to say which ones a header lacks.
        let mut closest: Option<(usize, Vec<&str>)> = None;
        for (i, row) in self.range.rows().enumerate() {
            let names: Vec<(String, usize)> = row
                .iter()
                .enumerate()
                .filter_map(|(j, c)| cell_text(c).map(|t| (t.trim().to_lowercase(), j)))
                .collect();
            if required
                .iter()
                .all(|r| names.iter().any(|(n, _)| n == &r.to_lowercase()))
            {
                return Ok((i, names));
            }
            let lacks: Vec<&str> = required
                .iter()
                .filter(|r| !names.iter().any(|(n, _)| n == &r.to_lowercase()))
                .copied()
                .collect();
            if lacks.len() < required.len()
                && closest.as_ref().is_none_or(|(_, l)| lacks.len() < l.len())
            {
                closest = Some((i, lacks));
            }
        }
        let why = match closest {
            Some((i, lacks)) => format!(
                "row {} comes closest but lacks {}",
                self.top.0 + i as u32 + 1,
                lacks.join(", ")
            ),
            None => "expected a row naming all of them".to_string(),
        };
        Err(self.error(format!(
            "sheet {} has no header row with the columns {}: {why}",
            self.name,
            required.join(", ")
        )))
    }

    fn amount(&self, row: usize, col: Option<usize>) -> Result<Option<f64>, LoadError> {
        let Some(col) = col else { return Ok(None) };
        let cell = self.range.get((row, col)).unwrap_or(&Data::Empty);
        let value = match cell {
            Data::Empty => None,
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            Data::String(s) if s.trim().is_empty() => None,
            Data::String(s) => Some(parse_amount(s).ok_or_else(|| {
                self.error(format!(
                    "{} holds {}: expected an amount such as 1.234,56 or € 3.668.000",
                    self.cell_ref(row, col),
                    echo(s.trim())
                ))
            })?),
            Data::Error(e) => {
                return Err(self.error(format!(
                    "{} holds the formula error {e}: expected an amount (the workbook's formula \
                     needs correcting)",
                    self.cell_ref(row, col)
                )));
            }
            other => {
                return Err(self.error(format!(
                    "{} holds {}: expected an amount such as 1.234,56 or € 3.668.000",
                    self.cell_ref(row, col),
                    echo(&cell_text(other).unwrap_or_default())
                )));
            }
        };
        Ok(value)
    }

    /// A text cell, trimmed; `None` when empty. A budget line's name is printed in the
    /// documents, their mail and the log, so hostile text (a control character, a direction
    /// control, more than 200 characters: `table::hostile`) is refused naming the cell, and
    /// never repeated.
    fn text(&self, row: usize, col: Option<usize>) -> Result<Option<String>, LoadError> {
        let Some((col, text)) = col.and_then(|c| Some((c, cell_text(self.range.get((row, c))?)?)))
        else {
            return Ok(None);
        };
        let text = text.trim();
        if super::table::hostile(text) {
            return Err(self.error(format!(
                "{} holds {}: expected plain text",
                self.cell_ref(row, col),
                echo(text)
            )));
        }
        Ok((!text.is_empty()).then(|| text.to_string()))
    }
}

/// A cell's text quoted in a message, unless it is hostile: a message reaches the log and
/// an operator's terminal, where an escape sequence would act.
fn echo(text: &str) -> String {
    if super::table::hostile(text) {
        format!(
            "text with a control character, a direction control or more than {} characters (not \
             repeated here)",
            super::table::MAX_TEXT
        )
    } else {
        format!("'{text}'")
    }
}

fn find(names: &[(String, usize)], column: &str) -> Option<usize> {
    let key = column.to_lowercase();
    names.iter().find(|(n, _)| *n == key).map(|(_, j)| *j)
}

fn open_sheet<'a>(
    book: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    path: &Path,
    file: &'a str,
    name: &'a str,
) -> Result<Option<Sheet<'a>>, LoadError> {
    let Some(actual) = book
        .sheet_names()
        .into_iter()
        .find(|n| n.trim().eq_ignore_ascii_case(name))
    else {
        return Ok(None);
    };
    let range = super::xlsx_table::read_sheet(book, &actual).map_err(|e| LoadError::Budget {
        file: file.to_string(),
        message: format!("sheet {name} cannot be read: {e}"),
    })?;
    let mut range = range;
    // Hidden columns hold drafts and helper figures, at times under a required column's
    // name: blank them so neither the header search nor the lines ever see them.
    if let (Some(start), Some(end)) = (range.start(), range.end()) {
        for col in super::hidden::hidden_columns(path, &actual) {
            if (start.1..=end.1).contains(&col) {
                for row in start.0..=end.0 {
                    range.set_value((row, col), Data::Empty);
                }
            }
        }
    }
    let top = range.start().unwrap_or((0, 0));
    Ok(Some(Sheet {
        file,
        name,
        range,
        top,
    }))
}

/// Reads one budget workbook.
pub fn load_budget(path: &Path, sha256: String) -> Result<Budget, LoadError> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::zipguard::check(path, super::zipguard::MAX_UNPACKED).map_err(|message| {
        LoadError::Budget {
            file: file.clone(),
            message,
        }
    })?;
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| LoadError::Budget {
        file: file.clone(),
        message: format!("not a readable XLSX workbook: {e}"),
    })?;
    let Some(sheet) = open_sheet(&mut book, path, &file, "Begroting")? else {
        return Err(LoadError::Budget {
            file: file.clone(),
            message: format!(
                "no sheet 'Begroting' (found: {}): expected a sheet Begroting with one row per \
                 budget line",
                book.sheet_names().join(", ")
            ),
        });
    };
    let (header_row, names) = sheet.header(&REQUIRED)?;
    let c = |name: &str| find(&names, name);
    let amount_cols: Vec<Option<usize>> = AMOUNT_COLUMNS.iter().map(|n| c(n)).collect();

    let mut lines = Vec::new();
    let mut notes = Vec::new();
    // Lines since the last empty row, and since the last subtotal: what a subtotal covers.
    let mut block: Vec<usize> = Vec::new();
    let mut since_subtotal: Vec<usize> = Vec::new();
    for (i, row) in sheet.range.rows().enumerate().skip(header_row + 1) {
        if row
            .iter()
            .all(|c| cell_text(c).is_none_or(|t| t.trim().is_empty()))
        {
            block.clear();
            since_subtotal.clear();
            continue;
        }
        let onderdeel = sheet.text(i, c("Onderdeel"))?;
        let amounts: Vec<Option<f64>> = amount_cols
            .iter()
            .map(|col| sheet.amount(i, *col))
            .collect::<Result<_, _>>()?;
        let Some(onderdeel) = onderdeel else {
            if amounts.iter().any(Option::is_some) {
                return Err(sheet.error(format!(
                    "{} is empty on a row with amounts: expected the budget line's name (Onderdeel)",
                    sheet.cell_ref(i, c("Onderdeel").unwrap_or(0))
                )));
            }
            continue;
        };
        let lower = onderdeel.to_lowercase();
        if lower.starts_with("totaal") || lower.starts_with("subtotaal") {
            let scope: &[usize] = if since_subtotal.is_empty() {
                &block
            } else {
                &since_subtotal
            };
            let restrict = if lower.contains("baten") {
                Some(Soort::Baten)
            } else if lower.contains("lasten") {
                Some(Soort::Lasten)
            } else {
                None
            };
            let covered: Vec<&BudgetLine> = scope
                .iter()
                .map(|&k| &lines[k])
                .filter(|l: &&BudgetLine| restrict.is_none_or(|s| l.soort == s))
                .collect();
            check_subtotal(
                &sheet,
                i,
                &onderdeel,
                &amounts,
                &amount_cols,
                &covered,
                &mut notes,
            );
            since_subtotal.clear();
            continue;
        }
        // Compared ignoring case, but a refusal quotes the cell as the author typed it.
        let soort = match sheet.text(i, c("Soort"))? {
            None => Soort::Lasten,
            Some(s) if s.eq_ignore_ascii_case("lasten") => Soort::Lasten,
            Some(s) if s.eq_ignore_ascii_case("baten") => Soort::Baten,
            Some(other) => {
                return Err(sheet.error(format!(
                    "{} holds '{other}': expected Lasten or Baten",
                    sheet.cell_ref(i, c("Soort").unwrap_or(0))
                )));
            }
        };
        // Many ledgers write Baten negative: on a Baten line the sign means nothing.
        let fix = |v: Option<f64>| {
            if soort == Soort::Baten {
                v.map(f64::abs)
            } else {
                v
            }
        };
        let required = |k: usize, name: &str| {
            fix(amounts[k]).ok_or_else(|| {
                sheet.error(format!(
                    "{} is empty: expected the {name} of budget line '{onderdeel}'",
                    sheet.cell_ref(i, amount_cols[k].unwrap_or(0))
                ))
            })
        };
        let line = BudgetLine {
            domein: sheet.text(i, c("Domein"))?.ok_or_else(|| {
                sheet.error(format!(
                    "{} is empty: expected the Domein of budget line '{onderdeel}'",
                    sheet.cell_ref(i, c("Domein").unwrap_or(0))
                ))
            })?,
            thema: sheet.text(i, c("Thema"))?.unwrap_or_default(),
            onderdeel: onderdeel.clone(),
            soort,
            taakveld: sheet.text(i, c("Taakveld"))?,
            realisatie_vj: fix(amounts[0]),
            begroting_primitief: required(1, "Begroting primitief")?,
            begroting_gewijzigd: fix(amounts[2]),
            realisatie: [
                fix(amounts[3]),
                fix(amounts[4]),
                fix(amounts[5]),
                fix(amounts[6]),
            ],
            prognose: fix(amounts[7]),
            row: sheet.top.0 + i as u32 + 1,
        };
        block.push(lines.len());
        since_subtotal.push(lines.len());
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(sheet.error("sheet Begroting has no budget lines below its header".into()));
    }

    let taakstellingen = match open_sheet(&mut book, path, &file, "Taakstellingen")? {
        None => Vec::new(),
        Some(s) => read_taakstellingen(&s)?,
    };
    let volumes = match open_sheet(&mut book, path, &file, "Volumes")? {
        None => Vec::new(),
        Some(s) => read_volumes(&s)?,
    };
    Ok(Budget {
        file,
        sha256,
        lines,
        taakstellingen,
        volumes,
        notes,
    })
}

fn check_subtotal(
    sheet: &Sheet,
    row: usize,
    label: &str,
    written: &[Option<f64>],
    columns: &[Option<usize>],
    covered: &[&BudgetLine],
    notes: &mut Vec<String>,
) {
    if covered.is_empty() {
        return;
    }
    let all_baten = covered.iter().all(|l| l.soort == Soort::Baten);
    for (k, name) in AMOUNT_COLUMNS.iter().enumerate() {
        let Some(w) = written[k] else { continue };
        let value = |l: &BudgetLine| -> f64 {
            match k {
                0 => l.realisatie_vj.unwrap_or(0.0),
                1 => l.begroting_primitief,
                2 => l.begroting(),
                3..=6 => l.realisatie[k - 3].unwrap_or(0.0),
                _ => l.prognose.unwrap_or(0.0),
            }
        };
        let sum: f64 = covered
            .iter()
            .map(|l| {
                if l.soort == Soort::Baten {
                    -value(l)
                } else {
                    value(l)
                }
            })
            .sum();
        // A block of Baten alone is often totalled as a positive number.
        let agrees = (w - sum).abs() <= 1.0 || all_baten && (w.abs() - sum.abs()).abs() <= 1.0;
        if !agrees {
            // Named by workbook and cell, like every other load message, so the author can
            // find the subtotal; the expected part is the tolerance the contract allows.
            notes.push(format!(
                "{}, {}: subtotaal '{label}', {name}: {} in het werkblad, {} als som van de \
                 regels erboven (verwacht een verschil van hooguit € 1)",
                sheet.file,
                sheet.cell_ref(row, columns[k].unwrap_or(0)),
                crate::notation::euro(w),
                crate::notation::euro(if all_baten { sum.abs() } else { sum }),
            ));
        }
    }
}

fn read_taakstellingen(s: &Sheet) -> Result<Vec<Taakstelling>, LoadError> {
    let (header, names) = s.header(&["Domein", "Omschrijving", "Bedrag"])?;
    let c = |n: &str| find(&names, n);
    let mut out = Vec::new();
    for i in header + 1..s.range.height() {
        let Some(omschrijving) = s.text(i, c("Omschrijving"))? else {
            continue;
        };
        let bedrag = s.amount(i, c("Bedrag"))?.ok_or_else(|| {
            s.error(format!(
                "{} is empty: expected the Bedrag of taakstelling '{omschrijving}'",
                s.cell_ref(i, c("Bedrag").unwrap_or(0))
            ))
        })?;
        out.push(Taakstelling {
            domein: s.text(i, c("Domein"))?.unwrap_or_default(),
            omschrijving,
            bedrag,
            gerealiseerd: s.amount(i, c("Gerealiseerd"))?,
        });
    }
    Ok(out)
}

fn read_volumes(s: &Sheet) -> Result<Vec<Volume>, LoadError> {
    let (header, names) = s.header(&["Domein", "Onderdeel", "Kwartaal", "Cliënten"])?;
    let c = |n: &str| find(&names, n);
    let mut out = Vec::new();
    for i in header + 1..s.range.height() {
        let (Some(domein), Some(onderdeel)) = (s.text(i, c("Domein"))?, s.text(i, c("Onderdeel"))?)
        else {
            continue;
        };
        let kwartaal_text = s.text(i, c("Kwartaal"))?.unwrap_or_default();
        let kwartaal: crate::Quarter = kwartaal_text.parse().map_err(|_| {
            s.error(format!(
                "{} holds '{kwartaal_text}': expected a quarter like 2024Q3",
                s.cell_ref(i, c("Kwartaal").unwrap_or(0))
            ))
        })?;
        let count = s.amount(i, c("Cliënten"))?;
        let clienten = match count {
            Some(v) if v >= 0.0 && v.fract() == 0.0 => v as i64,
            _ => {
                return Err(s.error(format!(
                    "{} holds '{}': expected a whole number of clients",
                    s.cell_ref(i, c("Cliënten").unwrap_or(0)),
                    s.text(i, c("Cliënten"))?.unwrap_or_default()
                )));
            }
        };
        out.push(Volume {
            domein,
            onderdeel,
            kwartaal: kwartaal.to_string(),
            clienten,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
