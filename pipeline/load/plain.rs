//! The short road for a plain CSV file, which is what Regas writes: UTF-8 without a single
//! quote character, every row exactly the header's number of fields, every value read as
//! it is written (no space around it, no line break, tab or control character inside it).
//!
//! The general road (`table::load`) has Polars read every column as text and then trims,
//! spaces, checks and parses it column by column, a pass over tens of millions of values
//! each. Here the file is cut at line ends into one part per core, and each part is read,
//! checked and typed in one pass over its bytes.
//!
//! The road gives up, and the table takes the general one, at the first thing it does not
//! read exactly as the general road does: a quote, a row with another number of fields, an
//! empty line, a carriage return at a line end, a value with space around it or a control
//! character in it, a number that is not plain digits, a configured spelling. What it does
//! read, it reads to the same frame with the same defect flags, so to the same exclusions;
//! a property test (`table::tests`) holds the two roads to that.

use polars::prelude::*;

use super::dates;
use super::table::{self, ColumnSpec, KeyRows, Kind, Mapping, ROW, TableSpec};
use crate::spelling::{Lookup, Spellings, Unknown};

/// Where a CSV file's fields are, as the general road worked them out from its header.
pub struct Layout {
    pub delimiter: u8,
    /// The header's number of fields: every row must have as many.
    pub fields: usize,
    /// Per contract column (in the table's order), the file's field that holds it.
    pub positions: Vec<Option<usize>>,
}

/// How one contract column's value is read, as `table::value_of` reads it.
enum Reading<'r> {
    Text,
    /// A key naming a row of a table loaded earlier: the value becomes that row.
    Row(&'r KeyRows),
    Date {
        birth: bool,
    },
    Int {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
    },
    /// One of a few spellings, matched ignoring case.
    Canonical {
        spellings: Spellings,
        /// What an empty or unknown value becomes (`None`: it stays empty).
        otherwise: Option<&'static str>,
        flag: Flagged,
    },
    YesNo,
}

/// When a [`Reading::Canonical`] value is a defect.
#[derive(Clone, Copy, PartialEq)]
enum Flagged {
    /// Empty or unknown (a support form).
    Unmatched,
    /// Written but unknown (a ZRM row type).
    Unknown,
    Never,
}

struct Column<'r> {
    spec: &'r ColumnSpec,
    field: Option<usize>,
    reading: Reading<'r>,
    /// Its flags' numbers: missing (a required value left empty) and its own defect.
    missing: Option<usize>,
    defect: Option<usize>,
}

/// Reads `path` on the short road into the frame the general road's parsing gives (the
/// row, every column's value under its own name, a defect flag `__d<i>` per parsing check,
/// a reference column already the row it names); `None` where the file is not plain and
/// the general road must read it. `flags` is the number of parsing checks the general road
/// makes, which the short road must make too.
pub fn read(
    path: &std::path::Path,
    layout: &Layout,
    spec: &TableSpec,
    mapping: &Mapping,
    references: &[table::Reference],
    flags: usize,
) -> Option<DataFrame> {
    let columns = plan(layout, spec, mapping, references, flags)?;
    let file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() == 0 {
        return None;
    }
    // SAFETY: the loader reads files of the snapshot store, which are written once, synced
    // and never changed or truncated afterwards (as in `text::is_utf8`).
    let map = unsafe { memmap2::Mmap::map(&file).ok()? };
    let body = &map[memchr::memchr(b'\n', &map)? + 1..];
    if body.is_empty() {
        return None;
    }
    let parts = cut(
        body,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let read = |bytes| read_bytes(bytes, layout, &columns, flags);
    let span = tracing::Span::current();
    let parts: Vec<Part> = std::thread::scope(|scope| {
        let others: Vec<_> = parts[1..]
            .iter()
            .map(|bytes| scope.spawn(|| span.in_scope(|| read(bytes))))
            .collect();
        let first = read(parts[0]);
        let others: Vec<Option<Part>> = others
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        std::iter::once(first)
            .chain(others)
            .collect::<Option<Vec<_>>>()
    })?;
    frame(&columns, parts, flags)
}

/// The columns to read and how, or `None` for a table the short road does not read.
fn plan<'r>(
    layout: &Layout,
    spec: &'r TableSpec,
    mapping: &Mapping,
    references: &'r [table::Reference],
    flags: usize,
) -> Option<Vec<Column<'r>>> {
    if !layout.delimiter.is_ascii()
        || matches!(layout.delimiter, b'"' | b'\n' | b'\r')
        || layout.positions.len() != spec.columns.len()
    {
        return None;
    }
    let mut columns = Vec::new();
    let mut next = 0;
    let mut number = || {
        next += 1;
        Some(next - 1)
    };
    for (c, &field) in spec.columns.iter().zip(&layout.positions) {
        // A configured spelling is applied before the value is read: the general road's.
        if mapping.values.get(c.name).is_some_and(|m| !m.is_empty()) {
            return None;
        }
        let reference = references.iter().find(|r| r.column == c.name);
        let reading = match (c.kind, reference) {
            (Kind::Text, Some(r)) => Reading::Row(&r.rows),
            (_, Some(_)) => return None,
            (Kind::Text, None) => Reading::Text,
            (Kind::Date, None) => Reading::Date { birth: false },
            (Kind::BirthDate, None) => Reading::Date { birth: true },
            (Kind::Int { min, max }, None) => Reading::Int { min, max },
            (Kind::Number { min, max }, None) => Reading::Number { min, max },
            (Kind::Form, None) => Reading::Canonical {
                spellings: Spellings::new(crate::vocab::Form::SPELLINGS),
                otherwise: None,
                flag: Flagged::Unmatched,
            },
            (Kind::Gender, None) => {
                let pairs: Vec<(&str, &str)> =
                    crate::vocab::GENDERS.iter().map(|g| (*g, *g)).collect();
                Reading::Canonical {
                    spellings: Spellings::new(&pairs),
                    otherwise: Some("Onbekend"),
                    flag: Flagged::Never,
                }
            }
            (Kind::ZrmType, None) => Reading::Canonical {
                spellings: Spellings::new(&[("Meting", "Meting"), ("Doel", "Doel")]),
                otherwise: Some("Meting"),
                flag: Flagged::Unknown,
            },
            (Kind::YesNo, None) => Reading::YesNo,
        };
        // The flags in the general road's order: per column, missing, then its own defect.
        let missing = if c.value_required { number() } else { None };
        let defect = match &reading {
            Reading::Canonical {
                flag: Flagged::Never,
                ..
            }
            | Reading::YesNo => None,
            _ => number(),
        };
        columns.push(Column {
            spec: c,
            field,
            reading,
            missing,
            defect,
        });
    }
    (next == flags).then_some(columns)
}

/// `body` cut into about `parts` pieces, each ending with a line end (the last one with the
/// file's end). Without quotes in the file every line end ends a row.
fn cut(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..parts.max(1) {
        let aim = (body.len() * k / parts).max(start);
        let Some(end) = memchr::memchr(b'\n', &body[aim..]).map(|i| aim + i + 1) else {
            break;
        };
        if end > start {
            out.push(&body[start..end]);
            start = end;
        }
    }
    if start < body.len() {
        out.push(&body[start..]);
    }
    out
}

/// One column's values in a part, of the type its frame column has. Empty values are
/// few: a number column holds a placeholder for them and `Part::nulls` says where.
enum Values {
    /// Built as it is read: a column of millions of values is not held twice.
    Text(StringChunkedBuilder),
    Row(Vec<u32>),
    Date(Vec<i32>),
    Int(Vec<i64>),
    Number(Vec<f64>),
    Yes(Vec<bool>),
}

struct Part {
    rows: usize,
    values: Vec<Values>,
    /// Per column, the rows (in the part) whose value is empty, for number columns.
    nulls: Vec<Vec<u32>>,
    /// Per flag, the rows (in the part) it is raised for: defects are few.
    flags: Vec<Vec<u32>>,
}

impl Part {
    fn push<T>(&mut self, k: usize, values: fn(&mut Values) -> &mut Vec<T>, value: Option<T>)
    where
        T: Default,
    {
        if value.is_none() {
            self.nulls[k].push(self.rows as u32);
        }
        values(&mut self.values[k]).push(value.unwrap_or_default());
    }

    fn flag(&mut self, flag: Option<usize>, on: bool) {
        if let (Some(i), true) = (flag, on) {
            self.flags[i].push(self.rows as u32);
        }
    }
}

fn read_bytes(bytes: &[u8], layout: &Layout, columns: &[Column<'_>], flags: usize) -> Option<Part> {
    // Cut at line ends, each part is whole characters; checked here so that the values are
    // text without a second look.
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    read_part(text, layout, columns, flags)
}

/// The positions of the delimiter, line ends and quotes in `bytes`, in order, eight bytes
/// at a time: a row of a contact is about 36 bytes with four of them, and looking them up
/// one search at a time cost more than reading the values.
struct Marks<'b> {
    bytes: &'b [u8],
    delimiter: u8,
    /// The delimiter, the line end and the quote in every byte of a word.
    patterns: [u64; 3],
    /// Where the current word starts, and its marks not yet handed out.
    base: usize,
    found: u64,
}

impl<'b> Marks<'b> {
    fn new(bytes: &'b [u8], delimiter: u8) -> Self {
        let every = |b: u8| u64::from_ne_bytes([b; 8]);
        let mut marks = Marks {
            bytes,
            delimiter,
            patterns: [every(delimiter), every(b'\n'), every(b'"')],
            base: 0,
            found: 0,
        };
        marks.found = marks.word(0);
        marks
    }

    /// The high bit of each byte of the word at `base` that is one of the marks (exactly:
    /// no carry between bytes), in memory order from the lowest bit.
    fn word(&self, base: usize) -> u64 {
        let Some(chunk) = self.bytes.get(base..base + 8) else {
            // The tail, byte by byte.
            return self.bytes[base.min(self.bytes.len())..]
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(**b, b'\n' | b'"') || **b == self.delimiter)
                .fold(0, |m, (i, _)| m | 0x80 << (8 * i));
        };
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let zero = |t: u64| !(((t & LOW).wrapping_add(LOW)) | t | LOW);
        self.patterns.iter().fold(0, |m, p| m | zero(x ^ p))
    }
}

impl Iterator for Marks<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.found == 0 {
            self.base += 8;
            if self.base >= self.bytes.len() {
                return None;
            }
            self.found = self.word(self.base);
        }
        let at = self.base + self.found.trailing_zeros() as usize / 8;
        self.found &= self.found - 1;
        Some(at)
    }
}

fn read_part(text: &str, layout: &Layout, columns: &[Column<'_>], flags: usize) -> Option<Part> {
    let guess = text.len() / 32 + 1;
    let mut part = Part {
        rows: 0,
        values: columns
            .iter()
            .map(|c| match c.reading {
                Reading::Text | Reading::Canonical { .. } => {
                    Values::Text(StringChunkedBuilder::new(c.spec.name.into(), guess))
                }
                Reading::Row(_) => Values::Row(Vec::with_capacity(guess)),
                Reading::Date { .. } => Values::Date(Vec::with_capacity(guess)),
                Reading::Int { .. } => Values::Int(Vec::with_capacity(guess)),
                Reading::Number { .. } => Values::Number(Vec::with_capacity(guess)),
                Reading::YesNo => Values::Yes(Vec::with_capacity(guess)),
            })
            .collect(),
        nulls: vec![Vec::new(); columns.len()],
        flags: vec![Vec::new(); flags],
    };
    // A column holds a handful of distinct spellings: each is matched once per part.
    let mut lookups: Vec<Option<Lookup<'_>>> = columns
        .iter()
        .map(|c| match &c.reading {
            Reading::Canonical { spellings, .. } => Some(spellings.lookup(Unknown::Null)),
            _ => None,
        })
        .collect();
    let bytes = text.as_bytes();
    let n = layout.fields;
    let mut fields = vec![(0usize, 0usize); n];
    let (mut field, mut start, mut line) = (0usize, 0usize, 0usize);
    let mut row = |fields: &[(usize, usize)], part: &mut Part| -> Option<()> {
        for (k, c) in columns.iter().enumerate() {
            let value = c.field.map_or("", |f| &text[fields[f].0..fields[f].1]);
            read_value(value, k, c, part, &mut lookups[k])?;
        }
        part.rows += 1;
        Some(())
    };
    for at in Marks::new(bytes, layout.delimiter) {
        match bytes[at] {
            b'\n' => {
                // An empty line, or a Windows line end: the general road decides those.
                if field + 1 != n || at == line || bytes[at - 1] == b'\r' {
                    return None;
                }
                fields[field] = (start, at);
                row(&fields, &mut part)?;
                (field, start, line) = (0, at + 1, at + 1);
            }
            b'"' => return None,
            _ => {
                if field + 1 >= n {
                    return None;
                }
                fields[field] = (start, at);
                field += 1;
                start = at + 1;
            }
        }
    }
    // The file's last row without a line end (a cut-off one stopped the run before).
    if line < bytes.len() {
        if field + 1 != n || bytes[bytes.len() - 1] == b'\r' {
            return None;
        }
        fields[field] = (start, bytes.len());
        row(&fields, &mut part)?;
    }
    Some(part)
}

/// Whether the general road reads `s` as it is: trimming leaves it, it has no line break or
/// tab to become a space, and it is not hostile (which the general road flags).
fn as_written(s: &str) -> bool {
    let b = s.as_bytes();
    let ends =
        b.first().is_some_and(u8::is_ascii_graphic) && b.last().is_some_and(u8::is_ascii_graphic);
    (ends || s.trim().len() == s.len()) && !table::has_break(s) && !table::hostile(s)
}

/// Plain digits, as Polars' cast reads them; `None` for anything else.
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0i64, |n, b| n * 10 + i64::from(b - b'0')))
}

/// Digits with at most one decimal point or comma between digits.
fn decimal(s: &str) -> Option<f64> {
    let (whole, fraction) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    digits(whole)?;
    if let Some(f) = fraction {
        digits(f)?;
    }
    s.replace(',', ".").parse().ok()
}

/// The values of one variant, as a function [`Part::push`] takes.
macro_rules! values_of {
    ($variant:ident, $t:ty) => {{
        fn of(values: &mut Values) -> &mut Vec<$t> {
            match values {
                Values::$variant(v) => v,
                _ => unreachable!("each reading has its own values"),
            }
        }
        of
    }};
}

fn read_value<'a>(
    value: &'a str,
    k: usize,
    c: &Column<'_>,
    part: &mut Part,
    lookup: &mut Option<Lookup<'a>>,
) -> Option<()> {
    let present = !value.is_empty();
    if let Reading::Date { birth } = c.reading {
        // Dates are parsed from the text as Polars reads it, untrimmed, as on the general
        // road; a value outside the usual notation must hold no break that Polars reads
        // differently.
        if value.len() != 10 && table::has_break(value) {
            return None;
        }
        let days = if present {
            dates::parse(value, birth)
        } else {
            None
        };
        part.flag(c.missing, days.is_none());
        part.flag(c.defect, days == Some(dates::UNREADABLE));
        part.push(
            k,
            values_of!(Date, i32),
            days.filter(|d| *d != dates::UNREADABLE),
        );
        return Some(());
    }
    if present && !as_written(value) {
        return None;
    }
    part.flag(c.missing, !present);
    match &c.reading {
        Reading::Text => {
            let Values::Text(v) = &mut part.values[k] else {
                unreachable!("a text column holds text")
            };
            v.append_option(present.then_some(value));
        }
        Reading::Row(rows) => {
            let row = if present { rows.get(value) } else { None };
            part.push(k, values_of!(Row, u32), row);
        }
        Reading::Int { min, max } => {
            let n = if present { Some(digits(value)?) } else { None };
            part.flag(c.defect, n.is_some_and(|n| n < *min || n > *max));
            part.push(k, values_of!(Int, i64), n);
        }
        Reading::Number { min, max } => {
            let x = if present { Some(decimal(value)?) } else { None };
            part.flag(c.defect, x.is_some_and(|x| x < *min || x > *max));
            part.push(k, values_of!(Number, f64), x);
        }
        Reading::Canonical {
            otherwise, flag, ..
        } => {
            let matched = if present {
                lookup.as_mut().and_then(|l| l.get(value))
            } else {
                None
            };
            let defective = match flag {
                Flagged::Unmatched => matched.is_none(),
                Flagged::Unknown => present && matched.is_none(),
                Flagged::Never => false,
            };
            part.flag(c.defect, defective);
            let Values::Text(v) = &mut part.values[k] else {
                unreachable!("a spelling column holds text")
            };
            v.append_option(matched.or(*otherwise));
        }
        Reading::YesNo => {
            let yes = value.to_lowercase() == "ja";
            part.push(k, values_of!(Yes, bool), Some(yes));
        }
        Reading::Date { .. } => unreachable!("dates are read above"),
    }
    Some(())
}

/// The parts' values as one frame, in the general road's column order.
fn frame(columns: &[Column<'_>], parts: Vec<Part>, flags: usize) -> Option<DataFrame> {
    let rows: usize = parts.iter().map(|p| p.rows).sum();
    let first_row: IdxSize = 2;
    let row_numbers: Vec<IdxSize> = (0..IdxSize::try_from(rows).ok()?)
        .map(|i| first_row + i)
        .collect();
    let mut out = vec![IdxCa::from_vec(ROW.into(), row_numbers).into_column()];
    let mut values: Vec<Vec<(Values, Vec<u32>)>> = columns.iter().map(|_| Vec::new()).collect();
    let mut flag_parts: Vec<Vec<(usize, Vec<u32>)>> = vec![Vec::new(); flags];
    for part in parts {
        for (k, (v, nulls)) in part.values.into_iter().zip(part.nulls).enumerate() {
            values[k].push((v, nulls));
        }
        for (i, f) in part.flags.into_iter().enumerate() {
            flag_parts[i].push((part.rows, f));
        }
    }
    for (c, parts) in columns.iter().zip(values) {
        out.push(joined(c.spec.name, parts)?);
    }
    for (i, parts) in flag_parts.into_iter().enumerate() {
        let name: PlSmallStr = table::flag(i).into();
        let mut all: Option<BooleanChunked> = None;
        for (len, raised) in parts {
            let chunk = if raised.is_empty() {
                BooleanChunked::full(name.clone(), false, len)
            } else {
                let mut on = vec![false; len];
                for r in raised {
                    on[r as usize] = true;
                }
                BooleanChunked::from_slice(name.clone(), &on)
            };
            match all.as_mut() {
                None => all = Some(chunk),
                Some(a) => a.append(&chunk).ok()?,
            }
        }
        out.push(all?.into_column());
    }
    DataFrame::new(rows, out).ok()
}

/// A number column from its values and the positions of its empty ones.
fn numbers<T>(name: PlSmallStr, values: Vec<T::Native>, nulls: &[u32]) -> ChunkedArray<T>
where
    T: PolarsNumericType,
{
    if nulls.is_empty() {
        return ChunkedArray::from_vec(name, values);
    }
    let mut empty = nulls.iter().peekable();
    ChunkedArray::from_iter_options(
        name,
        values.into_iter().enumerate().map(|(i, v)| {
            if empty.peek().is_some_and(|r| **r as usize == i) {
                empty.next();
                None
            } else {
                Some(v)
            }
        }),
    )
}

/// One column from its parts' values.
fn joined(name: &str, parts: Vec<(Values, Vec<u32>)>) -> Option<polars::prelude::Column> {
    let n: PlSmallStr = name.into();
    let date = matches!(parts.first()?.0, Values::Date(_));
    let mut all: Option<Series> = None;
    for (part, nulls) in parts {
        let series = match part {
            Values::Text(v) => v.finish().into_series(),
            Values::Row(v) => numbers::<UInt32Type>(n.clone(), v, &nulls).into_series(),
            Values::Date(v) => numbers::<Int32Type>(n.clone(), v, &nulls).into_series(),
            Values::Int(v) => numbers::<Int64Type>(n.clone(), v, &nulls).into_series(),
            Values::Number(v) => numbers::<Float64Type>(n.clone(), v, &nulls).into_series(),
            Values::Yes(v) => BooleanChunked::from_slice(n.clone(), &v).into_series(),
        };
        match all.as_mut() {
            None => all = Some(series),
            Some(a) => {
                a.append(&series).ok()?;
            }
        }
    }
    let all = all?;
    let all = if date {
        all.cast(&DataType::Date).ok()?
    } else {
        all
    };
    Some(all.into_column())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::super::TABLES;
    use super::super::table::{self, KeyRows, Kind, Mapping, Reference, Road, RowCheck, TableSpec};
    use crate::pull::CsvOptions;

    const KEYS: usize = 40;

    fn key(n: usize) -> String {
        format!("C{n:08}")
    }

    /// What an export writes; now and then a defect the loader excludes a row for; and, in
    /// an odd file, now and then what only the general road reads.
    fn pick(
        rng: &mut ChaCha8Rng,
        plain: &[&str],
        defects: &[&str],
        odd: &[&str],
        is_odd: bool,
    ) -> String {
        let from = match rng.random_range(0..24) {
            0 | 1 if !defects.is_empty() => defects,
            2 if is_odd && !odd.is_empty() => odd,
            _ => plain,
        };
        from[rng.random_range(0..from.len())].to_string()
    }

    fn value(rng: &mut ChaCha8Rng, kind: Kind, referring: bool, odd: bool) -> String {
        if referring {
            let known = key(rng.random_range(1..=KEYS));
            return pick(
                rng,
                &[&known],
                &["", "c00000003", &key(KEYS + 7), "C0000003", "X1"],
                &[&format!("{} ", key(3)), "C00000003\u{1}"],
                odd,
            );
        }
        let long = "a".repeat(201);
        match kind {
            Kind::Text => pick(
                rng,
                &[
                    "Werk en opleiding",
                    "Financiën",
                    "Noord",
                    "K0000012",
                    "a|b",
                    "x",
                    "",
                ],
                &[],
                &[
                    " Noord",
                    "Noord ",
                    "a\tb",
                    "x\u{1}y",
                    "\u{202e}21",
                    "\u{a0}",
                    " ",
                    "Zuid\u{a0}",
                    &long,
                ],
                odd,
            ),
            Kind::Date | Kind::BirthDate => pick(
                rng,
                &[
                    "09-10-2020",
                    "31-12-2024",
                    "01-01-2023",
                    "",
                    "2024-03-09",
                    "9-3-2024",
                ],
                &[
                    "31-02-2024",
                    " 09-10-2020",
                    "09-10-2020 ",
                    "45291",
                    "45291,5",
                    "abc",
                    "1979",
                    "2024",
                    "00-00-0000",
                    "1-1-1",
                    "2024-3-9",
                    "31-12-2024 ",
                ],
                &["09-10-2020\t", "\t09-10-2020", "0\r9-10-2020"],
                odd,
            ),
            Kind::Int { .. } => pick(
                rng,
                &["1", "2", "3", "4", "5", "12", "0", ""],
                &["6", "007", "000000000000000001", "99"],
                &["-1", "+2", " 4", "1.5", "99999999999999999999", "x", "1e1"],
                odd,
            ),
            Kind::Number { .. } => pick(
                rng,
                &["7", "7,5", "7.5", "10", "1,0", ""],
                &["0,5", "11", "08,50", "10,01", "0.1"],
                &["1e1", ",5", "5,", "1.000,5", "inf", "NaN", " 8"],
                odd,
            ),
            Kind::Form => pick(
                rng,
                &[
                    "Individueel traject",
                    "Informatie en advies",
                    "Leun- en steuncontact",
                ],
                &[
                    "individueel traject",
                    "I&A",
                    "IA",
                    "",
                    "Onbekend",
                    "LEUN- EN STEUNCONTACT",
                ],
                &[" IA"],
                odd,
            ),
            Kind::Gender => pick(
                rng,
                &["Man", "Vrouw", ""],
                &["vrouw", "X", "ANDERS", "Onbekend"],
                &[],
                odd,
            ),
            Kind::ZrmType => pick(
                rng,
                &["Meting", "Doel", ""],
                &["DOEL", "doel", "Doelen", "m"],
                &[],
                odd,
            ),
            Kind::YesNo => pick(
                rng,
                &["Ja", "Nee", ""],
                &["JA", "ja", "yes", "Jà"],
                &[],
                odd,
            ),
        }
    }

    /// A file of `spec`'s columns in a random order among columns no figure reads, with
    /// what exports hold and now and then what they should not.
    fn file(rng: &mut ChaCha8Rng, spec: &TableSpec, referring: Option<&str>) -> (String, bool) {
        // Values only the general road reads, and a file's shape only it reads (quotes, a
        // Windows line end, rows of another length, empty lines), apart: a file with the one
        // and not the other tests where the short road gives up on a value.
        let (odd, shape) = (rng.random_range(0..3) == 0, rng.random_range(0..4) == 0);
        let delimiter = if rng.random_range(0..8) == 0 {
            ','
        } else {
            ';'
        };
        let mut columns: Vec<Option<usize>> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.required || rng.random_range(0..4) > 0)
            .map(|(i, _)| Some(i))
            .collect();
        for _ in 0..rng.random_range(0..3) {
            columns.push(None);
        }
        let n = columns.len();
        for i in (1..n).rev() {
            columns.swap(i, rng.random_range(0..=i));
        }
        let names: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(k, c)| c.map_or(format!("Extra{k}"), |i| spec.columns[i].name.to_string()))
            .collect();
        let crlf = shape && rng.random_range(0..4) == 0;
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if rng.random_range(0..10) == 0 {
            text.push('\u{feff}');
        }
        text.push_str(&names.join(&delimiter.to_string()));
        text.push_str(end);
        let rows = rng.random_range(1..60);
        for r in 0..rows {
            let mut fields: Vec<String> = columns
                .iter()
                .map(|c| match c {
                    // A key is unique, bar a repeat now and then in an odd file.
                    Some(i) if spec.key == Some(spec.columns[*i].name) => {
                        let repeat = odd && r > 0 && rng.random_range(0..40) == 0;
                        format!("N{:05}", if repeat { r - 1 } else { r })
                    }
                    Some(i) => {
                        let column = &spec.columns[*i];
                        value(rng, column.kind, referring == Some(column.name), odd)
                    }
                    None => pick(
                        rng,
                        &["Telefonisch", "10", "", "vrije tekst"],
                        &["met\rregel", "a\u{0}b", " \u{202e} "],
                        &["\"quoted\"", "\"a;b\"", "\r"],
                        shape,
                    ),
                })
                .collect();
            // A Number's comma would be a field of its own in a comma-separated file.
            if delimiter == ',' {
                for f in &mut fields {
                    *f = f.replace(',', ".");
                }
            }
            if shape && rng.random_range(0..20) == 0 {
                match rng.random_range(0..3) {
                    0 => fields.push("extra".into()),
                    1 => {
                        fields.pop();
                    }
                    _ => text.push_str(end),
                }
            }
            text.push_str(&fields.join(&delimiter.to_string()));
            if r + 1 < rows || !(shape && rng.random_range(0..3) == 0) {
                text.push_str(end);
            }
        }
        (text, odd || shape)
    }

    fn references(spec: &TableSpec, rows: &Arc<KeyRows>) -> (Vec<Reference>, Option<&'static str>) {
        let referring = match spec.name {
            "contactmomenten" | "zrm_metingen" | "tevredenheid" => Some("Casusnummer"),
            "bijeenkomsten" => Some("Trajectnummer"),
            _ => None,
        };
        let references = referring
            .map(|column| Reference {
                column,
                kind: format!("onbekend {column}"),
                rows: Arc::clone(rows),
            })
            .into_iter()
            .collect();
        (references, referring)
    }

    fn checks(spec: &TableSpec) -> Vec<RowCheck> {
        let names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        match (names.contains(&"Startdatum"), names.contains(&"Einddatum")) {
            (true, true) => vec![RowCheck {
                kind: "Einddatum vóór Startdatum".into(),
                defective: polars::prelude::col("Einddatum").lt(polars::prelude::col("Startdatum")),
            }],
            _ => Vec::new(),
        }
    }

    /// Both roads read every file to the same frame, flags, exclusions and errors; and the
    /// short road is taken for the plain files, which are most of them.
    #[test]
    fn the_short_road_reads_what_the_general_road_reads() {
        let keys: Vec<String> = (1..=KEYS).map(key).collect();
        let rows = Arc::new(
            KeyRows::build(|| keys.iter().enumerate().map(|(i, k)| (i as u32, k.as_str())))
                .expect("unique keys"),
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        let (mut short, mut plain_files) = (0, 0);
        // Per table, the files both roads read to a frame that the short road took.
        let mut compared = std::collections::BTreeMap::new();
        for case in 0..600 {
            let spec = TABLES[case % TABLES.len()];
            let (_, referring) = references(spec, &rows);
            let (text, odd) = file(&mut rng, spec, referring);
            let path = dir.path().join(format!("{}.csv", spec.name));
            std::fs::write(&path, &text).expect("write");
            let run = |road| {
                let (references, _) = references(spec, &rows);
                table::load(
                    road,
                    &path,
                    spec,
                    &Mapping::default(),
                    &CsvOptions::default(),
                    checks(spec),
                    references,
                    String::new(),
                )
            };
            let (a, b) = (run(Road::Short), run(Road::General));
            let context = format!("case {case}, {}:\n{text}", spec.name);
            let (references, _) = references(spec, &rows);
            let on_short_road = taken(&path, spec, references);
            short += usize::from(on_short_road);
            plain_files += usize::from(!odd);
            if on_short_road && a.is_ok() && b.is_ok() {
                *compared.entry(spec.name).or_insert(0) += 1;
            }
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.frame.schema(), b.frame.schema(), "{context}");
                    assert!(
                        a.frame.equals_missing(&b.frame),
                        "{context}\n{}\n{}",
                        a.frame,
                        b.frame
                    );
                    assert_eq!(a.exclusions, b.exclusions, "{context}");
                    assert_eq!(a.file, b.file, "{context}");
                    assert_eq!(a.key_rows.is_some(), b.key_rows.is_some(), "{context}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{context}"),
                (a, b) => panic!(
                    "{context}\nshort: {:?}\ngeneral: {:?}",
                    a.map(|l| l.frame),
                    b.map(|l| l.frame)
                ),
            }
        }
        // Plain files take the short road; if they stopped doing so, this test would compare
        // the general road with itself.
        assert!(
            short * 10 >= plain_files * 7,
            "{short} of {plain_files} plain files"
        );
        for spec in TABLES {
            let n = compared.get(spec.name).copied().unwrap_or(0);
            assert!(n >= 20, "{}: {n} files read on both roads", spec.name);
        }
    }

    /// Whether `path` is read on the short road.
    fn taken(path: &std::path::Path, spec: &TableSpec, references: Vec<Reference>) -> bool {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let header = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches('\u{feff}');
        let delimiter = crate::load::text::sniff_delimiter(header);
        let headers = crate::load::text::split_header(header, delimiter);
        let positions = spec
            .columns
            .iter()
            .map(|c| headers.iter().position(|h| h == c.name))
            .collect();
        let layout = super::Layout {
            delimiter,
            fields: headers.len(),
            positions,
        };
        let flags = spec
            .columns
            .iter()
            .map(|c| {
                usize::from(c.value_required)
                    + usize::from(!matches!(c.kind, Kind::Gender | Kind::YesNo))
            })
            .sum();
        super::read(path, &layout, spec, &Mapping::default(), &references, flags).is_some()
    }

    /// The marks found eight bytes at a time are every delimiter, line end and quote, in
    /// order, and nothing else: around each byte value that differs from them in one bit,
    /// at every position in a word and in the tail.
    #[test]
    fn marks_are_found_like_a_byte_by_byte_look() {
        let alphabet = [
            b';',
            b',',
            b'\n',
            b'"',
            b':',
            b'\x0a' ^ 0x80,
            b'\x3b' ^ 0x80,
            0xff,
            0,
            b'x',
            b'\r',
            b'#',
            b'!',
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..5_000 {
            let len = rng.random_range(0..40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            for delimiter in [b';', b','] {
                let found: Vec<usize> = super::Marks::new(&bytes, delimiter).collect();
                let expected: Vec<usize> = (0..bytes.len())
                    .filter(|i| matches!(bytes[*i], b'\n' | b'"') || bytes[*i] == delimiter)
                    .collect();
                assert_eq!(found, expected, "{bytes:?}");
            }
        }
    }

    /// The cut falls after line ends only, and the parts are the whole body in order.
    #[test]
    fn parts_end_at_line_ends_and_make_up_the_body() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..2_000 {
            let body: Vec<u8> = (0..rng.random_range(1..200))
                .map(|_| {
                    if rng.random_range(0..6) == 0 {
                        b'\n'
                    } else {
                        b'x'
                    }
                })
                .collect();
            let n = rng.random_range(1..6);
            let parts = super::cut(&body, n);
            assert_eq!(parts.concat(), body);
            assert!(parts.len() <= n);
            for p in &parts[..parts.len() - 1] {
                assert_eq!(p.last(), Some(&b'\n'));
            }
        }
    }
}
