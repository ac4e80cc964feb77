//! One export table, from its file to a typed, checked frame.
//!
//! CSV and XLSX take different roads to a frame of text columns named after the contract;
//! from there one path parses and checks every value. A plain CSV file (what Regas writes:
//! no quotes, every value as written) takes a short road instead (`load/plain.rs`), which
//! reads it to the same frame in one pass per core. A row with a defect is excluded and
//! counted by kind; a defect that makes the whole table untrustworthy stops the run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::LoadError;
use super::dates;
use super::plain;
use super::quality::{Exclusion, FileRead, MAX_EXAMPLES};
use super::text;
use super::xlsx_table;
use crate::pull::{CsvOptions, Encoding};
use crate::spelling::{Unknown, respell};

/// The file row a person finds a record on (header = row 1; sheet row for XLSX).
pub const ROW: &str = "__row";
const DEFECT: &str = "__defect";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    Date,
    /// A date, or only a year (taken as 1 July of that year).
    BirthDate,
    Int {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
    },
    /// The three support forms, mapped to their codes IA / LS / IT.
    Form,
    Gender,
    /// ZRM row type: `Meting` (the default) or `Doel`.
    ZrmType,
    YesNo,
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    /// The column must be in the file.
    pub required: bool,
    /// Every row must hold a value.
    pub value_required: bool,
}

pub const fn col_spec(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: true,
        value_required: false,
    }
}

impl ColumnSpec {
    pub const fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub const fn value_required(mut self) -> Self {
        self.value_required = true;
        self
    }
}

#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub required: bool,
    /// A column whose values must be unique.
    pub key: Option<&'static str>,
    pub columns: &'static [ColumnSpec],
}

/// What the organisation's config says about one table's headers and values.
#[derive(Debug, Default, Clone)]
pub struct Mapping {
    /// Contract column → the organisation's header text.
    pub headers: BTreeMap<String, String>,
    /// Contract column → (lower-case alias → canonical value).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A row-level check beyond the value parsing: a condition on the parsed columns that marks
/// a row defective with a Dutch description.
pub struct RowCheck {
    pub kind: String,
    pub defective: Expr,
}

/// A column naming a row of a table loaded earlier (a contact's case). Its text is
/// replaced by that row's index, so the check that the row exists and the encoding to a
/// small integer are one hash lookup per value; a value naming no row excludes its row.
pub struct Reference {
    pub column: &'static str,
    /// The defect's description.
    pub kind: String,
    pub rows: Arc<KeyRows>,
}

pub use super::key_index::KeyRows;

/// The index of a loaded table's rows by `column`, whose values are unique.
pub fn row_index(frame: &DataFrame, column: &str) -> Arc<KeyRows> {
    let keys = frame.column(column).and_then(|c| c.str().cloned());
    let rows = keys.as_ref().map_or_else(
        |_| Ok(KeyRows::Hashed(PlHashMap::new())),
        |keys| KeyRows::build(|| positioned(keys)),
    );
    // The uniqueness check passed when the table loaded, so no key repeats.
    Arc::new(rows.unwrap_or_else(|_| KeyRows::Hashed(PlHashMap::new())))
}

/// Every key present with its position in the column.
fn positioned(keys: &StringChunked) -> impl Iterator<Item = (u32, &str)> {
    keys.iter()
        .enumerate()
        .filter_map(|(i, k)| Some((i as u32, k?)))
}

/// The row each key names, null where it names none.
fn look_up(c: Column, rows: &KeyRows) -> PolarsResult<Column> {
    let codes: UInt32Chunked = c
        .str()?
        .iter()
        .map(|v| v.and_then(|k| rows.get(k)))
        .collect();
    Ok(codes.with_name(c.name().clone()).into_column())
}

/// A table's good rows and what was excluded.
pub struct Loaded {
    pub frame: DataFrame,
    pub file: FileRead,
    pub exclusions: Vec<Exclusion>,
    /// The frame's rows by the table's key, when the uniqueness check's index of the rows
    /// read is also that of the rows kept (nothing was excluded, the rule).
    pub key_rows: Option<Arc<KeyRows>>,
}

/// Where a table's rows came from, for messages.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// For a CSV file: where each record starts, worked out when a message first needs it.
    lines: Option<Arc<Lines>>,
}

/// The line each record of a CSV file starts on, when a quoted field holds a line break
/// (then record and line numbers differ); read once, only for a message.
#[derive(Debug)]
struct Lines {
    path: std::path::PathBuf,
    starts: std::sync::OnceLock<Option<Vec<u64>>>,
}

impl Lines {
    /// `None` when no quoted field holds a line break: every record is one line.
    fn starts(&self) -> Option<&Vec<u64>> {
        self.starts
            .get_or_init(|| {
                let bytes = std::fs::read(&self.path).ok()?;
                record_starts(&bytes)
            })
            .as_ref()
    }
}

/// The line (from 1) each record starts on; `None` when that is every line in turn.
fn record_starts(bytes: &[u8]) -> Option<Vec<u64>> {
    let mut starts = vec![1u64];
    let (mut line, mut quoted, mut broken) = (1u64, false, false);
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' => {
                line += 1;
                if quoted {
                    broken = true;
                } else {
                    starts.push(line);
                }
            }
            _ => {}
        }
    }
    broken.then_some(starts)
}

impl Origin {
    fn sheet(file: String, sheet: String) -> Origin {
        Origin {
            file,
            sheet: Some(sheet),
            lines: None,
        }
    }

    fn csv(file: String, path: &Path) -> Origin {
        Origin {
            file,
            sheet: None,
            lines: Some(Arc::new(Lines {
                path: path.to_path_buf(),
                starts: std::sync::OnceLock::new(),
            })),
        }
    }

    /// The number a person finds `row` under (header = row 1): for a CSV file the line its
    /// record starts on, which differs from the record's number after a quoted line break.
    pub fn line(&self, row: u64) -> u64 {
        self.lines
            .as_ref()
            .and_then(|l| l.starts())
            .and_then(|starts| starts.get(row.saturating_sub(1) as usize).copied())
            .unwrap_or(row)
    }

    pub fn row(&self, row: u64) -> String {
        let row = self.line(row);
        match &self.sheet {
            Some(sheet) => format!("{}, sheet {sheet}, row {row}", self.file),
            None => format!("{} row {row}", self.file),
        }
    }
}

/// Finds `<table>.csv` or `<table>.xlsx` in the snapshot folder, ignoring case; else a
/// workbook holding a sheet named after the table (one workbook with a sheet per table).
pub fn find_file(folder: &Path, table: &str) -> Result<Option<std::path::PathBuf>, LoadError> {
    let entries = std::fs::read_dir(folder).map_err(|e| LoadError::Unreadable {
        file: folder.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut found = None;
    let mut workbooks = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_lowercase();
        for ext in ["csv", "xlsx"] {
            if name == format!("{table}.{ext}") && (found.is_none() || ext == "csv") {
                found = Some(entry.path());
            }
        }
        if name.ends_with(".xlsx") {
            workbooks.push(entry.path());
        }
    }
    if found.is_none() {
        workbooks.sort();
        found = workbooks.into_iter().find(|w| {
            super::hidden::sheet_names(w)
                .iter()
                .any(|s| s.trim().eq_ignore_ascii_case(table))
        });
    }
    Ok(found)
}

/// The raw text of a table: every contract column present (absent optional ones as nulls),
/// renamed to the contract's name, plus the row number.
fn read_raw(
    path: &Path,
    spec: &TableSpec,
    mapping: &Mapping,
    csv: &CsvOptions,
) -> Result<(LazyFrame, Origin, Option<plain::Layout>), LoadError> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        let (frame, sheet) = xlsx_table::read(path, spec.name)?;
        let origin = Origin::sheet(file, sheet);
        let headers: Vec<String> = frame
            .get_column_names()
            .iter()
            .filter(|n| n.as_str() != ROW)
            .map(|n| n.to_string())
            .collect();
        let select = select_mapped(spec, mapping, &headers, &origin)?;
        return Ok((frame.lazy().select(select), origin, None));
    }
    let origin = Origin::csv(file.clone(), path);
    let unreadable = |e: &dyn std::fmt::Display| LoadError::Unreadable {
        file: file.clone(),
        reason: e.to_string(),
    };
    let encoding = match csv.encoding {
        Some(e) => e,
        None => text::detect_encoding(path).map_err(|e| unreadable(&e))?,
    };
    let header = text::header_line(path, encoding).map_err(|e| unreadable(&e))?;
    if header.trim().is_empty() {
        return Err(LoadError::Unreadable {
            file,
            reason: "the file is empty: expected a header line".into(),
        });
    }
    let delimiter = csv
        .delimiter
        .map(|c| c as u8)
        .unwrap_or_else(|| text::sniff_delimiter(&header));
    let headers = text::split_header(&header, delimiter);
    let select = select_mapped(spec, mapping, &headers, &origin)?;
    // Two fields of one name are told apart by Polars' own renaming, which the short road
    // does not copy.
    let unique = headers
        .iter()
        .enumerate()
        .all(|(i, h)| !headers[..i].contains(h));
    let layout = (encoding == Encoding::Utf8 && unique).then(|| plain::Layout {
        delimiter,
        fields: headers.len(),
        positions: positions(spec, mapping, &headers),
    });
    if let Some(cut) =
        text::cut_off_row(path, delimiter, headers.len()).map_err(|e| unreadable(&e))?
    {
        let quote = if cut.in_quotes {
            ", inside a quoted value,"
        } else {
            ""
        };
        return Err(LoadError::Unreadable {
            file,
            reason: format!(
                "the file stops in the middle of its last row: line {} has {} of the header's {} fields{quote} and no line end (was the export still being written?); nothing is published, deliver the whole file again",
                cut.line,
                cut.fields,
                headers.len()
            ),
        });
    }

    let reader = match encoding {
        Encoding::Utf8 => LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref())),
        Encoding::Windows1252 => {
            let bytes = std::fs::read(path).map_err(|e| unreadable(&e))?;
            let utf8 = text::transcode_1252(&bytes);
            LazyCsvReader::new_with_sources(ScanSources::Buffers(Arc::from(vec![
                polars_buffer::Buffer::from(utf8),
            ])))
        }
    };
    let frame = reader
        .with_has_header(true)
        .with_separator(delimiter)
        .with_infer_schema_length(Some(0))
        .with_row_index(Some(RowIndex {
            name: ROW.into(),
            offset: 2,
        }))
        .finish()
        .map_err(|e| unreadable(&e))?;
    Ok((frame.select(select), origin, layout))
}

/// The header each contract column is read from: the configured header wins over the
/// contract's name when both are present.
fn header_of(column: &ColumnSpec, mapping: &Mapping, headers: &[String]) -> Option<usize> {
    let wanted: Vec<String> = std::iter::once(column.name.to_string())
        .chain(mapping.headers.get(column.name).cloned())
        .map(|h| text::header_key(&h))
        .collect();
    wanted
        .iter()
        .rev()
        .find_map(|w| headers.iter().position(|h| text::header_key(h) == *w))
}

/// Per contract column, the position of the field it is read from.
fn positions(spec: &TableSpec, mapping: &Mapping, headers: &[String]) -> Vec<Option<usize>> {
    spec.columns
        .iter()
        .map(|c| header_of(c, mapping, headers))
        .collect()
}

/// The expressions that pick each contract column out of the file's headers.
fn select_mapped(
    spec: &TableSpec,
    mapping: &Mapping,
    headers: &[String],
    origin: &Origin,
) -> Result<Vec<Expr>, LoadError> {
    let mut select = vec![col(ROW)];
    for column in spec.columns {
        let alias = mapping.headers.get(column.name);
        match header_of(column, mapping, headers) {
            Some(i) => select.push(
                col(headers[i].as_str())
                    .cast(DataType::String)
                    .alias(column.name),
            ),
            None if column.required => {
                return Err(LoadError::MissingColumn {
                    file: origin.file.clone(),
                    table: spec.name.to_string(),
                    column: column.name.to_string(),
                    aliases: alias
                        .map(|a| format!(" (configured header: \"{a}\")"))
                        .unwrap_or_default(),
                    found: headers
                        .iter()
                        .map(|h| h.trim().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            None => select.push(lit(NULL).cast(DataType::String).alias(column.name)),
        }
    }
    Ok(select)
}

/// Trimmed text with empty as null.
fn cleaned(name: &str) -> Expr {
    col(name).map(clean_column, |_, f| {
        Ok(Field::new(f.name().clone(), DataType::String))
    })
}

/// Trims every value and makes empty ones null. Exports are mostly clean already: a column
/// that needs nothing is passed on as it is, without copying tens of millions of strings.
fn clean_column(c: Column) -> PolarsResult<Column> {
    let text = c.str()?;
    // Most values start and end with a visible ASCII character: two byte tests instead of
    // a Unicode trim per value.
    let dirty = |s: &str| match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => false,
        _ => s.is_empty() || s.trim().len() != s.len(),
    };
    if !text.iter().any(|v| v.is_some_and(dirty)) {
        return Ok(c);
    }
    let out: StringChunked = text
        .iter()
        .map(|v| v.map(str::trim).filter(|s| !s.is_empty()))
        .collect();
    Ok(out.with_name(c.name().clone()).into_column())
}

/// The longest text value taken as data: names of teams, villages, referrers are short; a
/// longer value is a pasted document or an attack, not a category.
pub const MAX_TEXT: usize = 200;

/// Whether a text value holds a control character (C0 other than a line break or tab, DEL
/// or C1), a direction control ([`direction_control`]) or is longer than [`MAX_TEXT`]
/// characters.
pub fn hostile(text: &str) -> bool {
    // Nearly every value is short printable ASCII: one pass the compiler vectorises decides
    // those, the rest take the exact checks.
    let printable = text
        .bytes()
        .fold(true, |ok, b| ok & (b.wrapping_sub(0x20) < 0x5f));
    if printable && text.len() <= MAX_TEXT {
        return false;
    }
    text.len() > MAX_TEXT && text.chars().count() > MAX_TEXT
        || text
            .bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t')) || b == 0x7f)
        || !text.is_ascii()
            && text
                .chars()
                .any(|c| ('\u{80}'..='\u{9f}').contains(&c) || direction_control(c))
}

/// Unicode's explicit direction controls: the marks (ALM, LRM, RLM), embeddings, overrides
/// and isolates. Invisible themselves, they turn around what follows them on the line: a
/// team named `Noord` + RLM makes a mail's `Noord, 2024: 12 → 13` read `13 → 12`, and an
/// override prints `13` as `31` ("Trojan Source"). No name of a team, village or budget
/// line needs one.
pub fn direction_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a value holds a line break or a tab.
pub(super) fn has_break(s: &str) -> bool {
    // A value with no byte below a space has neither; that test is branch-free and
    // vectorised, and decides nearly every value.
    s.bytes().fold(false, |low, b| low | (b < 0x20))
        && s.bytes().any(|b| matches!(b, b'\n' | b'\r' | b'\t'))
}

/// Line breaks and tabs inside a value, each run of them one space.
fn spaced_column(c: Column) -> PolarsResult<Column> {
    let text = c.str()?;
    if !text.iter().any(|v| v.is_some_and(has_break)) {
        return Ok(c);
    }
    let out: StringChunked = text
        .iter()
        .map(|v| {
            v.map(|s| {
                s.split(['\n', '\r', '\t'])
                    .filter(|part| !part.is_empty())
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
        .collect();
    Ok(out.with_name(c.name().clone()).into_column())
}

fn hostile_column(c: Column) -> PolarsResult<Column> {
    let text = c.str()?;
    if !text.iter().any(|v| v.is_some_and(hostile)) {
        return Ok(BooleanChunked::full(c.name().clone(), false, text.len()).into_column());
    }
    let out: BooleanChunked = text.iter().map(|v| Some(v.is_some_and(hostile))).collect();
    Ok(out.with_name(c.name().clone()).into_column())
}

/// Maps text case-insensitively onto canonical values; unknown values become null.
fn canonical(text: Expr, values: &[(&str, &str)]) -> Expr {
    respell(text, values, Unknown::Null)
}

/// Whether a plain CSV file may take the short road ([`plain`]); the general road reads
/// every file, and the tests hold the two to the same result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Road {
    Short,
    // Only the tests take it by choice.
    #[cfg_attr(not(test), allow(dead_code))]
    General,
}

/// Reads, parses and checks one table. `checks` run on the parsed columns.
#[allow(clippy::too_many_arguments)]
pub fn load(
    road: Road,
    path: &Path,
    spec: &TableSpec,
    mapping: &Mapping,
    csv: &CsvOptions,
    checks: Vec<RowCheck>,
    references: Vec<Reference>,
    sha256: String,
) -> Result<Loaded, LoadError> {
    let (raw, origin, layout) = read_raw(path, spec, mapping, csv)?;
    let parsed = parse(spec, mapping);
    let short = layout.filter(|_| road == Road::Short).and_then(|layout| {
        plain::read(
            path,
            &layout,
            spec,
            mapping,
            &references,
            parsed.kinds.len(),
        )
    });
    tracing::debug!(
        table = spec.name,
        short = short.is_some(),
        "read on the short road when plain"
    );
    let mut kinds = parsed.kinds;
    let short_road = short.is_some();
    let mut with_values = match short {
        // Already typed, flagged and with its references looked up.
        Some(frame) => frame.lazy(),
        None => raw
            .select(parsed.texts)
            .with_columns(parsed.values)
            .select(parsed.finals),
    };
    // Checks across columns and tables look at the parsed values.
    let mut check_exprs = Vec::new();
    for c in checks {
        check_exprs.push(c.defective.fill_null(lit(false)).alias(flag(kinds.len())));
        kinds.push(c.kind);
    }
    let mut lookups = Vec::new();
    for r in references {
        let rows = r.rows;
        if !short_road {
            lookups.push(
                col(r.column)
                    .map(
                        move |c| look_up(c, &rows),
                        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
                    )
                    .alias(r.column),
            );
        }
        // An empty value is already flagged as missing, which is named first.
        check_exprs.push(col(r.column).is_null().alias(flag(kinds.len())));
        kinds.push(r.kind);
    }
    if !lookups.is_empty() {
        with_values = with_values.with_columns(lookups);
    }
    let frame = if check_exprs.is_empty() {
        with_values
    } else {
        with_values.with_columns(check_exprs)
    };
    let any = (0..kinds.len()).fold(lit(false), |acc, i| acc.or(col(flag(i).as_str())));
    let all = frame
        .with_column(any.alias(DEFECT))
        .collect()
        .map_err(|e| LoadError::Unreadable {
            file: origin.file.clone(),
            reason: e.to_string(),
        })?;
    let rows = all.height() as u64;
    let keyed = match spec.key {
        Some(key) => Some(check_unique(&all, key, &origin)?),
        None => None,
    };
    let (frame, exclusions) = set_defects_apart(all, kinds, spec, &origin)?;
    Ok(Loaded {
        key_rows: keyed.filter(|_| exclusions.is_empty()),
        frame,
        file: FileRead {
            table: spec.name.to_string(),
            file: origin.file.clone(),
            rows,
            sha256,
        },
        exclusions,
    })
}

/// Defect flag `i` is the column `__d{i}`.
pub(super) fn flag(i: usize) -> String {
    format!("__d{i}")
}

/// The expressions that parse a table's columns, in stages, so that every column is
/// trimmed once and parsed once however many checks look at it: text, then values, then
/// the values under their own names with a defect flag per check beside them. Exports run
/// to tens of millions of rows; an expression repeated per check is a pass over all of
/// them.
struct Parsing {
    texts: Vec<Expr>,
    values: Vec<Expr>,
    finals: Vec<Expr>,
    /// The defect each flag column stands for, in flag order.
    kinds: Vec<String>,
}

fn value_name(name: &str) -> String {
    format!("__v_{name}")
}

fn parse(spec: &TableSpec, mapping: &Mapping) -> Parsing {
    let mut texts = vec![col(ROW)];
    let mut values = vec![col(ROW)];
    let mut flags: Vec<(Expr, String)> = Vec::new();
    for c in spec.columns {
        texts.push(text_of(c, mapping).alias(c.name));
        let (value, defect) = value_of(c);
        if c.value_required {
            let t = col(c.name);
            let vc = col(value_name(c.name).as_str());
            // The kind says what was expected, as every load message must.
            let (missing, expected) = match c.kind {
                Kind::Date | Kind::BirthDate => (vc.is_null(), "een datum"),
                _ => (t.is_null(), "een waarde"),
            };
            flags.push((
                missing,
                format!("{} ontbreekt (verwacht {expected})", c.name),
            ));
        }
        flags.extend(defect);
        values.push(value.alias(value_name(c.name).as_str()));
    }
    // The values under their own names, the flags beside them; a ZRM type left empty is a
    // Meting, an unreadable date is no date.
    let mut finals = vec![col(ROW)];
    for c in spec.columns {
        let vc = col(value_name(c.name).as_str());
        let value = match c.kind {
            Kind::Date | Kind::BirthDate => {
                when(vc.clone().eq(lit(dates::UNREADABLE).cast(DataType::Date)))
                    .then(lit(NULL).cast(DataType::Date))
                    .otherwise(vc)
            }
            Kind::ZrmType => vc.fill_null(lit("Meting")),
            _ => vc,
        };
        finals.push(value.alias(c.name));
    }
    let mut kinds = Vec::new();
    for (cond, kind) in flags {
        finals.push(cond.fill_null(lit(false)).alias(flag(kinds.len())));
        kinds.push(kind);
    }
    Parsing {
        texts,
        values,
        finals,
        kinds,
    }
}

/// A column's text as the values are read from it: trimmed, configured spellings applied.
fn text_of(c: &ColumnSpec, mapping: &Mapping) -> Expr {
    match c.kind {
        // The date parser trims and treats blank as empty itself.
        Kind::Date | Kind::BirthDate => col(c.name),
        _ => match mapping.values.get(c.name) {
            Some(map) if !map.is_empty() => {
                let pairs: Vec<(&str, &str)> =
                    map.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                respell(cleaned(c.name), &pairs, Unknown::Keep)
            }
            _ => cleaned(c.name),
        },
    }
}

/// A column's value of its kind, and the defect (flag, name) of a value that does not read.
fn value_of(c: &ColumnSpec) -> (Expr, Option<(Expr, String)>) {
    let t = col(c.name);
    let present = t.clone().is_not_null();
    let vc = col(value_name(c.name).as_str());
    match c.kind {
        // Text reaches figures, documents and spreadsheets as written: control
        // characters (a NUL, an escape sequence) and runaway values stop here.
        Kind::Text => (
            // A line break or tab inside a cell (Alt+Enter in Excel) is a space.
            t.clone().map(spaced_column, |_, f| {
                Ok(Field::new(f.name().clone(), DataType::String))
            }),
            Some((
                t.map(hostile_column, |_, f| {
                    Ok(Field::new(f.name().clone(), DataType::Boolean))
                }),
                format!(
                    "onleesbare {} (verwacht gewone tekst van hoogstens {MAX_TEXT} tekens, zonder stuurtekens)",
                    c.name
                ),
            )),
        ),
        Kind::Date | Kind::BirthDate => {
            let birth = c.kind == Kind::BirthDate;
            let expected = if birth {
                "dd-mm-jjjj, jjjj-mm-dd of jjjj"
            } else {
                "dd-mm-jjjj of jjjj-mm-dd"
            };
            (
                t.map(
                    move |c| dates::parse_column(c, birth),
                    |_, f| Ok(Field::new(f.name().clone(), DataType::Date)),
                ),
                // ISO is accepted too, so the message says so.
                Some((
                    vc.eq(lit(dates::UNREADABLE).cast(DataType::Date)),
                    format!("onleesbare {} (verwacht {expected})", c.name),
                )),
            )
        }
        Kind::Int { min, max } => {
            let range = if max == i64::MAX {
                format!("geheel getal vanaf {min}")
            } else {
                format!("geheel getal {min}–{max}")
            };
            // A non-strict cast: text that is no whole number becomes null.
            (
                t.cast(DataType::Int64),
                Some((
                    outside(&present, &vc, lit(min), lit(max)),
                    format!("{} buiten bereik (verwacht {range})", c.name),
                )),
            )
        }
        Kind::Number { min, max } => (
            t.str()
                .replace_all(lit(","), lit("."), true)
                .cast(DataType::Float64),
            Some((
                outside(&present, &vc, lit(min), lit(max)),
                format!("{} buiten bereik (verwacht {min}–{max})", c.name),
            )),
        ),
        Kind::Form => (
            canonical(t, crate::vocab::Form::SPELLINGS),
            Some((
                vc.is_null(),
                format!(
                    "onbekende {} (verwacht Informatie en advies, Leun- en steuncontact of \
                     Individueel traject)",
                    c.name
                ),
            )),
        ),
        Kind::Gender => {
            let pairs: Vec<(&str, &str)> = crate::vocab::GENDERS.iter().map(|g| (*g, *g)).collect();
            (canonical(t, &pairs).fill_null(lit("Onbekend")), None)
        }
        Kind::ZrmType => (
            canonical(t, &[("Meting", "Meting"), ("Doel", "Doel")]),
            Some((
                present.and(vc.is_null()),
                format!("onbekend {} (verwacht Meting of Doel)", c.name),
            )),
        ),
        Kind::YesNo => (
            t.str().to_lowercase().eq(lit("ja")).fill_null(lit(false)),
            None,
        ),
    }
}

/// The rows without a defect, and the defective ones counted by their first defect.
fn set_defects_apart(
    all: DataFrame,
    kinds: Vec<String>,
    spec: &TableSpec,
    origin: &Origin,
) -> Result<(DataFrame, Vec<Exclusion>), LoadError> {
    let defective = all
        .column(DEFECT)
        .map_err(polars_bug)?
        .bool()
        .map_err(polars_bug)?
        .clone();
    let flags = kinds.len();
    let (frame, exclusions) = if defective.any() {
        // Only the defective rows, usually few, get their first defect's name.
        let bad = all.filter(&defective).map_err(polars_bug)?;
        let named = first_defect(
            (0..flags)
                .map(|i| col(flag(i).as_str()))
                .zip(kinds)
                .collect(),
        );
        let bad = bad
            .lazy()
            .with_column(named.alias(DEFECT))
            .collect()
            .map_err(polars_bug)?;
        let exclusions = summarise(&bad, spec.name, origin)?;
        (all.filter(&!&defective).map_err(polars_bug)?, exclusions)
    } else {
        (all, Vec::new())
    };
    let keep: Vec<PlSmallStr> = frame
        .get_column_names()
        .into_iter()
        .filter(|n| *n != DEFECT && !n.starts_with("__d"))
        .cloned()
        .collect();
    Ok((frame.select(keep).map_err(polars_bug)?, exclusions))
}

/// Present, but no number or out of `min..=max`.
fn outside(present: &Expr, value: &Expr, min: Expr, max: Expr) -> Expr {
    present.clone().and(
        value
            .clone()
            .is_null()
            .or(value.clone().lt(min))
            .or(value.clone().gt(max)),
    )
}

fn polars_bug(e: PolarsError) -> LoadError {
    LoadError::Internal(e.to_string())
}

/// The first defect that applies to a row, in the order given; null when none does.
fn first_defect(defects: Vec<(Expr, String)>) -> Expr {
    let mut defect = lit(NULL).cast(DataType::String);
    for (cond, kind) in defects.into_iter().rev() {
        defect = when(cond.fill_null(lit(false)))
            .then(lit(kind))
            .otherwise(defect);
    }
    defect
}

/// Checks that `key` is unique and returns the index of the frame's rows by it (position
/// in `frame`), which is the table's row index once nothing is excluded.
fn check_unique(frame: &DataFrame, key: &str, origin: &Origin) -> Result<Arc<KeyRows>, LoadError> {
    let keys = frame
        .column(key)
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?
        .clone();
    let rows = frame
        .column(ROW)
        .map_err(polars_bug)?
        .cast(&DataType::UInt64)
        .map_err(polars_bug)?;
    let rows = rows.u64().map_err(polars_bug)?;
    // Name the two rows only; the repeated value itself is client-level data.
    match KeyRows::build(|| positioned(&keys)) {
        Ok(index) => Ok(Arc::new(index)),
        Err(repeated) => {
            let row = |position: u32| rows.get(position as usize).unwrap_or_default();
            Err(LoadError::Duplicate {
                at: origin.row(row(repeated.position)),
                column: key.to_string(),
                first_row: origin.line(row(repeated.first)),
            })
        }
    }
}

fn summarise(bad: &DataFrame, table: &str, origin: &Origin) -> Result<Vec<Exclusion>, LoadError> {
    let summary = bad
        .clone()
        .lazy()
        .group_by_stable([col(DEFECT)])
        .agg([
            len().alias("n"),
            col(ROW).head(Some(MAX_EXAMPLES)).alias("examples"),
        ])
        .collect()
        .map_err(polars_bug)?;
    let kinds = summary
        .column(DEFECT)
        .map_err(polars_bug)?
        .str()
        .map_err(polars_bug)?
        .clone();
    let counts = summary
        .column("n")
        .map_err(polars_bug)?
        .cast(&DataType::UInt64)
        .map_err(polars_bug)?;
    let counts = counts.u64().map_err(polars_bug)?.clone();
    let examples = summary
        .column("examples")
        .map_err(polars_bug)?
        .list()
        .map_err(polars_bug)?
        .clone();
    let mut out = Vec::new();
    for i in 0..summary.height() {
        let rows: Vec<u64> = examples
            .get_as_series(i)
            .map(|s| {
                s.cast(&DataType::UInt64)
                    .ok()
                    .map(|s| {
                        s.u64()
                            .map(|c| c.into_no_null_iter().collect())
                            .unwrap_or_default()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        out.push(Exclusion {
            table: table.to_string(),
            file: origin.file.clone(),
            sheet: origin.sheet.clone(),
            kind: kinds.get(i).unwrap_or_default().to_string(),
            rows: counts.get(i).unwrap_or(0),
            examples: rows.into_iter().map(|r| origin.line(r)).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use polars::io::csv::read::_csv_read_internal::CountLines;
    use rand::{Rng, SeedableRng};

    /// The checks as they read before the printable-ASCII shortcut.
    fn hostile_by_the_rules(text: &str) -> bool {
        text.chars().count() > super::MAX_TEXT || text.chars().any(|c| {
            (c < ' ' && !matches!(c, '\n' | '\r' | '\t'))
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || matches!(c as u32, 0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
        })
    }

    /// The shortcut decides like the rules, around every boundary it tests: the printable
    /// ASCII range's ends, the length limit in bytes and in characters, control characters
    /// and C1 characters.
    #[test]
    fn hostile_text_is_decided_like_the_rules() {
        let alphabet = [
            ' ', '~', 'a', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', '\n', '\t', '\r',
            '\0', 'é', '€', '\u{1b}', '\u{202e}', '\u{200f}', '\u{2066}', '\u{2069}', '\u{61c}',
            '\u{200d}', '\u{202f}', '\u{206a}', '\u{2065}', '\u{200b}',
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        for _ in 0..20_000 {
            let len = match rng.random_range(0..4) {
                0 => rng.random_range(0..12),
                1 => rng.random_range(190..210),
                _ => rng.random_range(0..40),
            };
            let mostly = rng.random_range(0..alphabet.len());
            let text: String = (0..len)
                .map(|_| {
                    if rng.random_range(0..20) == 0 {
                        alphabet[rng.random_range(0..alphabet.len())]
                    } else {
                        alphabet[mostly]
                    }
                })
                .collect();
            assert_eq!(
                super::hostile(&text),
                hostile_by_the_rules(&text),
                "{text:?}"
            );
        }
    }

    /// The shortcut finds a break or tab exactly where a byte-by-byte look does, with the
    /// other control characters and the bytes around 0x20 mixed in.
    #[test]
    fn breaks_are_found_like_a_byte_by_byte_look() {
        let alphabet = [
            'a', ' ', '\n', '\r', '\t', '\u{1f}', '\0', '\u{b}', '!', 'é', '\u{85}',
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut found = 0;
        for _ in 0..20_000 {
            let len = rng.random_range(0..70);
            let text: String = (0..len)
                .map(|_| match rng.random_range(0..30) {
                    0 => alphabet[rng.random_range(0..alphabet.len())],
                    _ => 'a',
                })
                .collect();
            let expected = text.bytes().any(|b| matches!(b, b'\n' | b'\r' | b'\t'));
            assert_eq!(super::has_break(&text), expected, "{text:?}");
            found += usize::from(expected);
        }
        assert!(found > 2000, "{found}");
    }

    /// Polars' line counter (vendored, patched: vendor/README.md) against a byte-by-byte
    /// count, on text made of the bytes that matter to it, across the 64-byte blocks its
    /// patched scan works in, from both starting states.
    #[test]
    fn the_patched_line_counter_counts_like_a_byte_by_byte_scan() {
        let counter = CountLines::new(Some(b'"'), b'\n', None);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..2000 {
            let len = rng.random_range(0..400);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.random_range(0..10) {
                    0 | 1 => b'\n',
                    2 => b'"',
                    3 => b';',
                    _ => b'a',
                })
                .collect();
            let got = counter.analyze_chunk(&bytes);
            for (start_inside, stats) in [(false, got[0]), (true, got[1])] {
                let mut inside = start_inside;
                let (mut count, mut last) = (0, 0);
                for (i, &b) in bytes.iter().enumerate() {
                    inside ^= b == b'"';
                    if b == b'\n' && !inside {
                        count += 1;
                        last = i;
                    }
                }
                let what = format!(
                    "{:?}, starting inside: {start_inside}",
                    String::from_utf8_lossy(&bytes)
                );
                assert_eq!(stats.newline_count, count, "{what}");
                if count > 0 {
                    assert_eq!(stats.last_newline_offset, last, "{what}");
                }
                assert_eq!(stats.end_inside_string, inside, "{what}");
            }
        }
    }
}
