//! The raadsmemo's data document: the college offers the quarter's monitor to the council.
//! Every number comes through the audience's view ([`Cells`]).

use super::RenderError;
use super::cells::Cells;
use super::document::*;
use super::report::disclosure_note;
use super::sentences;
use crate::disclose::Audience;
use crate::figures::{FigureKey, Indicator};
use crate::monitor::Monitor;
use crate::notation;
use crate::vocab::{CARERS_ALL, CARERS_YOUNG, Form};

/// The memo's own settings: who it is addressed to and who signs it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    #[serde(default = "default_aan")]
    pub aan: String,
    #[serde(default = "default_van")]
    pub van: String,
    pub portefeuillehouder: String,
    /// The memo's printed cc line.
    #[serde(default)]
    pub cc: String,
    pub signatures: Vec<SignatureData>,
}

fn default_aan() -> String {
    "Gemeenteraad".to_string()
}
fn default_van() -> String {
    "College van B&W".to_string()
}

pub struct Input<'a> {
    pub monitor: &'a Monitor,
    pub cells: &'a Cells<'a>,
    pub meta: Meta,
    pub brand: BrandData,
    pub letter: &'a Letter,
    /// The kwartaalrapportage's title when its public edition goes with the memo (its
    /// Bijlage); without one the memo informs and attaches nothing.
    pub attached_report: Option<String>,
}

const QUARTER_WORDS: [&str; 4] = ["eerste", "tweede", "derde", "vierde"];

pub fn build(input: &Input) -> Result<MemoDoc, RenderError> {
    let m = input.monitor;
    let q = m.quarter;
    let quarter_words = QUARTER_WORDS[usize::from(q.number()) - 1];
    let onderwerp = format!(
        "Monitor Sociaal Domein, {quarter_words} kwartaal {}",
        q.year()
    );
    let changes = sentences::changes(m, input.cells, q.year() - 1)?;
    let (finance, finance_note) = finance(input)?;
    let offer = match &input.attached_report {
        Some(_) => "Hierbij bieden wij u de Monitor Sociaal Domein",
        None => "Hierbij informeren wij u over de Monitor Sociaal Domein",
    };
    let mut context = vec![
        format!(
            "{offer} over het {quarter_words} kwartaal van {} aan. De monitor brengt de registratie van {} samen met de begroting en realisatie van de gemeente voor Wmo, Jeugd en Participatie.",
            q.year(),
            input.meta.organisation
        ),
        format!(
            "De cijfers betreffen de periode {} en worden vergeleken met dezelfde periode in {}.",
            input.meta.period, input.meta.previous_year
        ),
    ];
    if input.attached_report.is_none() {
        context[0] = context[0].replacen(" aan. ", ". ", 1);
    }
    if let Some(note) = &input.meta.version_note {
        context.push(format!("Dit is een {}: de eerder verzonden versie bevatte cijfers die inmiddels zijn gecorrigeerd.", note.to_lowercase()));
    }
    let letter = input.letter;
    Ok(MemoDoc {
        meta: input.meta.clone(),
        brand: input.brand.clone(),
        header: MemoHeader {
            aan: letter.aan.clone(),
            van: letter.van.clone(),
            portefeuillehouder: letter.portefeuillehouder.clone(),
            cc: letter.cc.clone(),
            datum: input.meta.date.clone(),
            onderwerp,
        },
        salutation: "Geachte leden van de raad,".into(),
        context,
        key_figures: TableBlock {
            table: key_figures(input)?,
        },
        changes,
        finance,
        finance_note,
        bijlagen: input.attached_report.iter().cloned().collect(),
        closing: "Hoogachtend,".into(),
        signatory_body: format!(
            "Het college van burgemeester en wethouders van {},",
            input.meta.municipality
        ),
        signatures: letter.signatures.clone(),
    })
}

/// The rows of the key figures, as the memo and its mail show them: label and cell per
/// period.
pub fn key_rows() -> Vec<(String, Indicator, &'static str, bool)> {
    let mut rows: Vec<(String, Indicator, &'static str, bool)> = Form::ALL
        .iter()
        .map(|f| {
            (
                format!("{} in behandeling", f.name()),
                Indicator::InBehandeling,
                f.code(),
                false,
            )
        })
        .collect();
    rows.push((
        "Casussen in behandeling, totaal".into(),
        Indicator::InBehandeling,
        "",
        true,
    ));
    for (label, indicator, category) in [
        (
            "Inwoners met een casus in behandeling",
            Indicator::Clienten,
            "",
        ),
        (
            "Wachtenden aan het einde van de periode",
            Indicator::Wachtlijst,
            "",
        ),
        ("Collectieve trajecten", Indicator::ColTrajecten, ""),
        ("Collectieve bijeenkomsten", Indicator::ColBijeenkomsten, ""),
        (
            "Geregistreerde mantelzorgers",
            Indicator::InfMantelzorgers,
            CARERS_ALL,
        ),
        (
            "waarvan jonge mantelzorgers",
            Indicator::InfMantelzorgers,
            CARERS_YOUNG,
        ),
        ("Actieve vrijwilligers", Indicator::InfVrijwilligers, ""),
    ] {
        rows.push((label.into(), indicator, category, false));
    }
    rows
}

fn key_figures(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let m = input.monitor;
    let mut rows = Vec::new();
    for (label, indicator, category, subtotal) in key_rows() {
        let cells = vec![
            label,
            c.count(&FigureKey::new(
                indicator,
                category,
                m.before.label.as_str(),
            ))?,
            c.count(&FigureKey::new(
                indicator,
                category,
                m.period.label.as_str(),
            ))?,
        ];
        rows.push(if subtotal {
            TableRow::styled(cells, RowStyle::Subtotal)
        } else {
            TableRow::new(cells)
        });
    }
    let mut table = Table::new(
        format!("Kerncijfers, {}", input.meta.period),
        vec![
            TableColumn {
                label: String::new(),
                align: Align::Left,
            },
            right(&input.meta.previous_year),
            right(&input.meta.year),
        ],
        rows,
    );
    if c.view.audience == Audience::Openbaar {
        table.note = Some(disclosure_note(c.view.threshold));
    }
    Ok(table)
}

fn finance(input: &Input) -> Result<(Option<TableBlock>, Option<String>), RenderError> {
    let Some(fin) = &input.monitor.finance else {
        return Ok((
            None,
            Some("De gemeente heeft voor deze periode geen begroting aangeleverd; de financiële paragraaf ontbreekt daarom.".to_string()),
        ));
    };
    let c = input.cells;
    let now = input.monitor.period.label.as_str();
    let mut rows = Vec::new();
    for d in &fin.domeinen {
        let key = |indicator| FigureKey::new(indicator, d.total.domein.as_str(), now);
        let euro = |indicator| -> Result<String, RenderError> {
            Ok(c.amount(&key(indicator))?
                .map(notation::euro)
                .unwrap_or_default())
        };
        let mut row = TableRow::new(vec![
            d.total.domein.clone(),
            euro(Indicator::FinSaldoBegroting)?,
            euro(Indicator::FinSaldoRealisatie)?,
            euro(Indicator::FinSaldoPrognose)?,
            c.amount(&key(Indicator::FinVerschil))?
                .map(|v| format!("€ {}", notation::verschil(v)))
                .unwrap_or_default(),
        ]);
        row.flag = d
            .themas
            .iter()
            .any(|(_, lines)| lines.iter().any(|l| l.flagged));
        rows.push(row);
    }
    let flagged: Vec<String> = fin
        .flagged_lines()
        .iter()
        .map(|l| format!("{} ({})", l.onderdeel, l.domein))
        .collect();
    let note = match flagged.len() {
        0 => "Geen begrotingsregel wijkt zo sterk af dat een toelichting nodig is.".to_string(),
        1 => format!(
            "Eén begrotingsregel vraagt om een toelichting: {}.",
            flagged[0]
        ),
        _ => format!(
            "Deze begrotingsregels vragen om een toelichting: {}.",
            flagged.join(", ")
        ),
    };
    let quarter = format!("Q{}", input.monitor.quarter.number());
    let table = Table::new(
        "Financiën per domein (lasten min baten)",
        vec![
            left("Domein"),
            right("Begroting"),
            right(&format!("Realisatie t/m {quarter}")),
            right("Prognose"),
            right("Verschil"),
        ],
        rows,
    )
    .with_note("Verschil: V = voordeel, N = nadeel; ▲ = het domein heeft een regel die om toelichting vraagt.");
    Ok((Some(TableBlock { table }), Some(note)))
}
