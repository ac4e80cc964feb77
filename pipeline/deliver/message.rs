//! What a reader receives: a Dutch subject and body with the key figures, and the PDFs.
//!
//! Every number in a mail comes from the view of the document it carries, formatted as
//! that document shows it: a public document's mail shows `<5` and `x` where the document
//! does, and a correction lists only cells the document shows, in its own words.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::Quarter;
use crate::disclose::{NotInView, Shown, View};
use crate::figures::FigureKey;
use crate::monitor::Monitor;
use crate::notation;
use crate::publish::CellChange;
use crate::render::Document;

/// Everything about the publication that the text of a mail needs.
pub struct Facts<'a> {
    pub organisation: &'a str,
    pub municipality: &'a str,
    pub quarter: Quarter,
    pub version: u32,
    pub monitor: &'a Monitor,
}

/// One package's mail, addressed to its whole list; each recipient gets a copy with its
/// own envelope and Message-ID.
pub struct Draft<'a> {
    pub document: Document,
    pub from: &'a Mailbox,
    pub reply_to: Option<&'a Mailbox>,
    pub to: &'a [Mailbox],
    pub cc: &'a [Mailbox],
    /// (file name in the mail, bytes).
    pub files: &'a [(String, Vec<u8>)],
}

pub fn subject(document: Document, f: &Facts) -> String {
    let base = format!(
        "{} Monitor Sociaal Domein {} — {}",
        document.title(),
        f.quarter.label_nl(),
        f.municipality
    );
    if f.version > 1 {
        format!("Gecorrigeerde versie (v{}): {base}", f.version)
    } else {
        base
    }
}

/// The cells a mail's key figures show: disclosure decides them with its documents'.
pub fn cells(monitor: &Monitor) -> Vec<FigureKey> {
    let mut out = Vec::new();
    for (_, indicator, category, _) in crate::render::memo::key_rows() {
        for period in [&monitor.period.label, &monitor.before.label] {
            out.push(FigureKey::new(indicator, category, period.as_str()));
        }
    }
    out
}

/// The key figures, this year and last, as the memo's table shows them.
fn key_figures(f: &Facts, view: &View) -> Result<Vec<String>, NotInView> {
    let (now, before) = (&f.monitor.period, &f.monitor.before);
    let mut lines = vec![
        format!(
            "Kerncijfers {} (tussen haakjes: {}):",
            notation::period(now.start, now.end),
            notation::period(before.start, before.end)
        ),
        String::new(),
    ];
    for (label, indicator, category, _) in crate::render::memo::key_rows() {
        let text = |period: &str| view.text(&FigureKey::new(indicator, category, period), 0);
        lines.push(format!(
            "- {label}: {} ({})",
            text(&now.label)?,
            text(&before.label)?
        ));
    }
    Ok(lines)
}

/// A correction's changes, in the document's words: `- <label, breakdown, period>: old → new`.
/// More cells newly withheld than a reader goes through line by line: a small correction
/// withholds whole periods (`disclose::versions`), and then the list says so per period.
const WITHHELD_LINES: usize = 12;

pub(super) fn change_lines(view: &View, changes: &[CellChange]) -> Vec<String> {
    // A cell not in the earlier figures file was a zero its table showed (a version
    // published before zeros were listed there) or not shown at all; either way it is one
    // of the period's cells now withheld.
    let newly_withheld =
        |c: &&CellChange| c.new == Some(Shown::Withheld) && c.old != Some(Shown::Withheld);
    let summarise = changes.iter().filter(newly_withheld).count() > WITHHELD_LINES;
    let mut lines: Vec<String> = changes
        .iter()
        .filter(|c| crate::publish::changes::visible(c, view))
        .filter(|c| !(summarise && newly_withheld(c)))
        .map(|c| format!("- {}", crate::publish::changes::line(c, view)))
        .collect();
    if summarise {
        let mut periods: Vec<(&str, String)> = changes
            .iter()
            .filter(newly_withheld)
            .map(|c| (c.key.period.as_str(), c.key.period_words()))
            .collect();
        periods.sort();
        periods.dedup();
        for (_, words) in periods {
            lines.push(format!(
                "- {words}: een deel van de cijfers die eerder werden getoond, staat in deze versie als x, omdat het verschil met de vorige versie anders iets zou zeggen over de gecorrigeerde registraties."
            ));
        }
    }
    lines
}

pub fn body(
    document: Document,
    f: &Facts,
    view: &View,
    changes: &[CellChange],
    with_report: bool,
    reply_to: bool,
) -> Result<String, NotInView> {
    let what = match document {
        Document::Kwartaalrapportage => format!(
            "de kwartaalrapportage Monitor Sociaal Domein {q} van {org} voor {gem}, met de raadsmemo",
            q = f.quarter.label_nl(),
            org = f.organisation,
            gem = f.municipality
        ),
        Document::Raadsmemo if with_report => format!(
            "de raadsmemo Monitor Sociaal Domein {q} van {gem}, met de kwartaalrapportage als bijlage",
            q = f.quarter.label_nl(),
            gem = f.municipality
        ),
        Document::Raadsmemo => format!(
            "de raadsmemo Monitor Sociaal Domein {q} van {gem}",
            q = f.quarter.label_nl(),
            gem = f.municipality
        ),
    };
    let mut lines = vec![
        "Geachte lezer,".to_string(),
        String::new(),
        format!("Hierbij ontvangt u {what} (bijlage, PDF)."),
        String::new(),
    ];
    if f.version > 1 {
        lines.push(format!(
            "Dit is een gecorrigeerde versie (v{}); deze vervangt versie {}.",
            f.version,
            f.version - 1
        ));
        if changes.is_empty() {
            lines.push(
                "In de bijgevoegde documenten is geen getoond cijfer gewijzigd; de correctie betreft de tekst of cijfers die niet worden getoond."
                    .into(),
            );
        } else {
            lines.push("Gewijzigde cijfers (oud → nieuw):".into());
            lines.extend(change_lines(view, changes));
        }
        lines.push(String::new());
    }
    lines.extend(key_figures(f, view)?);
    lines.push(String::new());
    if reply_to {
        lines.push("Vragen over de cijfers? Beantwoord dan dit bericht.".into());
        lines.push(String::new());
    }
    lines.push("Met vriendelijke groet,".into());
    lines.push(f.organisation.to_string());
    lines.push(String::new());
    lines.push("Dit bericht is automatisch verstuurd.".into());
    Ok(lines.join("\n") + "\n")
}

/// A stable Message-ID for one (version, document, recipient), so that a server or reader
/// that sees the same message twice can tell.
pub fn message_id(key: &crate::ledger::MailKey, from: &Mailbox) -> String {
    let mut h = Sha256::new();
    for part in [
        key.tenant.as_str(),
        key.quarter.as_str(),
        &key.version.to_string(),
        key.document.as_str(),
        key.recipient.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = hex::encode(&h.finalize()[..12]);
    format!(
        "<{}.{}.v{}.{digest}@{}>",
        key.document,
        key.quarter,
        key.version,
        from.email.domain()
    )
}

/// The message for one recipient: headers show the document's whole list, the envelope
/// (set by the caller) holds only this recipient.
pub fn build(
    draft: &Draft,
    subject: &str,
    body: &str,
    message_id: &str,
) -> Result<Message, lettre::error::Error> {
    let mut builder = Message::builder()
        .from(draft.from.clone())
        .subject(subject)
        .message_id(Some(message_id.to_string()))
        .user_agent(format!("pipeline {}", env!("CARGO_PKG_VERSION")));
    if let Some(r) = draft.reply_to {
        builder = builder.reply_to(r.clone());
    }
    for m in draft.to {
        builder = builder.to(m.clone());
    }
    for m in draft.cc {
        builder = builder.cc(m.clone());
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body.to_string()));
    let pdf = ContentType::parse("application/pdf").expect("a valid content type");
    for (name, bytes) in draft.files {
        parts = parts.singlepart(Attachment::new(name.clone()).body(bytes.clone(), pdf.clone()));
    }
    builder.multipart(parts)
}
