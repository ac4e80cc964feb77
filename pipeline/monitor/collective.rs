//! Collective and informal support: the `col_*` and `inf_*` figures.

use polars::prelude::*;

use super::frames::{
    Result, at_end, explode_multi, floats, in_behandeling, ints, mean, push_counts, within,
};
use crate::figures::{Figure, FigureKey, Figures, Indicator, Value};
use crate::load::Export;
use crate::quarter::Period;
use crate::vocab::{CARERS_ALL, CARERS_YOUNG, THUISKAMER, UNKNOWN};

fn is_thuiskamer() -> Expr {
    col("Categorie").str().to_lowercase().eq(lit(THUISKAMER))
}

pub fn collective(f: &mut Figures, x: &Export, p: &Period) -> Result<()> {
    let label = p.label.as_str();
    let trajectories = x
        .trajectories
        .clone()
        .lazy()
        .with_column(col("Categorie").fill_null(lit(UNKNOWN)));
    let active = trajectories
        .clone()
        .filter(in_behandeling(p, "Startdatum", "Einddatum"));

    let by_category = active
        .clone()
        .group_by([col("Categorie")])
        .agg([len().alias("n")])
        .collect()?;
    push_counts(f, &by_category, Indicator::ColTrajecten, label, "Categorie")?;
    let totals = active
        .clone()
        .select([len().alias("n"), is_thuiskamer().sum().alias("thuiskamers")])
        .collect()?;
    f.count(
        FigureKey::total(Indicator::ColTrajecten, label),
        ints(&totals, "n")?[0],
    );
    let started = trajectories
        .clone()
        .filter(within(p, "Startdatum"))
        .select([len().alias("n")])
        .collect()?;
    f.count(
        FigureKey::total(Indicator::ColOpgestart, label),
        ints(&started, "n")?[0],
    );

    let meetings = x.meetings.clone().lazy().filter(within(p, "Datum")).join(
        trajectories
            .clone()
            .select([col("Trajectnummer"), col("Categorie")]),
        [col("Trajectnummer")],
        [col("Trajectnummer")],
        JoinArgs::new(JoinType::Inner),
    );
    let per_category = meetings
        .clone()
        .group_by([col("Categorie")])
        .agg([
            len().alias("bijeenkomsten"),
            col("Deelnemers").sum().alias("deelnemers"),
        ])
        .collect()?;
    for (indicator, column) in [
        (Indicator::ColBijeenkomsten, "bijeenkomsten"),
        (Indicator::ColDeelnemers, "deelnemers"),
    ] {
        let counted = per_category
            .clone()
            .lazy()
            .select([col("Categorie"), col(column).alias("n")])
            .collect()?;
        push_counts(f, &counted, indicator, label, "Categorie")?;
    }
    let meeting_totals = meetings
        .clone()
        .select([
            len().alias("bijeenkomsten"),
            col("Deelnemers").sum().alias("deelnemers"),
            col("Deelnemers")
                .filter(is_thuiskamer())
                .sum()
                .alias("thuiskamer"),
        ])
        .collect()?;
    f.count(
        FigureKey::total(Indicator::ColBijeenkomsten, label),
        ints(&meeting_totals, "bijeenkomsten")?[0],
    );
    f.count(
        FigureKey::total(Indicator::ColDeelnemers, label),
        ints(&meeting_totals, "deelnemers")?[0],
    );

    let scored = trajectories
        .clone()
        .filter(
            within(p, "Einddatum")
                .and(col("Kracht start").is_not_null())
                .and(col("Kracht eind").is_not_null()),
        )
        .select([
            (col("Kracht eind") - col("Kracht start"))
                .cast(DataType::Float64)
                .mean()
                .alias("m"),
            len().alias("n"),
        ])
        .collect()?;
    mean(
        f,
        FigureKey::total(Indicator::ColKrachtGroei, label),
        floats(&scored, "m")?[0],
        ints(&scored, "n")?[0] as u64,
    );

    let groups = explode_multi(
        active.select([col("Trajectnummer"), col("Doelgroep")]),
        "Doelgroep",
        "doelgroep",
    )
    .unique(
        Some(by_name(["Trajectnummer", "doelgroep"], true, false)),
        UniqueKeepStrategy::Any,
    )
    .group_by([col("doelgroep")])
    .agg([len().alias("n")])
    .collect()?;
    push_counts(f, &groups, Indicator::ColDoelgroep, label, "doelgroep")?;

    f.count(
        FigureKey::total(Indicator::ColThuiskamers, label),
        ints(&totals, "thuiskamers")?[0],
    );
    let visitors = ints(&meeting_totals, "thuiskamer")?[0] as f64;
    f.push(Figure {
        key: FigureKey::total(Indicator::ColThuiskamerBezoekWeek, label),
        dimension: "",
        value: Value::Mean(visitors / (p.days() as f64 / 7.0)),
        n: None,
    });
    Ok(())
}

pub fn informal(f: &mut Figures, x: &Export, p: &Period) -> Result<()> {
    let label = p.label.as_str();
    let carers = x
        .carers
        .clone()
        .lazy()
        .filter(at_end(p, "Registratiedatum", "Uitschrijfdatum"))
        .select([
            len().alias("totaal"),
            col("Jonge mantelzorger").sum().alias("jong"),
        ])
        .collect()?;
    f.count(
        FigureKey::new(Indicator::InfMantelzorgers, CARERS_ALL, label),
        ints(&carers, "totaal")?[0],
    );
    f.count(
        FigureKey::new(Indicator::InfMantelzorgers, CARERS_YOUNG, label),
        ints(&carers, "jong")?[0],
    );
    let volunteers = x
        .volunteers
        .clone()
        .lazy()
        .filter(at_end(p, "Startdatum", "Einddatum"))
        .select([col("Relatienummer").n_unique().alias("n")])
        .collect()?;
    f.count(
        FigureKey::total(Indicator::InfVrijwilligers, label),
        ints(&volunteers, "n")?[0],
    );
    Ok(())
}
