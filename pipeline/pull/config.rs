//! What a source is (`[tenant.export]`, `[tenant.budget]`): a local folder or HTTPS, how its
//! CSV is written, and the demo data generated into a folder that lacks it.

use std::path::PathBuf;

use serde::Deserialize;

use crate::demo::Scale;
use crate::quarter::Quarter;

/// Where a table set comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A local folder (a file drop or SFTP landing folder).
    Dir {
        path: PathBuf,
        /// Generate the demo export into `path` when it is missing.
        #[serde(default)]
        demo: Option<DemoSource>,
        /// The export's files, when not every contract table as `<table>.csv` or
        /// `<table>.xlsx`: e.g. one workbook with a sheet per table (`["regas-export.xlsx"]`).
        #[serde(default)]
        files: Option<Vec<String>>,
        #[serde(default)]
        csv: CsvOptions,
    },
    /// Files fetched over HTTPS.
    Https(HttpOptions),
}

impl Source {
    pub fn csv(&self) -> &CsvOptions {
        match self {
            Source::Dir { csv, .. } => csv,
            Source::Https(h) => &h.csv,
        }
    }
}

/// An HTTPS source: for an export, `url` is the folder the tables are fetched from
/// (`<url>/<table>.csv`); for a budget, the workbook's URL, where `{year}` is replaced.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    pub url: String,
    /// The export's files, when not every contract table as `<table>.csv`.
    #[serde(default)]
    pub files: Option<Vec<String>>,
    #[serde(default)]
    pub auth: Option<Auth>,
    /// An extra CA certificate (PEM) to trust, e.g. an organisation's own.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_seconds: u64,
    /// For the whole transfer of one file.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Further attempts after a connection error, 5xx or 429.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The first wait between attempts; it doubles each time (plus jitter).
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
    #[serde(default = "default_max_size")]
    pub max_size_mb: u64,
    #[serde(default)]
    pub csv: CsvOptions,
}

fn default_connect_timeout() -> u64 {
    15
}
fn default_timeout() -> u64 {
    600
}
fn default_retries() -> u32 {
    4
}
fn default_backoff() -> u64 {
    1000
}
fn default_max_size() -> u64 {
    512
}

/// Credentials, always by reference: an environment variable or a systemd credential.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum Auth {
    Bearer {
        #[serde(default)]
        token_env: Option<String>,
        #[serde(default)]
        token_credential: Option<String>,
    },
    Basic {
        user: String,
        #[serde(default)]
        password_env: Option<String>,
        #[serde(default)]
        password_credential: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSource {
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_scale")]
    pub scale: Scale,
    /// The last quarter the demo export covers.
    pub until: Quarter,
}

fn default_seed() -> u64 {
    2024
}
fn default_scale() -> Scale {
    Scale::S
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// `;` or `,`; sniffed from the header line when absent.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// `utf-8` or `windows-1252`; detected when absent.
    #[serde(default)]
    pub encoding: Option<Encoding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

/// The budget workbook: one per budget year, stored in the snapshot as `file` with `{year}`
/// replaced (for a folder source, also the name it is read under).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSource {
    pub source: Source,
    #[serde(default = "default_budget_file")]
    pub file: String,
}

fn default_budget_file() -> String {
    "begroting-{year}.xlsx".to_string()
}
