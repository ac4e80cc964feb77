//! What a reader receives: a Dutch subject and body with the key figures, and the PDFs.
//!
//! Mail carries figures only, never anything about a client. A public document's mail
//! shows small counts the way the public document does (`<5`).

use std::collections::BTreeMap;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::Quarter;
use crate::publish::FigureChange;
use crate::render::format;

/// The two documents a publication mails, in the order they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Kwartaalrapportage,
    Raadsmemo,
}

impl Document {
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "kwartaalrapportage",
            Document::Raadsmemo => "raadsmemo",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "Kwartaalrapportage",
            Document::Raadsmemo => "Raadsmemo",
        }
    }

    /// Management gets the memo too, to know what the council reads; the council's mail
    /// carries the memo alone. `figures.csv` is internal and never mailed.
    pub fn attachments(self) -> &'static [&'static str] {
        match self {
            Document::Kwartaalrapportage => &["kwartaalrapportage.pdf", "raadsmemo.pdf"],
            Document::Raadsmemo => &["raadsmemo.pdf"],
        }
    }
}

/// Everything about the publication that the text of a mail needs.
pub struct Publication<'a> {
    pub organisation: &'a str,
    pub municipality: &'a str,
    pub quarter: Quarter,
    pub version: u32,
    /// The published `figures.csv`.
    pub figures_csv: &'a str,
    /// Against the previous version; empty for version 1.
    pub changes: &'a [FigureChange],
    pub suppression_threshold: u32,
}

/// One document's mail, addressed to its whole list; each recipient gets a copy with its
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

pub fn subject(document: Document, p: &Publication) -> String {
    let base = format!(
        "{} Monitor Sociaal Domein {} — {}",
        document.title(),
        p.quarter.label_nl(),
        p.municipality
    );
    if p.version > 1 {
        format!("Gecorrigeerde versie (v{}): {base}", p.version)
    } else {
        base
    }
}

/// A count as the document shows it: hidden below the threshold when public.
fn count(value: i64, public: bool, threshold: u32) -> String {
    if public && value > 0 && value < threshold as i64 {
        format!("<{threshold}")
    } else {
        format::int(value)
    }
}

/// `figures.csv` as (indicator, category, period) → value. Categories may hold commas,
/// so the fields around them are taken from both ends.
fn figures(csv: &str) -> BTreeMap<(String, String, String), String> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut tail = line.rsplitn(3, ',');
            let _n = tail.next()?;
            let value = tail.next()?;
            let (head, period) = tail.next()?.rsplit_once(',')?;
            let mut front = head.splitn(3, ',');
            let indicator = front.next()?;
            let _dimension = front.next()?;
            let category = front.next().unwrap_or_default().trim_matches('"');
            Some((
                (indicator.into(), category.into(), period.into()),
                value.into(),
            ))
        })
        .collect()
}

const FORMS: [(&str, &str); 3] = [
    ("IA", "Informatie en advies"),
    ("LS", "Leun- en steuncontacten"),
    ("IT", "Individuele trajecten"),
];

fn key_figures(p: &Publication, public: bool) -> Vec<String> {
    let all = figures(p.figures_csv);
    let now = p.quarter.year_to_date();
    let before = now.year_before();
    let value = |indicator: &str, category: &str, period: &str| -> String {
        all.get(&(indicator.into(), category.into(), period.into()))
            .and_then(|v| v.parse::<i64>().ok())
            .map_or_else(
                || "—".to_string(),
                |v| count(v, public, p.suppression_threshold),
            )
    };
    let mut lines = vec![
        format!(
            "Kerncijfers {} (tussen haakjes: {}):",
            format::period(now.start, now.end),
            format::period(before.start, before.end)
        ),
        String::new(),
        "Casussen in behandeling".to_string(),
    ];
    for (code, name) in FORMS {
        lines.push(format!(
            "- {name}: {} ({})",
            value("ind_in_behandeling", code, &now.label),
            value("ind_in_behandeling", code, &before.label)
        ));
    }
    lines.push(format!(
        "Unieke cliënten: {} ({})",
        value("ind_clienten", "", &now.label),
        value("ind_clienten", "", &before.label)
    ));
    lines
}

/// A value of `figures.csv` in Dutch notation; counts hidden as in a public document.
fn shown_value(key: &str, raw: &str, public: bool, threshold: u32) -> String {
    if raw.is_empty() {
        return "(geen)".into();
    }
    if let Ok(v) = raw.parse::<i64>() {
        // Amounts are never suppressed; every other whole number is a count of people or cases.
        return if key.starts_with("fin_") {
            format::int(v)
        } else {
            count(v, public, threshold)
        };
    }
    match raw.parse::<f64>() {
        Ok(v) => {
            let digits = raw.split_once('.').map_or(0, |(_, d)| d.len());
            format::decimal(v, digits)
        }
        Err(_) => raw.to_string(),
    }
}

fn change_lines(p: &Publication, public: bool) -> Vec<String> {
    let t = p.suppression_threshold;
    p.changes
        .iter()
        .map(|c| {
            let label = c
                .key
                .split(',')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            format!(
                "- {label}: {} → {}",
                shown_value(&c.key, &c.old, public, t),
                shown_value(&c.key, &c.new, public, t)
            )
        })
        .collect()
}

pub fn body(document: Document, p: &Publication, public: bool, reply_to: bool) -> String {
    let what = match document {
        Document::Kwartaalrapportage => format!(
            "de kwartaalrapportage Monitor Sociaal Domein {q} van {org} voor {gem}, met de raadsmemo",
            q = p.quarter.label_nl(),
            org = p.organisation,
            gem = p.municipality
        ),
        Document::Raadsmemo => format!(
            "de raadsmemo Monitor Sociaal Domein {q} van {gem}",
            q = p.quarter.label_nl(),
            gem = p.municipality
        ),
    };
    let mut lines = vec![
        "Geachte lezer,".to_string(),
        String::new(),
        format!("Hierbij ontvangt u {what} (bijlage, PDF)."),
        String::new(),
    ];
    if p.version > 1 {
        lines.push(format!(
            "Dit is een gecorrigeerde versie (v{}); deze vervangt versie {}.",
            p.version,
            p.version - 1
        ));
        if p.changes.is_empty() {
            lines.push("Er zijn geen cijfers gewijzigd; de correctie betreft de tekst.".into());
        } else {
            lines.push(format!(
                "Gewijzigde cijfers ({}, oud → nieuw):",
                p.changes.len()
            ));
            lines.extend(change_lines(p, public));
        }
        lines.push(String::new());
    }
    lines.extend(key_figures(p, public));
    lines.push(String::new());
    if reply_to {
        lines.push("Vragen over de cijfers? Beantwoord dan dit bericht.".into());
        lines.push(String::new());
    }
    lines.push("Met vriendelijke groet,".into());
    lines.push(p.organisation.to_string());
    lines.push(String::new());
    lines.push("Dit bericht is automatisch verstuurd.".into());
    lines.join("\n") + "\n"
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

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "indicator,dimension,category,period,value,n
ind_in_behandeling,vorm,IA,2024Q1-Q4,1803,
ind_in_behandeling,vorm,LS,2024Q1-Q4,3,
ind_in_behandeling,vorm,IT,2024Q1-Q4,1482,
ind_clienten,,,2024Q1-Q4,3282,
ind_in_behandeling,vorm,IA,2023Q1-Q4,1714,
ind_in_behandeling,vorm,LS,2023Q1-Q4,651,
ind_in_behandeling,vorm,IT,2023Q1-Q4,1406,
ind_clienten,,,2023Q1-Q4,3182,
";

    fn publication<'a>(changes: &'a [FigureChange], version: u32) -> Publication<'a> {
        Publication {
            organisation: "Welzijn Noorderkwartier",
            municipality: "Gemeente Noorderkwartier",
            quarter: "2024Q4".parse().unwrap(),
            version,
            figures_csv: CSV,
            changes,
            suppression_threshold: 5,
        }
    }

    #[test]
    fn the_body_shows_key_figures_in_dutch_notation_and_hides_small_counts_when_public() {
        let p = publication(&[], 1);
        let internal = body(Document::Kwartaalrapportage, &p, false, true);
        assert!(
            internal.contains("- Informatie en advies: 1.803 (1.714)"),
            "{internal}"
        );
        assert!(internal.contains("- Leun- en steuncontacten: 3 (651)"));
        assert!(internal.contains("Unieke cliënten: 3.282 (3.182)"));
        assert!(internal.contains("1 januari t/m 31 december 2024"));
        let public = body(Document::Raadsmemo, &p, true, false);
        assert!(
            public.contains("- Leun- en steuncontacten: <5 (651)"),
            "{public}"
        );
        assert!(!public.contains("Gecorrigeerde") && !public.contains("gecorrigeerde"));
        assert_eq!(
            subject(Document::Raadsmemo, &p),
            "Raadsmemo Monitor Sociaal Domein Q4 2024 — Gemeente Noorderkwartier"
        );
    }

    #[test]
    fn a_correction_names_its_version_and_every_changed_figure() {
        let changes = vec![
            FigureChange {
                key: "ind_in_behandeling,vorm,IT,2024Q1-Q4".into(),
                old: "1482".into(),
                new: "1490".into(),
            },
            FigureChange {
                key: "ind_wachtlijst,,,2024Q1-Q4".into(),
                old: "7".into(),
                new: "2".into(),
            },
            FigureChange {
                key: "fin_lasten_realisatie,domein,Wmo,2024Q1-Q4".into(),
                old: "3885171.51".into(),
                new: "3885171.5".into(),
            },
        ];
        let p = publication(&changes, 2);
        assert!(
            subject(Document::Kwartaalrapportage, &p).starts_with("Gecorrigeerde versie (v2): ")
        );
        let b = body(Document::Kwartaalrapportage, &p, false, false);
        assert!(b.contains("Gewijzigde cijfers (3, oud → nieuw):"), "{b}");
        assert!(
            b.contains("- ind_in_behandeling · vorm · IT · 2024Q1-Q4: 1.482 → 1.490"),
            "{b}"
        );
        assert!(b.contains("- ind_wachtlijst · 2024Q1-Q4: 7 → 2"), "{b}");
        assert!(b.contains("3.885.171,51 → 3.885.171,5"), "{b}");
        let public = body(Document::Raadsmemo, &p, true, false);
        assert!(
            public.contains("- ind_wachtlijst · 2024Q1-Q4: 7 → <5"),
            "{public}"
        );
    }
}
