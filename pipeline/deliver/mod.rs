//! Stage 6, deliver: mail a published version to the recipients configured per document.
//!
//! Every (version, document, recipient) is mailed at most once. The ledger records the
//! attempt before the SMTP transaction starts and its outcome after it, so a process that
//! dies in between leaves a `sending` row: the server may have accepted the message, so it
//! is reported as unconfirmed and never sent again automatically. Temporary failures (4xx,
//! connection errors) are retried with exponential backoff; permanent ones (5xx) are not.
//! A failed mail never touches the publication: the run still succeeds and says which
//! mails failed.

mod config;
pub mod message;
mod transport;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use lettre::message::Mailbox;

use crate::Quarter;
use crate::disclose::View;
use crate::ledger::{Ledger, LedgerError, MailKey, MailState};
use crate::publish::{CellChange, Publication};
use crate::render::Document;

pub use config::{MailSettings, Recipients, SmtpSettings, SmtpTls};
pub use message::Facts;
pub use transport::{SendError, Transport};

/// What one document's mail list receives: the document (in the edition its readers
/// have) and what goes with it, and the numbers of that edition's view.
pub struct Package<'a> {
    pub document: Document,
    pub recipients: &'a Recipients,
    /// Files of the version folder, attached in this order (`intern/kwartaalrapportage.pdf`).
    pub attachments: Vec<String>,
    /// The view of the attached documents: the body's numbers and the correction's.
    pub view: &'a View,
    /// For a correction: the cells the attached documents show that changed.
    pub changes: Vec<CellChange>,
    /// The memo goes with the public kwartaalrapportage (its Bijlage).
    pub with_report: bool,
}

/// Everything one version's delivery needs.
pub struct Request<'a> {
    pub mail: &'a MailSettings,
    /// Where messages go without `[mail.smtp]`.
    pub outbox: PathBuf,
    pub publication: &'a Publication,
    /// The ledger's id of the run that delivers.
    pub run_id: i64,
    pub facts: Facts<'a>,
    pub packages: Vec<Package<'a>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("mail: {what}: {reason}")]
    Setup { what: String, reason: String },
    #[error("mail: {what}: cannot read {path}: {source}")]
    Read {
        what: String,
        path: String,
        source: std::io::Error,
    },
    #[error("mail: building the message failed: {0}")]
    Message(String),
    #[error("mail to {recipient} failed: {reason}")]
    Send { recipient: String, reason: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// How one (document, recipient) ended in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Sent by an earlier run of this version.
    AlreadySent,
    /// An earlier attempt was cut off while the server had it: it may have arrived, so it is
    /// not sent again; someone has to check with the recipient.
    Unconfirmed,
    Failed,
}

#[derive(Debug, Clone)]
pub struct MailReport {
    pub document: &'static str,
    pub recipient: String,
    pub outcome: MailOutcome,
    /// Attempts in this run.
    pub attempts: u32,
    pub error: Option<String>,
}

/// What delivery did for one version.
#[derive(Debug, Clone, Default)]
pub struct DeliveryReport {
    /// Where mail went, e.g. `SMTP mail.example.nl:587 (STARTTLS)`; empty when mail is not
    /// configured.
    pub via: String,
    pub mails: Vec<MailReport>,
    /// Delivery could not start (e.g. the password is missing); no mail was attempted.
    pub error: Option<String>,
}

impl DeliveryReport {
    pub fn count(&self, outcome: MailOutcome) -> usize {
        self.mails.iter().filter(|m| m.outcome == outcome).count()
    }

    /// True when every mail is sent (now or before).
    pub fn complete(&self) -> bool {
        self.error.is_none()
            && self
                .mails
                .iter()
                .all(|m| matches!(m.outcome, MailOutcome::Sent | MailOutcome::AlreadySent))
    }
}

impl fmt::Display for DeliveryReport {
    /// The summary a person reads after a run: one line, then one per mail needing attention.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "mail: NOT SENT: {e}");
        }
        if self.via.is_empty() {
            return write!(f, "mail: not configured");
        }
        if self.mails.is_empty() {
            return write!(f, "mail: no recipients configured");
        }
        write!(
            f,
            "mail via {}: {} sent, {} already sent before, {} unconfirmed, {} failed",
            self.via,
            self.count(MailOutcome::Sent),
            self.count(MailOutcome::AlreadySent),
            self.count(MailOutcome::Unconfirmed),
            self.count(MailOutcome::Failed),
        )?;
        for m in &self.mails {
            let what = match m.outcome {
                MailOutcome::Failed => "FAILED",
                MailOutcome::Unconfirmed => {
                    "UNCONFIRMED (cut off during sending; not resent — check with the recipient)"
                }
                _ => continue,
            };
            write!(f, "\n  {what}: {} → {}", m.document, m.recipient)?;
            if let Some(e) = &m.error {
                write!(f, ": {e}")?;
            }
        }
        Ok(())
    }
}

fn mailbox(text: &str, key: &str) -> Result<Mailbox, DeliverError> {
    text.parse().map_err(|e| DeliverError::Setup {
        what: key.to_string(),
        reason: format!("'{text}' is not a mail address: {e}"),
    })
}

/// The mailboxes of a list, without an address named twice (in `to` and again in `cc`).
fn unique(
    list: &[String],
    key: &str,
    seen: &mut Vec<Address>,
) -> Result<Vec<Mailbox>, DeliverError> {
    let mut out = Vec::new();
    for text in list {
        let m = mailbox(text, key)?;
        if !seen.iter().any(|a| eq_address(a, &m.email)) {
            seen.push(m.email.clone());
            out.push(m);
        }
    }
    Ok(out)
}

fn eq_address(a: &Address, b: &Address) -> bool {
    let b: &str = b.as_ref();
    a.to_string().eq_ignore_ascii_case(b)
}

/// Mails the version to every recipient not mailed it yet. Called after each successful
/// run, so a rerun that publishes nothing new still sends what an earlier run could not.
pub fn deliver(ledger: &Ledger, req: &Request) -> DeliveryReport {
    if req.packages.iter().all(|p| p.recipients.is_empty()) {
        return DeliveryReport {
            via: "-".into(),
            ..Default::default()
        };
    }
    let p = req.publication;
    let _span =
        tracing::info_span!("deliver", tenant = %p.tenant, quarter = %p.quarter, version = p.version)
            .entered();
    let mut report = DeliveryReport::default();
    let transport = match Transport::new(req.mail, &req.outbox) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "mail cannot be sent");
            report.via = "-".into();
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.via = transport.describe();
    let sender = Sender {
        ledger,
        transport: &transport,
        mail: req.mail,
        sleep: &std::thread::sleep,
    };
    if let Err(e) = deliver_with(&sender, req, &mut report) {
        tracing::error!(error = %e, "mail delivery stopped");
        report.error = Some(e.to_string());
    }
    for m in &report.mails {
        match m.outcome {
            MailOutcome::Sent => {
                tracing::info!(document = m.document, recipient = %m.recipient, attempts = m.attempts, "mail sent")
            }
            MailOutcome::Failed => {
                tracing::warn!(document = m.document, recipient = %m.recipient, attempts = m.attempts, error = m.error.as_deref().unwrap_or(""), "mail failed")
            }
            MailOutcome::Unconfirmed => {
                tracing::warn!(document = m.document, recipient = %m.recipient, "mail unconfirmed: an earlier attempt was cut off; not resent")
            }
            MailOutcome::AlreadySent => {}
        }
    }
    report
}

struct Sender<'a> {
    ledger: &'a Ledger,
    transport: &'a Transport,
    mail: &'a MailSettings,
    sleep: &'a dyn Fn(Duration),
}

fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, DeliverError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| DeliverError::Read {
        what: "the publication".into(),
        path: path.display().to_string(),
        source,
    })
}

fn deliver_with(
    sender: &Sender,
    req: &Request,
    report: &mut DeliveryReport,
) -> Result<(), DeliverError> {
    let mail = sender.mail;
    let p = req.publication;
    let from = mailbox(&mail.from, "mail.from")?;
    let default_reply = mail
        .reply_to
        .as_deref()
        .map(|r| mailbox(r, "mail.reply_to"))
        .transpose()?;
    for package in &req.packages {
        let recipients = package.recipients;
        if recipients.is_empty() {
            continue;
        }
        let document = package.document;
        let key_base = format!("tenant.{}.documents.{}.mail", p.tenant, document.name());
        let mut seen = Vec::new();
        let to = unique(&recipients.to, &format!("{key_base}.to"), &mut seen)?;
        let cc = unique(&recipients.cc, &format!("{key_base}.cc"), &mut seen)?;
        let reply_to = match &recipients.reply_to {
            Some(r) => Some(mailbox(r, &format!("{key_base}.reply_to"))?),
            None => default_reply.clone(),
        };
        let stem = p.quarter.to_string();
        let files = package
            .attachments
            .iter()
            .map(|path| {
                let name = path.rsplit('/').next().unwrap_or(path);
                let shown = name.replace(".pdf", &format!("-{stem}-v{}.pdf", p.version));
                Ok((shown, read_file(&p.dir, path)?))
            })
            .collect::<Result<Vec<_>, DeliverError>>()?;
        let draft = message::Draft {
            document,
            from: &from,
            reply_to: reply_to.as_ref(),
            to: &to,
            cc: &cc,
            files: &files,
        };
        let subject = message::subject(document, &req.facts);
        let body = message::body(
            document,
            &req.facts,
            package.view,
            &package.changes,
            package.with_report,
            reply_to.is_some(),
        )
        .map_err(|e| DeliverError::Message(e.to_string()))?;
        for recipient in to.iter().chain(cc.iter()) {
            let key = MailKey {
                tenant: p.tenant.clone(),
                quarter: p.quarter.to_string(),
                version: p.version,
                document: document.name().into(),
                recipient: recipient.email.to_string().to_ascii_lowercase(),
            };
            let mail_report =
                send_once(sender, req.run_id, &key, &draft, &subject, &body, recipient)?;
            report.mails.push(mail_report);
        }
    }
    Ok(())
}

/// One recipient's copy, unless the ledger says it was handed to the server before.
fn send_once(
    sender: &Sender,
    run_id: i64,
    key: &MailKey,
    draft: &message::Draft,
    subject: &str,
    body: &str,
    recipient: &Mailbox,
) -> Result<MailReport, DeliverError> {
    let document = draft.document.name();
    let report = |outcome, attempts, error: Option<String>| MailReport {
        document,
        recipient: key.recipient.clone(),
        outcome,
        attempts,
        error,
    };
    match sender.ledger.mail(key)?.map(|r| r.state) {
        Some(MailState::Sent) => return Ok(report(MailOutcome::AlreadySent, 0, None)),
        Some(MailState::Sending) => return Ok(report(MailOutcome::Unconfirmed, 0, None)),
        // A rerun is a deliberate request: what failed before is tried again.
        Some(MailState::Retrying | MailState::Failed) | None => {}
    }
    let message_id = message::message_id(key, draft.from);
    let message = message::build(draft, subject, body, &message_id)
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let envelope = Envelope::new(
        Some(draft.from.email.clone()),
        vec![recipient.email.clone()],
    )
    .map_err(|e| DeliverError::Message(e.to_string()))?;
    let bytes = message.formatted();
    let (outcome, attempts, error) = send_with_retries(sender, run_id, key, &message_id, |_| {
        sender.transport.send(&envelope, &bytes)
    })?;
    Ok(report(outcome, attempts, error))
}

/// Attempts until accepted, a permanent failure, or `max_attempts`; each attempt is in the
/// ledger before it starts.
fn send_with_retries(
    sender: &Sender,
    run_id: i64,
    key: &MailKey,
    message_id: &str,
    attempt: impl Fn(u32) -> Result<(), SendError>,
) -> Result<(MailOutcome, u32, Option<String>), DeliverError> {
    let max = sender.mail.max_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        sender.ledger.mail_sending(run_id, key, message_id)?;
        match attempt(n) {
            Ok(()) => {
                sender.ledger.mail_result(key, MailState::Sent, None)?;
                return Ok((MailOutcome::Sent, n, None));
            }
            Err(SendError::Permanent(e)) => {
                sender
                    .ledger
                    .mail_result(key, MailState::Failed, Some(&e))?;
                return Ok((MailOutcome::Failed, n, Some(e)));
            }
            Err(SendError::Temporary(e)) if n >= max => {
                let e = format!("gave up after {n} attempts: {e}");
                sender
                    .ledger
                    .mail_result(key, MailState::Failed, Some(&e))?;
                return Ok((MailOutcome::Failed, n, Some(e)));
            }
            Err(SendError::Temporary(e)) => {
                sender
                    .ledger
                    .mail_result(key, MailState::Retrying, Some(&e))?;
                let wait = backoff(sender.mail.backoff_ms, n);
                tracing::info!(recipient = %key.recipient, attempt = n, error = %e, wait_ms = wait.as_millis() as u64, "temporary mail failure; retrying");
                (sender.sleep)(wait);
            }
        }
    }
}

/// `backoff_ms`, doubled after every failed attempt (capped so a large limit stays sane).
fn backoff(first_ms: u64, failed_attempts: u32) -> Duration {
    let factor = 1u64 << (failed_attempts.saturating_sub(1)).min(10);
    Duration::from_millis(first_ms.saturating_mul(factor))
}

/// Who a failed run's alert is about.
pub struct Alert<'a> {
    pub tenant: &'a str,
    pub organisation: &'a str,
    pub municipality: &'a str,
    pub quarter: Quarter,
    pub error: &'a str,
}

/// Tells the operations address (`[mail] alert_to`) that a run failed. Returns false when no
/// alert address is configured. The daemon calls this for failed scheduled runs.
pub fn send_alert(
    mail: Option<&MailSettings>,
    outbox: &Path,
    alert: &Alert,
) -> Result<bool, DeliverError> {
    let Some(mail) = mail else {
        return Ok(false);
    };
    let Some(alert_to) = &mail.alert_to else {
        return Ok(false);
    };
    let quarter = alert.quarter;
    let error_text = alert.error;
    let from = mailbox(&mail.from, "mail.from")?;
    let to = mailbox(alert_to, "mail.alert_to")?;
    let transport = Transport::new(mail, outbox)?;
    let body = format!(
        "De geplande run van de Monitor Sociaal Domein {q} voor {org} ({gem}, tenant {id}) is mislukt.\n\n\
         Foutmelding:\n{error_text}\n\n\
         Er is niets gepubliceerd; eerdere versies staan ongewijzigd. Herstel de oorzaak en start de run opnieuw:\n\
         pipeline run --quarter {q_id} --tenant {id}\n",
        q = quarter.label_nl(),
        q_id = quarter,
        org = alert.organisation,
        gem = alert.municipality,
        id = alert.tenant,
    );
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(format!(
            "Monitor Sociaal Domein {}: run voor {} mislukt",
            quarter.label_nl(),
            alert.municipality
        ))
        .body(body)
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let envelope = Envelope::new(Some(from.email), vec![to.email.clone()])
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let bytes = message.formatted();
    let max = mail.max_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        match transport.send(&envelope, &bytes) {
            Ok(()) => return Ok(true),
            Err(SendError::Temporary(_)) if n < max => {
                std::thread::sleep(backoff(mail.backoff_ms, n))
            }
            Err(SendError::Temporary(reason) | SendError::Permanent(reason)) => {
                return Err(DeliverError::Send {
                    recipient: to.email.to_string(),
                    reason,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_wait() {
        assert_eq!(backoff(2000, 1), Duration::from_millis(2000));
        assert_eq!(backoff(2000, 2), Duration::from_millis(4000));
        assert_eq!(backoff(2000, 4), Duration::from_millis(16000));
    }

    fn settings(max_attempts: u32) -> MailSettings {
        MailSettings {
            from: "monitor@noorderkwartier.example".into(),
            reply_to: None,
            smtp: None,
            max_attempts,
            backoff_ms: 10,
            alert_to: None,
        }
    }

    fn key() -> MailKey {
        MailKey {
            tenant: "t".into(),
            quarter: "2024Q4".into(),
            version: 1,
            document: "raadsmemo".into(),
            recipient: "raad@noorderkwartier.example".into(),
        }
    }

    /// Runs the retry loop against scripted attempt results; returns its outcome, the waits
    /// and the ledger's record.
    fn scripted(
        max_attempts: u32,
        results: Vec<Result<(), SendError>>,
    ) -> (
        (MailOutcome, u32, Option<String>),
        Vec<Duration>,
        crate::ledger::MailRecord,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), Duration::from_secs(1)).unwrap();
        let run = ledger
            .start_run(
                "t",
                "2024Q4".parse().unwrap(),
                crate::ledger::Trigger::Manual,
            )
            .unwrap();
        let dummy = tempfile::tempdir().unwrap();
        let mail = settings(max_attempts);
        let transport = Transport::new(&mail, dummy.path()).unwrap();
        let waits = std::cell::RefCell::new(Vec::new());
        let sleep = |d: Duration| waits.borrow_mut().push(d);
        let sender = Sender {
            ledger: &ledger,
            transport: &transport,
            mail: &mail,
            sleep: &sleep,
        };
        let results = std::cell::RefCell::new(results.into_iter());
        let out = send_with_retries(&sender, run, &key(), "<id@x>", |_| {
            results
                .borrow_mut()
                .next()
                .expect("no more attempts scripted")
        })
        .unwrap();
        let record = ledger.mail(&key()).unwrap().unwrap();
        (out, waits.into_inner(), record)
    }

    #[test]
    fn a_temporary_failure_is_retried_with_backoff_then_sent() {
        let (out, waits, record) = scripted(
            5,
            vec![
                Err(SendError::Temporary("451 try later".into())),
                Err(SendError::Temporary("connection reset".into())),
                Ok(()),
            ],
        );
        assert_eq!((out.0, out.1), (MailOutcome::Sent, 3));
        assert_eq!(
            waits,
            [Duration::from_millis(10), Duration::from_millis(20)]
        );
        assert_eq!((record.state, record.attempts), (MailState::Sent, 3));
    }

    #[test]
    fn a_permanent_failure_is_not_retried() {
        let (out, waits, record) = scripted(
            5,
            vec![Err(SendError::Permanent("550 no such user".into()))],
        );
        assert_eq!((out.0, out.1), (MailOutcome::Failed, 1));
        assert!(waits.is_empty());
        assert_eq!((record.state, record.attempts), (MailState::Failed, 1));
        assert!(record.error.unwrap().contains("550"));
    }

    #[test]
    fn temporary_failures_give_up_at_the_limit() {
        let (out, waits, record) = scripted(
            3,
            vec![
                Err(SendError::Temporary("451".into())),
                Err(SendError::Temporary("451".into())),
                Err(SendError::Temporary("451".into())),
            ],
        );
        assert_eq!((out.0, out.1), (MailOutcome::Failed, 3));
        assert_eq!(waits.len(), 2);
        assert_eq!(record.state, MailState::Failed);
        assert!(out.2.unwrap().contains("gave up after 3 attempts"));
    }
}
