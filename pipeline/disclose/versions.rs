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
//! **Other quarters' documents.** A council member keeps every quarter's memo, and each
//! shows the year so far: 2024Q1-Q3 beside 2024Q1-Q4 tells the fourth quarter alone, and
//! last year's own report beside this year's comparison column tells what was registered
//! late. A public document of another quarter is an earlier version too, of every figure
//! it shows for the same period or for the same year up to another quarter ([`rekeyed`]):
//! a count that grew by 1 to T − 1 since is withheld, and a quarter with fewer than T new
//! registrations in a source is withheld as a small correction is.
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
use crate::figures::{Figure, FigureKey, Figures, Indicator, Kind, Relation, Span, Value};
use crate::quarter::{Period, Quarter};

/// What readers of an earlier public version have: its cells as it showed them, and (to
/// know its record counts) its figures as computed.
pub struct Earlier<'a> {
    pub version: u32,
    /// The quarter it reports on, when that is not this run's: its cells and figures are
    /// then [`rekeyed`] to this run's periods.
    pub quarter: Option<Quarter>,
    /// Its cells of a year so far up to another quarter than this run's year so far,
    /// [`rekeyed`] to it: another count of the same kind, not the same count again, over
    /// fewer days or more.
    pub year_so_far: HashMap<FigureKey, Reach>,
    pub shown: HashMap<FigureKey, Shown>,
    pub figures: Option<&'a Figures>,
    /// Its cells and figures under its own keys, as published: [`given_away`] reads them
    /// with the relations of its own periods (Q1's memo: its first quarter alone is its
    /// year so far; Q4's: Q1 + Q2 + Q3 + Q4 = its year, where a rerun of Q3 has no fourth
    /// quarter), which no key of this run's holds. An earlier version of this run's own
    /// quarter is read so too: its reader has it beside the other memos. None where the
    /// version has no figures (published before they were kept).
    pub own: Option<Own<'a>>,
}

/// A public version as published: its quarter, its cells and its figures under its own keys.
pub struct Own<'a> {
    pub quarter: Quarter,
    pub cells: &'a HashMap<FigureKey, Shown>,
    pub figures: &'a Figures,
}

/// How far another quarter's year so far reaches against this run's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// It ends earlier: this run's count is at least its count.
    Shorter,
    /// It ends later: this run's count is at most its count.
    Longer,
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

/// What one earlier version saw change: the sources where fewer than T registrations did
/// in some period, and the sources and periods where T or more did.
struct Changes {
    small_sources: HashSet<&'static str>,
    large: HashSet<(&'static str, String)>,
}

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
    for e in earlier {
        // What the reader has for certain, the correction's cells aside: the earlier
        // version's counts that have not changed (whatever the threshold was then). Of
        // another quarter's year so far, only bounds: it counted part of this year so far
        // (or this year so far is part of it), and that it is the same count the reader
        // cannot tell. Nor can they tell of a `<T` that it has not changed: what they have
        // is its range, where the count still keeps to it (a count that left it tells the
        // reader nothing true).
        for (key, then) in &e.shown {
            let Some(now) = count_now(f, key) else {
                continue;
            };
            if let Some((min, max)) = bound_from(*then, e.year_so_far.get(key), view.threshold)
                && now >= min
                && max.is_none_or(|max| now <= max)
            {
                view.bound(key.clone(), (min, max));
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
            // (Only in the periods it showed, and not of another quarter's year so far: a
            // count that was nothing then may count something now.)
            let periods: HashSet<&str> = e
                .shown
                .keys()
                .filter(|k| !e.year_so_far.contains_key(*k))
                .map(|k| k.period.as_str())
                .collect();
            for key in view.cells.keys() {
                if !key.category.is_empty()
                    && periods.contains(key.period.as_str())
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
    }
    // What an earlier version showed that this one would show alike needs no hiding from
    // the others' readers: they have it already. A count it showed that has not changed,
    // and a mean or percentage it showed over the same records (of the same period: over
    // another quarter's year so far, the same value would tell what the records added
    // hold; a rate without a count of records, such as the thuiskamer visits per week, is
    // taken as unchanged when its value is, as a correction takes it).
    let mut already: HashSet<FigureKey> = view.known.keys().cloned().collect();
    for e in earlier {
        let Some(old) = e.figures else { continue };
        for (key, then) in &e.shown {
            if let (Shown::Value(v), Some(now), Some(before)) = (then, f.get(key), old.get(key))
                && matches!(key.indicator.kind(), Kind::Mean | Kind::Pct)
                && !e.year_so_far.contains_key(key)
                && v.csv() == now.value.csv()
                && before.n == now.n
            {
                already.insert(key.clone());
            }
        }
    }
    // Per earlier version, the sources in which it saw a small correction, and the sources
    // and periods in which it saw a larger one.
    let mut changes: Vec<(&Earlier, Changes)> = Vec::new();
    for e in earlier {
        let mut touched: HashMap<(&'static str, String), Touched> = HashMap::new();
        // Only the periods it showed: another quarter's memo says nothing of this year
        // when it reported on last year's fourth quarter.
        let periods: HashSet<&str> = e.shown.keys().map(|k| k.period.as_str()).collect();
        for (key, shown) in &view.cells {
            if !periods.contains(key.period.as_str()) {
                continue;
            }
            let Some(figure) = f.get(key) else { continue };
            let kind = key.indicator.kind();
            if !matches!(kind, Kind::Count | Kind::Mean | Kind::Pct) {
                continue;
            }
            // A rate without a count of records (the thuiskamer visits per week) over
            // another quarter's year so far is not the same records changed: its weeks are
            // other weeks, and it would read `n<T` in every quarter after the first.
            if figure.n.is_none() && kind != Kind::Count && e.year_so_far.contains_key(key) {
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
            // (Not a cell of another quarter's year so far: that is another count, and the
            // reader has it beside this one whatever this one shows.)
            let keep = match (then, shown) {
                (
                    Some(then @ (Shown::Withheld | Shown::FewRecords)),
                    Shown::Value(_) | Shown::Missing,
                ) if !e.year_so_far.contains_key(key) => Some(then),
                (Some(Shown::Small), Shown::Value(Value::Count(c)))
                    if c.unsigned_abs() < 2 * t - 1 =>
                {
                    Some(Shown::Withheld)
                }
                _ => None,
            };
            if let Some(keep) = keep
                && !already.contains(key)
            {
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
                && !already.contains(key)
            {
                let hide = match kind {
                    Kind::Count => Shown::Withheld,
                    _ => Shown::FewRecords,
                };
                hidden.entry(key.clone()).or_insert(hide);
                tracing::debug!(cell = %key, against = e.version, "withheld: a difference with an earlier version would tell it");
            }
        }
        let large: HashSet<(&'static str, String)> = touched
            .iter()
            .filter(|(k, w)| w.any && w.at_least >= t && !whole.contains(k))
            .map(|(k, _)| k.clone())
            .collect();
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
            // (Not so of another quarter's year so far: an `x` there may be its number.)
            if let (Shown::Value(Value::Count(p)), Some(now)) = (then, count_now(f, key))
                && now != *p
                && !in_small(key)
                && !e.year_so_far.contains_key(key)
            {
                view.changed_from.entry(key.clone()).or_default().push(*p);
            }
        }
        let small_sources = small.iter().map(|(source, _)| *source).collect();
        changes.push((
            e,
            Changes {
                small_sources,
                large,
            },
        ));
    }
    // Where fewer than T registrations changed since an earlier version, each breakdown of
    // the source lists exactly the rows that version listed: a row that appeared would tell
    // what the corrected registration is (a first case in a village), one that went what it
    // was. Their cells in the corrected period are withheld with it; a new category's are
    // not shown at all. Where several saw a small change, the latest decides: this
    // quarter's newest version, else the newest of the other quarters' (a period larger
    // against an older document is no licence for a row the latest did not list).
    for indicator in Indicator::ALL.iter().copied() {
        if indicator.dimension().is_empty() {
            continue;
        }
        let latest = changes
            .iter()
            .filter(|(_, c)| c.small_sources.contains(source(indicator)))
            .max_by_key(|(e, _)| (e.quarter.is_none(), e.quarter, e.version));
        if let Some((latest, Changes { large, .. })) = latest {
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

/// What a cell shown as `shown` in one document tells a reader of the count under the same
/// key in another, whose year so far reaches `reach` against it (none: the same period),
/// as its smallest and largest value: a number is that count, or at least (at most) it
/// where the other reaches further (less far); a `<T` is 1 to T − 1, or at least 1 (at most
/// T − 1). Only the premise of a reader who takes the count as unchanged: callers keep the
/// bounds the true count keeps to.
fn bound_from(shown: Shown, reach: Option<&Reach>, threshold: u32) -> Option<(i64, Option<i64>)> {
    let small = i64::from(threshold) - 1;
    match (shown, reach) {
        (Shown::Value(Value::Count(p)), None) => Some((p, Some(p))),
        (Shown::Value(Value::Count(p)), Some(Reach::Shorter)) => Some((p, None)),
        (Shown::Value(Value::Count(p)), Some(Reach::Longer)) => Some((0, Some(p))),
        (Shown::Small, None) => Some((1, Some(small))),
        (Shown::Small, Some(Reach::Shorter)) => Some((1, None)),
        (Shown::Small, Some(Reach::Longer)) => Some((0, Some(small))),
        _ => None,
    }
}

/// The period of this run (`spans`: its years so far and their quarters) that a period
/// another quarter's document shows answers to: the same period, or the same year so far
/// up to another quarter. None for a period this run does not show.
pub fn answering(label: &str, spans: &[Span]) -> Option<String> {
    let ours = spans
        .iter()
        .flat_map(|s| std::iter::once(&s.label).chain(&s.quarters));
    if let Some(same) = ours.clone().find(|l| *l == label) {
        return Some(same.clone());
    }
    let year_so_far = |l: &str| {
        let p = Period::from_label(l)?;
        (l.contains('-')).then(|| Quarter::containing(p.start))
    };
    let start = year_so_far(label)?;
    spans
        .iter()
        .find(|s| year_so_far(&s.label) == Some(start))
        .map(|s| s.label.clone())
}

/// Another quarter's cells and figures under the keys of this run's periods that they
/// answer to ([`answering`]); the rest is left out.
pub fn rekeyed(
    shown: impl IntoIterator<Item = (FigureKey, Shown)>,
    figures: Option<&Figures>,
    spans: &[Span],
) -> Rekeyed {
    // (Not the waiting list at another quarter's end: a stock, not a count of the year so
    // far, so neither is part of the other.)
    let key = |k: &FigureKey| {
        answering(&k.period, spans)
            .filter(|p| *p == k.period || k.indicator != Indicator::Wachtlijst)
            .map(|period| FigureKey {
                period,
                ..k.clone()
            })
    };
    let mut year_so_far = HashMap::new();
    let end = |label: &str| Period::from_label(label).map(|p| p.end);
    let shown = shown
        .into_iter()
        .filter_map(|(k, s)| {
            let ours = key(&k)?;
            if ours.period != k.period {
                let reach = if end(&k.period) < end(&ours.period) {
                    Reach::Shorter
                } else {
                    Reach::Longer
                };
                year_so_far.insert(ours.clone(), reach);
            }
            Some((ours, s))
        })
        .collect();
    let figures = figures.map(|f| {
        let mut out = Figures::default();
        for figure in f.rows() {
            if let Some(key) = key(&figure.key) {
                out.push(Figure {
                    key,
                    ..figure.clone()
                });
            }
        }
        out
    });
    Rekeyed {
        shown,
        figures,
        year_so_far,
    }
}

/// Another quarter's public version under this run's keys ([`rekeyed`]).
pub struct Rekeyed {
    pub shown: HashMap<FigureKey, Shown>,
    pub figures: Option<Figures>,
    /// The cells of a year so far up to another quarter ([`Earlier::year_so_far`]).
    pub year_so_far: HashMap<FigureKey, Reach>,
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

/// The cells of `view` that, read beside the other quarters' memos in `earlier`, would let
/// their reader work out more than those documents alone give. The reader of them all is
/// one audit: each document's cells under its own keys, each one's relations over its own
/// figures and periods ([`Earlier::own`]), and what ties every two of them ([`ties`]): a
/// count of the same period that is the same is one number, a year so far counts at most
/// what a longer one of the same year does (only where the counts keep to it), and a
/// difference of 1 to T − 1 between two is a count of its own. Passing single bounds between two
/// audits is not enough: in Q2's memo IT + LS = 6 with each withheld, which says Q1's
/// IT + LS is at most 6, and beside Q1's 8 in all that pins Q1's `<3` for IA to 2;
/// neither IT nor LS alone does. What the other memos give away among themselves (audited
/// with every cell of this view withheld) is not this view's doing. Returns, for each cell
/// newly failed (a `<T` of any, an `x` of this view or a difference pinned down), the
/// number this view shows fewest relations away from it, to be withheld here; an error
/// where this view shows nothing near it. Memos without their figures are left out.
pub(super) fn given_away(
    view: &View,
    ours: Audited,
    earlier: &[Earlier],
    among: &mut Among,
) -> Result<Beside, super::DiscloseError> {
    let others: Vec<(&Earlier, Theirs)> = earlier
        .iter()
        .filter_map(|e| Some((e, theirs(view, e)?)))
        .collect();
    if others.is_empty() {
        return Ok(Beside::default());
    }
    let threshold = others
        .iter()
        .map(|(_, t)| t.threshold)
        .fold(view.threshold, u32::max);
    // This view's keys tagged `o|`, the other memos' `e<i>|`.
    let tag = |t: &str, k: &FigureKey| FigureKey {
        period: format!("{t}|{}", k.period),
        ..k.clone()
    };
    let tagged = |t: &str, r: &Relation| Relation {
        name: r.name.clone(),
        parts: r.parts.iter().map(|k| tag(t, k)).collect(),
        whole: r.whole.iter().map(|k| tag(t, k)).collect(),
        exact: r.exact,
    };
    let mut figures = Figures::default();
    let mut push = |t: &str, f: &Figures| {
        for figure in f.rows() {
            figures.push(Figure {
                key: tag(t, &figure.key),
                ..figure.clone()
            });
        }
    };
    push("o", ours.figures);
    let mut relations: Vec<Relation> = ours.relations.iter().map(|r| tagged("o", r)).collect();
    let mut theirs_cells: Vec<(FigureKey, Shown)> = Vec::new();
    // Every memo's counts, this view's first, to tie each to every other below.
    let own_counts = tie_counts(
        view.cells
            .keys()
            .filter_map(|k| Some((k.clone(), count_now(ours.figures, k)?, end_of(&k.period)))),
    );
    let mut sides = vec![Side {
        tag: "o".to_string(),
        counts: &own_counts,
    }];
    for (i, (_, t)) in others.iter().enumerate() {
        let name = format!("e{i}");
        push(&name, &t.zeros);
        relations.extend(t.relations.iter().map(|r| tagged(&name, r)));
        // (Not their `x`s: one pinned down is no failure here, only what it protected, so
        // they are unknowns the audit needs no range of. The same constraints either way.)
        theirs_cells.extend(
            t.cells
                .iter()
                .filter(|(_, s)| *s != Shown::Withheld)
                .map(|(k, s)| (tag(&name, k), *s)),
        );
        sides.push(Side {
            tag: name,
            counts: &t.counts,
        });
    }
    for (key, count) in ties(&sides, threshold, &tag, &mut relations) {
        figures.push(Figure {
            key: key.clone(),
            dimension: "",
            value: Value::Count(count),
            n: None,
        });
        theirs_cells.push((key, Shown::Withheld));
    }
    let failures = |v: &View| -> Result<Vec<super::AuditFailure>, super::DiscloseError> {
        Ok(super::audit(v, &figures, &relations)?.failures)
    };
    let cells = view
        .cells
        .iter()
        .map(|(k, s)| (tag("o", k), *s))
        .chain(theirs_cells.iter().cloned());
    let mut joint = View::from_cells(view.audience, threshold, cells)
        .knowing(view.known.iter().map(|(k, c)| (tag("o", k), *c)))
        .knowing_changed(
            view.changed_from
                .iter()
                .map(|(k, c)| (tag("o", k), c.clone())),
        )
        .knowing_bounds(view.bounded.iter().map(|(k, b)| (tag("o", k), *b)));
    joint.nothing = view.nothing.iter().map(|k| tag("o", k)).collect();
    // Of the other memos, their `<T`s: an `x` of one that this view pins down is one this
    // view shows unchanged or has in its own relations, and what the `x` protected is
    // audited here. Where another memo was published at a higher threshold, this view's
    // `<T`s are not audited at that one.
    let joint_failures = failures(&joint)?;
    let mut failing: Vec<(FigureKey, bool)> = joint_failures
        .iter()
        .cloned()
        .map(|f| (f.cell.period.starts_with("o|"), f))
        .filter(|(ours, f)| {
            if *ours {
                // (Its `<T`s read at another memo's higher threshold say less than their
                // labels: audited by its own audit, not here. Its `x`s are audited here
                // whatever the threshold.)
                threshold == view.threshold || f.shown != Shown::Small
            } else {
                f.shown == Shown::Small || f.cell.period.starts_with('d')
            }
        })
        .map(|(ours, f)| (f.cell, ours))
        .collect();
    // What the other memos give away among themselves, with every cell of this view
    // withheld (its relations and counts still tie them together), is not this view's; nor
    // is what fails in this view alone (its own audit's to find). Each audited only when
    // the joint audit fails a cell of that side: it nearly never does.
    if failing.iter().any(|(_, ours)| !ours) {
        // (This view's cells as unknowns with no range asked of them: withheld, without
        // the cost of auditing each.)
        let mut cells: Vec<(FigureKey, Shown)> = theirs_cells.clone();
        cells.sort_by(|a, b| a.0.cmp(&b.0));
        // What the reader has of this view's cells from other documents (earlier versions,
        // the other memos' sums) is theirs too.
        fn sorted<T>(mut v: Vec<(FigureKey, T)>) -> Vec<(FigureKey, T)> {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        }
        let inputs = AmongInputs {
            threshold,
            cells,
            known: sorted(view.known.iter().map(|(k, c)| (tag("o", k), *c)).collect()),
            bounded: sorted(
                view.bounded
                    .iter()
                    .map(|(k, b)| (tag("o", k), *b))
                    .collect(),
            ),
            changed: sorted(
                view.changed_from
                    .iter()
                    .map(|(k, c)| (tag("o", k), c.clone()))
                    .collect(),
            ),
            figures: figures.rows().to_vec(),
            relations: relations.clone(),
        };
        if among.last.as_ref().is_none_or(|(last, _)| *last != inputs) {
            let without = View::from_cells(view.audience, threshold, inputs.cells.iter().cloned())
                .knowing(inputs.known.iter().cloned())
                .knowing_bounds(inputs.bounded.iter().cloned())
                .knowing_changed(inputs.changed.iter().cloned());
            let before: HashSet<FigureKey> =
                failures(&without)?.into_iter().map(|f| f.cell).collect();
            among.last = Some((inputs, before));
        }
        let before = among.last.as_ref().map(|(_, before)| before);
        failing.retain(|(k, ours)| *ours || before.is_none_or(|b| !b.contains(k)));
    }
    if failing.iter().any(|(_, ours)| *ours) {
        let before: HashSet<FigureKey> = super::audit(view, ours.figures, ours.relations)?
            .failures
            .into_iter()
            .map(|f| tag("o", &f.cell))
            .collect();
        failing.retain(|(k, ours)| !*ours || !before.contains(k));
    }
    let failing: Vec<FigureKey> = failing.into_iter().map(|(k, _)| k).collect();
    let mut out = Beside::default();
    for cell in &failing {
        let near = nearest_shown(cell, &relations, |k| {
            let key = k.period.strip_prefix("o|").map(|p| FigureKey {
                period: p.to_string(),
                ..k.clone()
            })?;
            let number = match view.cells.get(&key) {
                Some(Shown::Value(_)) => true,
                Some(Shown::Small) => false,
                _ => return None,
            };
            (!view.known.contains_key(&key)).then_some((key, number))
        });
        let Some(near) = near else {
            // A cell of this view that the other memos narrow with no number of this view
            // tied to it. A `<T`: its label says more beside them than `x` would (they tell
            // it is 2 to 5, the label that it is at most 5), so it is withheld. An `x`
            // pinned down: their reader has it, whatever this view shows; known, as an
            // earlier version's count is, so that no cell leans on it to hide another.
            let own = cell.period.strip_prefix("o|").map(|p| FigureKey {
                period: p.to_string(),
                ..cell.clone()
            });
            if let Some(own) = own {
                match (view.cells.get(&own), ours.figures.count_of(&own)) {
                    (Some(Shown::Small), _) => {
                        out.withhold.push(own);
                        continue;
                    }
                    (Some(Shown::Withheld), Ok(count)) => {
                        if count > 0 && count < i64::from(view.threshold) {
                            tracing::warn!(
                                cell = %own,
                                "the other quarters' public documents give this small count away by themselves"
                            );
                        }
                        out.known.push((own, count));
                        continue;
                    }
                    _ => {}
                }
            }
            // (`e<i>|`: the other memo the cell is of; `d<i>|`, a difference of two.)
            let quarter = if cell.period.starts_with('d') {
                "the difference of two published counts".to_string()
            } else {
                cell.period
                    .split_once('|')
                    .and_then(|(t, _)| t.strip_prefix('e')?.parse::<usize>().ok())
                    .and_then(|i| {
                        let e = others.get(i)?.0;
                        Some(format!("{} v{}", e.own.as_ref()?.quarter, e.version))
                    })
                    .unwrap_or_else(|| "this run".to_string())
            };
            let how =
                joint_failures
                    .iter()
                    .find(|f| f.cell == *cell)
                    .map_or_else(String::new, |f| {
                        format!(
                            ", shown as {}, is between {}",
                            joint.text_of(f.shown, 0),
                            f.range
                        )
                    });
            return Err(super::DiscloseError::Audit(format!(
                "{cell} (of {quarter}){how} when read beside the other quarters' public \
                 documents, and this run shows no cell near it to withhold"
            )));
        };
        out.withhold.push(near);
    }
    out.withhold.sort();
    out.withhold.dedup();
    out.known.sort();
    out.known.dedup();
    Ok(out)
}

/// What [`given_away`] asks of the view: cells to withhold, and counts the other memos
/// give by themselves.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Beside {
    pub withhold: Vec<FigureKey>,
    pub known: Vec<(FigureKey, i64)>,
}

/// One memo's counts as [`ties`] reads them.
struct Side<'a> {
    tag: String,
    counts: &'a [TieCount],
}

/// A count [`ties`] may tie to another memo's: its key in the memo, the period it answers
/// to in every memo (a year so far is its year, whatever quarter it reaches), the count, and
/// the quarter its period ends at.
struct TieCount {
    key: FigureKey,
    common: FigureKey,
    count: i64,
    end: Option<u8>,
}

/// The quarter (1 to 4) a period's label ends at: `2023Q1-Q3` and `2023Q3` at the third.
fn end_of(label: &str) -> Option<u8> {
    label.rsplit('Q').next()?.parse::<u8>().ok()
}

/// Of `counts` (key, count, the quarter its period ends at), those [`ties`] reads, in one
/// order every round (so the differences keep their names).
fn tie_counts(counts: impl Iterator<Item = (FigureKey, i64, Option<u8>)>) -> Vec<TieCount> {
    let mut out: Vec<TieCount> = counts
        // The waiting list is a stock at the period's end, no part of a longer period's.
        .filter(|(k, ..)| k.indicator.kind() == Kind::Count && k.indicator != Indicator::Wachtlijst)
        .map(|(key, count, end)| {
            let common = FigureKey {
                period: key
                    .period
                    .split_once("Q1-Q")
                    .map_or_else(|| key.period.clone(), |(year, _)| year.to_string()),
                ..key.clone()
            };
            TieCount {
                key,
                common,
                count,
                end,
            }
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// What ties two memos' counts of the same period, or of the same year up to different
/// quarters, as their reader sees it: the same count is one number; a shorter year so far
/// counts at most what a longer one does (where the counts keep to it); and where the two
/// differ by 1 to T − 1, that difference is a count of its own (a few late registrations,
/// or a quarter's few), returned to be audited as withheld. Same-period counts that differ
/// by T or more are not tied. Every pair of memos, this view's and the others' alike: Q3's
/// `x` of 7 beside Q4's 8 for the whole year is one registration in the fourth quarter
/// once this view pins the 7 down.
fn ties(
    sides: &[Side<'_>],
    threshold: u32,
    tag: &impl Fn(&str, &FigureKey) -> FigureKey,
    relations: &mut Vec<Relation>,
) -> Vec<(FigureKey, i64)> {
    let t = i64::from(threshold);
    let mut differences = Vec::new();
    for (i, a) in sides.iter().enumerate() {
        for b in &sides[i + 1..] {
            let theirs: HashMap<&FigureKey, &TieCount> =
                b.counts.iter().map(|c| (&c.common, c)).collect();
            for x in a.counts {
                let Some(y) = theirs.get(&x.common) else {
                    continue;
                };
                let (ka, kb) = (tag(&a.tag, &x.key), tag(&b.tag, &y.key));
                let (va, vb) = (x.count, y.count);
                let same = x.end == y.end;
                let ((s, vs), (l, vl)) = if (same && va <= vb) || (!same && x.end < y.end) {
                    ((ka, va), (kb, vb))
                } else {
                    ((kb, vb), (ka, va))
                };
                if vs > vl || (same && vl - vs >= t) {
                    continue;
                }
                let mut parts = vec![s.clone()];
                if (1..t).contains(&(vl - vs)) {
                    let d = FigureKey {
                        period: format!("d{}|{}", differences.len(), s.period),
                        ..s.clone()
                    };
                    differences.push((d.clone(), vl - vs));
                    parts.push(d);
                }
                let exact = same || parts.len() == 2;
                relations.push(Relation {
                    name: format!(
                        "{s} is {} {l}",
                        if parts.len() == 2 {
                            "a few less than"
                        } else if exact {
                            "the same as"
                        } else {
                            "at most"
                        }
                    ),
                    parts,
                    whole: vec![l],
                    exact,
                });
            }
        }
    }
    differences
}

/// What the other memos give away among themselves, as [`given_away`] last audited it:
/// the same in every round of the caller that leaves its inputs alone (every cell of the
/// view is withheld there, so which the round withholds does not matter), and as costly
/// as the joint audit itself.
#[derive(Default)]
pub(super) struct Among {
    last: Option<(AmongInputs, HashSet<FigureKey>)>,
}

#[derive(PartialEq)]
struct AmongInputs {
    threshold: u32,
    cells: Vec<(FigureKey, Shown)>,
    known: Vec<(FigureKey, i64)>,
    bounded: Vec<(FigureKey, (i64, Option<i64>))>,
    changed: Vec<(FigureKey, Vec<i64>)>,
    figures: Vec<Figure>,
    relations: Vec<Relation>,
}

/// Another quarter's memo as [`given_away`] reads it, under its own keys.
struct Theirs {
    /// Its `<T` at its own threshold, which its public file does not say: at least this
    /// run's, and above every count it showed so (a threshold lowered since would make its
    /// `<10`s impossible at 5).
    threshold: u32,
    cells: Vec<(FigureKey, Shown)>,
    /// Its counts, with the zeros it shows.
    zeros: Figures,
    /// Its relations over its figures and its own periods, where they hold.
    relations: Vec<Relation>,
    /// Its counts as [`ties`] reads them.
    counts: Vec<TieCount>,
}

fn theirs(view: &View, e: &Earlier) -> Option<Theirs> {
    let own = e.own.as_ref()?;
    let quarter = own.quarter;
    let cells: Vec<(FigureKey, Shown)> = own.cells.iter().map(|(k, s)| (k.clone(), *s)).collect();
    let threshold = cells
        .iter()
        .filter(|(_, s)| matches!(s, Shown::Small))
        .filter_map(|(k, _)| count_now(own.figures, k))
        .map(|c| u32::try_from(c + 1).unwrap_or(u32::MAX))
        .fold(view.threshold, u32::max);
    let alone = View::from_cells(view.audience, threshold, cells.iter().cloned());
    let zeros = super::with_shown_zeros(own.figures, &alone).into_owned();
    let (mut relations, _) = crate::figures::relations_and_nothing(&zeros, &Span::of(quarter));
    relations.retain(|r| r.holds(&zeros));
    let counts = tie_counts(
        cells
            .iter()
            .filter_map(|(k, _)| Some((k.clone(), count_now(&zeros, k)?, end_of(&k.period)))),
    );
    Some(Theirs {
        threshold,
        cells,
        zeros,
        relations,
        counts,
    })
}

/// The cell to withhold for `cell`: of the numbers `pick` takes (a key and whether it is
/// shown as a number), the first of those fewest relations away from `cell` (a cell two
/// relations away shares a relation with one that shares one with `cell`); only where no
/// number is near, the nearest `<T`. One at a time: the caller decides again, and withholding
/// every cell near a large table's total would empty the table.
fn nearest_shown(
    cell: &FigureKey,
    relations: &[Relation],
    pick: impl Fn(&FigureKey) -> Option<(FigureKey, bool)>,
) -> Option<FigureKey> {
    let mut seen: HashSet<&FigureKey> = HashSet::from([cell]);
    let mut frontier: Vec<&FigureKey> = vec![cell];
    let mut small: Option<FigureKey> = None;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for r in relations {
            if r.keys().any(|k| frontier.contains(&k)) {
                for k in r.keys() {
                    if seen.insert(k) {
                        next.push(k);
                    }
                }
            }
        }
        let picked: Vec<(FigureKey, bool)> = next.iter().filter_map(|k| pick(k)).collect();
        if let Some(number) = picked.iter().filter(|(_, n)| *n).map(|(k, _)| k).min() {
            return Some(number.clone());
        }
        if small.is_none() {
            small = picked.into_iter().map(|(k, _)| k).min();
        }
        frontier = next;
    }
    small
}

/// A view's figures (with the zeros it shows) and its relations, for [`given_away`].
#[derive(Clone, Copy)]
pub(super) struct Audited<'a> {
    pub figures: &'a Figures,
    pub relations: &'a [Relation],
}

/// What another quarter's memo `e` says beside this run's quarters (`spans`): its year so
/// far is its quarters added up (Q3's memo: Q1 + Q2 + Q3 = its 53 cases opgestart). Its
/// year so far is no period of this run, so the relation is over a count of its own: one
/// known where `e` showed it as a number. Returns those relations and counts; none for
/// the same period (this run's own relations say it), where this run lacks a quarter, or
/// where this run's quarters no longer add up to it (a reader's premise that is false).
pub(super) fn other_sums(
    e: &Earlier,
    spans: &[Span],
    f: &Figures,
) -> (Vec<crate::figures::Relation>, Vec<(FigureKey, i64)>) {
    let (mut relations, mut known) = (Vec::new(), Vec::new());
    let Some(quarter) = e.quarter else {
        return (relations, known);
    };
    for span in spans {
        let Some(year) = span.label.get(..4).and_then(|y| y.parse::<i32>().ok()) else {
            continue;
        };
        // `e` shows this year so far, or compares with it the next year.
        if quarter.year() != year && quarter.year() != year + 1 {
            continue;
        }
        let label = format!("{year}Q1-Q{}", quarter.number());
        if label == span.label {
            continue;
        }
        let quarters: Vec<String> = (1..=quarter.number())
            .map(|q| format!("{year}Q{q}"))
            .collect();
        for r in crate::figures::quarters_add_up(&quarters, &label) {
            let ours = FigureKey {
                period: span.label.clone(),
                ..r.whole[0].clone()
            };
            if let (Some(Shown::Value(Value::Count(v))), Some(_)) =
                (e.shown.get(&ours), e.year_so_far.get(&ours))
                && r.parts
                    .iter()
                    .map(|k| f.count_of(k).ok())
                    .sum::<Option<i64>>()
                    == Some(*v)
            {
                known.push((r.whole[0].clone(), *v));
                relations.push(r);
            }
        }
    }
    (relations, known)
}
