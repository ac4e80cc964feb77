//! Individual support: the `ind_*` figures of contracts/figures.md.

use polars::prelude::*;

use super::frames::{
    Result, days_between, explode_multi, floats, in_behandeling, ints, mean, push_counts,
    push_fixed, push_total, strings, within,
};
use crate::figures::{FigureKey, Figures, Indicator};
use crate::load::Export;
use crate::quarter::Period;
use crate::spelling::{Spellings, Unknown};
use crate::vocab::{AGE_BANDS, Form, GENDERS, UNKNOWN, ZRM_DOMAINS};

pub(super) const VORM: &str = "Ondersteuningsvorm";
const FORM_CODES: [&str; 3] = [
    Form::ALL[0].code(),
    Form::ALL[1].code(),
    Form::ALL[2].code(),
];

/// The contract's domains as (spelling, canonical) pairs: matching ignores case, other domains
/// stay as given.
pub(super) fn domain_pairs() -> Vec<(&'static str, &'static str)> {
    ZRM_DOMAINS.iter().map(|d| (*d, *d)).collect()
}

pub(super) fn of_forms(forms: &[Form]) -> Expr {
    let s = Series::new(
        "forms".into(),
        forms
            .iter()
            .map(|f| f.code().to_string())
            .collect::<Vec<_>>(),
    );
    col(VORM).is_in(lit(s).implode(false), false)
}

/// The three counts per form, for one period.
pub fn counts_per_form(f: &mut Figures, cases: &LazyFrame, p: &Period) -> Result<()> {
    let frame = cases
        .clone()
        .group_by([col(VORM)])
        .agg([
            in_behandeling(p, "Startdatum", "Einddatum")
                .sum()
                .alias("in_behandeling"),
            within(p, "Startdatum").sum().alias("opgestart"),
            within(p, "Einddatum").sum().alias("afgesloten"),
        ])
        .collect()?;
    for (indicator, column) in [
        (Indicator::InBehandeling, "in_behandeling"),
        (Indicator::Opgestart, "opgestart"),
        (Indicator::Afgesloten, "afgesloten"),
    ] {
        let counted = frame
            .clone()
            .lazy()
            .select([col(VORM), col(column).alias("n")])
            .collect()?;
        push_fixed(f, &counted, indicator, &p.label, VORM, &FORM_CODES)?;
        push_total(f, indicator, &p.label);
    }
    Ok(())
}

/// Cases opgestart per single quarter (the series of the chart).
pub fn opgestart_per_quarter(
    f: &mut Figures,
    cases: &LazyFrame,
    quarters: &[Period],
) -> Result<()> {
    let aggs: Vec<Expr> = quarters
        .iter()
        .enumerate()
        .map(|(i, q)| within(q, "Startdatum").sum().alias(format!("q{i}")))
        .collect();
    let frame = cases.clone().group_by([col(VORM)]).agg(aggs).collect()?;
    for (i, q) in quarters.iter().enumerate() {
        let counted = frame
            .clone()
            .lazy()
            .select([col(VORM), col(format!("q{i}")).alias("n")])
            .collect()?;
        push_fixed(
            f,
            &counted,
            Indicator::OpgestartKwartaal,
            &q.label,
            VORM,
            &FORM_CODES,
        )?;
        push_total(f, Indicator::OpgestartKwartaal, &q.label);
    }
    Ok(())
}

/// Age in whole years at `day`.
pub(super) fn age_at(born: &str, day: chrono::NaiveDate) -> Expr {
    use chrono::Datelike;
    let b = col(born);
    let before_birthday = b.clone().dt().month().gt(lit(day.month() as i8)).or(b
        .clone()
        .dt()
        .month()
        .eq(lit(day.month() as i8))
        .and(b.clone().dt().day().gt(lit(day.day() as i8))));
    lit(day.year()) - b.dt().year() - before_birthday.cast(DataType::Int32)
}

pub(super) fn age_band(age: Expr) -> Expr {
    let bands = [
        (18, "0-17"),
        (25, "18-24"),
        (35, "25-34"),
        (45, "35-44"),
        (55, "45-54"),
        (65, "55-64"),
        (75, "65-74"),
    ];
    // A client born after the period's end has no age in it: Onbekend, not 0-17.
    let mut e = when(age.clone().is_null().or(age.clone().lt(lit(0))))
        .then(lit("Onbekend"))
        .when(age.clone().lt(lit(bands[0].0)))
        .then(lit(bands[0].1));
    for (upper, label) in &bands[1..] {
        e = e.when(age.clone().lt(lit(*upper))).then(lit(*label));
    }
    e.otherwise(lit("75+"))
}

/// What both periods need, computed once per run.
pub struct Derived {
    /// Each case's Hoofddomeinen, once per case and domain, spelled as the contract does.
    pub case_domains: DataFrame,
    /// Contactmomenten per case (cases without any are absent).
    pub contacts_per_case: DataFrame,
}

impl Derived {
    pub fn new(x: &Export) -> Result<Derived> {
        let case_domains = crate::logging::timed("case domains", || case_domains(&x.cases))?;
        let contacts_per_case =
            crate::logging::timed("contacts per case", || contacts_per_case(&x.contacts))?;
        Ok(Derived {
            case_domains,
            contacts_per_case,
        })
    }
}

/// Each case's Hoofddomeinen (`|`-separated), trimmed, spelled as the contract does and
/// once per case. One pass over the cases: splitting, exploding and deduplicating in
/// Polars hashed every (case, domain) pair, a second of the monitor at two million cases.
fn case_domains(cases: &DataFrame) -> Result<DataFrame> {
    let text = cases.column("Hoofddomeinen")?.str()?;
    let known = Spellings::new(&domain_pairs());
    let mut spelled = known.lookup(Unknown::Keep);
    let mut rows: Vec<IdxSize> = Vec::new();
    let mut domains: Vec<&str> = Vec::new();
    let mut this_case: Vec<&str> = Vec::new();
    for (row, value) in text.iter().enumerate() {
        let Some(value) = value else { continue };
        this_case.clear();
        for part in value.split('|') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let domain = spelled.get(part).unwrap_or(part);
            if !this_case.contains(&domain) {
                this_case.push(domain);
                rows.push(row as IdxSize);
                domains.push(domain);
            }
        }
    }
    let rows = IdxCa::from_vec("rows".into(), rows);
    let keys = cases
        .column("Casusnummer")?
        .as_materialized_series()
        .take(&rows)?;
    DataFrame::new(
        keys.len(),
        vec![keys.into_column(), Column::new("domein".into(), domains)],
    )
}

/// Contactmomenten per case (cases without any are absent). Case keys are small integer
/// codes after loading, so counting is one pass over an array indexed by code; other keys
/// (hand-made test frames) are grouped by Polars.
fn contacts_per_case(contacts: &DataFrame) -> Result<DataFrame> {
    let keys = contacts.column("Casusnummer")?;
    if let Ok(codes) = keys.u32()
        && codes.null_count() == 0
        && let Some(max) = codes.max()
        && (max as usize) <= 4 * codes.len() + 1024
    {
        let mut counts = vec![0u32; max as usize + 1];
        for chunk in codes.downcast_iter() {
            for &code in chunk.values().iter() {
                counts[code as usize] += 1;
            }
        }
        let (cases, n): (Vec<u32>, Vec<f64>) = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code as u32, f64::from(*n)))
            .unzip();
        return DataFrame::new(
            cases.len(),
            vec![
                Column::new("Casusnummer".into(), cases),
                Column::new("contacten".into(), n),
            ],
        );
    }
    contacts
        .clone()
        .lazy()
        .group_by([col("Casusnummer")])
        .agg([len().cast(DataType::Float64).alias("contacten")])
        .collect()
}

/// The cases of one period, each subset filtered once: the figures below look at them
/// many times.
struct Cases {
    all: LazyFrame,
    active: LazyFrame,
    started: LazyFrame,
    closed: LazyFrame,
}

impl Cases {
    fn of(x: &Export, p: &Period) -> Result<Cases> {
        let all = x.cases.clone().lazy();
        // Each subset keeps only the columns its figures read: filtering copies every
        // column kept, and the cases' text columns are most of a national export's cases.
        let subset = |condition: Expr, columns: &[&str]| -> Result<LazyFrame> {
            let keep: Vec<Expr> = columns.iter().map(|c| col(*c)).collect();
            Ok(all.clone().filter(condition).select(keep).collect()?.lazy())
        };
        let (case, client, start, end) = ("Casusnummer", "Clientnummer", "Startdatum", "Einddatum");
        Ok(Cases {
            active: subset(
                in_behandeling(p, start, end),
                &[case, client, VORM, "Werksoort", "Team", "Woonplaats"],
            )?,
            started: subset(
                within(p, start),
                &[case, client, VORM, start, "Aanmelddatum", "Verwijzer"],
            )?,
            closed: subset(
                within(p, end),
                &[
                    case,
                    VORM,
                    start,
                    end,
                    "Samenwerkingspartners",
                    "Afsluitreden",
                ],
            )?,
            all,
        })
    }
}

fn count_by(frame: LazyFrame, key: &str) -> Result<DataFrame> {
    frame
        .with_column(col(key).fill_null(lit(UNKNOWN)))
        .group_by([col(key)])
        .agg([len().alias("n")])
        .collect()
}

fn count_rows(frame: LazyFrame) -> Result<i64> {
    Ok(ints(&frame.select([len().alias("n")]).collect()?, "n")?[0])
}

/// Every `ind_*` figure of one period, one function per row of the contract.
pub fn compute(f: &mut Figures, x: &Export, d: &Derived, p: &Period) -> Result<()> {
    use crate::logging::timed;
    let label = p.label.as_str();
    timed("counts per form", || {
        counts_per_form(f, &x.cases.clone().lazy(), p)
    })?;
    let cases = timed("period's cases", || Cases::of(x, p))?;
    timed("clients", || clients(f, x, &cases, p))?;
    timed("werksoort, team, woonplaats", || {
        werksoort(f, &cases, label)?;
        team(f, &cases, label)?;
        woonplaats(f, &cases, label)
    })?;
    timed("zrm hoofddomein", || zrm_hoofddomein(f, d, &cases, label))?;
    timed("zrm", || super::zrm::figures(f, x, &cases.closed, label))?;
    timed("verwijzer, samenwerking, afsluitreden", || {
        verwijzer(f, &cases, label)?;
        samenwerking(f, &cases, label)?;
        afsluitreden(f, &cases, label)
    })?;
    timed("recidive", || {
        super::recidive::figures(f, x, d, &cases.started, label)
    })?;
    timed("doorlooptijd, contactmomenten", || {
        doorlooptijd_contactmomenten(f, d, &cases, label)
    })?;
    timed("wachtlijst, wachttijd, tevredenheid", || {
        wachtlijst(f, &cases.all, p)?;
        wachttijd(f, &cases.started, label)?;
        tevredenheid(f, x, p)
    })
}

/// `ind_clienten`, `ind_leeftijd`, `ind_geslacht`: the clients of the cases in
/// behandeling, by age at the period's end and gender.
fn clients(f: &mut Figures, x: &Export, cases: &Cases, p: &Period) -> Result<()> {
    let label = p.label.as_str();
    let clients = cases
        .active
        .clone()
        .select([col("Clientnummer")])
        .unique(None, UniqueKeepStrategy::Any)
        .join(
            x.clients.clone().lazy(),
            [col("Clientnummer")],
            [col("Clientnummer")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            age_band(age_at("Geboortedatum", p.end)).alias("leeftijd"),
            col("Geslacht").fill_null(lit(UNKNOWN)),
        ])
        .select([col("leeftijd"), col("Geslacht")])
        .collect()?
        .lazy();
    f.count(
        FigureKey::total(Indicator::Clienten, label),
        count_rows(clients.clone())?,
    );
    let by_age = count_by(clients.clone(), "leeftijd")?;
    push_fixed(
        f,
        &by_age,
        Indicator::Leeftijd,
        label,
        "leeftijd",
        &AGE_BANDS,
    )?;
    let by_gender = count_by(clients, "Geslacht")?;
    push_fixed(
        f,
        &by_gender,
        Indicator::Geslacht,
        label,
        "Geslacht",
        &GENDERS,
    )
}

/// `ind_werksoort`: cases in behandeling of forms IT and LS.
fn werksoort(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let guided = cases.active.clone().filter(of_forms(&Form::GUIDED));
    push_counts(
        f,
        &count_by(guided, "Werksoort")?,
        Indicator::Werksoort,
        label,
        "Werksoort",
    )
}

/// `ind_team`: cases in behandeling (all forms).
fn team(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let counted = count_by(cases.active.clone(), "Team")?;
    push_counts(f, &counted, Indicator::Team, label, "Team")
}

/// `ind_woonplaats`: cases in behandeling (all forms) by the client's Woonplaats.
fn woonplaats(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let counted = count_by(cases.active.clone(), "Woonplaats")?;
    push_counts(f, &counted, Indicator::Woonplaats, label, "Woonplaats")
}

/// `ind_zrm_hoofddomein`: Hoofddomeinen of the cases in behandeling, once per case and
/// domain.
fn zrm_hoofddomein(f: &mut Figures, d: &Derived, cases: &Cases, label: &str) -> Result<()> {
    let domains = cases
        .active
        .clone()
        .select([col("Casusnummer"), col(VORM)])
        .join(
            d.case_domains.clone().lazy(),
            [col("Casusnummer")],
            [col("Casusnummer")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col(VORM), col("domein")])
        .agg([len().alias("n")])
        .sort(["Ondersteuningsvorm", "domein"], Default::default())
        .collect()?;
    for ((vorm, domein), n) in strings(&domains, VORM)?
        .into_iter()
        .zip(strings(&domains, "domein")?)
        .zip(ints(&domains, "n")?)
    {
        f.count(
            FigureKey::new(Indicator::ZrmHoofddomein, format!("{vorm}+{domein}"), label),
            n,
        );
    }
    Ok(())
}

/// `ind_verwijzer`: referrers of the cases opgestart, and their total.
fn verwijzer(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let referred = cases.started.clone().filter(col("Verwijzer").is_not_null());
    push_counts(
        f,
        &count_by(referred.clone(), "Verwijzer")?,
        Indicator::Verwijzer,
        label,
        "Verwijzer",
    )?;
    f.count(
        FigureKey::total(Indicator::Verwijzer, label),
        count_rows(referred)?,
    );
    Ok(())
}

/// `ind_samenwerking`: cases afgesloten, per partner named.
fn samenwerking(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let partners = explode_multi(
        cases
            .closed
            .clone()
            .select([col("Casusnummer"), col("Samenwerkingspartners")]),
        "Samenwerkingspartners",
        "partner",
    )
    .unique(
        Some(by_name(["Casusnummer", "partner"], true, false)),
        UniqueKeepStrategy::Any,
    );
    push_counts(
        f,
        &count_by(partners, "partner")?,
        Indicator::Samenwerking,
        label,
        "partner",
    )
}

/// `ind_afsluitreden`: IT and LS cases afgesloten with a reason.
fn afsluitreden(f: &mut Figures, cases: &Cases, label: &str) -> Result<()> {
    let reasons = cases
        .closed
        .clone()
        .filter(of_forms(&Form::GUIDED))
        .filter(col("Afsluitreden").is_not_null());
    push_counts(
        f,
        &count_by(reasons, "Afsluitreden")?,
        Indicator::Afsluitreden,
        label,
        "Afsluitreden",
    )
}

/// `ind_doorlooptijd`, `ind_contactmomenten`: duration and contacts of the IT and LS
/// cases afgesloten.
fn doorlooptijd_contactmomenten(
    f: &mut Figures,
    d: &Derived,
    cases: &Cases,
    label: &str,
) -> Result<()> {
    let contacts = d.contacts_per_case.clone().lazy();
    // A case closed while waiting has no Startdatum: the mean is over the others, and so
    // is its `n`, which decides whether it is shown (a mean over one duration among six
    // cases is that case's duration).
    let duration = days_between("Startdatum", "Einddatum");
    let per_form = cases
        .closed
        .clone()
        .filter(of_forms(&Form::GUIDED))
        .join(
            contacts,
            [col("Casusnummer")],
            [col("Casusnummer")],
            JoinArgs::new(JoinType::Left),
        )
        .group_by([col(VORM)])
        .agg([
            duration.clone().mean().alias("doorlooptijd"),
            duration.count().alias("met_duur"),
            col("contacten")
                .fill_null(lit(0.0))
                .mean()
                .alias("contactmomenten"),
            len().alias("n"),
        ])
        .collect()?;
    let forms = strings(&per_form, VORM)?;
    let (durations, with_duration, contact_means, ns) = (
        floats(&per_form, "doorlooptijd")?,
        ints(&per_form, "met_duur")?,
        floats(&per_form, "contactmomenten")?,
        ints(&per_form, "n")?,
    );
    for vorm in Form::GUIDED {
        let i = forms.iter().position(|v| v == vorm.code());
        let n = i.map_or(0, |i| ns[i] as u64);
        let key = |indicator| FigureKey::new(indicator, vorm.code(), label);
        mean(
            f,
            key(Indicator::Doorlooptijd),
            i.and_then(|i| durations[i]),
            i.map_or(0, |i| with_duration[i] as u64),
        );
        mean(
            f,
            key(Indicator::Contactmomenten),
            i.and_then(|i| contact_means[i]),
            n,
        );
    }
    Ok(())
}

/// `ind_wachtlijst`: cases waiting at the period's end.
fn wachtlijst(f: &mut Figures, all: &LazyFrame, p: &Period) -> Result<()> {
    let after_end = |c: &str| col(c).is_null().or(col(c).gt(lit(p.end)));
    let waiting = all.clone().filter(
        col("Aanmelddatum")
            .lt_eq(lit(p.end))
            .and(after_end("Startdatum"))
            .and(after_end("Einddatum")),
    );
    f.count(
        FigureKey::total(Indicator::Wachtlijst, &p.label),
        count_rows(waiting)?,
    );
    Ok(())
}

/// `ind_wachttijd`: the wait of the cases opgestart.
fn wachttijd(f: &mut Figures, started: &LazyFrame, label: &str) -> Result<()> {
    let wait = started
        .clone()
        .select([
            days_between("Aanmelddatum", "Startdatum").mean().alias("m"),
            len().alias("n"),
        ])
        .collect()?;
    mean(
        f,
        FigureKey::total(Indicator::Wachttijd, label),
        floats(&wait, "m")?[0],
        ints(&wait, "n")?[0] as u64,
    );
    Ok(())
}

/// `ind_tevredenheid`: survey answers dated in the period.
fn tevredenheid(f: &mut Figures, x: &Export, p: &Period) -> Result<()> {
    let survey = x
        .survey
        .clone()
        .lazy()
        .filter(within(p, "Datum"))
        .select([
            col("Score").mean().alias("m"),
            col("Casusnummer").n_unique().alias("n"),
        ])
        .collect()?;
    mean(
        f,
        FigureKey::total(Indicator::Tevredenheid, &p.label),
        floats(&survey, "m")?[0],
        ints(&survey, "n")?[0] as u64,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(frame: &DataFrame) -> Vec<(String, f64)> {
        let keys = strings(frame, "Casusnummer").unwrap();
        let n = floats(frame, "contacten").unwrap();
        let mut pairs: Vec<(String, f64)> = keys
            .into_iter()
            .zip(n.into_iter().map(Option::unwrap))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs
    }

    #[test]
    fn contacts_are_counted_alike_per_code_and_per_text_key() {
        let codes = df!("Casusnummer" => [2u32, 0, 2, 5, 2]).unwrap();
        let texts = df!("Casusnummer" => ["2", "0", "2", "5", "2"]).unwrap();
        let expected = vec![("0".to_string(), 1.0), ("2".into(), 3.0), ("5".into(), 1.0)];
        assert_eq!(counts(&contacts_per_case(&codes).unwrap()), expected);
        assert_eq!(counts(&contacts_per_case(&texts).unwrap()), expected);
    }

    #[test]
    fn each_case_gets_each_domain_once_spelled_as_the_contract_does() {
        let cases = df!(
            "Casusnummer" => ["C1", "C2", "C3"],
            "Hoofddomeinen" => [Some(" financiën | Huisvesting|FINANCIËN||"), None, Some("Eigen domein")],
        )
        .unwrap();
        let d = case_domains(&cases).unwrap();
        let pairs: Vec<(String, String)> = strings(&d, "Casusnummer")
            .unwrap()
            .into_iter()
            .zip(strings(&d, "domein").unwrap())
            .collect();
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            pairs,
            vec![
                p("C1", "Financiën"),
                p("C1", "Huisvesting"),
                p("C3", "Eigen domein")
            ]
        );
    }
}
