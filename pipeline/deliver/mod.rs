//! Stage `deliver`: mail a published version to the recipients configured per document,
//! through a durable outbox in the ledger.
//!
//! Every (version, document, recipient) is composed once and stored with its message
//! (`queued`) before anything is sent; each attempt is recorded before it starts
//! (`sending`), when the whole message has gone to the server (`unconfirmed`: it may be
//! stored from here on) and after the server's answer (`sent`, `retrying`, `failed`).
//! After a crash at any step, the next run or daemon start finishes every unfinished mail
//! of every version from the ledger: a mail cut off before the server had the whole of it
//! is sent again as if new; one cut off after that, before the answer, is sent again once
//! with its original Message-ID and marked as possibly doubled — never lost, at most one
//! extra copy per such cut. Temporary failures (4xx, dropped connections) are retried with
//! exponential backoff; permanent ones (5xx, a refused login) are not. A failed mail never
//! touches the publication: the run still succeeds and says which mails failed.

mod alert;
mod config;
pub mod message;
mod transport;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use lettre::message::Mailbox;

use crate::disclose::View;
use crate::ledger::{Ledger, LedgerError, MailKey, MailScope, MailState, PendingMail};
use crate::publish::{CellChange, Publication};
use crate::render::Document;

pub use alert::{Alert, send_alert};
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

/// How one (document, recipient) ended in this delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Sent, after an earlier attempt was cut off when the server may already have stored
    /// it: the recipient may have it twice (same Message-ID).
    SentPossiblyTwice,
    /// Sent by an earlier run of this version.
    AlreadySent,
    Failed,
}

#[derive(Debug, Clone)]
pub struct MailReport {
    pub document: String,
    pub recipient: String,
    pub outcome: MailOutcome,
    /// Attempts in this delivery.
    pub attempts: u32,
    pub error: Option<String>,
}

/// What delivery did for one version (or, at a daemon's start, for every unfinished mail).
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
        self.error.is_none() && self.mails.iter().all(|m| m.outcome != MailOutcome::Failed)
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
        let sent = self.count(MailOutcome::Sent) + self.count(MailOutcome::SentPossiblyTwice);
        write!(
            f,
            "mail via {}: {sent} sent, {} already sent before, {} failed",
            self.via,
            self.count(MailOutcome::AlreadySent),
            self.count(MailOutcome::Failed),
        )?;
        for m in &self.mails {
            let what = match m.outcome {
                MailOutcome::Failed => "FAILED",
                MailOutcome::SentPossiblyTwice => {
                    "SENT, POSSIBLY TWICE (an earlier attempt was cut off after the server had the message)"
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

fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, DeliverError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| DeliverError::Read {
        what: "the publication".into(),
        path: path.display().to_string(),
        source,
    })
}

/// Composes every mail of the version and stores it in the ledger before anything is
/// sent (a mail stored or sent by an earlier run is left as it is): from here on no crash
/// can lose it. A run calls this before it records its end.
pub fn queue(ledger: &Ledger, req: &Request) -> Result<(), DeliverError> {
    if req.packages.iter().all(|p| p.recipients.is_empty()) {
        return Ok(());
    }
    compose_and_store(ledger, req)?;
    if crate::failpoint::action("deliver::after_queue").is_some() {
        return Err(DeliverError::Message(crate::failpoint::message(
            "deliver::after_queue",
        )));
    }
    Ok(())
}

/// Sends every unfinished mail of the version's quarter (failed ones again: a run is a
/// deliberate request), and says which were sent before. `queued` is what [`queue`] gave.
pub fn send(ledger: &Ledger, req: &Request, queued: Result<(), DeliverError>) -> DeliveryReport {
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
    let quarter = p.quarter.to_string();
    // The quarter's, not only this version's: an earlier version's mail left unfinished by
    // a crash goes out now too (every reader gets every version).
    let scope = MailScope::Quarter {
        tenant: &p.tenant,
        quarter: &quarter,
    };
    let mut report = send_pending(ledger, req.mail, &req.outbox, req.run_id, scope, true);
    if let Err(e) = queued {
        tracing::error!(error = %e, "mail cannot be composed");
        report.error.get_or_insert(e.to_string());
    }
    // What was sent before this delivery, for the summary.
    for package in &req.packages {
        for address in package.recipients.to.iter().chain(&package.recipients.cc) {
            let Ok(m) = address.parse::<Mailbox>() else {
                continue;
            };
            let key = mail_key(p, package.document, &m);
            if report
                .mails
                .iter()
                .any(|r| r.recipient == key.recipient && r.document == key.document)
            {
                continue;
            }
            if let Ok(Some(record)) = ledger.mail(&key)
                && record.state == MailState::Sent
            {
                report.mails.push(MailReport {
                    document: key.document,
                    recipient: key.recipient,
                    outcome: MailOutcome::AlreadySent,
                    attempts: 0,
                    error: None,
                });
            }
        }
    }
    report
}

fn mail_key(p: &Publication, document: Document, recipient: &Mailbox) -> MailKey {
    MailKey {
        tenant: p.tenant.clone(),
        quarter: p.quarter.to_string(),
        version: p.version,
        document: document.name().into(),
        recipient: recipient.email.to_string().to_ascii_lowercase(),
    }
}

/// Composes every recipient's copy and stores what is not stored yet.
fn compose_and_store(ledger: &Ledger, req: &Request) -> Result<(), DeliverError> {
    let mail = req.mail;
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
        // Already stored for every recipient (a rerun): nothing to compose.
        let stored = to.iter().chain(cc.iter()).all(|r| {
            ledger
                .mail(&mail_key(p, document, r))
                .is_ok_and(|m| m.is_some())
        });
        if stored {
            continue;
        }
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
            let key = mail_key(p, document, recipient);
            let message_id = message::message_id(&key, &from);
            let bytes = message::build(&draft, &subject, &body, &message_id)
                .map_err(|e| DeliverError::Message(e.to_string()))?
                .formatted();
            ledger.queue_mail(req.run_id, &key, &message_id, from.email.as_ref(), &bytes)?;
        }
    }
    Ok(())
}

struct Sender<'a> {
    ledger: &'a Ledger,
    transport: &'a Transport,
    mail: &'a MailSettings,
    sleep: &'a dyn Fn(Duration),
}

/// Sends every unfinished stored mail of `scope` (failed ones too when `retry_failed`);
/// without `[mail.smtp]` into `outbox`, the tenant's.
pub fn send_pending(
    ledger: &Ledger,
    mail: &MailSettings,
    outbox: &Path,
    run_id: i64,
    scope: MailScope,
    retry_failed: bool,
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let transport = match Transport::new(mail, outbox) {
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
        mail,
        sleep: &std::thread::sleep,
    };
    let pending = match ledger.pending_mails(scope, retry_failed) {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    for mail in pending {
        match send_one(&sender, run_id, &mail) {
            Ok(r) => {
                log(&r);
                report.mails.push(r);
            }
            Err(e) => {
                tracing::error!(error = %e, "mail delivery stopped");
                report.error = Some(e.to_string());
                break;
            }
        }
    }
    report
}

fn log(m: &MailReport) {
    match m.outcome {
        MailOutcome::Sent | MailOutcome::SentPossiblyTwice => {
            tracing::info!(document = %m.document, recipient = %m.recipient, attempts = m.attempts, possibly_twice = m.outcome == MailOutcome::SentPossiblyTwice, "mail sent")
        }
        MailOutcome::Failed => {
            tracing::warn!(document = %m.document, recipient = %m.recipient, attempts = m.attempts, error = m.error.as_deref().unwrap_or(""), "mail failed")
        }
        MailOutcome::AlreadySent => {}
    }
}

/// One stored mail, attempted until accepted, a permanent failure, or `max_attempts`.
fn send_one(sender: &Sender, run_id: i64, mail: &PendingMail) -> Result<MailReport, DeliverError> {
    let key = &mail.key;
    let recipient: Address = key
        .recipient
        .parse()
        .map_err(|e| DeliverError::Message(format!("stored recipient {}: {e}", key.recipient)))?;
    let from: Address = mail
        .envelope_from
        .parse()
        .map_err(|e| DeliverError::Message(format!("stored sender {}: {e}", mail.envelope_from)))?;
    let envelope = Envelope::new(Some(from), vec![recipient])
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let mut doubtful = false;
    if mail.state == MailState::Unconfirmed {
        // The process stopped after the server had the whole message, before its answer.
        sender.ledger.mail_doubtful(key)?;
        doubtful = true;
    }
    let (outcome, attempts, error) =
        send_with_retries(sender, run_id, key, &mut doubtful, |handed_over| {
            sender
                .transport
                .send(&envelope, &mail.message_id, &mail.message, handed_over)
        })?;
    let outcome = match outcome {
        MailOutcome::Sent if doubtful => MailOutcome::SentPossiblyTwice,
        o => o,
    };
    Ok(MailReport {
        document: key.document.clone(),
        recipient: key.recipient.clone(),
        outcome,
        attempts,
        error,
    })
}

/// Attempts until accepted, a permanent failure, or `max_attempts`; each attempt's steps
/// are in the ledger as they happen.
fn send_with_retries(
    sender: &Sender,
    run_id: i64,
    key: &MailKey,
    doubtful: &mut bool,
    attempt: impl Fn(&mut dyn FnMut()) -> Result<(), SendError>,
) -> Result<(MailOutcome, u32, Option<String>), DeliverError> {
    let max = sender.mail.max_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        sender.ledger.mail_sending(run_id, key)?;
        let mut recorded: Result<(), LedgerError> = Ok(());
        let result = match crate::failpoint::action("deliver::before_send") {
            Some(_) => Err(SendError::Temporary(crate::failpoint::message(
                "deliver::before_send",
            ))),
            None => attempt(&mut || {
                recorded = sender.ledger.mail_handed_over(key);
                crate::failpoint::action("deliver::after_handed_over");
            }),
        };
        recorded?;
        let result = match (result, crate::failpoint::action("deliver::after_accepted")) {
            (Ok(()), Some(_)) => Err(SendError::Uncertain(crate::failpoint::message(
                "deliver::after_accepted",
            ))),
            (r, _) => r,
        };
        match result {
            Ok(()) => {
                sender.ledger.mail_result(key, MailState::Sent, None)?;
                crate::failpoint::action("ledger::after_mail_result");
                return Ok((MailOutcome::Sent, n, None));
            }
            Err(SendError::Permanent(e)) => {
                sender
                    .ledger
                    .mail_result(key, MailState::Failed, Some(&e))?;
                return Ok((MailOutcome::Failed, n, Some(e)));
            }
            Err(SendError::Temporary(e) | SendError::Uncertain(e)) if n >= max => {
                let e = format!("gave up after {n} attempts: {e}");
                sender
                    .ledger
                    .mail_result(key, MailState::Failed, Some(&e))?;
                return Ok((MailOutcome::Failed, n, Some(e)));
            }
            Err(failure) => {
                let (e, uncertain) = match failure {
                    SendError::Uncertain(e) => (e, true),
                    SendError::Temporary(e) | SendError::Permanent(e) => (e, false),
                };
                if uncertain {
                    // The server may have this copy: the next one is sent all the same (a
                    // mail is never lost), marked as possibly doubled.
                    sender.ledger.mail_doubtful(key)?;
                    *doubtful = true;
                }
                sender
                    .ledger
                    .mail_result(key, MailState::Retrying, Some(&e))?;
                let wait = backoff(sender.mail.backoff_ms, n);
                tracing::info!(recipient = %key.recipient, attempt = n, error = %e, uncertain, wait_ms = wait.as_millis() as u64, "mail not confirmed; retrying");
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

#[cfg(test)]
mod tests;
