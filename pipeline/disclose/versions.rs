//! A correction against the versions before it: a reader may keep every earlier version
//! and subtract. Two things must not come out of that.
//!
//! **The difference itself.** A count shown as a number in an earlier version that
//! changed by 1 to T − 1 tells what a handful of registrations were (one case added: a
//! woman, in this village, of this age band); a mean or percentage that moved while fewer
//! than T of its records changed tells what those records hold. Such a count is withheld
//! (`x`, so that secondary suppression keeps it from being worked out) and such a value
//! shown as `n<T`.
//!
//! **Where it happened.** Withholding only the cells that moved draws the corrected
//! registration's profile in `x`'s: the cells that turned `x` are its form, its age band,
//! its village. When fewer than T registrations may have changed in a period — no count of
//! the period moved by T or more — every figure of that period from the same source (the
//! cases, the collective trajectories, the informal care, the budget) is withheld, moved or
//! not: the reader learns that a small correction touched the period, never what it was
//! about. A larger correction is about at least T registrations, and what a cell moved by
//! 1 to T − 1 then says is what a `<T` in a table of the differences would say.
//!
//! **What the earlier version kept back.** A cell withheld before that has not changed
//! stays withheld: shown now, it would give away what it protected then. And a count the
//! earlier version showed that has not changed is known to the reader even where this
//! version withholds it: the audit takes it as shown, so secondary suppression protects
//! with cells the reader cannot look up in the earlier version ([`View::knowing`]).

use std::collections::{HashMap, HashSet};

use super::{Shown, View};
use crate::figures::{Figure, FigureKey, Figures, Indicator, Kind, Value};

/// What readers of an earlier public version have: its cells as it showed them, and (to
/// know its record counts) its figures as computed.
pub struct Earlier<'a> {
    pub version: u32,
    pub shown: HashMap<FigureKey, Shown>,
    pub figures: Option<&'a Figures>,
}

/// The registrations a figure is computed from: its indicator's source (`ind`, `col`,
/// `inf`, `fin`).
fn source(indicator: Indicator) -> &'static str {
    let code = indicator.code();
    code.split_once('_').map_or(code, |(s, _)| s)
}

/// Per source and period, whether a correction touched it and the largest number of
/// registrations one of its figures proves changed.
#[derive(Default)]
struct Touched {
    any: bool,
    at_least: u64,
}

/// Withholds in `view` what a difference with an earlier version would tell. Returns how
/// many cells it withheld.
pub fn protect(view: &mut View, f: &Figures, earlier: &[Earlier]) -> usize {
    let t = u64::from(view.threshold);
    let mut hidden: HashMap<FigureKey, Shown> = HashMap::new();
    for e in earlier {
        // What the reader has for certain, the correction's cells aside: the earlier
        // version's counts that have not changed.
        for (key, then) in &e.shown {
            if let (Shown::Value(Value::Count(p)), Some(figure)) = (then, f.get(key))
                && figure.value == Value::Count(*p)
                && (*p == 0 || p.unsigned_abs() >= t)
            {
                view.known.insert(key.clone(), *p);
            }
        }
        let mut touched: HashMap<(&'static str, String), Touched> = HashMap::new();
        for (key, shown) in &view.cells {
            let Some(figure) = f.get(key) else { continue };
            let kind = key.indicator.kind();
            if !matches!(kind, Kind::Count | Kind::Mean | Kind::Pct) {
                continue;
            }
            let then = e.shown.get(key).copied();
            let moved = match (then, e.figures) {
                (Some(then), _) => {
                    moved(figure, e.figures.and_then(|old| old.get(key)), *shown, then)
                }
                // A category the earlier version did not have at all (a first case in a
                // village): it moved from nothing.
                (None, Some(old)) if old.get(key).is_none() => match figure.value {
                    Value::Count(c) => c.unsigned_abs(),
                    _ => 1,
                },
                (None, _) => 0,
            };
            if moved == 0 {
                // Withheld before and the same now: shown, it would give away what the
                // earlier version withheld it for.
                if let Some(then @ (Shown::Withheld | Shown::FewRecords)) = then
                    && matches!(shown, Shown::Value(_) | Shown::Missing)
                {
                    hidden.entry(key.clone()).or_insert(then);
                }
                continue;
            }
            let entry = touched
                .entry((source(key.indicator), key.period.clone()))
                .or_default();
            entry.any = true;
            entry.at_least = entry.at_least.max(moved);
            if let Shown::Value(_) = shown
                && then.is_some()
                && moved < t
            {
                let hide = match kind {
                    Kind::Count => Shown::Withheld,
                    _ => Shown::FewRecords,
                };
                hidden.entry(key.clone()).or_insert(hide);
                tracing::debug!(cell = %key, against = e.version, "withheld: a difference with an earlier version would tell it");
            }
        }
        let small: HashSet<(&'static str, String)> = touched
            .into_iter()
            .filter(|(_, w)| w.any && w.at_least < t)
            .map(|(k, _)| k)
            .collect();
        for (key, shown) in &view.cells {
            let kind = key.indicator.kind();
            if matches!(kind, Kind::Count | Kind::Mean | Kind::Pct)
                && small.contains(&(source(key.indicator), key.period.clone()))
                && matches!(shown, Shown::Value(_) | Shown::Small | Shown::Missing)
            {
                tracing::debug!(cell = %key, against = e.version, "withheld: a small correction touched its period");
                hidden.insert(key.clone(), Shown::Withheld);
            }
        }
    }
    let count = hidden.len();
    view.cells.extend(hidden);
    count
}

/// How many registrations `figure` proves changed since the earlier version (0: it did not
/// move): a count's difference; for a mean or percentage, how many more or fewer records it
/// is over, and at least one when its value moved. Without the earlier figures, what the
/// two versions show.
fn moved(figure: &Figure, before: Option<&Figure>, shown: Shown, then: Shown) -> u64 {
    let was = before.map(|b| b.value).or(match then {
        Shown::Value(v) => Some(v),
        _ => None,
    });
    let Some(was) = was else {
        return u64::from(shown != then);
    };
    match (figure.value, was) {
        (Value::Count(c), Value::Count(p)) => c.abs_diff(p),
        (now, was) => {
            let records = match (figure.n, before.and_then(|b| b.n)) {
                (Some(n), Some(m)) => n.abs_diff(m),
                _ => 0,
            };
            if records > 0 || now.csv() != was.csv() {
                records.max(1)
            } else {
                0
            }
        }
    }
}
