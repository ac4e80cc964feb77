//! What load read and what it left out: the report's data-quality appendix.

use serde::Serialize;

/// How many rows of one kind of defect a table lost, with a few example rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub table: String,
    /// The file the rows were read from, and the sheet for a workbook: error messages name
    /// where a person finds the rows, not only the table.
    pub file: String,
    pub sheet: Option<String>,
    /// Dutch, as the appendix shows it, e.g. `onleesbare Startdatum`.
    pub kind: String,
    pub rows: u64,
    /// Row numbers as a person finds them in the file (header = row 1), at most ten.
    pub examples: Vec<u64>,
}

impl Exclusion {
    /// The exclusion as one line naming file, rows, column and what was expected, e.g.
    /// `casussen.csv rows 4, 6: Einddatum vóór Startdatum (verwacht op of na de Startdatum)`.
    /// Only row numbers, never the values: they may be client data.
    pub fn message(&self) -> String {
        let at = match &self.sheet {
            Some(sheet) => format!("{}, sheet {sheet},", self.file),
            None => self.file.clone(),
        };
        let word = if self.rows == 1 { "row" } else { "rows" };
        let rows: Vec<String> = self.examples.iter().map(u64::to_string).collect();
        let more = if self.rows > self.examples.len() as u64 {
            format!(" … ({} rows)", self.rows)
        } else {
            String::new()
        };
        format!("{at} {word} {}{more}: {}", rows.join(", "), self.kind)
    }
}

/// One file that was read, for the appendix and the manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileRead {
    pub table: String,
    pub file: String,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    pub files: Vec<FileRead>,
    pub exclusions: Vec<Exclusion>,
    /// Remarks that do not exclude rows, e.g. an author's subtotal that disagrees.
    pub notes: Vec<String>,
}

pub const MAX_EXAMPLES: usize = 10;

impl Quality {
    pub fn excluded_from(&self, table: &str) -> u64 {
        self.exclusions
            .iter()
            .filter(|e| e.table == table)
            .map(|e| e.rows)
            .sum()
    }

    pub fn rows_read(&self, table: &str) -> u64 {
        self.files
            .iter()
            .filter(|f| f.table == table)
            .map(|f| f.rows)
            .sum()
    }
}
