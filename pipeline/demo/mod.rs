//! Demo data: a registration export and budget workbooks for a fictional organisation
//! and municipality, following `regas-export.md` and `budget-workbook.md`.
//!
//! A port of the peer's `gen_scale.py` (same vocabularies, weights, sizes and kinds of
//! mess), so the pipeline can be run, shown and benchmarked without real client data.
//! The same seed, scale and `until` always give byte-identical files.

mod calendar;
mod export;
mod random;
mod workbook;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

/// How much data to make. Case numbers are exact: two cases per client.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// About 2 000 cases (1 000 clients).
    Xs,
    /// About 20 000 cases (10 000 clients), one organisation over seven years.
    S,
    /// 25 × s.
    M,
    /// 100 × s: about 2 million cases and 20 million contacts.
    L,
}

impl Scale {
    /// The size relative to scale s, in tenths (integer, so sizes are exact).
    fn tenths_of_s(self) -> u64 {
        match self {
            Scale::Xs => 1,
            Scale::S => 10,
            Scale::M => 250,
            Scale::L => 1000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub scale: Scale,
    /// The last day of the last full quarter the export covers (e.g. 2024-12-31).
    /// Registrations run from 2018-01-01 to this day; the export is made on the first
    /// working day about six days later, and nothing is dated after that export day.
    pub until: NaiveDate,
}

/// What was written: file name and number of data rows (0 for a workbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub files: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write the workbook: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error(
        "demo data until {until}: expected a day from 2018-01-01 (the first registration) to 9899-12-31"
    )]
    Until { until: NaiveDate },
}

/// Maps an io error to one that names `path`.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes every table of the registration export as `<table>.csv` and the budget
/// workbooks `begroting-<year>.xlsx` for the year of `until` and the year before into
/// `out` (created if missing).
pub fn generate(out: &Path, opts: &DemoOptions) -> Result<DemoSummary, DemoError> {
    if opts.until < calendar::first_registration() || opts.until.year() > 9899 {
        return Err(DemoError::Until { until: opts.until });
    }
    std::fs::create_dir_all(out).map_err(io_error(out))?;
    let export = calendar::export_day(opts.until);
    let mut files = export::write_tables(out, opts, export)?;
    for year in [opts.until.year() - 1, opts.until.year()] {
        let name = format!("begroting-{year}.xlsx");
        workbook::write(&out.join(&name), year, opts.until, export, opts.seed)?;
        files.push((name, 0));
    }
    Ok(DemoSummary { files })
}

#[cfg(test)]
mod tests;
