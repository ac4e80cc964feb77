//! Handing a finished message to the mail server, or to the outbox folder.
//!
//! One connection per message: a quarter's publication is a handful of mails, and a fresh
//! session keeps one recipient's failure from leaving state behind for the next.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{FileTransport, SmtpTransport, Transport as _};

use super::DeliverError;
use super::config::{MailSettings, SmtpSettings, SmtpTls};

/// Why one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 4xx, a dropped connection, a timeout: another attempt may succeed.
    Temporary(String),
    /// 5xx or a client-side refusal (e.g. the server cannot STARTTLS): retrying cannot help.
    Permanent(String),
}

pub enum Transport {
    Smtp { inner: SmtpTransport, shown: String },
    Outbox { inner: FileTransport, dir: PathBuf },
}

impl Transport {
    /// The configured SMTP server, or the tenant's outbox folder when `[mail.smtp]` is absent.
    pub fn new(mail: &MailSettings, outbox: &Path) -> Result<Transport, DeliverError> {
        match &mail.smtp {
            Some(smtp) => smtp_transport(smtp),
            None => {
                std::fs::create_dir_all(outbox).map_err(|e| DeliverError::Setup {
                    what: format!("outbox {}", outbox.display()),
                    reason: e.to_string(),
                })?;
                Ok(Transport::Outbox {
                    inner: FileTransport::new(outbox),
                    dir: outbox.to_path_buf(),
                })
            }
        }
    }

    /// Where mail goes, for the summary (never with credentials).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::Outbox { dir, .. } => format!("outbox {}", dir.display()),
        }
    }

    pub fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        match self {
            Transport::Smtp { inner, .. } => inner
                .send_raw(envelope, message)
                .map(|_| ())
                .map_err(classify),
            Transport::Outbox { inner, .. } => inner
                .send_raw(envelope, message)
                .map(|_| ())
                .map_err(|e| SendError::Temporary(chain(&e))),
        }
    }
}

fn smtp_transport(smtp: &SmtpSettings) -> Result<Transport, DeliverError> {
    let setup = |what: &str, reason: String| DeliverError::Setup {
        what: what.to_string(),
        reason,
    };
    let mut params = TlsParameters::builder(smtp.host.clone());
    if let Some(ca) = &smtp.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            setup(
                &format!("mail.smtp.ca_file {}", ca.display()),
                e.to_string(),
            )
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            setup(
                &format!("mail.smtp.ca_file {}", ca.display()),
                format!("not a PEM certificate: {e}"),
            )
        })?;
        params = params.add_root_certificate(cert);
    }
    let params = params
        .build_rustls()
        .map_err(|e| setup("mail.smtp TLS", chain(&e)))?;
    let tls = match smtp.tls {
        // Required, not opportunistic: a server that does not offer STARTTLS is refused
        // rather than sent the password and the reports in clear text.
        SmtpTls::Starttls => Tls::Required(params),
        SmtpTls::Implicit => Tls::Wrapper(params),
    };
    let port = smtp.port();
    let mut builder = SmtpTransport::builder_dangerous(smtp.host.as_str())
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(smtp.timeout_seconds)));
    if let Some(user) = &smtp.user {
        let password = crate::secrets::read(
            smtp.password_env.as_deref(),
            smtp.password_credential.as_deref(),
            "mail.smtp password",
        )
        .map_err(|e| setup("mail.smtp", e.to_string()))?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let tls_name = match smtp.tls {
        SmtpTls::Starttls => "STARTTLS",
        SmtpTls::Implicit => "TLS",
    };
    Ok(Transport::Smtp {
        inner: builder.build(),
        shown: format!("SMTP {}:{port} ({tls_name})", smtp.host),
    })
}

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = chain(&e);
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

/// The error and its causes on one line (lettre puts the server's reply in a cause).
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
