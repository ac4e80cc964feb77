//! The configuration file (TOML).
//!
//! Unknown keys are refused so that a typo never silently falls back to a default. Paths
//! are relative to the folder of the config file, so a config and its data can move
//! together. Secrets are never read from here: a key that looks like an inline secret is
//! refused with a pointer to the environment-variable or credential alternative.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::deliver::{MailSettings, Recipients};
use crate::disclose::Audience;
use crate::pull::{BudgetSource, Source};
use crate::quarter::Quarter;
use crate::render::memo::Letter;
use crate::render::{Brand, Document};

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
    /// The Typst layouts, their fonts and brand assets. By default those installed beside
    /// the program (`<prefix>/share/pipeline/layouts` for `<prefix>/bin/pipeline`), else
    /// `layouts` beside the config file.
    #[serde(default)]
    pub layouts_dir: PathBuf,
    /// Extra font folders searched before the embedded fonts.
    #[serde(default)]
    pub font_dirs: Vec<PathBuf>,
    /// Analysts' commentary: `<commentary_dir>/<quarter>/<section>.md`.
    #[serde(default = "default_commentary_dir")]
    pub commentary_dir: PathBuf,
    #[serde(default)]
    pub monitor: MonitorSection,
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
/// The layouts installed beside the running program, as the Debian package puts them.
fn installed_layouts() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("share/pipeline/layouts");
    dir.join("kwartaalrapportage.typ").is_file().then_some(dir)
}

/// Where the program looks for its config without `--config`: `config/pipeline.toml` in
/// the current folder (a checkout, as the README's commands run), else the installed
/// system's `/etc/pipeline/pipeline.toml`.
pub fn default_path() -> PathBuf {
    let here = PathBuf::from("config/pipeline.toml");
    if here.is_file() {
        here
    } else {
        PathBuf::from("/etc/pipeline/pipeline.toml")
    }
}
fn default_commentary_dir() -> PathBuf {
    PathBuf::from("commentary")
}

/// `[monitor]`: the thresholds of load, monitor and disclosure; the defaults are the
/// contract's. Each stage gets its own part.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorSection {
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

impl Default for MonitorSection {
    fn default() -> Self {
        let m = crate::monitor::Settings::default();
        Self {
            suppression_threshold: crate::disclose::Settings::default().threshold,
            flag_amount: m.flag_amount,
            flag_share: m.flag_share,
            notable_share: m.notable_share,
            notable_count: m.notable_count,
            max_excluded_share: crate::load::Settings::default().max_excluded_share,
            zrm_norm: m.zrm_norm,
        }
    }
}

impl MonitorSection {
    pub fn monitor(&self) -> crate::monitor::Settings {
        crate::monitor::Settings {
            flag_amount: self.flag_amount,
            flag_share: self.flag_share,
            notable_share: self.notable_share,
            notable_count: self.notable_count,
            zrm_norm: self.zrm_norm,
        }
    }

    pub fn disclose(&self) -> crate::disclose::Settings {
        crate::disclose::Settings {
            threshold: self.suppression_threshold,
        }
    }

    pub fn load(&self) -> crate::load::Settings {
        crate::load::Settings {
            max_excluded_share: self.max_excluded_share,
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
    /// Which editions to publish: `intern` (every figure, for management) and/or
    /// `openbaar` (small-cell suppression, for the council). Default: `["intern"]`.
    #[serde(default)]
    pub editions: Option<Vec<Audience>>,
    /// Older configs: `public = true` is `editions = ["openbaar"]`, false `["intern"]`.
    #[serde(default)]
    pub public: Option<bool>,
    /// Who receives this document by mail.
    #[serde(default)]
    pub mail: Recipients,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoDocument {
    pub brand: String,
    /// Default: `["openbaar"]`.
    #[serde(default)]
    pub editions: Option<Vec<Audience>>,
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default = "default_aan")]
    pub aan: String,
    #[serde(default = "default_van")]
    pub van: String,
    pub portefeuillehouder: String,
    #[serde(default)]
    pub cc: String,
    pub signatures: Vec<crate::render::document::SignatureData>,
    /// Who receives this document by mail. A sub-table because `cc` above is the memo's
    /// printed cc line.
    #[serde(default)]
    pub mail: Recipients,
}

impl MemoDocument {
    pub fn letter(&self) -> Letter {
        Letter {
            aan: self.aan.clone(),
            van: self.van.clone(),
            portefeuillehouder: self.portefeuillehouder.clone(),
            cc: self.cc.clone(),
            signatures: self.signatures.clone(),
        }
    }
}

/// The editions of a document: `editions`, else the legacy `public`, else the default.
fn editions_of(
    editions: &Option<Vec<Audience>>,
    public: Option<bool>,
    default: Audience,
) -> Vec<Audience> {
    match (editions, public) {
        (Some(e), _) => {
            let mut e = e.clone();
            e.sort();
            e.dedup();
            e
        }
        (None, Some(true)) => vec![Audience::Openbaar],
        (None, Some(false)) => vec![Audience::Intern],
        (None, None) => vec![default],
    }
}

impl Documents {
    pub fn brand(&self, document: Document) -> &str {
        match document {
            Document::Kwartaalrapportage => &self.kwartaalrapportage.brand,
            Document::Raadsmemo => &self.raadsmemo.brand,
        }
    }

    /// The editions of `document`, internal first.
    pub fn editions(&self, document: Document) -> Vec<Audience> {
        match document {
            Document::Kwartaalrapportage => editions_of(
                &self.kwartaalrapportage.editions,
                self.kwartaalrapportage.public,
                Audience::Intern,
            ),
            Document::Raadsmemo => editions_of(
                &self.raadsmemo.editions,
                self.raadsmemo.public,
                Audience::Openbaar,
            ),
        }
    }

    pub fn mail(&self, document: Document) -> &Recipients {
        match document {
            Document::Kwartaalrapportage => &self.kwartaalrapportage.mail,
            Document::Raadsmemo => &self.raadsmemo.mail,
        }
    }
}

fn default_aan() -> String {
    "Gemeenteraad".to_string()
}
fn default_van() -> String {
    "College van B&W".to_string()
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
        if self.layouts_dir.as_os_str().is_empty() {
            self.layouts_dir = installed_layouts().unwrap_or_else(|| PathBuf::from("layouts"));
        }
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
            for (doc, editions, public) in [
                (
                    "kwartaalrapportage",
                    &t.documents.kwartaalrapportage.editions,
                    t.documents.kwartaalrapportage.public,
                ),
                (
                    "raadsmemo",
                    &t.documents.raadsmemo.editions,
                    t.documents.raadsmemo.public,
                ),
            ] {
                let key = format!("tenant.{}.documents.{doc}.editions", t.id);
                if editions.is_some() && public.is_some() {
                    return Err(invalid(
                        key,
                        "name either `editions` or the older `public`, not both".into(),
                    ));
                }
                if editions.as_ref().is_some_and(Vec::is_empty) {
                    return Err(invalid(
                        key,
                        "at least one edition: \"intern\" and/or \"openbaar\"".into(),
                    ));
                }
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
            for (which, source) in std::iter::once(("export", &t.export))
                .chain(t.budget.as_ref().map(|b| ("budget.source", &b.source)))
            {
                if let Source::Https(h) = source
                    && let Ok(url) = reqwest::Url::parse(&h.url)
                    && (!url.username().is_empty() || url.password().is_some())
                {
                    return Err(invalid(
                        format!("tenant.{}.{which}.url", t.id),
                        "holds credentials (user:password@); secrets never go in the config file: name them with `auth = { kind = \"basic\", user = \"…\", password_credential = \"…\" }` or a bearer token".into(),
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

    /// A run on files (`pipeline run --export DIR --budget FILE --output DIR`): the tenant
    /// reads every table from `export` (encoding and delimiter detected, the contract's own
    /// headers and values, no mapping) and its budget from the workbook `budget`; publications
    /// go to `output`.
    pub fn on_files(
        &mut self,
        tenant: Option<&str>,
        export: Option<&Path>,
        budget: Option<&Path>,
        output: Option<&Path>,
    ) -> Result<(), ConfigError> {
        let id = self.tenant(tenant)?.id.clone();
        let t = self
            .tenants
            .iter_mut()
            .find(|t| t.id == id)
            .expect("the tenant just found");
        if let Some(dir) = export {
            t.export = Source::Dir {
                path: dir.to_path_buf(),
                demo: None,
                files: None,
                csv: Default::default(),
            };
            t.columns.clear();
            t.values.clear();
        }
        if let Some(file) = budget {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                return Err(ConfigError::Invalid {
                    path: file.display().to_string(),
                    key: "--budget".into(),
                    message: "expected the budget workbook's file".into(),
                });
            };
            let folder = file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            t.budget = Some(BudgetSource {
                source: Source::Dir {
                    path: folder.to_path_buf(),
                    demo: None,
                    files: None,
                    csv: Default::default(),
                },
                file: name,
            });
        }
        if let Some(dir) = output {
            self.output_dir = dir.to_path_buf();
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

use crate::render::brand::is_hex_colour;

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
        let docs = &c.tenants[0].documents;
        assert_eq!(docs.editions(Document::Raadsmemo), vec![Audience::Openbaar]);
        assert_eq!(
            docs.editions(Document::Kwartaalrapportage),
            vec![Audience::Intern]
        );
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
