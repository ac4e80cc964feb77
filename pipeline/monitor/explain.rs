//! `pipeline explain`: the registrations behind one figure, each with what counted it.
//! For the organisation's quality staff on a terminal: its output names case and client
//! numbers, so it is personal data and goes nowhere else (no publication, mail or log).
//!
//! It selects with the same conditions the monitor counts with (`frames.rs`), over the
//! export as loaded, before the case numbers are encoded.

use chrono::NaiveDate;
use polars::prelude::*;

use super::frames::{in_behandeling, strings, within};
use super::individual::{VORM, age_at, age_band, of_forms};
use crate::figures::{FigureKey, Indicator};
use crate::load::Export;
use crate::quarter::Period;
use crate::vocab::{Form, UNKNOWN};

/// One registration counted in a figure, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Registration {
    /// Case number (Casusnummer), or client number (Clientnummer) for client figures.
    pub number: String,
    /// The dates and values that counted it, in Dutch.
    pub why: String,
}

/// A figure's registrations and the rule that selects them.
#[derive(Debug, Clone)]
pub struct Explained {
    pub key: FigureKey,
    /// The contract's rule, with the period's dates filled in.
    pub rule: String,
    /// `Casusnummer` or `Clientnummer`.
    pub numbers: &'static str,
    pub registrations: Vec<Registration>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(
        "explain covers the counts of cases and clients (ind_in_behandeling, ind_opgestart, ind_afgesloten, ind_opgestart_kwartaal, ind_werksoort, ind_team, ind_woonplaats, ind_clienten, ind_leeftijd, ind_geslacht); not {0}"
    )]
    Unsupported(String),
    #[error("'{0}' is not a period of the monitor (e.g. 2024Q1-Q4 or 2024Q3)")]
    Period(String),
    #[error(transparent)]
    Polars(#[from] PolarsError),
}

fn day(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

fn dates(frame: &DataFrame, column: &str) -> Result<Vec<Option<NaiveDate>>, PolarsError> {
    let days = frame.column(column)?.cast(&DataType::Int32)?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    Ok(days
        .i32()?
        .iter()
        .map(|d| d.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(d.into()))))
        .collect())
}

fn shown(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_string(), day)
}

/// The registrations behind `key`, from `export` (loaded, keys not encoded).
pub fn explain(export: &Export, key: &FigureKey) -> Result<Explained, ExplainError> {
    use Indicator::*;
    let p =
        Period::from_label(&key.period).ok_or_else(|| ExplainError::Period(key.period.clone()))?;
    let (s, e) = (day(p.start), day(p.end));
    let cases = export.cases.clone().lazy();
    let active = || {
        cases
            .clone()
            .filter(in_behandeling(&p, "Startdatum", "Einddatum"))
    };
    let in_rule = format!("in behandeling: Startdatum ≤ {e} en Einddatum leeg of ≥ {s}");
    let (frame, rule, column) = match key.indicator {
        InBehandeling => (active(), in_rule, None),
        Opgestart | OpgestartKwartaal => (
            cases.clone().filter(within(&p, "Startdatum")),
            format!("opgestart: {s} ≤ Startdatum ≤ {e}"),
            None,
        ),
        Afgesloten => (
            cases.clone().filter(within(&p, "Einddatum")),
            format!("afgesloten: {s} ≤ Einddatum ≤ {e}"),
            None,
        ),
        Werksoort => (
            active().filter(of_forms(&Form::GUIDED)),
            format!("{in_rule}, vorm IT of LS, per Werksoort"),
            Some("Werksoort"),
        ),
        Team => (active(), format!("{in_rule}, per Team"), Some("Team")),
        Woonplaats => (
            active(),
            format!("{in_rule}, per Woonplaats"),
            Some("Woonplaats"),
        ),
        Clienten | Leeftijd | Geslacht => return clients(export, key, &p, in_rule),
        other => return Err(ExplainError::Unsupported(other.code().to_string())),
    };
    let rule = match (column, key.category.as_str()) {
        (None, form) if !form.is_empty() => format!("{rule}, vorm {form}"),
        _ => rule,
    };
    let frame = match (column, key.category.as_str()) {
        // A count per form: the category is the form's code.
        (None, "") => frame,
        (None, form) => frame.filter(col(VORM).eq(lit(form.to_string()))),
        (Some(c), "") => frame.with_column(col(c).fill_null(lit(UNKNOWN))),
        (Some(c), value) => frame
            .with_column(col(c).fill_null(lit(UNKNOWN)))
            .filter(col(c).eq(lit(value.to_string()))),
    };
    let mut wanted = vec![
        col("Casusnummer"),
        col(VORM),
        col("Startdatum"),
        col("Einddatum"),
    ];
    if let Some(c) = column {
        wanted.push(col(c));
    }
    let df = frame.select(wanted).collect()?;
    let numbers = strings(&df, "Casusnummer")?;
    let forms = strings(&df, VORM)?;
    let (starts, ends) = (dates(&df, "Startdatum")?, dates(&df, "Einddatum")?);
    let extra = column.map(|c| strings(&df, c)).transpose()?;
    let mut registrations: Vec<Registration> = (0..df.height())
        .map(|i| {
            let mut why = format!(
                "vorm {}, Startdatum {}, Einddatum {}",
                forms[i],
                shown(starts[i]),
                shown(ends[i])
            );
            if let (Some(c), Some(values)) = (column, &extra) {
                why.push_str(&format!(", {c} {}", values[i]));
            }
            Registration {
                number: numbers[i].clone(),
                why,
            }
        })
        .collect();
    registrations.sort();
    Ok(Explained {
        key: key.clone(),
        rule,
        numbers: "Casusnummer",
        registrations,
    })
}

/// The clients of the cases in behandeling, with their age at the period's end and gender.
fn clients(
    export: &Export,
    key: &FigureKey,
    p: &Period,
    in_rule: String,
) -> Result<Explained, ExplainError> {
    let df = export
        .cases
        .clone()
        .lazy()
        .filter(in_behandeling(p, "Startdatum", "Einddatum"))
        .group_by([col("Clientnummer")])
        .agg([col("Casusnummer").min().alias("casus")])
        .join(
            export.clients.clone().lazy(),
            [col("Clientnummer")],
            [col("Clientnummer")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            age_at("Geboortedatum", p.end).alias("leeftijd"),
            age_band(age_at("Geboortedatum", p.end)).alias("band"),
            col("Geslacht").fill_null(lit(UNKNOWN)),
        ])
        .filter(match key.indicator {
            Indicator::Leeftijd => col("band").eq(lit(key.category.clone())),
            Indicator::Geslacht => col("Geslacht").eq(lit(key.category.clone())),
            _ => lit(true),
        })
        .collect()?;
    let numbers = strings(&df, "Clientnummer")?;
    let cases = strings(&df, "casus")?;
    let ages = df.column("leeftijd")?.cast(&DataType::Int64)?;
    let bands = strings(&df, "band")?;
    let genders = strings(&df, "Geslacht")?;
    let end = day(p.end);
    let mut registrations: Vec<Registration> = ages
        .i64()?
        .iter()
        .enumerate()
        .map(|(i, age)| Registration {
            number: numbers[i].clone(),
            why: format!(
                "casus {} in behandeling; leeftijd op {end}: {} ({}); geslacht {}",
                cases[i],
                age.map_or_else(|| "onbekend".to_string(), |a| a.to_string()),
                bands[i],
                genders[i]
            ),
        })
        .collect();
    registrations.sort();
    let by = match key.indicator {
        Indicator::Leeftijd => ", per leeftijd op het einde van de periode",
        Indicator::Geslacht => ", per geslacht",
        _ => "",
    };
    Ok(Explained {
        key: key.clone(),
        rule: format!("cliënten met een casus {in_rule}{by}"),
        numbers: "Clientnummer",
        registrations,
    })
}

/// What moved a figure between two versions.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    /// Counted before, not now.
    pub removed: Vec<Registration>,
    /// Counted now, not before.
    pub added: Vec<Registration>,
    /// Counted in both, with other dates or values (before, now).
    pub changed: Vec<(Registration, Registration)>,
}

/// Between two versions: the registrations only in `old`, only in `new`, and in both with
/// different values.
pub fn compare(old: &Explained, new: &Explained) -> Moved {
    use std::collections::BTreeMap;
    let index = |e: &Explained| -> BTreeMap<String, Registration> {
        e.registrations
            .iter()
            .map(|r| (r.number.clone(), r.clone()))
            .collect()
    };
    let (before, now) = (index(old), index(new));
    let mut moved = Moved::default();
    for (number, r) in &before {
        match now.get(number) {
            None => moved.removed.push(r.clone()),
            Some(n) if n.why != r.why => moved.changed.push((r.clone(), n.clone())),
            Some(_) => {}
        }
    }
    moved.added = now
        .iter()
        .filter(|(number, _)| !before.contains_key(*number))
        .map(|(_, r)| r.clone())
        .collect();
    moved
}
