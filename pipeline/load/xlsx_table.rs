//! An export table delivered as an XLSX sheet, turned into the same text frame a CSV gives.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use polars::prelude::*;

use super::LoadError;
use super::table::ROW;

/// A cell as the text a CSV export would have held; dates become ISO `jjjj-mm-dd`.
pub fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(if *b { "Ja" } else { "Nee" }.to_string()),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string()),
        Data::DateTimeIso(s) => Some(s.get(..10).unwrap_or(s).to_string()),
        Data::DurationIso(s) => Some(s.clone()),
        // As Excel spells it: #DIV/0!, #N/A, #REF!, …
        Data::Error(e) => Some(e.to_string()),
    }
}

/// The sheet named after the table (ignoring case), else the first sheet; its first non-empty
/// row is the header. Returns the frame (text columns named as in the header, plus the sheet
/// row number) and the sheet's name.
pub fn read(path: &Path, table: &str) -> Result<(DataFrame, String), LoadError> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unreadable = |reason: String| LoadError::Unreadable {
        file: file.clone(),
        reason,
    };
    super::zipguard::check(path, super::zipguard::MAX_UNPACKED).map_err(unreadable)?;
    let mut book: Xlsx<_> = open_workbook(path)
        .map_err(|e| unreadable(format!("not a readable XLSX workbook: {e}")))?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.trim().eq_ignore_ascii_case(table))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| unreadable("the workbook has no sheets".into()))?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(format!("sheet {sheet}: {e}")))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let mut rows = range
        .rows()
        .enumerate()
        .skip_while(|(_, r)| r.iter().all(|c| matches!(c, Data::Empty)));
    let Some((header_at, header)) = rows.next() else {
        return Err(unreadable(format!(
            "sheet {sheet} is empty: expected a header row"
        )));
    };
    let headers: Vec<String> = header
        .iter()
        .map(|c| cell_text(c).unwrap_or_default())
        .collect();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); headers.len()];
    let mut row_numbers: Vec<u32> = Vec::new();
    for (i, row) in rows {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        row_numbers.push(top + i as u32 + 1);
        for (j, column) in columns.iter_mut().enumerate() {
            column.push(row.get(j).and_then(cell_text));
        }
    }
    let _ = header_at;
    let mut series: Vec<Column> = vec![Column::new(ROW.into(), row_numbers)];
    let mut seen = std::collections::HashSet::new();
    for (name, values) in headers.iter().zip(columns) {
        // Nameless or repeated header cells cannot be mapped; leave them out.
        if name.trim().is_empty() || !seen.insert(name.trim().to_lowercase()) {
            continue;
        }
        series.push(Column::new(name.as_str().into(), values));
    }
    let frame = DataFrame::new_infer_height(series).map_err(|e| unreadable(e.to_string()))?;
    Ok((frame, sheet))
}
