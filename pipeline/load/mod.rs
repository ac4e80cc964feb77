//! Stage `load`: the snapshot's files, parsed per the contracts into typed Polars frames.
//!
//! Defects either exclude a row (counted by kind, for the data-quality appendix) or stop
//! the run before anything is rendered. Columns no figure needs never leave this stage.

pub mod amount;
pub mod budget;
pub mod dates;
mod export;
mod hidden;
mod key_index;
mod keys;
mod plain;
pub mod quality;
pub mod table;
pub mod text;
pub mod xlsx_table;
mod zipguard;

use std::collections::BTreeMap;

pub use budget::{Budget, BudgetLine, Soort};
pub use export::{Export, TABLES, load_export};
pub use quality::Quality;

/// Load's threshold (`[monitor] max_excluded_share`).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// More excluded rows than this share of a table stops the run.
    pub max_excluded_share: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_excluded_share: 0.01,
        }
    }
}

/// An organisation's own header texts per table and contract column
/// (`[tenant.columns.<table>]`) and its own values per contract column
/// (`[tenant.values.<column>]`).
#[derive(Debug, Clone, Copy)]
pub struct Renames<'a> {
    pub columns: &'a BTreeMap<String, BTreeMap<String, String>>,
    pub values: &'a BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "{folder}: required table '{table}' is missing: expected {table}.csv or {table}.xlsx (found: {found})"
    )]
    MissingTable {
        folder: String,
        table: String,
        found: String,
    },
    #[error(
        "{file}: table '{table}' has no column '{column}'{aliases}; the headers found are: {found}"
    )]
    MissingColumn {
        file: String,
        table: String,
        column: String,
        aliases: String,
        found: String,
    },
    #[error(
        "{at}: duplicate {column}: the same value as row {first_row} (each {column} must be unique)"
    )]
    Duplicate {
        at: String,
        column: String,
        first_row: u64,
    },
    #[error("{file}: cannot be read: {reason}")]
    Unreadable { file: String, reason: String },
    #[error(
        "{file}: {excluded} of {rows} rows excluded ({share}), more than the allowed {allowed}: {kinds}; nothing is published"
    )]
    TooManyExcluded {
        file: String,
        excluded: u64,
        rows: u64,
        share: String,
        allowed: String,
        kinds: String,
    },
    #[error("{file}: {message}")]
    Budget { file: String, message: String },
    #[error("internal error while loading: {0}")]
    Internal(String),
}
