//! The computed figures of one run, keyed by indicator, category and period, and
//! `figures.csv` (contracts/figures.md), written and read with the `csv` crate.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::indicator::{Indicator, Kind};

/// Which figure: an indicator, a value of its breakdown (empty for the total) and a period
/// (`2024Q1-Q4` for the year to date, `2024Q3` for a single quarter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FigureKey {
    pub indicator: Indicator,
    pub category: String,
    pub period: String,
}

impl FigureKey {
    pub fn new(
        indicator: Indicator,
        category: impl Into<String>,
        period: impl Into<String>,
    ) -> Self {
        FigureKey {
            indicator,
            category: category.into(),
            period: period.into(),
        }
    }

    /// The indicator's total (empty category).
    pub fn total(indicator: Indicator, period: impl Into<String>) -> Self {
        FigureKey::new(indicator, "", period)
    }
}

impl FigureKey {
    /// The figure as a reader names it: what is counted, the breakdown value, the period
    /// (`Casussen in behandeling, Leun- en steuncontacten, 1 januari t/m 31 december 2024`).
    pub fn words(&self) -> String {
        let mut parts = vec![self.indicator.label().to_string()];
        if !self.category.is_empty() {
            // A finance figure's category names its Domein, Thema and line, joined by `+`.
            let dimension = if self.indicator.is_financial() {
                "domein+thema+onderdeel"
            } else {
                self.indicator.dimension()
            };
            parts.push(isolated(crate::vocab::category_name(
                dimension,
                &self.category,
            )));
        }
        parts.push(self.period_words());
        parts.join(", ")
    }

    /// The figure's period as a reader names it (`1 januari t/m 31 december 2024`, `Q4 2024`).
    pub fn period_words(&self) -> String {
        match crate::quarter::Period::from_label(&self.period) {
            Some(p) if p.label.contains('-') => crate::notation::period(p.start, p.end),
            Some(p) => crate::Quarter::containing(p.start).label_nl(),
            None => self.period.clone(),
        }
    }
}

/// A name from the data in a line of text and numbers, kept to its own writing direction.
/// A name in Hebrew or Arabic letters pulls what follows it on the line (`: 12 → 13`) into
/// its right-to-left run, and a reader of the mail or the correction list would see
/// `13 → 12`. Such a name is set between Unicode's first-strong isolate and its end (FSI …
/// PDI); any other name is left as it is. (Direction controls never get this far: they are
/// hostile text, refused at load.)
pub fn isolated(name: String) -> String {
    use unicode_bidi::{BidiClass, bidi_class};
    if name
        .chars()
        .any(|c| matches!(bidi_class(c), BidiClass::R | BidiClass::AL))
    {
        format!("\u{2068}{name}\u{2069}")
    } else {
        name
    }
}

impl std::fmt::Display for FigureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.indicator, self.category, self.period)
    }
}

/// A figure's number, with what kind of number it is (which decides how it is written).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Value {
    Count(i64),
    Mean(f64),
    Pct(f64),
    Amount(f64),
    /// Not available, e.g. a mean over no records.
    Missing,
}

impl Value {
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Value::Count(c) => Some(c as f64),
            Value::Mean(v) | Value::Pct(v) | Value::Amount(v) => Some(v),
            Value::Missing => None,
        }
    }

    pub fn count(self) -> Option<i64> {
        match self {
            Value::Count(c) => Some(c),
            _ => None,
        }
    }

    /// As `figures.csv` writes it: counts as integers, everything else with two decimals.
    pub fn csv(self) -> String {
        match self {
            Value::Count(c) => c.to_string(),
            Value::Mean(v) | Value::Pct(v) | Value::Amount(v) => {
                let s = format!("{v:.2}");
                if s == "-0.00" { "0.00".into() } else { s }
            }
            Value::Missing => String::new(),
        }
    }

    /// A value of `indicator` as `figures.csv` wrote it (the inverse of [`Value::csv`]).
    pub fn parse(indicator: Indicator, text: &str) -> Option<Value> {
        if text.is_empty() {
            return Some(Value::Missing);
        }
        Some(match indicator.kind() {
            Kind::Count => Value::Count(text.parse().ok()?),
            Kind::Mean => Value::Mean(text.parse().ok()?),
            Kind::Pct | Kind::AmountPct => Value::Pct(text.parse().ok()?),
            Kind::Amount => Value::Amount(text.parse().ok()?),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub key: FigureKey,
    /// The breakdown's name(s), e.g. `vorm` or `domein+thema`; empty for a total.
    pub dimension: &'static str,
    pub value: Value,
    /// For means and percentages: the records the value was computed over.
    pub n: Option<u64>,
}

/// Every figure of one run, in the order they were computed, with a lookup index.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    rows: Vec<Figure>,
    index: HashMap<FigureKey, usize>,
}

/// A figure the code asked for and the monitor did not produce: a bug, never a zero.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("figure {0} was not computed")]
pub struct MissingFigure(pub FigureKey);

impl Figures {
    /// Adds every figure of `other`, in its order.
    pub fn extend(&mut self, other: Figures) {
        for figure in other.rows {
            self.push(figure);
        }
    }

    /// Adds a figure; one already there under the same key is replaced in place.
    pub fn push(&mut self, figure: Figure) {
        match self.index.get(&figure.key) {
            Some(&i) => self.rows[i] = figure,
            None => {
                self.index.insert(figure.key.clone(), self.rows.len());
                self.rows.push(figure);
            }
        }
    }

    /// A count of `indicator`; `dimension` is the indicator's own unless it has a total's.
    pub fn count(&mut self, key: FigureKey, value: i64) {
        let dimension = if key.category.is_empty() {
            ""
        } else {
            key.indicator.dimension()
        };
        self.push(Figure {
            key,
            dimension,
            value: Value::Count(value),
            n: None,
        });
    }

    pub fn rows(&self) -> &[Figure] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, key: &FigureKey) -> Option<&Figure> {
        self.index.get(key).map(|&i| &self.rows[i])
    }

    /// A figure that must exist.
    pub fn expect(&self, key: &FigureKey) -> Result<&Figure, MissingFigure> {
        self.get(key).ok_or_else(|| MissingFigure(key.clone()))
    }

    /// A count that must exist.
    pub fn count_of(&self, key: &FigureKey) -> Result<i64, MissingFigure> {
        self.expect(key)?
            .value
            .count()
            .ok_or_else(|| MissingFigure(key.clone()))
    }

    /// The categories of an indicator in a period (not its total), in computed order.
    pub fn categories(&self, indicator: Indicator, period: &str) -> Vec<&Figure> {
        self.rows
            .iter()
            .filter(|f| {
                f.key.indicator == indicator && f.key.period == period && !f.key.category.is_empty()
            })
            .collect()
    }

    /// RFC 4180 CSV with LF line ends, as the contract defines. Text that a spreadsheet
    /// would run as a formula is neutralised (see [`neutral`]).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        out.write_record(["indicator", "dimension", "category", "period", "value", "n"])
            .expect("writing to memory");
        for f in &self.rows {
            out.write_record([
                f.key.indicator.code(),
                f.dimension,
                &neutral(&f.key.category),
                &f.key.period,
                &f.value.csv(),
                &f.n.map(|n| n.to_string()).unwrap_or_default(),
            ])
            .expect("writing to memory");
        }
        out.into_inner().expect("writing to memory")
    }

    /// `figures.csv` as written by [`Figures::to_csv`] (a published version's), read back
    /// into figures: how a correction is compared with the version before it.
    pub fn from_csv(bytes: &[u8]) -> Result<Figures, CsvError> {
        #[derive(Deserialize)]
        struct Row {
            indicator: String,
            dimension: String,
            category: String,
            period: String,
            value: String,
            n: String,
        }
        let mut figures = Figures::default();
        let mut reader = csv::Reader::from_reader(bytes);
        for (i, row) in reader.deserialize::<Row>().enumerate() {
            let line = i + 2;
            let row = row.map_err(|e| CsvError {
                line,
                reason: e.to_string(),
            })?;
            let indicator = Indicator::from_code(&row.indicator).ok_or_else(|| CsvError {
                line,
                reason: format!("unknown indicator '{}'", row.indicator),
            })?;
            let value = Value::parse(indicator, &row.value).ok_or_else(|| CsvError {
                line,
                reason: format!("'{}' is no value of {indicator}", row.value),
            })?;
            let dimension = dimension_of(indicator, &row.dimension);
            figures.push(Figure {
                key: FigureKey::new(indicator, unneutral(&row.category), row.period),
                dimension,
                value,
                n: row.n.parse().ok(),
            });
        }
        Ok(figures)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("figures.csv line {line}: {reason}")]
pub struct CsvError {
    pub line: usize,
    pub reason: String,
}

/// The dimension names `figures.csv` uses, as static text.
fn dimension_of(indicator: Indicator, written: &str) -> &'static str {
    const KNOWN: [&str; 3] = ["domein", "domein+thema", "domein+thema+onderdeel"];
    if written.is_empty() {
        ""
    } else if written == indicator.dimension() {
        indicator.dimension()
    } else {
        KNOWN
            .iter()
            .chain(["omschrijving"].iter())
            .find(|d| **d == written)
            .copied()
            .unwrap_or("")
    }
}

/// A text cell as a spreadsheet may open it safely (OWASP, CSV injection): a cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
/// Excel and LibreOffice, so it gets a leading apostrophe. Category names come from the
/// organisation's export, which anyone with access to Regas can type into.
pub fn neutral(text: &str) -> std::borrow::Cow<'_, str> {
    // Text that already starts with apostrophes before a formula character gets one more,
    // so that reading it back (`unneutral`) gives exactly what was written.
    if formula(text.trim_start_matches('\'')) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn unneutral(text: &str) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if formula(rest.trim_start_matches('\'')) => rest.to_string(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Figures {
        let mut f = Figures::default();
        f.count(
            FigureKey::new(Indicator::Verwijzer, "Gemeente: WMO, Jeugd", "2024Q1-Q3"),
            12,
        );
        f.count(
            FigureKey::new(Indicator::Verwijzer, "=HYPERLINK(\"x\")", "2024Q1-Q3"),
            7,
        );
        f.push(Figure {
            key: FigureKey::total(Indicator::Wachttijd, "2024Q1-Q3"),
            dimension: "",
            value: Value::Mean(12.345),
            n: Some(40),
        });
        f.push(Figure {
            key: FigureKey::total(Indicator::Tevredenheid, "2024Q1-Q3"),
            dimension: "",
            value: Value::Missing,
            n: Some(0),
        });
        f
    }

    #[test]
    fn csv_quotes_decimals_and_neutralises_formulas() {
        let text = String::from_utf8(sample().to_csv()).unwrap();
        assert_eq!(
            text,
            "indicator,dimension,category,period,value,n\n\
             ind_verwijzer,verwijzer,\"Gemeente: WMO, Jeugd\",2024Q1-Q3,12,\n\
             ind_verwijzer,verwijzer,\"'=HYPERLINK(\"\"x\"\")\",2024Q1-Q3,7,\n\
             ind_wachttijd,,,2024Q1-Q3,12.35,40\n\
             ind_tevredenheid,,,2024Q1-Q3,,0\n"
        );
    }

    #[test]
    fn csv_reads_back_what_it_wrote() {
        let f = sample();
        let back = Figures::from_csv(&f.to_csv()).unwrap();
        assert_eq!(back.len(), f.len());
        let key = FigureKey::new(Indicator::Verwijzer, "=HYPERLINK(\"x\")", "2024Q1-Q3");
        assert_eq!(back.count_of(&key), Ok(7));
        let wait = back
            .expect(&FigureKey::total(Indicator::Wachttijd, "2024Q1-Q3"))
            .unwrap();
        assert_eq!((wait.value, wait.n), (Value::Mean(12.35), Some(40)));
    }

    /// What a reader sees of a correction's line, laid out as a mail program or a PDF lays
    /// out a line (Unicode's bidirectional algorithm): the numbers in their order, whatever
    /// the writing direction of the name before them.
    #[test]
    fn a_right_to_left_name_does_not_turn_the_numbers_after_it_around() {
        let seen = |line: &str| {
            let info = unicode_bidi::BidiInfo::new(line, None);
            let para = &info.paragraphs[0];
            info.reorder_line(para, para.range.clone()).into_owned()
        };
        for name in ["Zandeweer", "קריית", "الحي", "Team نور"] {
            let key = FigureKey::new(Indicator::Woonplaats, name, "2024Q1-Q4");
            let line = format!("{}: 12 → 13", key.words());
            let expected = format!("{}: 12 → 13", key.period_words());
            assert!(
                seen(&line).contains(&expected),
                "{line:?} is seen as {:?}",
                seen(&line)
            );
            // Without the isolate a right-to-left name takes the period's first number
            // (`1 januari`) into its run: the test can fail.
            let bare = line.replace(['\u{2068}', '\u{2069}'], "");
            assert_eq!(
                seen(&bare).contains(&expected),
                name.is_ascii(),
                "{bare:?} is seen as {:?}",
                seen(&bare)
            );
        }
        let plain = FigureKey::new(Indicator::Woonplaats, "Zandeweer", "2024Q1-Q4").words();
        assert!(!plain.contains(['\u{2068}', '\u{2069}']), "{plain}");
    }

    proptest::proptest! {
        /// Whatever a category holds, `figures.csv` never starts a cell with a formula
        /// character and reads back exactly what was written.
        #[test]
        fn any_category_is_neutralised_and_reads_back(category in "['=+@\\-\t\r]{0,3}.{0,12}") {
            let mut f = Figures::default();
            f.count(FigureKey::new(Indicator::Verwijzer, category.as_str(), "2024Q1-Q3"), 3);
            let bytes = f.to_csv();
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            for record in reader.records() {
                let record = record.unwrap();
                for cell in record.iter().filter(|c| !c.starts_with('\'')) {
                    proptest::prop_assert!(!formula(cell), "{cell:?}");
                }
            }
            let back = Figures::from_csv(&bytes).unwrap();
            let key = FigureKey::new(Indicator::Verwijzer, category.as_str(), "2024Q1-Q3");
            proptest::prop_assert_eq!(back.count_of(&key), Ok(3));
        }
    }

    #[test]
    fn a_figure_not_computed_is_an_error_not_a_zero() {
        let f = sample();
        let key = FigureKey::new(Indicator::Verwijzer, "Onderwijs", "2024Q1-Q3");
        assert_eq!(f.count_of(&key), Err(MissingFigure(key)));
    }
}
