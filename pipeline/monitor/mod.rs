//! Stage `monitor`: every figure of contracts/figures.md, computed with Polars.
//!
//! Pure functions from frames to figures: no I/O happens here, so every figure can be
//! tested on small hand-made frames.

pub mod changes;
mod collective;
pub mod explain;
pub mod finance;
mod frames;
pub mod individual;
mod recidive;
mod zrm;

use polars::prelude::{IntoLazy, PolarsError};
use serde::Deserialize;

pub use changes::Change;
pub use finance::Finance;

use crate::figures::{Figures, Span};
use crate::load::{Budget, Export, Quality};
use crate::quarter::{Period, Quarter};

/// The monitor's thresholds (`[monitor]` in the config); the defaults are the contract's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// A finance line is flagged when |Verschil| reaches this amount (euros) …
    pub flag_amount: f64,
    /// … or this share of its Begroting gewijzigd (0.10 = 10 %).
    pub flag_share: f64,
    /// A change against last year is told when it is at least this share (0.05 = 5 %) …
    pub notable_share: f64,
    /// … and at least this many cases.
    pub notable_count: i64,
    /// The ZRM growth the organisation aims for (the norm line in the chart).
    pub zrm_norm: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            flag_amount: 100_000.0,
            flag_share: 0.10,
            notable_share: 0.05,
            notable_count: 10,
            zrm_norm: 1.0,
        }
    }
}

/// Everything the documents show, computed once.
#[derive(Debug, Clone)]
pub struct Monitor {
    pub quarter: Quarter,
    /// The report quarter's year to date.
    pub period: Period,
    /// The same stretch of the previous year.
    pub before: Period,
    /// Both years to date with their single quarters, for the relations between figures.
    pub spans: Vec<Span>,
    pub figures: Figures,
    pub finance: Option<Finance>,
    pub quality: Quality,
    /// The watched counts that changed notably against last year.
    pub changes: Vec<Change>,
    /// The thresholds the figures were computed with (the documents name them).
    pub settings: Settings,
}

/// Computes every figure for the quarter's year to date, the same period last year and the
/// single quarters of both years so far.
pub fn compute(
    export: &Export,
    budget: Option<&Budget>,
    quarter: Quarter,
    quality: Quality,
    settings: &Settings,
) -> Result<Monitor, PolarsError> {
    let period = quarter.year_to_date();
    let before = quarter.year_before().year_to_date();
    let mut f = Figures::default();
    let derived = crate::logging::timed("derived", || individual::Derived::new(export))?;
    let one_period = |p: &Period| -> Result<Figures, PolarsError> {
        let mut f = Figures::default();
        let part = |name: &str| format!("{name} {}", p.label);
        crate::logging::timed(&part("individual"), || {
            individual::compute(&mut f, export, &derived, p)
        })?;
        crate::logging::timed(&part("collective"), || {
            collective::collective(&mut f, export, p)
        })?;
        crate::logging::timed(&part("informal"), || {
            collective::informal(&mut f, export, p)
        })?;
        Ok(f)
    };
    // The two periods side by side: each is a long chain of queries, many of which keep
    // only one core busy (about a second less at scale l, for ~300 MB more at the peak).
    // Their figures are added in the same order either way.
    let span = tracing::Span::current();
    let (now, last_year) = std::thread::scope(|scope| {
        let last_year = scope.spawn(|| span.in_scope(|| one_period(&before)));
        let now = one_period(&period);
        let last_year = last_year
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (now, last_year)
    });
    f.extend(now?);
    f.extend(last_year?);
    let quarters: Vec<Period> = quarter
        .year_before()
        .quarters_of_year_so_far()
        .into_iter()
        .chain(quarter.quarters_of_year_so_far())
        .map(Quarter::period)
        .collect();
    individual::opgestart_per_quarter(&mut f, &export.cases.clone().lazy(), &quarters)?;
    let finance = budget.map(|b| finance::compute(&mut f, b, quarter, settings));
    let spans = Span::of(quarter);
    let changes = changes::notable(&f, &period.label, &before.label, settings);
    Ok(Monitor {
        quarter,
        period,
        before,
        spans,
        figures: f,
        finance,
        quality,
        changes,
        settings: settings.clone(),
    })
}

#[cfg(test)]
mod tests;
