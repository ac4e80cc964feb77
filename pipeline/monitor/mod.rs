//! Stage `monitor`: every figure of contracts/figures.md, computed with Polars.
//!
//! Pure functions from frames to figures: no I/O happens here, so every figure can be
//! tested on small hand-made frames.

pub mod changes;
mod collective;
pub mod figures;
pub mod finance;
mod frames;
pub mod individual;
pub mod suppress;

use polars::prelude::{IntoLazy, PolarsError};

pub use figures::{Figure, Figures, Value};
pub use finance::Finance;

use crate::config::MonitorSettings;
use crate::load::{Budget, Export, Quality};
use crate::quarter::{Period, Quarter};

/// Everything the documents show, computed once.
#[derive(Debug, Clone)]
pub struct Monitor {
    pub quarter: Quarter,
    /// The report quarter's year to date.
    pub period: Period,
    /// The same stretch of the previous year.
    pub before: Period,
    pub figures: Figures,
    pub finance: Option<Finance>,
    pub quality: Quality,
}

/// Computes every figure for the quarter's year to date, the same period last year and the
/// single quarters of both years so far.
pub fn compute(
    export: &Export,
    budget: Option<&Budget>,
    quarter: Quarter,
    quality: Quality,
    settings: &MonitorSettings,
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
    Ok(Monitor {
        quarter,
        period,
        before,
        figures: f,
        finance,
        quality,
    })
}

#[cfg(test)]
mod tests;
