//! The kwartaalrapportage's data document, built from the monitor.
//!
//! The sections follow the seeds: samenvatting, individual, collective and informal support,
//! finances, and the data-quality appendix. Every number comes from the monitor's figures,
//! formatted here in Dutch notation.

use super::document::*;
use super::format;
use crate::monitor::finance::{Amounts, FinanceRow};
use crate::monitor::individual::{AGE_BANDS, FORMS, GENDERS};
use crate::monitor::suppress;
use crate::monitor::{Figures, Monitor, Value};

/// The names of the support forms as the seeds write them, in the plural of a table row.
pub fn form_name(code: &str) -> &'static str {
    match code {
        "IA" => "Informatie en advies",
        "LS" => "Leun- en steuncontacten",
        _ => "Individuele trajecten",
    }
}

/// How counts are shown: plainly, or with small-cell suppression in a public document.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub public: bool,
    pub threshold: u32,
}

impl Counts {
    pub fn one(&self, v: i64) -> String {
        if self.public {
            suppress::single(v, self.threshold).text(self.threshold)
        } else {
            format::int(v)
        }
    }

    /// A breakdown column and its total, suppressed together so no hidden cell can be recomputed.
    pub fn column(&self, cells: &[i64], total: Option<i64>) -> (Vec<String>, Option<String>) {
        if !self.public {
            return (
                cells.iter().map(|&v| format::int(v)).collect(),
                total.map(format::int),
            );
        }
        match total {
            Some(t) => {
                let (shown, total) = suppress::breakdown(cells, t, self.threshold);
                (
                    shown.into_iter().map(|s| s.text(self.threshold)).collect(),
                    Some(total.text(self.threshold)),
                )
            }
            None => {
                // Without a total, each cell stands alone.
                (
                    cells
                        .iter()
                        .map(|&v| suppress::single(v, self.threshold).text(self.threshold))
                        .collect(),
                    None,
                )
            }
        }
    }

    pub fn mean(&self, value: Value, n: Option<u64>, digits: usize) -> String {
        match value.as_f64() {
            Some(v) if !self.public || suppress::mean_allowed(n.unwrap_or(0), self.threshold) => {
                format::decimal(v, digits)
            }
            Some(_) => format!("n<{}", self.threshold),
            None => "–".into(),
        }
    }
}

fn right(label: &str) -> TableColumn {
    TableColumn {
        label: label.into(),
        align: Align::Right,
    }
}

fn left(label: &str) -> TableColumn {
    TableColumn {
        label: label.into(),
        align: Align::Left,
    }
}

/// A table of categories (rows) against this year and last year (columns), with a total.
pub struct Comparison<'a> {
    pub f: &'a Figures,
    pub counts: Counts,
    pub now: &'a str,
    pub before: &'a str,
    pub year: &'a str,
    pub previous_year: &'a str,
}

impl Comparison<'_> {
    /// Rows for `categories` of `indicator`, this year's and last year's column suppressed as breakdowns.
    fn table(
        &self,
        caption: String,
        first: &str,
        indicator: &str,
        categories: &[String],
        names: &dyn Fn(&str) -> String,
        total: Option<(&str, &str)>,
    ) -> Table {
        let col_of = |period: &str| {
            let cells: Vec<i64> = categories
                .iter()
                .map(|c| self.f.count_of(indicator, period, c))
                .collect();
            let t = total.map(|(ind, cat)| self.f.count_of(ind, period, cat));
            self.counts.column(&cells, t)
        };
        let (before, before_total) = col_of(self.before);
        let (now, now_total) = col_of(self.now);
        let mut rows: Vec<TableRow> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| TableRow::new(vec![names(c), before[i].clone(), now[i].clone()]))
            .collect();
        if let (Some(b), Some(n)) = (before_total, now_total) {
            rows.push(TableRow::styled(
                vec!["Totaal".into(), b, n],
                RowStyle::Total,
            ));
        }
        Table {
            caption,
            note: None,
            columns: vec![left(first), right(self.previous_year), right(self.year)],
            rows,
        }
    }

    /// The categories of an indicator in either period, largest first this year.
    fn ranked(&self, indicator: &str) -> Vec<String> {
        let mut cats: Vec<String> = Vec::new();
        for p in [self.now, self.before] {
            for fig in self.f.categories(indicator, p) {
                if !cats.contains(&fig.category) {
                    cats.push(fig.category.clone());
                }
            }
        }
        cats.sort_by(|a, b| {
            self.f
                .count_of(indicator, self.now, b)
                .cmp(&self.f.count_of(indicator, self.now, a))
                .then(a.cmp(b))
        });
        cats
    }
}

pub struct ReportInput<'a> {
    pub monitor: &'a Monitor,
    pub meta: Meta,
    pub brand: BrandData,
    pub counts: Counts,
    /// Commentary per section id.
    pub commentary: &'a dyn Fn(&str) -> Vec<TextBlock>,
    pub zrm_norm: f64,
    /// The notable-change sentences of the registration.
    pub changes: Vec<String>,
    /// The budget lines flagged for explanation, as sentences.
    pub finance_changes: Vec<String>,
    /// Snapshot id, for the appendix.
    pub snapshot: String,
    /// The budget workbook's name and sha256, when there is one.
    pub budget_file: Option<(String, String)>,
    pub flag_amount: f64,
    pub flag_share: f64,
}

pub fn build(input: &ReportInput) -> ReportDoc {
    let m = input.monitor;
    let f = &m.figures;
    let (now, before) = (m.period.label.as_str(), m.before.label.as_str());
    let cmp = Comparison {
        f,
        counts: input.counts,
        now,
        before,
        year: &input.meta.year,
        previous_year: &input.meta.previous_year,
    };
    let section = |id: &str, title: &str, intro: Vec<String>, blocks: Vec<Block>| Section {
        id: id.into(),
        title: title.into(),
        appendix: false,
        intro,
        commentary: (input.commentary)(id),
        blocks,
    };

    let mut sections = vec![section(
        "samenvatting",
        "Samenvatting",
        vec![format!(
            "Deze monitor brengt de registratie van {} over {} samen met de begroting en realisatie van {} voor Wmo, Jeugd en Participatie. Alle cijfers worden vergeleken met dezelfde periode in {}.",
            input.meta.organisation,
            input.meta.period,
            input.meta.municipality,
            input.meta.previous_year
        )],
        summary_blocks(input, &cmp),
    )];
    sections.push(section(
        "individueel",
        "Individuele ondersteuning",
        individual_intro(),
        individual_blocks(input, &cmp),
    ));
    sections.push(section("collectief", "Collectieve ondersteuning", vec![
        "Naast individuele ondersteuning biedt de organisatie ondersteuning in groepsverband: collectieve trajecten met één of meer bijeenkomsten.".into(),
    ], collective_blocks(input, &cmp)));
    sections.push(section(
        "informeel",
        "Informele ondersteuning",
        Vec::new(),
        informal_blocks(input, &cmp),
    ));
    sections.push(match &m.finance {
        Some(_) => section("financien", "Financiën Wmo, Jeugd en Participatie", vec![
            format!("Bedragen in euro's, realisatie van 1 januari t/m het einde van {}. Verschil is begroting min prognose bij lasten en prognose min begroting bij baten: V is een voordeel, N een nadeel. Regels met ▲ vragen om een toelichting.", input.meta.quarter_label),
        ], finance_blocks(input)),
        None => section("financien", "Financiën Wmo, Jeugd en Participatie", vec![
            "Voor deze periode is geen begroting van de gemeente aangeleverd; dit hoofdstuk blijft daarom leeg.".into(),
        ], Vec::new()),
    });
    let mut appendix = section("datakwaliteit", "Datakwaliteit", vec![
        "Deze bijlage verantwoordt welke bestanden zijn gebruikt en welke regels niet zijn meegeteld, met de reden.".into(),
    ], quality_blocks(input));
    appendix.appendix = true;
    sections.push(appendix);
    ReportDoc {
        meta: input.meta.clone(),
        brand: input.brand.clone(),
        sections,
    }
}

fn individual_intro() -> Vec<String> {
    vec![
        "De individuele ondersteuning kent drie ondersteuningsvormen. Bij informatie en advies gaat het om een relatief eenvoudige vraag die meestal in één contact beantwoord kan worden. Leun- en steuncontacten zijn hulpvragen die minder frequente ondersteuning vragen: een steuntje in de rug. Voor een individueel traject kiezen we bij een complexe hulpvraag die frequente ondersteuning vraagt.".into(),
        "Een casus is in behandeling wanneer hij vóór het einde van de periode is gestart en niet vóór het begin ervan is afgesloten.".into(),
    ]
}

fn total_of(f: &Figures, indicator: &str, period: &str, cats: &[&str]) -> i64 {
    cats.iter().map(|c| f.count_of(indicator, period, c)).sum()
}

fn summary_blocks(input: &ReportInput, cmp: &Comparison) -> Vec<Block> {
    let f = cmp.f;
    let c = input.counts;
    let mut blocks = Vec::new();
    let in_behandeling = total_of(f, "ind_in_behandeling", cmp.now, &FORMS);
    let before = total_of(f, "ind_in_behandeling", cmp.before, &FORMS);
    blocks.push(Block::Callouts {
        items: vec![
            Callout {
                value: c.one(in_behandeling),
                label: "casussen in behandeling".into(),
                detail: format!("{}: {}", cmp.previous_year, c.one(before)),
            },
            Callout {
                value: c.one(f.count_of("ind_clienten", cmp.now, "")),
                label: "inwoners geholpen".into(),
                detail: format!(
                    "{}: {}",
                    cmp.previous_year,
                    c.one(f.count_of("ind_clienten", cmp.before, ""))
                ),
            },
            Callout {
                value: c.one(f.count_of("col_trajecten", cmp.now, "")),
                label: "collectieve trajecten".into(),
                detail: format!(
                    "met {} bijeenkomsten",
                    c.one(f.count_of("col_bijeenkomsten", cmp.now, ""))
                ),
            },
        ],
    });
    // The key figures first, then what changed, as a reader skims a summary.
    if !input.changes.is_empty() {
        blocks.push(Block::Changes {
            title: "Opvallende ontwikkelingen".into(),
            items: input.changes.clone(),
        });
    }
    if !input.finance_changes.is_empty() {
        // Kept apart from the registration's changes: these ask the budget holders for an
        // explanation, they are no development of the registration.
        blocks.push(Block::Changes {
            title: "Begrotingsregels die om toelichting vragen".into(),
            items: input.finance_changes.clone(),
        });
    }
    blocks
}

fn individual_blocks(input: &ReportInput, cmp: &Comparison) -> Vec<Block> {
    let f = cmp.f;
    let c = input.counts;
    let (now, before) = (cmp.now, cmp.before);
    let mut blocks = Vec::new();

    // Forms: in behandeling, opgestart, afgesloten, last year beside this year.
    let mut columns = vec![left("Ondersteuningsvorm")];
    let mut cols: Vec<(Vec<String>, Option<String>)> = Vec::new();
    for (indicator, label) in [
        ("ind_in_behandeling", "In behandeling"),
        ("ind_opgestart", "Opgestart"),
        ("ind_afgesloten", "Afgesloten"),
    ] {
        for (period, year) in [(before, cmp.previous_year), (now, cmp.year)] {
            columns.push(right(&format!("{label} {year}")));
            let cells: Vec<i64> = FORMS
                .iter()
                .map(|v| f.count_of(indicator, period, v))
                .collect();
            let total = cells.iter().sum();
            cols.push(c.column(&cells, Some(total)));
        }
    }
    let mut rows: Vec<TableRow> = FORMS
        .iter()
        .enumerate()
        .map(|(i, v)| {
            TableRow::new(
                std::iter::once(form_name(v).to_string())
                    .chain(cols.iter().map(|(cells, _)| cells[i].clone()))
                    .collect(),
            )
        })
        .collect();
    rows.push(TableRow::styled(
        std::iter::once("Totaal".to_string())
            .chain(cols.iter().map(|(_, t)| t.clone().unwrap_or_default()))
            .collect(),
        RowStyle::Total,
    ));
    blocks.push(Block::Table(Table {
        caption: format!("Casussen per ondersteuningsvorm, {}", input.meta.period),
        note: None,
        columns,
        rows,
    }));

    // Opgestart per quarter, all forms together, last year beside this year.
    let quarters = input.monitor.quarter.quarters_of_year_so_far();
    let per_quarter =
        |q: crate::Quarter| total_of(f, "ind_opgestart_kwartaal", &q.to_string(), &FORMS);
    let series = |year_label: &str, color: &str, values: Vec<i64>| Series {
        label: year_label.into(),
        color: color.into(),
        labels: values.iter().map(|&v| c.one(v)).collect(),
        values: values.iter().map(|&v| v as f64).collect(),
    };
    let this: Vec<i64> = quarters.iter().map(|&q| per_quarter(q)).collect();
    let last: Vec<i64> = quarters
        .iter()
        .map(|&q| per_quarter(q.year_before()))
        .collect();
    let categories: Vec<String> = quarters
        .iter()
        .map(|q| format!("Q{}", q.number()))
        .collect();
    blocks.push(Block::Chart(Chart {
        chart: ChartKind::Bar,
        caption: "Opgestarte casussen per kwartaal (alle vormen)".into(),
        alt: alt_text(
            "Staafdiagram van het aantal opgestarte casussen per kwartaal",
            &categories,
            &[(cmp.previous_year, &last), (cmp.year, &this)],
            c,
        ),
        categories,
        series: vec![
            series(cmp.previous_year, "light", last),
            series(cmp.year, "primary", this),
        ],
        norm: None,
        unit: "casussen".into(),
    }));

    // Age and gender of the clients.
    let ages: Vec<String> = AGE_BANDS.iter().map(|s| s.to_string()).collect();
    let age_now: Vec<i64> = AGE_BANDS
        .iter()
        .map(|a| f.count_of("ind_leeftijd", now, a))
        .collect();
    let age_before: Vec<i64> = AGE_BANDS
        .iter()
        .map(|a| f.count_of("ind_leeftijd", before, a))
        .collect();
    let shown = |values: &[i64], period: &str| {
        c.column(values, Some(f.count_of("ind_clienten", period, "")))
            .0
    };
    let (age_before_txt, age_now_txt) = (shown(&age_before, before), shown(&age_now, now));
    let masked = |values: &[i64], texts: &[String]| -> Vec<f64> {
        values
            .iter()
            .zip(texts)
            .map(|(&v, t)| if t.starts_with('<') { 0.0 } else { v as f64 })
            .collect()
    };
    blocks.push(Block::Chart(Chart {
        chart: ChartKind::Bar,
        caption: "Leeftijdsopbouw van de inwoners met een casus in behandeling".into(),
        alt: alt_text(
            "Staafdiagram van het aantal inwoners per leeftijdsgroep",
            &ages,
            &[(cmp.previous_year, &age_before), (cmp.year, &age_now)],
            c,
        ),
        categories: ages,
        series: vec![
            Series {
                label: cmp.previous_year.into(),
                color: "light".into(),
                values: masked(&age_before, &age_before_txt),
                labels: age_before_txt,
            },
            Series {
                label: cmp.year.into(),
                color: "primary".into(),
                values: masked(&age_now, &age_now_txt),
                labels: age_now_txt,
            },
        ],
        norm: None,
        unit: "inwoners".into(),
    }));
    let genders: Vec<String> = GENDERS.iter().map(|s| s.to_string()).collect();
    blocks.push(Block::Table(cmp.table(
        "Inwoners naar geslacht".into(),
        "Geslacht",
        "ind_geslacht",
        &genders,
        &|s| s.to_string(),
        Some(("ind_clienten", "")),
    )));

    // ZRM: the five main domains per form, and growth against the norm.
    blocks.push(Block::Table(zrm_table(cmp)));
    blocks.push(zrm_growth_chart(input, cmp));

    // Referrers and partners.
    let referrers = cmp.ranked("ind_verwijzer");
    blocks.push(Block::Table(cmp.table(
        "Verwijzingen naar de organisatie (casussen opgestart)".into(),
        "Verwijzer",
        "ind_verwijzer",
        &referrers,
        &|s| s.to_string(),
        Some(("ind_verwijzer", "")),
    )));
    let partners = cmp.ranked("ind_samenwerking");
    if !partners.is_empty() {
        let mut t = cmp.table(
            "Samenwerkingspartners bij afgesloten casussen".into(),
            "Partner",
            "ind_samenwerking",
            &partners,
            &|s| s.to_string(),
            None,
        );
        t.note = Some("Per casus kunnen meerdere partners zijn genoemd.".into());
        blocks.push(Block::Table(t));
    }

    // Recidive of the individual trajectories.
    let soorten = [
        ("opgestart", "Individuele trajecten opgestart"),
        ("recidive", "Recidive casussen"),
        (
            "meerdere_voorgaande",
            "waarvan met meerdere voorgaande casussen",
        ),
        ("alleen_nieuwe_vragen", "recidive met alleen nieuwe vragen"),
        ("gelijke_vraag", "recidive met een gelijke vraag"),
    ];
    let rows = soorten
        .iter()
        .map(|(s, label)| {
            TableRow::new(vec![
                label.to_string(),
                c.one(f.count_of("ind_recidive", before, s)),
                c.one(f.count_of("ind_recidive", now, s)),
            ])
        })
        .collect();
    blocks.push(Block::Table(Table {
        caption: "Recidive bij individuele trajecten".into(),
        note: Some("Recidive: de inwoner had eerder een casus die vóór de start van deze casus was afgesloten.".into()),
        columns: vec![left(""), right(cmp.previous_year), right(cmp.year)],
        rows,
    }));

    // Duration, contacts and waiting.
    let mut rows = Vec::new();
    for v in ["IT", "LS"] {
        for (indicator, what) in [
            ("ind_doorlooptijd", "gemiddelde doorlooptijd (dagen)"),
            ("ind_contactmomenten", "gemiddeld aantal contactmomenten"),
        ] {
            let cell = |p: &str| {
                f.get(indicator, p, v)
                    .map_or("–".into(), |fig| c.mean(fig.value, fig.n, 1))
            };
            rows.push(TableRow::new(vec![
                format!("{}: {what}", form_name(v)),
                cell(before),
                cell(now),
            ]));
        }
    }
    let wait = |p: &str| {
        f.get("ind_wachttijd", p, "")
            .map_or("–".into(), |fig| c.mean(fig.value, fig.n, 1))
    };
    rows.push(TableRow::new(vec![
        "Gemiddelde wachttijd tot de start (dagen)".into(),
        wait(before),
        wait(now),
    ]));
    rows.push(TableRow::new(vec![
        "Wachtenden aan het einde van de periode".into(),
        c.one(f.count_of("ind_wachtlijst", before, "")),
        c.one(f.count_of("ind_wachtlijst", now, "")),
    ]));
    let satisfaction = |p: &str| {
        f.get("ind_tevredenheid", p, "")
            .map_or("–".into(), |fig| c.mean(fig.value, fig.n, 1))
    };
    rows.push(TableRow::new(vec![
        "Gemiddelde waardering door cliënten (1–10)".into(),
        satisfaction(before),
        satisfaction(now),
    ]));
    blocks.push(Block::Table(Table {
        caption: "Doorlooptijd, contactmomenten, wachtlijst en waardering".into(),
        note: Some(
            "Doorlooptijd en contactmomenten over de casussen die in de periode zijn afgesloten."
                .into(),
        ),
        columns: vec![left(""), right(cmp.previous_year), right(cmp.year)],
        rows,
    }));

    let werksoorten = cmp.ranked("ind_werksoort");
    blocks.push(Block::Table(cmp.table(
        "Individuele trajecten en leun- en steuncontacten per werksoort".into(),
        "Werksoort",
        "ind_werksoort",
        &werksoorten,
        &|s| s.to_string(),
        None,
    )));
    let teams = cmp.ranked("ind_team");
    blocks.push(Block::Table(cmp.table(
        "Casussen in behandeling per team".into(),
        "Team",
        "ind_team",
        &teams,
        &|s| s.to_string(),
        None,
    )));
    blocks
}

fn zrm_table(cmp: &Comparison) -> Table {
    let f = cmp.f;
    let mut columns = vec![left("Hoofddomein")];
    let mut domains: Vec<(String, i64)> = Vec::new();
    for fig in f.categories("ind_zrm_hoofddomein", cmp.now) {
        let domain = fig
            .category
            .split_once('+')
            .map_or("", |(_, d)| d)
            .to_string();
        let n = fig.value.count().unwrap_or(0);
        match domains.iter_mut().find(|(d, _)| *d == domain) {
            Some((_, total)) => *total += n,
            None => domains.push((domain, n)),
        }
    }
    domains.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    domains.truncate(5);
    let forms = ["IT", "LS", "IA"];
    for v in forms {
        for year in [cmp.previous_year, cmp.year] {
            columns.push(right(&format!("{} {year}", form_name(v))));
        }
    }
    let rows = domains
        .iter()
        .map(|(d, _)| {
            let mut cells = vec![d.clone()];
            for v in forms {
                for p in [cmp.before, cmp.now] {
                    cells.push(cmp.counts.one(f.count_of(
                        "ind_zrm_hoofddomein",
                        p,
                        &format!("{v}+{d}"),
                    )));
                }
            }
            TableRow::new(cells)
        })
        .collect();
    Table {
        caption: "De vijf meest voorkomende ZRM-hoofddomeinen per ondersteuningsvorm".into(),
        note: Some("Hoofddomeinen zijn de domeinen van de zelfredzaamheidsmatrix waarop de vraag betrekking heeft; per casus kunnen er meerdere zijn.".into()),
        columns,
        rows,
    }
}

fn zrm_growth_chart(input: &ReportInput, cmp: &Comparison) -> Block {
    let f = cmp.f;
    let mut shown: Vec<(String, f64, String)> = f
        .categories("ind_zrm_groei", cmp.now)
        .into_iter()
        .filter_map(|fig| {
            let v = fig.value.as_f64()?;
            let text = input.counts.mean(fig.value, fig.n, 2);
            (!text.starts_with('n')).then(|| (fig.category.clone(), v, text))
        })
        .collect();
    shown.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let categories: Vec<String> = shown.iter().map(|s| s.0.clone()).collect();
    let norm = format::decimal(input.zrm_norm, 1);
    Block::Chart(Chart {
        chart: ChartKind::Hbar,
        caption: "ZRM-groei per domein bij afgesloten individuele trajecten (gemiddelde stijging van de score)".into(),
        alt: format!(
            "Liggend staafdiagram van de gemiddelde ZRM-groei per domein, met de norm {norm}: {}.",
            shown.iter().map(|s| format!("{} {}", s.0, s.2)).collect::<Vec<_>>().join(", ")
        ),
        categories,
        series: vec![Series {
            label: cmp.year.into(),
            color: "primary".into(),
            values: shown.iter().map(|s| s.1).collect(),
            labels: shown.iter().map(|s| s.2.clone()).collect(),
        }],
        norm: Some(Norm { value: input.zrm_norm, label: format!("norm {norm}") }),
        unit: "punten".into(),
    })
}

fn collective_blocks(input: &ReportInput, cmp: &Comparison) -> Vec<Block> {
    let f = cmp.f;
    let c = input.counts;
    let now = cmp.now;
    let mut cats = cmp.ranked("col_trajecten");
    for fig in f.categories("col_bijeenkomsten", now) {
        if !cats.contains(&fig.category) {
            cats.push(fig.category.clone());
        }
    }
    let column = |indicator: &str| {
        let cells: Vec<i64> = cats.iter().map(|k| f.count_of(indicator, now, k)).collect();
        c.column(&cells, Some(f.count_of(indicator, now, "")))
    };
    let (traj, traj_total) = column("col_trajecten");
    let (meet, meet_total) = column("col_bijeenkomsten");
    let (part, part_total) = column("col_deelnemers");
    let mut rows: Vec<TableRow> = cats
        .iter()
        .enumerate()
        .map(|(i, k)| {
            TableRow::new(vec![
                k.clone(),
                traj[i].clone(),
                meet[i].clone(),
                part[i].clone(),
            ])
        })
        .collect();
    rows.push(TableRow::styled(
        vec![
            "Totaal".into(),
            traj_total.unwrap_or_default(),
            meet_total.unwrap_or_default(),
            part_total.unwrap_or_default(),
        ],
        RowStyle::Total,
    ));
    let mut blocks = vec![Block::Table(Table {
        caption: format!(
            "Collectieve trajecten, bijeenkomsten en deelnemers per categorie, {}",
            input.meta.period
        ),
        note: Some("Deelnemers is de som van de aanwezigen per bijeenkomst.".into()),
        columns: vec![
            left("Categorie"),
            right("Trajecten"),
            right("Bijeenkomsten"),
            right("Deelnemers"),
        ],
        rows,
    })];

    let groups = cmp.ranked("col_doelgroep");
    let mut sorted_groups = groups.clone();
    sorted_groups.sort();
    let values = |p: &str| {
        sorted_groups
            .iter()
            .map(|g| f.count_of("col_doelgroep", p, g))
            .collect::<Vec<i64>>()
    };
    let (before_v, now_v) = (values(cmp.before), values(now));
    blocks.push(Block::Chart(Chart {
        chart: ChartKind::Bar,
        caption: "Collectieve trajecten in behandeling per doelgroep".into(),
        alt: alt_text(
            "Staafdiagram van het aantal collectieve trajecten per doelgroep",
            &sorted_groups,
            &[(cmp.previous_year, &before_v), (cmp.year, &now_v)],
            c,
        ),
        categories: sorted_groups.clone(),
        series: vec![
            Series {
                label: cmp.previous_year.into(),
                color: "light".into(),
                labels: before_v.iter().map(|&v| c.one(v)).collect(),
                values: before_v.iter().map(|&v| v as f64).collect(),
            },
            Series {
                label: cmp.year.into(),
                color: "primary".into(),
                labels: now_v.iter().map(|&v| c.one(v)).collect(),
                values: now_v.iter().map(|&v| v as f64).collect(),
            },
        ],
        norm: None,
        unit: "trajecten".into(),
    }));

    let week = f
        .get("col_thuiskamer_bezoek_week", now, "")
        .and_then(|x| x.value.as_f64())
        .unwrap_or(0.0);
    let kracht = f
        .get("col_kracht_groei", now, "")
        .map_or("–".into(), |x| c.mean(x.value, x.n, 2));
    blocks.push(Block::Callouts {
        items: vec![
            Callout {
                value: c.one(f.count_of("col_thuiskamers", now, "")),
                label: "thuiskamers".into(),
                detail: format!(
                    "gemiddeld {} bezoekers per week in totaal",
                    format::decimal(week, 0)
                ),
            },
            Callout {
                value: c.one(f.count_of("col_opgestart", now, "")),
                label: "nieuwe collectieve trajecten".into(),
                detail: format!(
                    "{}: {}",
                    cmp.previous_year,
                    c.one(f.count_of("col_opgestart", cmp.before, ""))
                ),
            },
            Callout {
                value: kracht,
                label: "groei kracht van de groep".into(),
                detail: "gemiddelde stijging van start tot eind (schaal 1–5)".into(),
            },
        ],
    });
    blocks
}

fn informal_blocks(input: &ReportInput, cmp: &Comparison) -> Vec<Block> {
    let f = cmp.f;
    let c = input.counts;
    let (now, before) = (cmp.now, cmp.before);
    vec![Block::Callouts {
        items: vec![
            Callout {
                value: c.one(f.count_of("inf_mantelzorgers", now, "totaal")),
                label: "geregistreerde mantelzorgers".into(),
                detail: format!(
                    "inclusief {} jonge mantelzorgers. In {} waren er {} mantelzorgers geregistreerd, waarvan {} jonge mantelzorgers.",
                    c.one(f.count_of("inf_mantelzorgers", now, "jong")),
                    cmp.previous_year,
                    c.one(f.count_of("inf_mantelzorgers", before, "totaal")),
                    c.one(f.count_of("inf_mantelzorgers", before, "jong"))
                ),
            },
            Callout {
                value: c.one(f.count_of("inf_vrijwilligers", now, "")),
                label: "actieve vrijwilligers".into(),
                detail: format!(
                    "aan het einde van de periode; {}: {}",
                    cmp.previous_year,
                    c.one(f.count_of("inf_vrijwilligers", before, ""))
                ),
            },
        ],
    }]
}

fn money(v: Option<f64>) -> String {
    v.map(format::amount).unwrap_or_default()
}

fn amounts_cells(label: String, a: &Amounts, verschil: Option<f64>) -> Vec<String> {
    vec![
        label,
        money(a.realisatie_vj),
        format::amount(a.begroting),
        format::amount(a.realisatie),
        a.besteed_pct().map(format::pct).unwrap_or_default(),
        money(a.prognose),
        verschil.map(format::verschil).unwrap_or_default(),
    ]
}

/// Verschil of one Soort's amounts: Lasten Begroting − Prognose, Baten the reverse.
fn soort_verschil(a: &Amounts, baten: bool) -> Option<f64> {
    a.prognose.map(|p| {
        if baten {
            p - a.begroting
        } else {
            a.begroting - p
        }
    })
}

fn finance_blocks(input: &ReportInput) -> Vec<Block> {
    let Some(finance) = &input.monitor.finance else {
        return Vec::new();
    };
    let q = &input.meta.quarter_label;
    let columns = |first: &str| {
        vec![
            left(first),
            right(&format!("Realisatie {}", input.meta.previous_year)),
            right("Begroting"),
            right(&format!(
                "Realisatie t/m {}",
                q.split(' ').next().unwrap_or(q)
            )),
            right("% besteed"),
            right("Prognose"),
            right("Verschil"),
        ]
    };
    let mut blocks = Vec::new();
    for d in &finance.domeinen {
        for baten in [false, true] {
            let pick = |r: &FinanceRow| {
                if baten {
                    r.baten.clone()
                } else {
                    r.lasten.clone()
                }
            };
            let Some(total) = pick(&d.total) else {
                continue;
            };
            let mut rows = Vec::new();
            for (thema, lines) in &d.themas {
                let Some(thema_amounts) = pick(thema) else {
                    continue;
                };
                rows.push(TableRow::styled(
                    vec![
                        thema.thema.clone(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ],
                    RowStyle::Heading,
                ));
                for line in lines {
                    if let Some(a) = pick(line) {
                        let mut row =
                            TableRow::new(amounts_cells(line.onderdeel.clone(), &a, line.verschil));
                        row.flag = line.flagged;
                        rows.push(row);
                    }
                }
                rows.push(TableRow::styled(
                    amounts_cells(
                        format!("Totaal {}", thema.thema),
                        &thema_amounts,
                        soort_verschil(&thema_amounts, baten),
                    ),
                    RowStyle::Subtotal,
                ));
            }
            let kind = if baten { "baten" } else { "lasten" };
            rows.push(TableRow::styled(
                amounts_cells(
                    format!("Totaal {} {kind}", d.total.domein),
                    &total,
                    soort_verschil(&total, baten),
                ),
                RowStyle::Total,
            ));
            blocks.push(Block::Table(Table {
                caption: format!("{}: {kind} per thema en begrotingsregel (bedragen in euro's)", d.total.domein),
                note: Some(format!(
                    "▲ = afwijking van ten minste {} of {} van de begroting; een regel zonder prognose telt in de totalen als volgens begroting.",
                    format::euro(input.flag_amount),
                    format::pct(input.flag_share * 100.0)
                )),
                columns: columns(if baten { "Thema / regel (baten)" } else { "Thema / regel" }),
                rows,
            }));
        }
    }
    // The saldo per Domein, as the memo shows it.
    let mut rows: Vec<TableRow> = finance
        .domeinen
        .iter()
        .map(|d| {
            let (l, b) = (
                d.total.lasten.clone().unwrap_or_default(),
                d.total.baten.clone().unwrap_or_default(),
            );
            TableRow::new(vec![
                d.total.domein.clone(),
                format::amount(l.begroting - b.begroting),
                format::amount(l.realisatie - b.realisatie),
                format::amount(
                    l.prognose.unwrap_or(l.begroting) - b.prognose.unwrap_or(b.begroting),
                ),
                d.total.verschil.map(format::verschil).unwrap_or_default(),
            ])
        })
        .collect();
    if rows.is_empty() {
        rows.push(TableRow::new(vec![
            "Geen begrotingsregels".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]));
    }
    blocks.push(Block::Table(Table {
        caption: "Saldo per domein: lasten min baten (bedragen in euro's)".into(),
        note: None,
        columns: vec![
            left("Domein"),
            right("Begroting"),
            right(&format!(
                "Realisatie t/m {}",
                q.split(' ').next().unwrap_or(q)
            )),
            right("Prognose"),
            right("Verschil"),
        ],
        rows,
    }));
    if !finance.taakstellingen.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Taakstellingen".into(),
            note: None,
            columns: vec![
                left("Domein"),
                left("Taakstelling"),
                right("Bedrag"),
                right("Gerealiseerd"),
            ],
            rows: finance
                .taakstellingen
                .iter()
                .map(|(d, o, b, g)| {
                    TableRow::new(vec![d.clone(), o.clone(), format::amount(*b), money(*g)])
                })
                .collect(),
        }));
    }
    blocks
}

fn quality_blocks(input: &ReportInput) -> Vec<Block> {
    let q = &input.monitor.quality;
    let mut blocks = Vec::new();
    let rows: Vec<TableRow> = if q.exclusions.is_empty() {
        vec![TableRow::new(vec![
            "Alle tabellen".into(),
            "geen regels uitgesloten".into(),
            "0".into(),
            String::new(),
        ])]
    } else {
        q.exclusions
            .iter()
            .map(|e| {
                let examples: Vec<String> =
                    e.examples.iter().map(|r| format::int(*r as i64)).collect();
                TableRow::new(vec![
                    e.table.clone(),
                    e.kind.clone(),
                    format::int(e.rows as i64),
                    format!("rij {}", examples.join(", ")),
                ])
            })
            .collect()
    };
    blocks.push(Block::Table(Table {
        caption: "Uitgesloten regels per soort".into(),
        note: Some("Een regel met een gebrek telt in geen enkel cijfer mee. Rijnummers zoals in het bestand (de kopregel is rij 1).".into()),
        columns: vec![left("Tabel"), left("Soort"), right("Regels"), left("Voorbeelden")],
        rows,
    }));
    let mut files: Vec<TableRow> = q
        .files
        .iter()
        .map(|f| {
            TableRow::new(vec![
                f.file.clone(),
                format::int(f.rows as i64),
                f.sha256.get(..16).unwrap_or(&f.sha256).to_string(),
            ])
        })
        .collect();
    if let Some(budget) = input.budget_file.as_ref() {
        files.push(TableRow::new(vec![
            budget.0.clone(),
            String::new(),
            budget.1.get(..16).unwrap_or(&budget.1).to_string(),
        ]));
    }
    blocks.push(Block::Table(Table {
        caption: "Gebruikte bestanden".into(),
        note: Some("SHA-256 (eerste 16 tekens) van het bestand zoals het is opgehaald; de volledige waarde staat in het manifest.".into()),
        columns: vec![left("Bestand"), right("Regels"), left("SHA-256")],
        rows: files,
    }));
    for note in &q.notes {
        blocks.push(Block::Paragraph { text: note.clone() });
    }
    blocks.push(Block::Paragraph {
        text: format!("Gegenereerd uit momentopname {}.", input.snapshot),
    });
    blocks
}

/// Alt text that lists every value, so a reader without the chart misses nothing.
pub fn alt_text(what: &str, categories: &[String], series: &[(&str, &[i64])], c: Counts) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|(label, values)| {
            let cells: Vec<String> = categories
                .iter()
                .zip(values.iter())
                .map(|(k, &v)| format!("{k} {}", c.one(v)))
                .collect();
            format!("{label}: {}", cells.join(", "))
        })
        .collect();
    format!("{what}. {}.", parts.join("; "))
}
