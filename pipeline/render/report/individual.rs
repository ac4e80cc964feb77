//! Individual support: one function per table and chart.

use super::Input;
use crate::figures::{FigureKey, Indicator};
use crate::notation;
use crate::render::RenderError;
use crate::render::cells;
use crate::render::charts::{self, Bars};
use crate::render::document::*;
use crate::vocab::{AGE_BANDS, Form, GENDERS, Recidive};

pub fn intro() -> Vec<String> {
    vec![
        "De individuele ondersteuning kent drie ondersteuningsvormen. Bij informatie en advies gaat het om een relatief eenvoudige vraag die meestal in één contact beantwoord kan worden. Leun- en steuncontacten zijn hulpvragen die minder frequente ondersteuning vragen: een steuntje in de rug. Voor een individueel traject kiezen we bij een complexe hulpvraag die frequente ondersteuning vraagt.".into(),
        "Een casus is in behandeling wanneer hij vóór het einde van de periode is gestart en niet vóór het begin ervan is afgesloten.".into(),
    ]
}

pub fn blocks(input: &Input) -> Result<Vec<Block>, RenderError> {
    let mut blocks = vec![
        Block::Table(forms(input)?),
        quarters(input)?,
        ages(input)?,
        Block::Table(genders(input)?),
        Block::Table(zrm_domains(input)?),
        zrm_growth(input)?,
        Block::Table(referrers(input)?),
    ];
    if let Some(t) = partners(input)? {
        blocks.push(Block::Table(t));
    }
    blocks.push(Block::Table(recidive(input)?));
    blocks.push(Block::Table(durations(input)?));
    blocks.push(Block::Table(werksoorten(input)?));
    blocks.push(Block::Table(teams(input)?));
    Ok(blocks)
}

/// Rows of `categories` of `indicator`, last year beside this year, and a total row of
/// `total` when given.
pub(super) fn comparison(
    input: &Input,
    caption: &str,
    first: &str,
    indicator: Indicator,
    categories: &[String],
    total: Option<Indicator>,
) -> Result<Table, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    let mut rows = Vec::new();
    for category in categories {
        rows.push(TableRow::new(vec![
            crate::vocab::category_name(indicator.dimension(), category),
            c.count_in(&FigureKey::new(indicator, category.as_str(), before))?,
            c.count_in(&FigureKey::new(indicator, category.as_str(), now))?,
        ]));
    }
    if let Some(total) = total {
        rows.push(TableRow::styled(
            vec![
                "Totaal".into(),
                c.count(&FigureKey::total(total, before))?,
                c.count(&FigureKey::total(total, now))?,
            ],
            RowStyle::Total,
        ));
    }
    Ok(Table::new(
        caption,
        vec![
            left(first),
            right(&input.meta.previous_year),
            right(&input.meta.year),
        ],
        rows,
    ))
}

/// Cases per form: in behandeling, opgestart, afgesloten, last year beside this year.
fn forms(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let measures = [
        (Indicator::InBehandeling, "In behandeling"),
        (Indicator::Opgestart, "Opgestart"),
        (Indicator::Afgesloten, "Afgesloten"),
    ];
    let years = [
        (input.before(), &input.meta.previous_year),
        (input.now(), &input.meta.year),
    ];
    let mut columns = vec![left("Ondersteuningsvorm")];
    for (_, label) in measures {
        for (_, year) in years {
            columns.push(right(&format!("{label} {year}")));
        }
    }
    let row = |category: &str| -> Result<Vec<String>, RenderError> {
        let mut cells = Vec::new();
        for (indicator, _) in measures {
            for (period, _) in years {
                cells.push(c.count(&FigureKey::new(indicator, category, period))?);
            }
        }
        Ok(cells)
    };
    let mut rows = Vec::new();
    for form in Form::ALL {
        let mut cells = vec![form.name().to_string()];
        cells.extend(row(form.code())?);
        rows.push(TableRow::new(cells));
    }
    let mut total = vec!["Totaal".to_string()];
    total.extend(row("")?);
    rows.push(TableRow::styled(total, RowStyle::Total));
    Ok(Table::new(
        format!("Casussen per ondersteuningsvorm, {}", input.meta.period),
        columns,
        rows,
    ))
}

/// Cases opgestart per quarter, all forms together, last year beside this year.
fn quarters(input: &Input) -> Result<Block, RenderError> {
    let quarters = input.monitor.quarter.quarters_of_year_so_far();
    let keys = |year_before: bool| -> Vec<FigureKey> {
        quarters
            .iter()
            .map(|q| {
                let q = if year_before { q.year_before() } else { *q };
                FigureKey::total(Indicator::OpgestartKwartaal, q.to_string())
            })
            .collect()
    };
    let categories = quarters
        .iter()
        .map(|q| format!("Q{}", q.number()))
        .collect();
    charts::bars(
        input.cells,
        Bars {
            kind: ChartKind::Bar,
            caption: "Opgestarte casussen per kwartaal (alle vormen)",
            what: "Staafdiagram van het aantal opgestarte casussen per kwartaal",
            categories,
            series: vec![
                (input.meta.previous_year.clone(), "light", keys(true)),
                (input.meta.year.clone(), "primary", keys(false)),
            ],
            unit: "casussen",
            digits: 0,
            norm: None,
        },
    )
}

/// The clients' ages, last year beside this year.
fn ages(input: &Input) -> Result<Block, RenderError> {
    let keys = |period: &str| -> Vec<FigureKey> {
        AGE_BANDS
            .iter()
            .map(|a| FigureKey::new(Indicator::Leeftijd, *a, period))
            .collect()
    };
    charts::bars(
        input.cells,
        Bars {
            kind: ChartKind::Bar,
            caption: "Leeftijdsopbouw van de inwoners met een casus in behandeling",
            what: "Staafdiagram van het aantal inwoners per leeftijdsgroep",
            categories: AGE_BANDS.iter().map(|s| s.to_string()).collect(),
            series: vec![
                (
                    input.meta.previous_year.clone(),
                    "light",
                    keys(input.before()),
                ),
                (input.meta.year.clone(), "primary", keys(input.now())),
            ],
            unit: "inwoners",
            digits: 0,
            norm: None,
        },
    )
}

fn genders(input: &Input) -> Result<Table, RenderError> {
    let genders: Vec<String> = GENDERS.iter().map(|s| s.to_string()).collect();
    comparison(
        input,
        "Inwoners naar geslacht",
        "Geslacht",
        Indicator::Geslacht,
        &genders,
        Some(Indicator::Clienten),
    )
}

/// The five most common ZRM main domains, per form.
fn zrm_domains(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    // Which five: by their cases this year over all forms (the domains left out show no
    // number at all). In which order: by the numbers the view shows, so that a withheld
    // cell's true value never moves a row.
    // A correction that fixed the rows keeps the earlier version's five.
    let mut totals: Vec<(String, i64)> = Vec::new();
    match c.view.fixed_rows(Indicator::ZrmHoofddomein) {
        Some(rows) => {
            for category in rows {
                let domain = category.split_once('+').map_or("", |(_, d)| d);
                if !totals.iter().any(|(d, _)| d == domain) {
                    totals.push((domain.to_string(), 0));
                }
            }
        }
        None => {
            for fig in c.figures.categories(Indicator::ZrmHoofddomein, now) {
                let domain = fig.key.category.split_once('+').map_or("", |(_, d)| d);
                let n = fig.value.count().unwrap_or(0);
                match totals.iter_mut().find(|(d, _)| d == domain) {
                    Some((_, total)) => *total += n,
                    None => totals.push((domain.to_string(), n)),
                }
            }
            totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            totals.truncate(5);
        }
    }
    let forms = [Form::It, Form::Ls, Form::Ia];
    let key = |form: Form, domain: &str, period: &str| {
        FigureKey::new(
            Indicator::ZrmHoofddomein,
            format!("{}+{domain}", form.code()),
            period,
        )
    };
    let shown_sum = |domain: &str| -> f64 {
        forms
            .iter()
            .filter_map(|f| c.view.number(&key(*f, domain, now)).ok().flatten())
            .sum()
    };
    let mut domains: Vec<String> = totals.into_iter().map(|(d, _)| d).collect();
    domains.sort_by(|a, b| shown_sum(b).total_cmp(&shown_sum(a)).then(a.cmp(b)));
    // "Domein", not "Hoofddomein" (the caption says which domains): with six columns of
    // figures beside it, the longer word did not fit its column and ran into the next.
    let mut columns = vec![left("Domein")];
    for form in forms {
        for year in [&input.meta.previous_year, &input.meta.year] {
            columns.push(right(&format!("{} {year}", form.name())));
        }
    }
    let mut rows = Vec::new();
    for domain in &domains {
        let mut cells = vec![domain.clone()];
        for form in forms {
            for period in [before, now] {
                cells.push(c.count_or_zero(&key(form, domain, period))?);
            }
        }
        rows.push(TableRow::new(cells));
    }
    Ok(Table::new(
        "De vijf meest voorkomende ZRM-hoofddomeinen per ondersteuningsvorm",
        columns,
        rows,
    )
    .with_note("Hoofddomeinen zijn de domeinen van de zelfredzaamheidsmatrix waarop de vraag betrekking heeft; per casus kunnen er meerdere zijn."))
}

/// ZRM growth per domain against the norm, the domains whose mean the view shows.
fn zrm_growth(input: &Input) -> Result<Block, RenderError> {
    let c = input.cells;
    let mut shown: Vec<(String, f64, FigureKey)> = Vec::new();
    for fig in c.figures.categories(Indicator::ZrmGroei, input.now()) {
        if let Some(v) = c.number(&fig.key)? {
            shown.push((fig.key.category.clone(), v, fig.key.clone()));
        }
    }
    shown.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let norm = input.monitor.settings.zrm_norm;
    charts::bars(
        c,
        Bars {
            kind: ChartKind::Hbar,
            caption: "ZRM-groei per domein bij afgesloten individuele trajecten (gemiddelde stijging van de score)",
            what: &format!(
                "Liggend staafdiagram van de gemiddelde ZRM-groei per domein, met de norm {}",
                notation::decimal(norm, 1)
            ),
            categories: shown.iter().map(|s| s.0.clone()).collect(),
            series: vec![(
                input.meta.year.clone(),
                "primary",
                shown.into_iter().map(|s| s.2).collect(),
            )],
            unit: "punten",
            digits: cells::digits(Indicator::ZrmGroei),
            norm: Some(Norm {
                value: norm,
                label: format!("norm {}", notation::decimal(norm, 1)),
            }),
        },
    )
}

fn referrers(input: &Input) -> Result<Table, RenderError> {
    let referrers = input
        .cells
        .ranked(Indicator::Verwijzer, &[input.now(), input.before()]);
    comparison(
        input,
        "Verwijzingen naar de organisatie (casussen opgestart)",
        "Verwijzer",
        Indicator::Verwijzer,
        &referrers,
        Some(Indicator::Verwijzer),
    )
}

fn partners(input: &Input) -> Result<Option<Table>, RenderError> {
    let partners = input
        .cells
        .ranked(Indicator::Samenwerking, &[input.now(), input.before()]);
    if partners.is_empty() {
        return Ok(None);
    }
    let table = comparison(
        input,
        "Samenwerkingspartners bij afgesloten casussen",
        "Partner",
        Indicator::Samenwerking,
        &partners,
        None,
    )?;
    Ok(Some(table.with_note(
        "Per casus kunnen meerdere partners zijn genoemd.",
    )))
}

fn recidive(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let mut rows = Vec::new();
    for soort in Recidive::ALL {
        let key = |period: &str| FigureKey::new(Indicator::Recidive, soort.code(), period);
        rows.push(TableRow::new(vec![
            soort.name().to_string(),
            c.count(&key(input.before()))?,
            c.count(&key(input.now()))?,
        ]));
    }
    Ok(Table::new(
        "Recidive bij individuele trajecten",
        vec![
            left(""),
            right(&input.meta.previous_year),
            right(&input.meta.year),
        ],
        rows,
    )
    .with_note("Recidive: de inwoner had eerder een casus die vóór de start van deze casus was afgesloten."))
}

/// Duration, contacts, waiting and satisfaction.
fn durations(input: &Input) -> Result<Table, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    let mut rows = Vec::new();
    let mut row = |label: String, key: &dyn Fn(&str) -> FigureKey| -> Result<(), RenderError> {
        let digits = cells::digits(key(now).indicator);
        rows.push(TableRow::new(vec![
            label,
            c.text(&key(before), digits)?,
            c.text(&key(now), digits)?,
        ]));
        Ok(())
    };
    for form in Form::GUIDED {
        for (indicator, what) in [
            (Indicator::Doorlooptijd, "gemiddelde doorlooptijd (dagen)"),
            (
                Indicator::Contactmomenten,
                "gemiddeld aantal contactmomenten",
            ),
        ] {
            row(format!("{}: {what}", form.name()), &|p| {
                FigureKey::new(indicator, form.code(), p)
            })?;
        }
    }
    row("Gemiddelde wachttijd tot de start (dagen)".into(), &|p| {
        FigureKey::total(Indicator::Wachttijd, p)
    })?;
    row("Wachtenden aan het einde van de periode".into(), &|p| {
        FigureKey::total(Indicator::Wachtlijst, p)
    })?;
    row(
        "Gemiddelde waardering door cliënten (1–10)".into(),
        &|p| FigureKey::total(Indicator::Tevredenheid, p),
    )?;
    Ok(Table::new(
        "Doorlooptijd, contactmomenten, wachtlijst en waardering",
        vec![
            left(""),
            right(&input.meta.previous_year),
            right(&input.meta.year),
        ],
        rows,
    )
    .with_note(
        "Doorlooptijd en contactmomenten over de casussen die in de periode zijn afgesloten.",
    ))
}

fn werksoorten(input: &Input) -> Result<Table, RenderError> {
    let werksoorten = input
        .cells
        .ranked(Indicator::Werksoort, &[input.now(), input.before()]);
    comparison(
        input,
        "Individuele trajecten en leun- en steuncontacten per werksoort",
        "Werksoort",
        Indicator::Werksoort,
        &werksoorten,
        None,
    )
}

fn teams(input: &Input) -> Result<Table, RenderError> {
    let teams = input
        .cells
        .ranked(Indicator::Team, &[input.now(), input.before()]);
    comparison(
        input,
        "Casussen in behandeling per team",
        "Team",
        Indicator::Team,
        &teams,
        None,
    )
}
