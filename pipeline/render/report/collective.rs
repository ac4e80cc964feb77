//! Collective support: trajectories, meetings and participants per category, the target
//! groups, and the key figures of the thuiskamers.

use super::Input;
use crate::figures::{FigureKey, Indicator};
use crate::render::RenderError;
use crate::render::cells;
use crate::render::charts::{self, Bars};
use crate::render::document::*;

pub fn blocks(input: &Input) -> Result<Vec<Block>, RenderError> {
    Ok(vec![
        Block::Table(per_category(input)?),
        target_groups(input)?,
        callouts(input)?,
    ])
}

fn per_category(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let now = input.now();
    let mut cats = c.ranked(Indicator::ColTrajecten, &[now, input.before()]);
    for category in c.categories(Indicator::ColBijeenkomsten, now) {
        if !cats.contains(&category) {
            cats.push(category);
        }
    }
    let columns = [
        Indicator::ColTrajecten,
        Indicator::ColBijeenkomsten,
        Indicator::ColDeelnemers,
    ];
    let mut rows = Vec::new();
    for category in &cats {
        let mut cells = vec![category.clone()];
        for indicator in columns {
            cells.push(c.count_in(&FigureKey::new(indicator, category.as_str(), now))?);
        }
        rows.push(TableRow::new(cells));
    }
    let mut total = vec!["Totaal".to_string()];
    for indicator in columns {
        total.push(c.count(&FigureKey::total(indicator, now))?);
    }
    rows.push(TableRow::styled(total, RowStyle::Total));
    Ok(Table::new(
        format!(
            "Collectieve trajecten, bijeenkomsten en deelnemers per categorie, {}",
            input.meta.period
        ),
        vec![
            left("Categorie"),
            right("Trajecten"),
            right("Bijeenkomsten"),
            right("Deelnemers"),
        ],
        rows,
    )
    .with_note("Deelnemers is de som van de aanwezigen per bijeenkomst."))
}

fn target_groups(input: &Input) -> Result<Block, RenderError> {
    let c = input.cells;
    let mut groups = c.ranked(Indicator::ColDoelgroep, &[input.now(), input.before()]);
    groups.sort();
    let keys = |period: &str| -> Vec<FigureKey> {
        groups
            .iter()
            .map(|g| FigureKey::new(Indicator::ColDoelgroep, g.as_str(), period))
            .collect()
    };
    charts::bars(
        c,
        Bars {
            kind: ChartKind::Bar,
            caption: "Collectieve trajecten in behandeling per doelgroep",
            what: "Staafdiagram van het aantal collectieve trajecten per doelgroep",
            categories: groups.clone(),
            series: vec![
                (
                    input.meta.previous_year.clone(),
                    "light",
                    keys(input.before()),
                ),
                (input.meta.year.clone(), "primary", keys(input.now())),
            ],
            unit: "trajecten",
            digits: 0,
            norm: None,
        },
    )
}

fn callouts(input: &Input) -> Result<Block, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    let total = |indicator| FigureKey::total(indicator, now);
    let rate = c.text(
        &total(Indicator::ColThuiskamerBezoekWeek),
        cells::digits(Indicator::ColThuiskamerBezoekWeek),
    )?;
    let visitors = if rate.starts_with('n') {
        format!("bezoekers per week: {rate}")
    } else {
        format!("gemiddeld {rate} bezoekers per week in totaal")
    };
    Ok(Block::Callouts {
        items: vec![
            Callout {
                value: c.count(&total(Indicator::ColThuiskamers))?,
                label: "thuiskamers".into(),
                detail: visitors,
            },
            Callout {
                value: c.count(&total(Indicator::ColOpgestart))?,
                label: "nieuwe collectieve trajecten".into(),
                detail: format!(
                    "{}: {}",
                    input.meta.previous_year,
                    c.count(&FigureKey::total(Indicator::ColOpgestart, before))?
                ),
            },
            Callout {
                value: c.text(
                    &total(Indicator::ColKrachtGroei),
                    cells::digits(Indicator::ColKrachtGroei),
                )?,
                label: "groei kracht van de groep".into(),
                detail: "gemiddelde stijging van start tot eind (schaal 1–5)".into(),
            },
        ],
    })
}
