//! Figures on small hand-made frames; every expected value is worked out by hand below.

use chrono::NaiveDate;
use polars::prelude::*;

use super::*;
use crate::figures::{Figure, FigureKey, Figures, Indicator as I, Value};

fn count(f: &Figures, indicator: I, period: &str, category: &str) -> i64 {
    f.count_of(&FigureKey::new(indicator, category, period))
        .unwrap()
}

fn get<'a>(f: &'a Figures, indicator: I, period: &str, category: &str) -> Option<&'a Figure> {
    f.get(&FigureKey::new(indicator, category, period))
}
use crate::load::{Budget, BudgetLine, Export, Quality, Soort};

fn d(text: &str) -> Option<NaiveDate> {
    (!text.is_empty()).then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date"))
}

fn text(name: &str, values: &[&str]) -> Column {
    Column::new(
        name.into(),
        values
            .iter()
            .map(|v| (!v.is_empty()).then_some(*v))
            .collect::<Vec<_>>(),
    )
}

fn dates(name: &str, values: &[&str]) -> Column {
    let days: Vec<Option<i32>> = values
        .iter()
        .map(|v| d(v).map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32))
        .collect();
    Column::new(name.into(), days)
        .cast(&DataType::Date)
        .unwrap()
}

fn ints(name: &str, values: &[i64]) -> Column {
    Column::new(name.into(), values.to_vec())
}

fn frame(columns: Vec<Column>) -> DataFrame {
    DataFrame::new_infer_height(columns).unwrap()
}

/// A case: (Casusnummer, Clientnummer, vorm, Aanmelddatum, Startdatum, Einddatum, Hoofddomeinen).
type Case<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

fn cases(rows: &[Case]) -> DataFrame {
    let col = |i: usize| {
        rows.iter()
            .map(|r| [r.0, r.1, r.2, r.3, r.4, r.5, r.6][i])
            .collect::<Vec<_>>()
    };
    let n = rows.len();
    frame(vec![
        text("Casusnummer", &col(0)),
        text("Clientnummer", &col(1)),
        text("Ondersteuningsvorm", &col(2)),
        text("Werksoort", &vec!["Maatschappelijk werk"; n]),
        text("Team", &vec!["Bedum en Uithuizen"; n]),
        text("Woonplaats", &vec!["Bedum"; n]),
        dates("Aanmelddatum", &col(3)),
        dates("Startdatum", &col(4)),
        dates("Einddatum", &col(5)),
        text("Verwijzer", &vec![""; n]),
        text("Hoofddomeinen", &col(6)),
        text("Afsluitreden", &vec![""; n]),
        text("Samenwerkingspartners", &vec![""; n]),
    ])
}

fn export(cases: DataFrame) -> Export {
    Export {
        cases,
        clients: frame(vec![
            text("Clientnummer", &[]),
            dates("Geboortedatum", &[]),
            text("Geslacht", &[]),
        ]),
        contacts: frame(vec![text("Casusnummer", &[])]),
        zrm: frame(vec![
            text("Casusnummer", &[]),
            dates("Datum", &[]),
            text("Domein", &[]),
            ints("Score", &[]),
            text("Type", &[]),
            Column::new("__row".into(), Vec::<u32>::new()),
        ]),
        survey: frame(vec![
            text("Casusnummer", &[]),
            dates("Datum", &[]),
            Column::new("Score".into(), Vec::<f64>::new()),
        ]),
        trajectories: frame(vec![
            text("Trajectnummer", &[]),
            text("Categorie", &[]),
            text("Doelgroep", &[]),
            dates("Startdatum", &[]),
            dates("Einddatum", &[]),
            ints("Kracht start", &[]),
            ints("Kracht eind", &[]),
        ]),
        meetings: frame(vec![
            text("Trajectnummer", &[]),
            dates("Datum", &[]),
            ints("Deelnemers", &[]),
        ]),
        carers: frame(vec![
            text("Relatienummer", &[]),
            dates("Registratiedatum", &[]),
            dates("Uitschrijfdatum", &[]),
            Column::new("Jonge mantelzorger".into(), Vec::<bool>::new()),
        ]),
        volunteers: frame(vec![
            text("Relatienummer", &[]),
            dates("Startdatum", &[]),
            dates("Einddatum", &[]),
        ]),
    }
}

fn q(text: &str) -> Quarter {
    text.parse().unwrap()
}

fn run(x: &Export, quarter: &str) -> Monitor {
    compute(
        x,
        None,
        q(quarter),
        Quality::default(),
        &Settings::default(),
    )
    .unwrap()
}

#[test]
fn period_rules_for_in_behandeling_opgestart_afgesloten_and_wachtlijst() {
    // Period 2024Q1-Q3: 1 January to 30 September 2024.
    let x = export(cases(&[
        // Straddles the period start: in behandeling and afgesloten, not opgestart.
        (
            "C1",
            "K1",
            "IT",
            "2023-12-01",
            "2023-12-15",
            "2024-01-10",
            "Financiën",
        ),
        // Closed on the period's last day: all three.
        (
            "C2",
            "K2",
            "LS",
            "2024-02-20",
            "2024-03-01",
            "2024-09-30",
            "Financiën",
        ),
        // No Einddatum: in behandeling and opgestart.
        (
            "C3",
            "K3",
            "IA",
            "2024-05-01",
            "2024-05-05",
            "",
            "Huisvesting",
        ),
        // Opened and closed the same day: all three.
        (
            "C4",
            "K4",
            "IA",
            "2024-06-06",
            "2024-06-06",
            "2024-06-06",
            "Huisvesting",
        ),
        // Entirely last year: none, in this period.
        (
            "C5",
            "K5",
            "IT",
            "2023-04-01",
            "2023-05-01",
            "2023-12-31",
            "Justitie",
        ),
        // Starts the day after the period: waiting at its end.
        ("C6", "K6", "IT", "2024-09-20", "2024-10-01", "", "Justitie"),
        // Registered, not started: waiting.
        ("C7", "K7", "IA", "2024-09-01", "", "", "Financiën"),
    ]));
    let m = run(&x, "2024Q3");
    let f = &m.figures;
    let p = "2024Q1-Q3";
    let got = |ind: I| {
        [
            count(f, ind, p, "IA"),
            count(f, ind, p, "LS"),
            count(f, ind, p, "IT"),
        ]
    };
    assert_eq!(got(I::InBehandeling), [2, 1, 1]); // C3 C4 | C2 | C1
    assert_eq!(got(I::Opgestart), [2, 1, 0]); // C3 C4 | C2 | —
    assert_eq!(got(I::Afgesloten), [1, 1, 1]); // C4 | C2 | C1
    assert_eq!(count(f, I::Wachtlijst, p, ""), 2); // C6 C7
    assert_eq!(count(f, I::Clienten, p, ""), 4); // K1 K2 K3 K4
    // The same period of 2023 (1 January – 30 September 2023): C5 in behandeling and opgestart.
    assert_eq!(count(f, I::InBehandeling, "2023Q1-Q3", "IT"), 1);
    assert_eq!(
        count(f, I::Afgesloten, "2023Q1-Q3", "IT"),
        0,
        "C5 closed 31 December, after the 2023 period"
    );
    // Hoofddomeinen of the cases in behandeling: IA Huisvesting ×2, LS Financiën, IT Financiën.
    assert_eq!(count(f, I::ZrmHoofddomein, p, "IA+Huisvesting"), 2);
    assert_eq!(count(f, I::ZrmHoofddomein, p, "IT+Financiën"), 1);
    // Opgestart per single quarter: Q1 C2 (LS), Q2 C3 C4 (IA), Q3 none; Q4 2023 is not in the series.
    assert_eq!(count(f, I::OpgestartKwartaal, "2024Q1", "LS"), 1);
    assert_eq!(count(f, I::OpgestartKwartaal, "2024Q2", "IA"), 2);
    assert_eq!(count(f, I::OpgestartKwartaal, "2024Q3", "IT"), 0);
    assert_eq!(
        count(f, I::OpgestartKwartaal, "2023Q2", "IT"),
        1,
        "C5 started 1 May 2023"
    );
}

#[test]
fn a_case_of_29_february_counts_in_q1_of_a_leap_year() {
    let x = export(cases(&[(
        "C1",
        "K1",
        "IT",
        "2024-02-29",
        "2024-02-29",
        "2024-02-29",
        "Financiën",
    )]));
    let m = run(&x, "2024Q1");
    assert_eq!(count(&m.figures, I::Opgestart, "2024Q1-Q1", "IT"), 1);
    assert_eq!(count(&m.figures, I::Afgesloten, "2024Q1-Q1", "IT"), 1);
    assert_eq!(m.before.end, NaiveDate::from_ymd_opt(2023, 3, 31).unwrap());
}

/// Cases closed while waiting have no Startdatum: the duration is a mean over the others,
/// and its `n` counts those, so that one duration among several closed cases is a mean over
/// one record (shown as `n<T`), not over all of them. The contacts are over every case.
#[test]
fn a_duration_is_over_the_closed_cases_that_started() {
    let mut rows = vec![(
        "C1",
        "K1",
        "IT",
        "2024-01-02",
        "2024-01-10",
        "2024-03-10",
        "Financiën",
    )];
    let waiting = [
        ("C2", "K2"),
        ("C3", "K3"),
        ("C4", "K4"),
        ("C5", "K5"),
        ("C6", "K6"),
    ];
    for (case, client) in waiting {
        rows.push((
            case,
            client,
            "IT",
            "2024-01-02",
            "",
            "2024-02-01",
            "Financiën",
        ));
    }
    let m = run(&export(cases(&rows)), "2024Q1");
    let p = "2024Q1-Q1";
    assert_eq!(count(&m.figures, I::Afgesloten, p, "IT"), 6);
    let duration = get(&m.figures, I::Doorlooptijd, p, "IT").unwrap();
    assert_eq!(duration.value, Value::Mean(60.0), "10 January to 10 March");
    assert_eq!(duration.n, Some(1));
    let contacts = get(&m.figures, I::Contactmomenten, p, "IT").unwrap();
    assert_eq!(contacts.n, Some(6));
    // No closed case started: no duration, over no records.
    let m = run(&export(cases(&rows[1..])), "2024Q1");
    let duration = get(&m.figures, I::Doorlooptijd, p, "IT").unwrap();
    assert_eq!((duration.value, duration.n), (Value::Missing, Some(0)));
}

#[test]
fn recidive_and_its_subsets() {
    let x = export(cases(&[
        // K1: two earlier cases closed before C3 started, one sharing Financiën.
        (
            "C1",
            "K1",
            "IA",
            "2022-01-01",
            "2022-01-01",
            "2022-01-05",
            "Financiën",
        ),
        (
            "C2",
            "K1",
            "IT",
            "2023-01-01",
            "2023-01-10",
            "2023-06-01",
            "Huisvesting",
        ),
        (
            "C3",
            "K1",
            "IT",
            "2024-02-01",
            "2024-02-01",
            "",
            "Financiën|Werk en opleiding",
        ),
        // K2: one earlier case with another question.
        (
            "C4",
            "K2",
            "LS",
            "2023-03-01",
            "2023-03-01",
            "2023-09-01",
            "Justitie",
        ),
        (
            "C5",
            "K2",
            "IT",
            "2024-03-01",
            "2024-03-10",
            "",
            "Huisvesting",
        ),
        // K3: the earlier case is still open when the new one starts: no recidive.
        (
            "C6",
            "K3",
            "IT",
            "2023-11-01",
            "2023-11-01",
            "2024-06-30",
            "Financiën",
        ),
        (
            "C7",
            "K3",
            "IT",
            "2024-04-01",
            "2024-04-01",
            "",
            "Financiën",
        ),
        // K4: first case.
        (
            "C8",
            "K4",
            "IT",
            "2024-05-01",
            "2024-05-01",
            "",
            "Financiën",
        ),
    ]));
    let m = run(&x, "2024Q4");
    let r = |s: &str| count(&m.figures, I::Recidive, "2024Q1-Q4", s);
    assert_eq!(r("opgestart"), 4); // C3 C5 C7 C8
    assert_eq!(r("recidive"), 2); // C3 C5
    assert_eq!(r("meerdere_voorgaande"), 1); // C3
    assert_eq!(r("gelijke_vraag"), 1); // C3 shares Financiën with C1
    assert_eq!(r("alleen_nieuwe_vragen"), 1); // C5
}

#[test]
fn zrm_growth_leaves_out_single_measurements_and_goal_uses_the_latest_goal() {
    let mut x = export(cases(&[
        (
            "C1",
            "K1",
            "IT",
            "2024-01-01",
            "2024-01-02",
            "2024-06-01",
            "Financiën",
        ),
        (
            "C2",
            "K2",
            "IT",
            "2024-01-01",
            "2024-01-02",
            "2024-06-01",
            "Financiën",
        ),
        (
            "C3",
            "K3",
            "LS",
            "2024-01-01",
            "2024-01-02",
            "2024-06-01",
            "Financiën",
        ),
    ]));
    // C1 Financiën: 2 → 4 (growth 2), goal 3 then revised to 5 on a later date: last Meting 4 < 5.
    // C2 Financiën: one Meting only (left out of growth), goal 2 reached by its only Meting 3.
    // C3 is LS: never counted.
    x.zrm = frame(vec![
        text(
            "Casusnummer",
            &["C1", "C1", "C1", "C1", "C2", "C2", "C3", "C3"],
        ),
        dates(
            "Datum",
            &[
                "2024-01-05",
                "2024-05-01",
                "2024-01-05",
                "2024-03-01",
                "2024-02-01",
                "2024-01-05",
                "2024-01-05",
                "2024-05-01",
            ],
        ),
        text(
            "Domein",
            &[
                "Financiën",
                "financiën",
                "Financiën",
                "Financiën",
                "Financiën",
                "Financiën",
                "Financiën",
                "Financiën",
            ],
        ),
        ints("Score", &[2, 4, 3, 5, 3, 2, 1, 5]),
        text(
            "Type",
            &[
                "Meting", "Meting", "Doel", "Doel", "Meting", "Doel", "Meting", "Meting",
            ],
        ),
        Column::new("__row".into(), (2u32..10).collect::<Vec<_>>()),
    ]);
    let m = run(&x, "2024Q2");
    let g = get(&m.figures, I::ZrmGroei, "2024Q1-Q2", "Financiën").unwrap();
    assert_eq!((g.value, g.n), (Value::Mean(2.0), Some(1)));
    let goal = get(&m.figures, I::ZrmDoelBehaald, "2024Q1-Q2", "Financiën").unwrap();
    assert_eq!((goal.value, goal.n), (Value::Pct(50.0), Some(2)));
    let none = get(&m.figures, I::ZrmGroei, "2024Q1-Q2", "Justitie").unwrap();
    assert_eq!((none.value, none.n), (Value::Missing, Some(0)));
}

#[test]
fn thuiskamer_visitors_per_week_over_a_13_week_quarter() {
    let mut x = export(cases(&[]));
    x.trajectories = frame(vec![
        text("Trajectnummer", &["T1", "T2"]),
        text("Categorie", &["Thuiskamer", "Jongerenwerk"]),
        text("Doelgroep", &["55-75|75+", "12-18"]),
        dates("Startdatum", &["2023-01-01", "2024-04-01"]),
        dates("Einddatum", &["", "2024-06-30"]),
        ints("Kracht start", &[2, 3]),
        ints("Kracht eind", &[0, 5]),
    ]);
    // Null the first trajectory's Kracht eind: it is still running.
    x.trajectories = x
        .trajectories
        .lazy()
        .with_column(
            when(col("Trajectnummer").eq(lit("T1")))
                .then(lit(NULL).cast(DataType::Int64))
                .otherwise(col("Kracht eind"))
                .alias("Kracht eind"),
        )
        .collect()
        .unwrap();
    x.meetings = frame(vec![
        text("Trajectnummer", &["T1", "T1", "T2", "T1"]),
        dates(
            "Datum",
            &["2024-04-02", "2024-06-25", "2024-05-01", "2024-07-01"],
        ),
        ints("Deelnemers", &[50, 41, 12, 30]),
    ]);
    // Q2 2024 alone has 91 days = 13 weeks: (50 + 41) / 13 = 7.
    let m = compute(
        &x,
        None,
        q("2024Q2"),
        Quality::default(),
        &Settings::default(),
    )
    .unwrap();
    let p = "2024Q1-Q2"; // 182 days = 26 weeks: 91 / 26 = 3.5
    let w = get(&m.figures, I::ColThuiskamerBezoekWeek, p, "").unwrap();
    assert_eq!((w.value, w.n), (Value::Mean(3.5), None));
    assert_eq!(count(&m.figures, I::ColThuiskamers, p, ""), 1);
    assert_eq!(count(&m.figures, I::ColTrajecten, p, ""), 2);
    assert_eq!(count(&m.figures, I::ColBijeenkomsten, p, "Thuiskamer"), 2);
    assert_eq!(count(&m.figures, I::ColDeelnemers, p, ""), 103);
    assert_eq!(count(&m.figures, I::ColDoelgroep, p, "75+"), 1);
    let k = get(&m.figures, I::ColKrachtGroei, p, "").unwrap();
    assert_eq!((k.value, k.n), (Value::Mean(2.0), Some(1)));
    let quarter_alone = Quarter::new(2024, 2).unwrap().period();
    assert_eq!(quarter_alone.days(), 91);
    assert_eq!(quarter_alone.days() as f64 / 7.0, 13.0);
}

fn line(
    thema: &str,
    onderdeel: &str,
    soort: Soort,
    begroting: f64,
    prognose: Option<f64>,
    q: [Option<f64>; 4],
) -> BudgetLine {
    BudgetLine {
        domein: "Wmo".into(),
        thema: thema.into(),
        onderdeel: onderdeel.into(),
        soort,
        taakveld: None,
        realisatie_vj: None,
        begroting_primitief: begroting,
        begroting_gewijzigd: None,
        realisatie: q,
        prognose,
        row: 0,
    }
}

#[test]
fn finance_verschil_signs_totals_and_flags() {
    let budget = Budget {
        file: "begroting-2024.xlsx".into(),
        sha256: String::new(),
        lines: vec![
            // The contract's example: Thema Begeleiding, Verschil 86.000 V.
            line(
                "Begeleiding",
                "BG - ZIN",
                Soort::Lasten,
                3_671_000.0,
                Some(3_535_000.0),
                [Some(900_000.0), Some(950_000.0), None, None],
            ),
            line(
                "Begeleiding",
                "BG - PGB",
                Soort::Lasten,
                2_539_000.0,
                Some(2_589_000.0),
                [Some(600_000.0), None, None, None],
            ),
            // No Prognose: no Verschil of its own, on budget in the totals.
            line(
                "Begeleiding",
                "Kortdurend verblijf",
                Soort::Lasten,
                180_000.0,
                None,
                [None, None, None, None],
            ),
            // Baten: more income than budgeted is a voordeel.
            line(
                "Eigen bijdragen",
                "Eigen bijdrage HO",
                Soort::Baten,
                210_000.0,
                Some(235_000.0),
                [Some(50_000.0), None, None, None],
            ),
        ],
        taakstellingen: Vec::new(),
        volumes: Vec::new(),
        notes: Vec::new(),
    };
    let x = export(cases(&[]));
    let m = compute(
        &x,
        Some(&budget),
        q("2024Q2"),
        Quality::default(),
        &Settings::default(),
    )
    .unwrap();
    let f = &m.figures;
    let p = "2024Q1-Q2";
    let amount = |ind: I, cat: &str| get(f, ind, p, cat).unwrap().value;
    assert_eq!(
        amount(I::FinVerschil, "Wmo+Begeleiding+BG - ZIN"),
        Value::Amount(136_000.0)
    );
    assert_eq!(
        amount(I::FinVerschil, "Wmo+Begeleiding+BG - PGB"),
        Value::Amount(-50_000.0)
    );
    assert_eq!(
        amount(I::FinVerschil, "Wmo+Begeleiding+Kortdurend verblijf"),
        Value::Missing
    );
    assert_eq!(
        amount(I::FinVerschil, "Wmo+Begeleiding"),
        Value::Amount(86_000.0)
    );
    assert_eq!(
        amount(I::FinVerschil, "Wmo+Eigen bijdragen+Eigen bijdrage HO"),
        Value::Amount(25_000.0)
    );
    assert_eq!(
        amount(I::FinVerschil, "Wmo"),
        Value::Amount(136_000.0 - 50_000.0 + 25_000.0)
    );
    assert_eq!(
        amount(I::FinLastenPrognose, "Wmo+Begeleiding"),
        Value::Amount(3_535_000.0 + 2_589_000.0 + 180_000.0)
    );
    // Realisatie t/m Q2: empty quarters count as 0.
    assert_eq!(
        amount(I::FinLastenRealisatie, "Wmo+Begeleiding+BG - ZIN"),
        Value::Amount(1_850_000.0)
    );
    assert_eq!(
        amount(
            I::FinLastenRealisatie,
            "Wmo+Begeleiding+Kortdurend verblijf"
        ),
        Value::Amount(0.0)
    );
    assert_eq!(
        amount(I::FinBatenBegroting, "Wmo"),
        Value::Amount(210_000.0)
    );
    let pct = get(f, I::FinBesteedPct, p, "Wmo+Begeleiding").unwrap();
    assert_eq!(pct.n, Some(3));
    assert_eq!(pct.value, Value::Pct(2_450_000.0 / 6_390_000.0 * 100.0));
    assert!(
        get(f, I::FinBesteedPct, p, "Wmo+Eigen bijdragen").is_none(),
        "Lasten only"
    );
    // Flags: 136.000 ≥ 100.000; 50.000 < 100.000 and < 10 % of 2.539.000; 25.000 ≥ 10 % of 210.000 = 21.000.
    let flagged: Vec<&str> = m
        .finance
        .as_ref()
        .unwrap()
        .flagged_lines()
        .iter()
        .map(|l| l.onderdeel.as_str())
        .collect();
    assert_eq!(flagged, vec!["BG - ZIN", "Eigen bijdrage HO"]);
}
