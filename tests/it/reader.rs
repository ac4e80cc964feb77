//! The reader's side: every number a person can take out of a finished PDF (its text, as
//! pdftotext gives it, and its alternative texts, from the PDF's structure tree) or mail,
//! and the numbers a document may show: its figures as its view shows them, changes
//! between two shown counts, and its own page, table and chapter numbers, dates and
//! periods.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use pipeline::disclose::Shown;
use pipeline::figures::{FigureKey, Figures, Value};
use pipeline::notation;
use regex::Regex;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap()
}

/// Text with what is no figure taken out: dates, periods, years, quarter labels, page,
/// table and figure numbers, the age bands and scales a label names.
fn without_structure(text: &str) -> String {
    static PATTERNS: OnceLock<Vec<Regex>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        let months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december";
        [
            format!(r"\b\d{{1,2}} ({months})( \d{{4}})?"),
            r"Pagina \d+ van \d+".into(),
            r"\b(Tabel|Figuur|Bijlage) [0-9A-Z]+\b".into(),
            // the contents: a title, dot leaders, its page
            r"(\. ?){3,}\S*\s*\d+".into(),
            // chapter numbers before a heading (the heading's capital is kept)
            r"(?m)^\s*\d+(\.\d+)*\s+(\p{Lu})".into(),
            r"\bQ[1-4]\b".into(),
            r"\b(19|20)\d\d(Q[1-4](-Q[1-4])?)?\b".into(),
            r"\b\d{1,2}-\d{1,2}\b".into(),
            r"\b75\+".into(),
            r"\(v\d+\)|\bv\d+\b".into(),
            r"\(1–10\)|schaal 1–5".into(),
            // the numbers of a numbered list
            r"(?m)^\s*\d+\.\s".into(),
        ]
        .iter()
        .map(|p| re(p))
        .collect()
    });
    let mut out = text.to_string();
    for (i, p) in patterns.iter().enumerate() {
        // the chapter pattern keeps the heading's first letter
        let with = if i == 4 { " $2" } else { " " };
        out = p.replace_all(&out, with).into_owned();
    }
    out
}

/// Every number in `text` as written (`1.234`, `12,3`, `+5,4%`, `<5`, `n<5`), with what
/// is no figure taken out (see [`without_structure`]).
pub fn numbers(text: &str) -> Vec<String> {
    static NUMBER: OnceLock<Regex> = OnceLock::new();
    let number = NUMBER.get_or_init(|| re(r"(n?<\d+)|[+\-−]?\d[\d.]*(,\d+)?%?"));
    let text = without_structure(text);
    number
        .find_iter(&text)
        .map(|m| {
            m.as_str()
                .trim_end_matches('.')
                .trim_start_matches(['+', '-', '−'])
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The numbers a document may show.
#[derive(Debug, Default)]
pub struct Allowed {
    numbers: BTreeSet<String>,
}

impl Allowed {
    pub fn add(&mut self, text: impl Into<String>) {
        let text = text.into();
        for n in numbers(&text) {
            self.numbers.insert(n);
        }
        self.numbers
            .insert(text.trim_start_matches(['+', '-', '−']).to_string());
    }

    /// How a figure's value may be written: a count, a mean with 0 to 2 decimals, a
    /// percentage, an amount (bare, as euros, as a Verschil).
    pub fn value(&mut self, value: Value) {
        // A file's values have two decimals; a document rounds the exact value, which may
        // round the other way at a half: both are the same figure.
        let near = |v: f64| [v, v - 0.005, v + 0.005];
        match value {
            Value::Count(c) => self.add(notation::int(c)),
            Value::Mean(v) => {
                for v in near(v) {
                    for d in 0..=2 {
                        self.add(notation::decimal(v, d));
                    }
                }
            }
            Value::Pct(v) => {
                for v in near(v) {
                    self.add(notation::pct(v));
                }
            }
            Value::Amount(v) => {
                for v in near(v) {
                    self.add(notation::amount(v));
                    self.add(notation::euro(v));
                    self.add(notation::verschil(v));
                }
            }
            Value::Missing => {}
        }
    }

    /// A cell as the view shows it.
    pub fn shown(&mut self, shown: Shown, threshold: u32) {
        match shown {
            Shown::Value(v) => self.value(v),
            Shown::Small => self.add(format!("<{threshold}")),
            Shown::FewRecords => self.add(format!("n<{threshold}")),
            Shown::Withheld | Shown::Missing => {}
        }
    }

    /// Changes between the two years of every count both show as a number: the change
    /// sentences' difference and percentage.
    pub fn changes(&mut self, cells: &HashMap<FigureKey, Shown>) {
        for (key, shown) in cells {
            let Shown::Value(Value::Count(now)) = shown else {
                continue;
            };
            let Some(year) = key.period.get(..4).and_then(|y| y.parse::<i32>().ok()) else {
                continue;
            };
            let before = FigureKey::new(
                key.indicator,
                key.category.as_str(),
                format!("{}{}", year - 1, &key.period[4..]),
            );
            if let Some(Shown::Value(Value::Count(then))) = cells.get(&before)
                && *then != 0
            {
                let diff = now - then;
                self.add(notation::int(diff.abs()));
                self.add(notation::signed_pct(diff as f64 / *then as f64 * 100.0));
            }
        }
    }

    pub fn allows(&self, number: &str) -> bool {
        self.numbers.contains(number)
    }

    /// The numbers of `text` this document may not show, each with its line.
    pub fn strangers(&self, text: &str) -> Vec<String> {
        text.lines()
            .flat_map(|line| {
                numbers(line)
                    .into_iter()
                    .filter(|n| !self.allows(n))
                    .map(move |n| format!("{n} in \"{}\"", line.trim()))
            })
            .collect()
    }
}

/// Every figure of `figures.csv` as the internal edition shows it.
pub fn internal_cells(figures: &Figures) -> HashMap<FigureKey, Shown> {
    figures
        .rows()
        .iter()
        .map(|f| (f.key.clone(), Shown::Value(f.value)))
        .collect()
}

/// The numbers a document whose cells are `cells` may show.
pub fn allowed(cells: &HashMap<FigureKey, Shown>, threshold: u32) -> Allowed {
    let mut a = Allowed::default();
    // Zero is shown as 0: it identifies no one (a category that did not occur, too).
    a.add("0");
    // The rule's own words: `<T`, `n<T`.
    a.add(format!("<{threshold}"));
    a.add(format!("n<{threshold}"));
    for shown in cells.values() {
        a.shown(*shown, threshold);
    }
    a.changes(cells);
    a
}

/// Every figure's alternative text in a PDF (`/Alt` of its structure elements).
pub fn alt_texts(pdf: &Path) -> Vec<String> {
    let bytes = std::fs::read(pdf).unwrap();
    let mut out = Vec::new();
    let key = b"/Alt";
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], key) {
        let mut j = i + at + key.len();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let (text, end) = match bytes.get(j) {
            Some(b'(') => literal(&bytes, j + 1),
            Some(b'<') => hex(&bytes, j + 1),
            _ => (None, j),
        };
        out.extend(text);
        i = end.max(i + at + 1);
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn decode(raw: Vec<u8>) -> String {
    if raw.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = raw[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        raw.into_iter().map(char::from).collect()
    }
}

/// A PDF literal string from just after its `(`.
fn literal(b: &[u8], mut i: usize) -> (Option<String>, usize) {
    let mut raw = Vec::new();
    let mut depth = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                i += 1;
                match b.get(i) {
                    Some(b'n') => raw.push(b'\n'),
                    Some(b'r') => raw.push(b'\r'),
                    Some(b't') => raw.push(b'\t'),
                    Some(b'b') => raw.push(8),
                    Some(b'f') => raw.push(12),
                    Some(d @ b'0'..=b'7') => {
                        let mut v = u32::from(d - b'0');
                        for _ in 0..2 {
                            match b.get(i + 1) {
                                Some(d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        raw.push(v as u8);
                    }
                    Some(b'\r' | b'\n') => {}
                    Some(c) => raw.push(*c),
                    None => break,
                }
            }
            b'(' => {
                depth += 1;
                raw.push(b'(');
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (Some(decode(raw)), i + 1);
                }
                raw.push(b')');
            }
            c => raw.push(c),
        }
        i += 1;
    }
    (None, i)
}

/// A PDF hex string from just after its `<`.
fn hex(b: &[u8], i: usize) -> (Option<String>, usize) {
    let Some(end) = b[i..].iter().position(|c| *c == b'>') else {
        return (None, i);
    };
    let digits: Vec<u8> = b[i..i + end]
        .iter()
        .filter(|c| c.is_ascii_hexdigit())
        .copied()
        .collect();
    let raw = digits
        .chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).unwrap();
            u8::from_str_radix(&format!("{s:0<2}"), 16).unwrap()
        })
        .collect();
    (Some(decode(raw)), i + end + 1)
}

#[test]
fn numbers_are_found_as_a_reader_writes_them_and_structure_is_not() {
    let text = "Tabel 3: Casussen, 1 januari t/m 31 december 2024\n 1 Samenvatting\n Leun- en steun  <5   1.234  12,3  31,1%\n steeg met 76 (+5,4%) 0-17 75+ Q4 2024 Pagina 2 van 13 n<5";
    assert_eq!(
        numbers(text),
        vec!["<5", "1.234", "12,3", "31,1%", "76", "5,4%", "n<5"]
    );
}
