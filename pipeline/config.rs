//! The configuration file (TOML).
//!
//! Unknown keys are refused so that a typo never silently falls back to a default. Paths
//! are relative to the folder of the config file, so a config and its data can move
//! together. Secrets are never read from here: a key that looks like an inline secret is
//! refused with a pointer to the environment-variable or credential alternative.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::demo::Scale;
use crate::quarter::Quarter;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}, column {column}: {message}")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {key}: {message}")]
    Invalid {
        path: String,
        key: String,
        message: String,
    },
}

/// The whole configuration, with paths resolved against the config file's folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Snapshots and the run ledger.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// Where publications land: `<output_dir>/<tenant>/<quarter>/`.
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// The Typst layouts, their fonts and brand assets.
    #[serde(default = "default_layouts_dir")]
    pub layouts_dir: PathBuf,
    /// Extra font folders searched before the embedded fonts.
    #[serde(default)]
    pub font_dirs: Vec<PathBuf>,
    /// Analysts' commentary: `<commentary_dir>/<quarter>/<section>.md`.
    #[serde(default = "default_commentary_dir")]
    pub commentary_dir: PathBuf,
    #[serde(default)]
    pub monitor: MonitorSettings,
    /// When the daemon pulls and publishes.
    #[serde(default)]
    pub schedule: ScheduleSettings,
    /// How publications are mailed; without it, nothing is mailed.
    #[serde(default)]
    pub mail: Option<MailSettings>,
    #[serde(rename = "tenant")]
    pub tenants: Vec<Tenant>,
    /// Where this config was read from (not a key in the file).
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("state")
}
fn default_output_dir() -> PathBuf {
    PathBuf::from("output")
}
fn default_layouts_dir() -> PathBuf {
    PathBuf::from("layouts")
}
fn default_commentary_dir() -> PathBuf {
    PathBuf::from("commentary")
}

/// Thresholds of the monitor; the defaults are the contract's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorSettings {
    /// Counts from 1 to threshold − 1 are hidden in public documents.
    pub suppression_threshold: u32,
    /// A finance line is flagged when |Verschil| reaches this amount (euros) …
    pub flag_amount: f64,
    /// … or this share of its Begroting gewijzigd (0.10 = 10 %).
    pub flag_share: f64,
    /// A change against last year is told when it is at least this share (0.05 = 5 %) …
    pub notable_share: f64,
    /// … and at least this many cases.
    pub notable_count: i64,
    /// More excluded rows than this share of a table stops the run.
    pub max_excluded_share: f64,
    /// The ZRM growth the organisation aims for (the norm line in the chart).
    pub zrm_norm: f64,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            suppression_threshold: 5,
            flag_amount: 100_000.0,
            flag_share: 0.10,
            notable_share: 0.05,
            notable_count: 10,
            max_excluded_share: 0.01,
            zrm_norm: 1.0,
        }
    }
}

/// The daemon's timetable, in Europe/Amsterdam time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// Cron expression (second minute hour day-of-month month day-of-week) of the
    /// publication: by default 07:00 on the 10th of the month after each quarter.
    pub publish: String,
    /// Cron expression of the nightly pull, which keeps a snapshot of each day's export;
    /// empty for none.
    pub pull: String,
    /// No quarter before this one is published by the daemon, so a first start does not
    /// publish all history. Default: the last complete quarter when the daemon starts.
    pub earliest_quarter: Option<Quarter>,
    /// How long a shutdown waits for a running publication before abandoning it.
    pub grace_seconds: u64,
    /// A failed publication is tried again after this many minutes.
    pub retry_minutes: u64,
    /// Snapshots pulled more than this many quarters ago are deleted.
    pub keep_snapshots_quarters: u32,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            publish: "0 0 7 10 1,4,7,10 *".into(),
            pull: "0 30 1 * * *".into(),
            earliest_quarter: None,
            grace_seconds: 60,
            retry_minutes: 60,
            keep_snapshots_quarters: 8,
        }
    }
}

/// One organisation reported for one municipality: its sources, brands and documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// Short name used in folders and the ledger, e.g. `noorderkwartier`.
    pub id: String,
    /// The social-work organisation whose registration is reported.
    pub organisation: String,
    /// The municipality whose budget is reported.
    pub municipality: String,
    pub export: Source,
    /// The municipality's budget workbook; without it the finance chapter is left out.
    #[serde(default)]
    pub budget: Option<BudgetSource>,
    /// Header texts of this organisation's export, per table and contract column.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Value aliases, per contract column, e.g. `Ondersteuningsvorm."Kort contact" = "LS"`.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    pub brands: BTreeMap<String, Brand>,
    pub documents: Documents,
}

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

/// A house style: the organisation's or the municipality's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub name: String,
    /// SVG or PNG.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    pub primary: String,
    pub accent: String,
    /// A light tint for backgrounds; derived from `primary` when absent.
    #[serde(default)]
    pub light: Option<String>,
    #[serde(default = "default_font")]
    pub font: String,
}

fn default_font() -> String {
    "Open Sans".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    pub kwartaalrapportage: ReportDocument,
    pub raadsmemo: MemoDocument,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDocument {
    /// A key of `brands`.
    pub brand: String,
    /// Public documents get small-cell suppression.
    #[serde(default)]
    pub public: bool,
    /// Who receives this document by mail.
    #[serde(default)]
    pub mail: Recipients,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoDocument {
    pub brand: String,
    #[serde(default = "yes")]
    pub public: bool,
    #[serde(default = "default_aan")]
    pub aan: String,
    #[serde(default = "default_van")]
    pub van: String,
    pub portefeuillehouder: String,
    #[serde(default)]
    pub cc: String,
    pub signatures: Vec<Signature>,
    /// Who receives this document by mail. A sub-table because `cc` above is the memo's
    /// printed cc line.
    #[serde(default)]
    pub mail: Recipients,
}

/// The recipients of one document's mail. Every address (cc included) gets its own
/// message, so that each is recorded, retried and never sent twice on its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// Overrides `[mail] reply_to` for this document.
    #[serde(default)]
    pub reply_to: Option<String>,
}

impl Recipients {
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.cc.is_empty()
    }
}

/// `[mail]`: the sender, the server and how hard to try.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `Naam <adres>` or a bare address.
    pub from: String,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Without it, mail is written as `.eml` files to `<output_dir>/<tenant>/outbox/`.
    #[serde(default)]
    pub smtp: Option<SmtpSettings>,
    /// Attempts per message for temporary failures (4xx, connection errors).
    #[serde(default = "default_mail_attempts")]
    pub max_attempts: u32,
    /// The first wait between attempts; it doubles each time.
    #[serde(default = "default_mail_backoff")]
    pub backoff_ms: u64,
    /// Operations address told when a scheduled run fails.
    #[serde(default)]
    pub alert_to: Option<String>,
}

fn default_mail_attempts() -> u32 {
    5
}
fn default_mail_backoff() -> u64 {
    2000
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Default 587 for STARTTLS, 465 for implicit TLS.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// AUTH user; the password comes from `password_env` or `password_credential`.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_credential: Option<String>,
    /// An extra CA certificate (PEM) to trust for this server.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// For connecting and for each reply of the server.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
}

fn default_smtp_timeout() -> u64 {
    60
}

impl SmtpSettings {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Implicit => 465,
        })
    }
}

fn yes() -> bool {
    true
}
fn default_aan() -> String {
    "Gemeenteraad".to_string()
}
fn default_van() -> String {
    "College van B&W".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub name: String,
    pub function: String,
}

/// Keys whose presence means someone wrote a secret into the file.
const INLINE_SECRET_KEYS: &[&str] = &["password", "token", "secret", "api_key", "bearer"];

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses config text as if read from `path` (used for errors and relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        refuse_inline_secrets(text, &shown)?;
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ConfigError::Parse {
                path: shown.clone(),
                line,
                column,
                message: e.message().trim().replace('\n', " "),
            }
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.source = path.to_path_buf();
        config.resolve(&base);
        config.validate()?;
        Ok(config)
    }

    fn resolve(&mut self, base: &Path) {
        // `config/../output` shown to a person reads as `output`; lexically, because the
        // folders need not exist yet (and a symlinked folder keeps its name).
        fn lexically_normal(path: &Path) -> PathBuf {
            use std::path::Component;
            let mut out = PathBuf::new();
            for c in path.components() {
                match c {
                    Component::CurDir => {}
                    Component::ParentDir
                        if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
                    {
                        out.pop();
                    }
                    other => out.push(other),
                }
            }
            if out.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                out
            }
        }
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = lexically_normal(&base.join(&*p));
            }
        };
        join(&mut self.state_dir);
        join(&mut self.output_dir);
        join(&mut self.layouts_dir);
        join(&mut self.commentary_dir);
        self.font_dirs.iter_mut().for_each(join);
        let join_source = |s: &mut Source| match s {
            Source::Dir { path, .. } => join(path),
            Source::Https(h) => {
                if let Some(ca) = &mut h.ca_file {
                    join(ca);
                }
            }
        };
        if let Some(ca) = self
            .mail
            .as_mut()
            .and_then(|m| m.smtp.as_mut())
            .and_then(|s| s.ca_file.as_mut())
        {
            join(ca);
        }
        for tenant in &mut self.tenants {
            join_source(&mut tenant.export);
            if let Some(budget) = &mut tenant.budget {
                join_source(&mut budget.source);
            }
            for brand in tenant.brands.values_mut() {
                if let Some(logo) = &mut brand.logo {
                    join(logo);
                }
            }
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| ConfigError::Invalid {
            path: self.source.display().to_string(),
            key,
            message,
        };
        if self.tenants.is_empty() {
            return Err(invalid(
                "tenant".into(),
                "at least one [[tenant]] is needed".into(),
            ));
        }
        let s = &self.monitor;
        if s.suppression_threshold < 2 {
            return Err(invalid(
                "monitor.suppression_threshold".into(),
                "must be at least 2".into(),
            ));
        }
        if !(0.0..=1.0).contains(&s.max_excluded_share) {
            return Err(invalid(
                "monitor.max_excluded_share".into(),
                "must be between 0 and 1 (0.01 = 1 %)".into(),
            ));
        }
        self.validate_mail()?;
        for (i, t) in self.tenants.iter().enumerate() {
            if t.id.is_empty()
                || !t
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(invalid(
                    format!("tenant[{i}].id"),
                    format!(
                        "'{}' must be letters, digits, - or _ (it names folders)",
                        t.id
                    ),
                ));
            }
            for (doc, brand) in [
                ("kwartaalrapportage", &t.documents.kwartaalrapportage.brand),
                ("raadsmemo", &t.documents.raadsmemo.brand),
            ] {
                if !t.brands.contains_key(brand) {
                    let known: Vec<&str> = t.brands.keys().map(String::as_str).collect();
                    return Err(invalid(
                        format!("tenant.{}.documents.{doc}.brand", t.id),
                        format!("no brand '{brand}' (configured: {})", known.join(", ")),
                    ));
                }
            }
            for (name, b) in &t.brands {
                for (key, colour) in [
                    ("primary", Some(&b.primary)),
                    ("accent", Some(&b.accent)),
                    ("light", b.light.as_ref()),
                ] {
                    if let Some(c) = colour
                        && !is_hex_colour(c)
                    {
                        return Err(invalid(
                            format!("tenant.{}.brands.{name}.{key}", t.id),
                            format!("'{c}' is not a colour; expected #rrggbb"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every address must parse, recipients need a sender, and AUTH needs both halves.
    fn validate_mail(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| ConfigError::Invalid {
            path: self.source.display().to_string(),
            key,
            message,
        };
        let address = |key: String, value: &str| -> Result<(), ConfigError> {
            value
                .parse::<lettre::message::Mailbox>()
                .map(|_| ())
                .map_err(|e| invalid(key, format!("'{value}' is not a mail address: {e}")))
        };
        if let Some(m) = &self.mail {
            address("mail.from".into(), &m.from)?;
            if let Some(r) = &m.reply_to {
                address("mail.reply_to".into(), r)?;
            }
            if let Some(a) = &m.alert_to {
                address("mail.alert_to".into(), a)?;
            }
            if m.max_attempts == 0 {
                return Err(invalid(
                    "mail.max_attempts".into(),
                    "must be at least 1".into(),
                ));
            }
            if let Some(s) = &m.smtp {
                let has_password = s.password_env.is_some() || s.password_credential.is_some();
                if s.password_env.is_some() && s.password_credential.is_some() {
                    return Err(invalid(
                        "mail.smtp.password_env".into(),
                        "name either password_env or password_credential, not both".into(),
                    ));
                }
                if s.user.is_some() != has_password {
                    return Err(invalid(
                        "mail.smtp.user".into(),
                        "AUTH needs both `user` and `password_env` or `password_credential`".into(),
                    ));
                }
                if s.host.trim().is_empty() {
                    return Err(invalid("mail.smtp.host".into(), "is empty".into()));
                }
            }
        }
        for t in &self.tenants {
            for (doc, r) in [
                ("kwartaalrapportage", &t.documents.kwartaalrapportage.mail),
                ("raadsmemo", &t.documents.raadsmemo.mail),
            ] {
                let key = |k: &str| format!("tenant.{}.documents.{doc}.mail.{k}", t.id);
                for (k, list) in [("to", &r.to), ("cc", &r.cc)] {
                    for a in list {
                        address(key(k), a)?;
                    }
                }
                if let Some(a) = &r.reply_to {
                    address(key("reply_to"), a)?;
                }
                if !r.is_empty() && self.mail.is_none() {
                    return Err(invalid(
                        key("to"),
                        "recipients need a [mail] table with at least `from`".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn tenant(&self, id: Option<&str>) -> Result<&Tenant, ConfigError> {
        match id {
            None => Ok(&self.tenants[0]),
            Some(id) => {
                self.tenants
                    .iter()
                    .find(|t| t.id == id)
                    .ok_or_else(|| ConfigError::Invalid {
                        path: self.source.display().to_string(),
                        key: "tenant".into(),
                        message: format!(
                            "no tenant '{id}' (configured: {})",
                            self.tenants
                                .iter()
                                .map(|t| t.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
            }
        }
    }
}

pub fn is_hex_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

fn refuse_inline_secrets(text: &str, path: &str) -> Result<(), ConfigError> {
    for (n, line) in text.lines().enumerate() {
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"').to_ascii_lowercase();
        if line.trim_start().starts_with('#') {
            continue;
        }
        if INLINE_SECRET_KEYS
            .iter()
            .any(|s| key == *s || key.ends_with(&format!("_{s}")) && !key.ends_with("_env"))
        {
            return Err(ConfigError::Parse {
                path: path.to_string(),
                line: n + 1,
                column: 1,
                message: format!(
                    "`{key}` holds a secret written into the config file; name an environment variable \
                     (`{key}_env = \"VAR\"`) or a systemd credential (`{key}_credential = \"name\"`) instead"
                ),
            });
        }
    }
    Ok(())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
[[tenant]]
id = "demo"
organisation = "Welzijn Noorderkwartier"
municipality = "Gemeente Noorderkwartier"
export = { kind = "dir", path = "data" }
[tenant.brands.gemeente]
name = "Gemeente Noorderkwartier"
primary = "#00626f"
accent = "#e8862a"
[tenant.documents.kwartaalrapportage]
brand = "gemeente"
[tenant.documents.raadsmemo]
brand = "gemeente"
portefeuillehouder = "A. de Vries"
signatures = [{ name = "J. Jansen", function = "burgemeester" }]
"##;

    #[test]
    fn minimal_config_gets_defaults_and_resolved_paths() {
        let c = Config::parse(MINIMAL, Path::new("/etc/pipeline/pipeline.toml")).unwrap();
        assert_eq!(c.output_dir, PathBuf::from("/etc/pipeline/output"));
        assert_eq!(c.monitor.suppression_threshold, 5);
        let Source::Dir { path, .. } = &c.tenants[0].export else {
            panic!("a dir source")
        };
        assert_eq!(path, &PathBuf::from("/etc/pipeline/data"));
        assert!(c.tenants[0].documents.raadsmemo.public);
        assert!(!c.tenants[0].documents.kwartaalrapportage.public);
    }

    #[test]
    fn a_mistyped_key_is_named_with_file_and_line() {
        let text = MINIMAL.replace("municipality =", "municipalty =");
        let err = Config::parse(&text, Path::new("conf/p.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("conf/p.toml: line 5"), "{err}");
        assert!(err.contains("municipalty"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn an_unknown_top_level_key_is_refused() {
        let text = format!("output_folder = \"x\"\n{MINIMAL}");
        let err = Config::parse(&text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1") && err.contains("output_folder"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_brand_is_named() {
        let text = MINIMAL.replacen("brand = \"gemeente\"", "brand = \"organisatie\"", 1);
        let err = Config::parse(&text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("documents.kwartaalrapportage.brand") && err.contains("organisatie"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_colour_is_named() {
        let text = MINIMAL.replace("#e8862a", "orange");
        let err = Config::parse(&text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("brands.gemeente.accent") && err.contains("#rrggbb"),
            "{err}"
        );
    }

    #[test]
    fn an_inline_secret_is_refused_with_the_alternative() {
        let text = format!("{MINIMAL}\n[smtp]\npassword = \"hunter2\"\n");
        let err = Config::parse(&text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("password_env") && err.contains("credential"),
            "{err}"
        );
        assert!(
            !err.contains("hunter2"),
            "the secret itself must not be echoed: {err}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Config::load(Path::new("/nonexistent/pipeline.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/nonexistent/pipeline.toml: cannot read"),
            "{err}"
        );
    }
}
