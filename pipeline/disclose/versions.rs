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
//! with cells the reader cannot look up in the earlier version ([`View::knowing`]). A count
//! they add up to nothing with is known too: a breakdown whose rows the earlier version
//! showed as 0, or left out of a period it listed rows for, says its whole counted
//! nothing (secondary suppression adds such zeros before withholding anything).

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

/// Whether a count's difference is a number of registrations changed: not so for the
/// participants of collective meetings (a sum over one meeting's record) or the clients
/// per budget line (a number typed into the workbook).
fn counts_registrations(indicator: Indicator) -> bool {
    !matches!(indicator, Indicator::ColDeelnemers | Indicator::FinClienten)
}

/// Per source and period, whether a correction touched it and the largest number of
/// registrations one of its figures proves changed.
#[derive(Default)]
struct Touched {
    any: bool,
    at_least: u64,
}

/// How a figure moved since an earlier version.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Move {
    /// Whether it moved at all.
    any: bool,
    /// How many registrations it proves changed.
    at_least: u64,
    /// Whether a difference from 1 to T − 1 can be read off it: a count's, a percentage's
    /// numerator's, or the records of a mean or percentage.
    small: bool,
}

const STILL: Move = Move {
    any: false,
    at_least: 0,
    small: false,
};

/// A figure's source and period: what a small correction withholds as a whole.
pub(super) fn period_of(key: &FigureKey) -> (&'static str, String) {
    (source(key.indicator), key.period.clone())
}

/// Withholds in `view` what a difference with an earlier version would tell. Returns how
/// many cells it withheld. The sources and periods in `whole` are withheld as a small
/// correction's are, whatever moved there (where the numbers the earlier versions showed
/// pin a moved cell down, showing that the period changed says less than which cell did).
pub fn protect(
    view: &mut View,
    f: &Figures,
    earlier: &[Earlier],
    whole: &HashSet<(&'static str, String)>,
) -> usize {
    // The zeros a table shows (`zero_cells`) are counts like the others.
    let zeros = super::with_shown_zeros(f, view);
    let f = &*zeros;
    let t = u64::from(view.threshold);
    let mut hidden: HashMap<FigureKey, Shown> = HashMap::new();
    // The sources in which some earlier version saw a small correction, and the sources and
    // periods in which one saw a larger one.
    let mut small_sources: HashSet<&'static str> = HashSet::new();
    let mut large: HashSet<(&'static str, String)> = HashSet::new();
    for e in earlier {
        // What the reader has for certain, the correction's cells aside: the earlier
        // version's counts that have not changed (whatever the threshold was then).
        for (key, then) in &e.shown {
            if let Shown::Value(Value::Count(p)) = then
                && count_now(f, key) == Some(*p)
            {
                view.known.insert(key.clone(), *p);
            }
        }
        // A zero that was nothing in the earlier version too is known: a version published
        // before zeros were cells of the view showed it all the same in the rows it listed
        // without listing it in its figures file, and a whole breakdown that listed rows
        // for the period but not this category said it counted nothing there (a category
        // a larger change brought in another period, whose row now shows this period
        // too). A breakdown that listed no row for the period says nothing: it may not
        // have been delivered, or not been in the earlier version's documents.
        if let Some(old) = e.figures {
            let listed: HashSet<(Indicator, &str)> = e
                .shown
                .keys()
                .map(|k| (k.indicator, k.category.as_str()))
                .collect();
            let listed_in: HashSet<(Indicator, &str)> = e
                .shown
                .keys()
                .filter(|k| !k.category.is_empty())
                .map(|k| (k.indicator, k.period.as_str()))
                .collect();
            for key in view.cells.keys() {
                if !key.category.is_empty()
                    && old.get(key).is_none()
                    && count_now(f, key) == Some(0)
                    && !e.shown.contains_key(key)
                    && (listed.contains(&(key.indicator, key.category.as_str()))
                        || (!key.indicator.dimension().contains('+')
                            && listed_in.contains(&(key.indicator, key.period.as_str()))))
                {
                    view.known.insert(key.clone(), 0);
                }
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
            // A category the earlier version showed without a figure counted nothing then.
            let was_zero;
            let before = match e.figures.map(|old| (old.get(key), count_now(old, key))) {
                Some((Some(before), _)) => Some(before),
                Some((None, Some(0))) if !matches!(then, Some(Shown::Value(_))) => {
                    was_zero = Figure {
                        value: Value::Count(0),
                        n: None,
                        ..figure.clone()
                    };
                    Some(&was_zero)
                }
                _ => None,
            };
            let m = match (then, e.figures) {
                (Some(then), _) => moved(figure, before, *shown, then, t),
                // A category the earlier version did not have at all (a first case in a
                // village): it moved from nothing.
                (None, Some(old)) if old.get(key).is_none() => match figure.value {
                    Value::Count(0) => STILL,
                    Value::Count(c) if counts_registrations(key.indicator) => Move {
                        any: true,
                        at_least: c.unsigned_abs(),
                        small: false,
                    },
                    _ => Move {
                        any: true,
                        at_least: 1,
                        small: false,
                    },
                },
                (None, _) => STILL,
            };
            // What an earlier version withheld stays withheld, moved or not: were it shown
            // when it moved enough, that it is shown would tell what it was. A former `<T`
            // is shown only as a number that every value from 1 to T − 1 is at least T
            // away from.
            let keep = match (then, shown) {
                (
                    Some(then @ (Shown::Withheld | Shown::FewRecords)),
                    Shown::Value(_) | Shown::Missing,
                ) => Some(then),
                (Some(Shown::Small), Shown::Value(Value::Count(c)))
                    if c.unsigned_abs() < 2 * t - 1 =>
                {
                    Some(Shown::Withheld)
                }
                _ => None,
            };
            if let Some(keep) = keep {
                hidden.entry(key.clone()).or_insert(keep);
            }
            if !m.any {
                continue;
            }
            let entry = touched.entry(period_of(key)).or_default();
            entry.any = true;
            entry.at_least = entry.at_least.max(m.at_least);
            if let Shown::Value(_) = shown
                && then.is_some()
                && m.small
            {
                let hide = match kind {
                    Kind::Count => Shown::Withheld,
                    _ => Shown::FewRecords,
                };
                hidden.entry(key.clone()).or_insert(hide);
                tracing::debug!(cell = %key, against = e.version, "withheld: a difference with an earlier version would tell it");
            }
        }
        large.extend(
            touched
                .iter()
                .filter(|(k, w)| w.any && w.at_least >= t && !whole.contains(k))
                .map(|(k, _)| k.clone()),
        );
        let small: HashSet<(&'static str, String)> = touched
            .into_iter()
            .filter(|(_, w)| w.any && w.at_least < t)
            .map(|(k, _)| k)
            .chain(whole.iter().cloned())
            .collect();
        let in_small = |key: &FigureKey| {
            matches!(key.indicator.kind(), Kind::Count | Kind::Mean | Kind::Pct)
                && small.contains(&period_of(key))
        };
        for (key, shown) in &view.cells {
            // `n<T` too: left as it is among the `x`, a mean or percentage over fewer
            // records than before would point at the corrected records.
            if in_small(key) && !matches!(shown, Shown::Withheld) {
                tracing::debug!(cell = %key, against = e.version, "withheld: a small correction touched its period");
                hidden.insert(key.clone(), Shown::Withheld);
            }
        }
        small_sources.extend(small.iter().map(|(source, _)| *source));
        for (key, then) in &e.shown {
            // A category the earlier version showed that counts nothing now (the
            // corrected case was its only one) would read 0 where it read `<T` or `x`.
            if !view.cells.contains_key(key) && f.get(key).is_none() {
                if in_small(key) || then.is_hidden() {
                    hidden.insert(key.clone(), Shown::Withheld);
                } else if count_now(f, key) == Some(0) {
                    // Otherwise its row, where it is still listed, reads 0: a cell like
                    // the others, in the figures file and the list of changes.
                    view.cells
                        .insert(key.clone(), Shown::Value(Value::Count(0)));
                }
            }
            // Outside a small correction, a number of the earlier version that is `x`
            // now has changed, and the reader knows it: the audit leaves that value out.
            if let (Shown::Value(Value::Count(p)), Some(now)) = (then, count_now(f, key))
                && now != *p
                && !in_small(key)
            {
                view.changed_from.entry(key.clone()).or_default().push(*p);
            }
        }
    }
    // Where fewer than T registrations changed, each breakdown of the source lists exactly
    // the rows the latest earlier version listed: a row that appeared would tell what the
    // corrected registration is (a first case in a village), one that went what it was.
    // Their cells in the corrected period are withheld with it; a new category's are
    // not shown at all.
    if let Some(latest) = earlier.iter().max_by_key(|e| e.version) {
        for indicator in Indicator::ALL.iter().copied() {
            if indicator.dimension().is_empty() || !small_sources.contains(source(indicator)) {
                continue;
            }
            let mut rows: Vec<String> = latest
                .shown
                .keys()
                .filter(|k| k.indicator == indicator && !k.category.is_empty())
                .map(|k| k.category.clone())
                .collect();
            // A category that occurred in a period a larger correction touched owes its row
            // to that period, whose cells may tell what moved there; its cells in the
            // periods of the small correction are withheld with them. (Not so in the
            // ZRM table's combinations: it shows a choice of five domains, kept as listed.)
            let whole_breakdown = !indicator.dimension().contains('+');
            rows.extend(
                f.rows()
                    .iter()
                    .filter(|r| {
                        whole_breakdown
                            && r.key.indicator == indicator
                            && !r.key.category.is_empty()
                            && r.value != Value::Count(0)
                            && large.contains(&(source(indicator), r.key.period.clone()))
                    })
                    .map(|r| r.key.category.clone()),
            );
            rows.sort_unstable();
            rows.dedup();
            view.rows.insert(indicator, rows);
        }
    }
    let count = hidden.len();
    view.cells.extend(hidden);
    count
}

/// A count as it is now: its figure, or 0 for a category of a breakdown that has none (the
/// monitor writes only categories that occurred; a table shows the others as 0).
fn count_now(f: &Figures, key: &FigureKey) -> Option<i64> {
    match f.get(key) {
        Some(figure) => figure.value.count(),
        None if !key.category.is_empty() && key.indicator.kind() == Kind::Count => Some(0),
        None => None,
    }
}

/// How `figure` moved since the earlier version. Without the earlier figures, what the two
/// versions show, and a hidden cell may have moved a little.
fn moved(figure: &Figure, before: Option<&Figure>, shown: Shown, then: Shown, t: u64) -> Move {
    let was = before.map(|b| b.value).or(match then {
        Shown::Value(v) => Some(v),
        _ => None,
    });
    let Some(was) = was else {
        let any = shown != then || then.is_hidden();
        return Move {
            any,
            at_least: u64::from(any),
            small: any,
        };
    };
    match (figure.value, was) {
        (Value::Count(c), Value::Count(p)) => {
            let d = c.abs_diff(p);
            Move {
                any: d > 0,
                at_least: if counts_registrations(figure.key.indicator) {
                    d
                } else {
                    u64::from(d > 0)
                },
                small: d > 0 && d < t,
            }
        }
        (now, was) => {
            let (n, m) = (figure.n, before.and_then(|b| b.n));
            let records = match (n, m) {
                (Some(n), Some(m)) => n.abs_diff(m),
                _ => 0,
            };
            if records == 0 && now.csv() == was.csv() {
                return STILL;
            }
            // A percentage over n records says how many of them count: its numerator.
            let numerator = match (now, was, n, m) {
                (Value::Pct(a), Value::Pct(b), Some(n), Some(m)) => {
                    let of = |pct: f64, n: u64| (pct * n as f64 / 100.0).round() as i64;
                    of(a, n).abs_diff(of(b, m))
                }
                _ => 0,
            };
            Move {
                any: true,
                at_least: records.max(numerator).max(1),
                small: records < t || (numerator > 0 && numerator < t),
            }
        }
    }
}
