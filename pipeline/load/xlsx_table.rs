//! An export table delivered as an XLSX sheet, turned into the same text frame a CSV gives.

use std::path::Path;

use calamine::{Cell, Data, Range, Reader, Xlsx, open_workbook};
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

/// A sheet holds at most 1,048,576 rows; an export table as a full sheet of 16 columns stays
/// under this many cells between its first and last filled cell. Laid out at 32 bytes a
/// cell this is about 640 MB.
pub const MAX_CELLS: u64 = 20_000_000;

/// One worksheet as a range of its filled cells. calamine lays a range out densely, so two
/// cells far apart in a tiny file (`A1` and `XFD1048576`) would take all memory: the span is
/// checked before anything is laid out. Cells that hold nothing (formatting only) are left
/// out. A panic inside calamine on a malformed sheet becomes an error.
pub fn read_sheet<R: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<R>,
    sheet: &str,
) -> Result<Range<Data>, String> {
    let read = || -> Result<Range<Data>, String> {
        let mut reader = book
            .worksheet_cells_reader(sheet)
            .map_err(|e| e.to_string())?;
        let mut cells: Vec<Cell<Data>> = Vec::new();
        let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
        while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
            let value = Data::from(cell.get_value().clone());
            if matches!(value, Data::Empty) {
                continue;
            }
            let (row, col) = cell.get_position();
            (top, bottom) = (top.min(row), bottom.max(row));
            (left, right) = (left.min(col), right.max(col));
            let (rows, cols) = (u64::from(bottom - top) + 1, u64::from(right - left) + 1);
            if rows * cols > MAX_CELLS {
                return Err(format!(
                    "its filled cells span {rows} rows and {cols} columns, more than {MAX_CELLS} cells: refused"
                ));
            }
            cells.push(Cell::new((row, col), value));
        }
        Ok(Range::from_sparse(cells))
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err("the sheet is malformed".into()))
}

/// The sheet named after the table (ignoring case), else the first sheet; its first non-empty
/// row is the header; hidden columns are left out. Returns the frame (text columns named as in the header, plus the sheet
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
    let range =
        read_sheet(&mut book, &sheet).map_err(|e| unreadable(format!("sheet {sheet}: {e}")))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    // Hidden columns hold helpers and drafts, not the export: left out, as in the budget.
    let hidden = super::hidden::hidden_columns(path, &sheet);
    let mut rows = range
        .rows()
        .enumerate()
        .skip_while(|(_, r)| r.iter().all(|c| matches!(c, Data::Empty)));
    let Some((_, header)) = rows.next() else {
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
    let mut series: Vec<Column> = vec![Column::new(ROW.into(), row_numbers)];
    let mut seen = std::collections::HashSet::new();
    for (j, (name, values)) in headers.iter().zip(columns).enumerate() {
        if hidden.contains(&(left + j as u32)) {
            continue;
        }
        // Nameless or repeated header cells cannot be mapped; leave them out.
        if name.trim().is_empty() || !seen.insert(name.trim().to_lowercase()) {
            continue;
        }
        series.push(Column::new(name.as_str().into(), values));
    }
    let frame = DataFrame::new_infer_height(series).map_err(|e| unreadable(e.to_string()))?;
    Ok((frame, sheet))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A one-sheet workbook whose sheet data is `cells` (raw `<row>` XML).
    fn workbook(dir: &Path, cells: &str) -> std::path::PathBuf {
        let path = dir.join("book.xlsx");
        let mut zip = ::zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = ::zip::write::SimpleFileOptions::default();
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        for (name, text) in [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                .to_string(),
            ),
            (
                "_rels/.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    r#"<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Begroting" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>{cells}</sheetData></worksheet>"#
                ),
            ),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    fn read(path: &Path) -> Result<Range<Data>, String> {
        let mut book: Xlsx<_> = open_workbook(path).unwrap();
        read_sheet(&mut book, "Begroting")
    }

    #[test]
    fn two_cells_far_apart_are_refused_before_anything_is_laid_out() {
        let dir = tempfile::tempdir().unwrap();
        // Dense, this is 17 billion cells from a file of a few hundred bytes.
        let path = workbook(
            dir.path(),
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Domein</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        );
        let err = read(&path).unwrap_err();
        assert!(err.contains("1048576 rows and 16384 columns"), "{err}");
    }

    #[test]
    fn cells_holding_nothing_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = workbook(
            dir.path(),
            r#"<row r="2"><c r="B2"><v>7</v></c></row><row r="900000"><c r="A900000" s="1"/></row>"#,
        );
        let range = read(&path).unwrap();
        assert_eq!((range.start(), range.end()), (Some((1, 1)), Some((1, 1))));
    }

    /// Found by the xlsx_budget fuzz target: a cell reference whose row overflows u32 made
    /// calamine panic (with overflow checks) or wrap to a row far away (without). Either
    /// the workbook is refused naming it, or it loads; never a crash.
    #[test]
    fn a_cell_reference_beyond_every_row_is_no_crash() {
        for name in [
            "crash-cell-reference-overflow.xlsx",
            "crash-cell-reference-overflow-2.xlsx",
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus/xlsx_budget")
                .join(name);
            if let Err(e) = super::super::budget::load_budget(&path, String::new()) {
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }
}
