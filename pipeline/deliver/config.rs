//! How publications are mailed (`[mail]`) and to whom (`[tenant.documents.<doc>.mail]`).
//! Passwords are named here, never written: an environment variable or a systemd credential.

use std::path::PathBuf;

use serde::Deserialize;

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
