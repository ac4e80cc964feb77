//! Finances: per Domein a table of its lines for Lasten and one for Baten, with Thema
//! subtotals; the saldo per Domein; the taakstellingen. Every amount is a figure.

use super::Input;
use crate::figures::{FigureKey, Indicator};
use crate::load::Soort;
use crate::monitor::finance::FinanceRow;
use crate::notation;
use crate::render::RenderError;
use crate::render::document::*;

pub fn intro(input: &Input) -> Vec<String> {
    match &input.monitor.finance {
        Some(_) => vec![format!(
            "Bedragen in euro's, realisatie van 1 januari t/m het einde van {}. Verschil is begroting min prognose bij lasten en prognose min begroting bij baten: V is een voordeel, N een nadeel. Regels met ▲ vragen om een toelichting.",
            input.meta.quarter_label
        )],
        None => vec!["Voor deze periode is geen begroting van de gemeente aangeleverd; dit hoofdstuk blijft daarom leeg.".into()],
    }
}

fn realisatie_label(input: &Input) -> String {
    let q = &input.meta.quarter_label;
    format!("Realisatie t/m {}", q.split(' ').next().unwrap_or(q))
}

/// The cells of one row of one Soort: name, realisatie vorig jaar, begroting, realisatie,
/// % besteed, prognose, verschil.
fn amounts_row(
    input: &Input,
    label: String,
    row: &FinanceRow,
    soort: Soort,
    verschil: Indicator,
) -> Result<Vec<String>, RenderError> {
    use Indicator::*;
    let c = input.cells;
    let (_, category) = row.key();
    let key = |indicator| FigureKey::new(indicator, category.as_str(), input.now());
    let [vj, begroting, realisatie, pct, prognose] = match soort {
        Soort::Lasten => [
            FinLastenRealisatieVj,
            FinLastenBegroting,
            FinLastenRealisatie,
            FinBesteedPct,
            FinLastenPrognose,
        ],
        Soort::Baten => [
            FinBatenRealisatieVj,
            FinBatenBegroting,
            FinBatenRealisatie,
            FinBatenBesteedPct,
            FinBatenPrognose,
        ],
    };
    let money = |indicator| -> Result<String, RenderError> {
        Ok(c.amount(&key(indicator))?
            .map(notation::amount)
            .unwrap_or_default())
    };
    Ok(vec![
        label,
        money(vj)?,
        money(begroting)?,
        money(realisatie)?,
        c.amount(&key(pct))?.map(notation::pct).unwrap_or_default(),
        money(prognose)?,
        c.amount(&key(verschil))?
            .map(notation::verschil)
            .unwrap_or_default(),
    ])
}

pub fn blocks(input: &Input) -> Result<Vec<Block>, RenderError> {
    let Some(finance) = &input.monitor.finance else {
        return Ok(Vec::new());
    };
    let settings = &input.monitor.settings;
    let columns = |first: &str| {
        vec![
            left(first),
            right(&format!("Realisatie {}", input.meta.previous_year)),
            right("Begroting"),
            right(&realisatie_label(input)),
            right("% besteed"),
            right("Prognose"),
            right("Verschil"),
        ]
    };
    let mut blocks = Vec::new();
    for d in &finance.domeinen {
        for soort in [Soort::Lasten, Soort::Baten] {
            if d.total.amounts(soort).is_none() {
                continue;
            }
            let subtotal = match soort {
                Soort::Lasten => Indicator::FinLastenVerschil,
                Soort::Baten => Indicator::FinBatenVerschil,
            };
            let mut rows = Vec::new();
            for (thema, lines) in &d.themas {
                if thema.amounts(soort).is_none() {
                    continue;
                }
                let mut heading = vec![thema.thema.clone()];
                heading.extend(std::iter::repeat_n(String::new(), 6));
                rows.push(TableRow::styled(heading, RowStyle::Heading));
                for line in lines.iter().filter(|l| l.amounts(soort).is_some()) {
                    let cells = amounts_row(
                        input,
                        line.onderdeel.clone(),
                        line,
                        soort,
                        Indicator::FinVerschil,
                    )?;
                    let mut row = TableRow::new(cells);
                    row.flag = line.flagged;
                    rows.push(row);
                }
                rows.push(TableRow::styled(
                    amounts_row(
                        input,
                        format!("Totaal {}", thema.thema),
                        thema,
                        soort,
                        subtotal,
                    )?,
                    RowStyle::Subtotal,
                ));
            }
            let kind = match soort {
                Soort::Lasten => "lasten",
                Soort::Baten => "baten",
            };
            rows.push(TableRow::styled(
                amounts_row(
                    input,
                    format!("Totaal {} {kind}", d.total.domein),
                    &d.total,
                    soort,
                    subtotal,
                )?,
                RowStyle::Total,
            ));
            let first = match soort {
                Soort::Lasten => "Thema / regel",
                Soort::Baten => "Thema / regel (baten)",
            };
            blocks.push(Block::Table(
                Table::new(
                    format!(
                        "{}: {kind} per thema en begrotingsregel (bedragen in euro's)",
                        d.total.domein
                    ),
                    columns(first),
                    rows,
                )
                .with_note(format!(
                    "▲ = afwijking van ten minste {} of {} van de begroting; een regel zonder prognose telt in de totalen als volgens begroting.",
                    notation::euro(settings.flag_amount),
                    notation::pct(settings.flag_share * 100.0)
                )),
            ));
        }
    }
    blocks.push(Block::Table(saldo(input)?));
    if !finance.taakstellingen.is_empty() {
        blocks.push(Block::Table(taakstellingen(input)?));
    }
    Ok(blocks)
}

/// The saldo per Domein, as the memo shows it.
fn saldo(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let finance = input
        .monitor
        .finance
        .as_ref()
        .expect("called with finances");
    let mut rows = Vec::new();
    for d in &finance.domeinen {
        let key = |indicator| FigureKey::new(indicator, d.total.domein.as_str(), input.now());
        let money = |indicator| -> Result<String, RenderError> {
            Ok(c.amount(&key(indicator))?
                .map(notation::amount)
                .unwrap_or_default())
        };
        rows.push(TableRow::new(vec![
            d.total.domein.clone(),
            money(Indicator::FinSaldoBegroting)?,
            money(Indicator::FinSaldoRealisatie)?,
            money(Indicator::FinSaldoPrognose)?,
            c.amount(&key(Indicator::FinVerschil))?
                .map(notation::verschil)
                .unwrap_or_default(),
        ]));
    }
    if rows.is_empty() {
        rows.push(TableRow::new(vec![
            "Geen begrotingsregels".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]));
    }
    Ok(Table::new(
        "Saldo per domein: lasten min baten (bedragen in euro's)",
        vec![
            left("Domein"),
            right("Begroting"),
            right(&realisatie_label(input)),
            right("Prognose"),
            right("Verschil"),
        ],
        rows,
    ))
}

fn taakstellingen(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let finance = input
        .monitor
        .finance
        .as_ref()
        .expect("called with finances");
    let mut rows = Vec::new();
    for (domein, omschrijving, _, _) in &finance.taakstellingen {
        let key = |indicator| FigureKey::new(indicator, omschrijving.as_str(), input.now());
        rows.push(TableRow::new(vec![
            domein.clone(),
            omschrijving.clone(),
            c.amount(&key(Indicator::FinTaakstelling))?
                .map(notation::amount)
                .unwrap_or_default(),
            c.amount(&key(Indicator::FinTaakstellingGerealiseerd))?
                .map(notation::amount)
                .unwrap_or_default(),
        ]));
    }
    Ok(Table::new(
        "Taakstellingen",
        vec![
            left("Domein"),
            left("Taakstelling"),
            right("Bedrag"),
            right("Gerealiseerd"),
        ],
        rows,
    ))
}
