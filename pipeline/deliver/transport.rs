//! Handing a finished message to the mail server, or to the outbox folder.
//!
//! The SMTP transaction is driven step by step (lettre's `SmtpConnection`) so that the
//! moment the whole message has gone to the server — the final dot of DATA — is known and
//! recorded: a failure before it means the server cannot have the message; a failure after
//! it, before the server's answer, means it may have stored it. One connection per
//! message: a quarter's publication is a handful of mails, and a fresh session keeps one
//! recipient's failure from leaving state behind for the next.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};

use super::DeliverError;
use super::config::{MailSettings, SmtpSettings, SmtpTls};

/// Why one attempt failed, as far as sending again is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 4xx, a connection that failed before the whole message was sent, a timeout before
    /// it: the server does not have the message; another attempt may succeed.
    Temporary(String),
    /// 5xx, a refused login, a server that cannot STARTTLS: retrying cannot help.
    Permanent(String),
    /// The whole message went to the server, then the connection failed before its answer:
    /// the server may have stored it. Sending again may give the recipient a second copy.
    Uncertain(String),
}

pub enum Transport {
    Smtp(Box<Smtp>),
    Outbox { dir: PathBuf },
}

pub struct Smtp {
    settings: SmtpSettings,
    tls: TlsParameters,
    credentials: Option<Credentials>,
    shown: String,
}

impl Transport {
    /// The configured SMTP server, or the tenant's outbox folder when `[mail.smtp]` is absent.
    pub fn new(mail: &MailSettings, outbox: &Path) -> Result<Transport, DeliverError> {
        match &mail.smtp {
            Some(smtp) => Ok(Transport::Smtp(Box::new(smtp_transport(smtp)?))),
            None => {
                std::fs::create_dir_all(outbox).map_err(|e| DeliverError::Setup {
                    what: format!("outbox {}", outbox.display()),
                    reason: e.to_string(),
                })?;
                Ok(Transport::Outbox {
                    dir: outbox.to_path_buf(),
                })
            }
        }
    }

    /// Where mail goes, for the summary (never with credentials).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(s) => s.shown.clone(),
            Transport::Outbox { dir } => format!("outbox {}", dir.display()),
        }
    }

    /// Sends `message`; `handed_over` is called once the whole message has gone to the
    /// server (before its answer), and must record that before it returns.
    pub fn send(
        &self,
        envelope: &Envelope,
        message_id: &str,
        message: &[u8],
        handed_over: &mut dyn FnMut(),
    ) -> Result<(), SendError> {
        match self {
            Transport::Smtp(s) => s.send(envelope, message, handed_over),
            Transport::Outbox { dir } => outbox_write(dir, message_id, message, handed_over),
        }
    }
}

/// An `.eml` per message, named after its Message-ID: written again after a crash, it
/// replaces itself, never doubles.
fn outbox_write(
    dir: &Path,
    message_id: &str,
    message: &[u8],
    handed_over: &mut dyn FnMut(),
) -> Result<(), SendError> {
    let name: String = message_id
        .trim_matches(['<', '>'])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{name}.eml"));
    let tmp = dir.join(format!(".{name}.eml.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(message)?;
        f.sync_all()
    };
    write().map_err(|e| SendError::Temporary(format!("{}: {e}", tmp.display())))?;
    handed_over();
    std::fs::rename(&tmp, &path)
        .map_err(|e| SendError::Uncertain(format!("{}: {e}", path.display())))?;
    Ok(())
}

impl Smtp {
    fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
        handed_over: &mut dyn FnMut(),
    ) -> Result<(), SendError> {
        let s = &self.settings;
        let hello = ClientId::default();
        let timeout = Some(Duration::from_secs(s.timeout_seconds));
        let server = (s.host.as_str(), s.port());
        let implicit = (s.tls == SmtpTls::Implicit).then_some(&self.tls);
        let mut conn =
            SmtpConnection::connect(server, timeout, &hello, implicit, None).map_err(before)?;
        if s.tls == SmtpTls::Starttls {
            // Required, not opportunistic: a server that does not offer STARTTLS is refused
            // rather than sent the password and the reports in clear text.
            if !conn.can_starttls() {
                return Err(SendError::Permanent(format!(
                    "{} does not offer STARTTLS",
                    s.host
                )));
            }
            conn.starttls(&self.tls, &hello).map_err(before)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .map_err(|e| {
                    // A refused login is the password or the user, not the moment.
                    if e.is_permanent() || e.is_client() {
                        SendError::Permanent(format!(
                            "the server refused the login of mail.smtp.user (check the password): {}",
                            chain(&e)
                        ))
                    } else {
                        before(e)
                    }
                })?;
        }
        let mut options = Vec::new();
        if !message.is_ascii() {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        conn.command(Mail::new(envelope.from().cloned(), options))
            .map_err(before)?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![]))
                .map_err(before)?;
        }
        conn.command(Data).map_err(before)?;
        let mut sent = false;
        let parts = std::iter::once(message).chain(std::iter::from_fn(|| {
            // Asked for the next part after the last one was written: the final dot comes
            // next, and with it the server may store the message.
            if !sent {
                sent = true;
                handed_over();
            }
            None
        }));
        let result = conn.message_iter(parts);
        let _ = conn.quit();
        match result {
            Ok(_) => Ok(()),
            // The server answered: refused or deferred, so it did not store it.
            Err(e) if e.is_permanent() => Err(SendError::Permanent(chain(&e))),
            Err(e) if e.is_transient() => Err(SendError::Temporary(chain(&e))),
            Err(e) if sent => Err(SendError::Uncertain(chain(&e))),
            Err(e) => Err(before(e)),
        }
    }
}

/// A failure before the whole message was handed over: the server does not have it.
fn before(e: lettre::transport::smtp::Error) -> SendError {
    let text = chain(&e);
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

fn smtp_transport(smtp: &SmtpSettings) -> Result<Smtp, DeliverError> {
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
    let tls = params
        .build_rustls()
        .map_err(|e| setup("mail.smtp TLS", chain(&e)))?;
    let credentials = match &smtp.user {
        Some(user) => {
            let password = crate::secrets::read(
                smtp.password_env.as_deref(),
                smtp.password_credential.as_deref(),
                "mail.smtp password",
            )
            .map_err(|e| setup("mail.smtp", e.to_string()))?;
            Some(Credentials::new(user.clone(), password))
        }
        None => None,
    };
    let tls_name = match smtp.tls {
        SmtpTls::Starttls => "STARTTLS",
        SmtpTls::Implicit => "TLS",
    };
    Ok(Smtp {
        shown: format!("SMTP {}:{} ({tls_name})", smtp.host, smtp.port()),
        settings: smtp.clone(),
        tls,
        credentials,
    })
}

/// The error and its causes on one line (lettre puts the server's reply in a cause).
pub fn chain(e: &dyn std::error::Error) -> String {
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
