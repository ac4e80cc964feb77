//! The raadsmemo's data document: the college offers the quarter's monitor to the council.
//! A public document, so its counts are suppressed (see `monitor::suppress`).

use super::document::*;
use super::format;
use super::report::{Counts, form_name};
use crate::config::MemoDocument;
use crate::monitor::Monitor;
use crate::monitor::individual::FORMS;

pub struct MemoInput<'a> {
    pub monitor: &'a Monitor,
    pub meta: Meta,
    pub brand: BrandData,
    pub config: &'a MemoDocument,
    pub counts: Counts,
    pub changes: Vec<String>,
    pub report_title: String,
}

const QUARTER_WORDS: [&str; 4] = ["eerste", "tweede", "derde", "vierde"];

pub fn build(input: &MemoInput) -> MemoDoc {
    let m = input.monitor;
    let f = &m.figures;
    let c = input.counts;
    let (now, before) = (m.period.label.as_str(), m.before.label.as_str());
    let q = m.quarter;
    let onderwerp = format!(
        "Monitor Sociaal Domein, {} kwartaal {}",
        QUARTER_WORDS[usize::from(q.number()) - 1],
        q.year()
    );

    let mut rows = Vec::new();
    let forms_before: Vec<i64> = FORMS
        .iter()
        .map(|v| f.count_of("ind_in_behandeling", before, v))
        .collect();
    let forms_now: Vec<i64> = FORMS
        .iter()
        .map(|v| f.count_of("ind_in_behandeling", now, v))
        .collect();
    let (fb, tb) = c.column(&forms_before, Some(forms_before.iter().sum()));
    let (fnow, tnow) = c.column(&forms_now, Some(forms_now.iter().sum()));
    for (i, v) in FORMS.iter().enumerate() {
        rows.push(TableRow::new(vec![
            format!("{} in behandeling", form_name(v)),
            fb[i].clone(),
            fnow[i].clone(),
        ]));
    }
    rows.push(TableRow::styled(
        vec![
            "Casussen in behandeling, totaal".into(),
            tb.unwrap_or_default(),
            tnow.unwrap_or_default(),
        ],
        RowStyle::Subtotal,
    ));
    for (indicator, category, label) in [
        ("ind_clienten", "", "Inwoners met een casus in behandeling"),
        (
            "ind_wachtlijst",
            "",
            "Wachtenden aan het einde van de periode",
        ),
        ("col_trajecten", "", "Collectieve trajecten"),
        ("col_bijeenkomsten", "", "Collectieve bijeenkomsten"),
        (
            "inf_mantelzorgers",
            "totaal",
            "Geregistreerde mantelzorgers",
        ),
        ("inf_mantelzorgers", "jong", "waarvan jonge mantelzorgers"),
        ("inf_vrijwilligers", "", "Actieve vrijwilligers"),
    ] {
        rows.push(TableRow::new(vec![
            label.into(),
            c.one(f.count_of(indicator, before, category)),
            c.one(f.count_of(indicator, now, category)),
        ]));
    }
    let key_figures = TableBlock {
        table: Table {
            caption: format!("Kerncijfers, {}", input.meta.period),
            note: c.public.then(|| format!("Aantallen van 1 tot en met {} worden ter bescherming van de privacy getoond als <{}; x is een aantal dat niet wordt getoond omdat een klein aantal anders uit het totaal is af te leiden.", c.threshold - 1, c.threshold)),
            columns: vec![
                TableColumn { label: String::new(), align: Align::Left },
                TableColumn { label: input.meta.previous_year.clone(), align: Align::Right },
                TableColumn { label: input.meta.year.clone(), align: Align::Right },
            ],
            rows,
        },
    };

    let (finance, finance_note) = match &m.finance {
        None => (None, Some("De gemeente heeft voor deze periode geen begroting aangeleverd; de financiële paragraaf ontbreekt daarom.".to_string())),
        Some(fin) => {
            let rows = fin
                .domeinen
                .iter()
                .map(|d| {
                    let (l, b) = (d.total.lasten.clone().unwrap_or_default(), d.total.baten.clone().unwrap_or_default());
                    let mut row = TableRow::new(vec![
                        d.total.domein.clone(),
                        format::euro(l.begroting - b.begroting),
                        format::euro(l.realisatie - b.realisatie),
                        format::euro(l.prognose.unwrap_or(l.begroting) - b.prognose.unwrap_or(b.begroting)),
                        d.total.verschil.map(|v| format!("€ {}", format::verschil(v))).unwrap_or_default(),
                    ]);
                    row.flag = d.themas.iter().any(|(_, lines)| lines.iter().any(|l| l.flagged));
                    row
                })
                .collect();
            let flagged: Vec<String> = fin.flagged_lines().iter().map(|l| format!("{} ({})", l.onderdeel, l.domein)).collect();
            let note = match flagged.len() {
                0 => "Geen begrotingsregel wijkt zo sterk af dat een toelichting nodig is.".to_string(),
                1 => format!("Eén begrotingsregel vraagt om een toelichting: {}.", flagged[0]),
                n => format!("{n} begrotingsregels vragen om een toelichting: {}.", flagged.join(", ")),
            };
            let quarter = format!("Q{}", q.number());
            (
                Some(TableBlock {
                    table: Table {
                        caption: "Financiën per domein (lasten min baten)".into(),
                        note: Some("Verschil: V = voordeel, N = nadeel; ▲ = het domein heeft een regel die om toelichting vraagt.".into()),
                        columns: vec![
                            TableColumn { label: "Domein".into(), align: Align::Left },
                            TableColumn { label: "Begroting".into(), align: Align::Right },
                            TableColumn { label: format!("Realisatie t/m {quarter}"), align: Align::Right },
                            TableColumn { label: "Prognose".into(), align: Align::Right },
                            TableColumn { label: "Verschil".into(), align: Align::Right },
                        ],
                        rows,
                    },
                }),
                Some(note),
            )
        }
    };

    let cfg = input.config;
    let mut context = vec![
        format!(
            "Hierbij bieden wij u de Monitor Sociaal Domein over het {} kwartaal van {} aan. De monitor brengt de registratie van {} samen met de begroting en realisatie van de gemeente voor Wmo, Jeugd en Participatie.",
            QUARTER_WORDS[usize::from(q.number()) - 1],
            q.year(),
            input.meta.organisation
        ),
        format!(
            "De cijfers betreffen de periode {} en worden vergeleken met dezelfde periode in {}.",
            input.meta.period, input.meta.previous_year
        ),
    ];
    if let Some(note) = &input.meta.version_note {
        context.push(format!("Dit is een {}: de eerder verzonden versie bevatte cijfers die inmiddels zijn gecorrigeerd.", note.to_lowercase()));
    }
    MemoDoc {
        meta: input.meta.clone(),
        brand: input.brand.clone(),
        header: MemoHeader {
            aan: cfg.aan.clone(),
            van: cfg.van.clone(),
            portefeuillehouder: cfg.portefeuillehouder.clone(),
            cc: cfg.cc.clone(),
            datum: input.meta.date.clone(),
            onderwerp,
        },
        salutation: "Geachte leden van de raad,".into(),
        context,
        key_figures,
        changes: input.changes.clone(),
        finance,
        finance_note,
        bijlagen: vec![input.report_title.clone()],
        closing: "Hoogachtend,".into(),
        signatory_body: format!(
            "Het college van burgemeester en wethouders van {},",
            input.meta.municipality
        ),
        signatures: cfg
            .signatures
            .iter()
            .map(|s| SignatureData {
                name: s.name.clone(),
                function: s.function.clone(),
            })
            .collect(),
    }
}
