//! Secondary suppression: audit, and where a withheld cell can be worked out, withhold one
//! more cell of a relation it is in; repeat until the audit passes.
//!
//! The cell withheld is the one that costs the reader least (the smallest count shown, as
//! the classic rule for a breakdown and its total does), looked for first among the
//! relations of the exposed cell, then among the relations of its whole group. Only when
//! no shown count is left does a zero, and then another `<T` cell (or the exposed cell
//! itself), become `x`: a reader who knows that `<T` is 1 to T − 1 and that the total is,
//! say, 2, knows too much, and only `x` (any count) says less.

use std::collections::{HashMap, HashSet};

use super::{DiscloseError, Shown, View, audit};
use crate::figures::{FigureKey, Figures, Relation, Value};

/// A safety stop: every round withholds at least one more cell, so the loop ends when no
/// cell is left to withhold; this only bounds a bug.
const MAX_ROUNDS: usize = 10_000;

pub fn protect(
    view: &mut View,
    figures: &Figures,
    relations: &[Relation],
) -> Result<(), DiscloseError> {
    let mut of_key: HashMap<&FigureKey, Vec<usize>> = HashMap::new();
    for (i, r) in relations.iter().enumerate() {
        for k in r.keys() {
            of_key.entry(k).or_default().push(i);
        }
    }
    known_follows(view, figures, relations);
    // What a table that lists no row says is 0, and what follows from it, hides nothing.
    let nothing = zeros_from(view.nothing.iter().cloned(), figures, relations);
    for _ in 0..MAX_ROUNDS {
        // A mean follows its withheld count before the audit sees it, so that what it
        // tells about that count is never what needs repairing.
        super::derived(view, figures);
        let report = audit(view, figures, relations)?;
        if report.failures.is_empty() {
            return Ok(());
        }
        // One repair per group of tied cells and round: a repair changes the whole group.
        let mut repaired_groups = Vec::new();
        // A failure nothing repairs fails the run, unless another repair of this round
        // settles it too: the next round's audit decides.
        let mut unrepaired = None;
        for failure in &report.failures {
            if matches!(failure.shown, Shown::Value(_)) {
                // A small count shown as a number: primary suppression's bug, which no
                // further withholding repairs.
                return Err(failure.error(view, relations));
            }
            if repaired_groups.contains(&failure.group) {
                continue;
            }
            let Some(next) = next_to_withhold(view, relations, &of_key, &nothing, &failure.cell)
            else {
                unrepaired.get_or_insert(failure);
                continue;
            };
            repaired_groups.push(failure.group);
            view.cells.insert(next, Shown::Withheld);
        }
        if let Some(failure) = unrepaired
            && repaired_groups.is_empty()
        {
            return Err(failure.error(view, relations));
        }
    }
    unreachable!("secondary suppression did not settle in {MAX_ROUNDS} rounds")
}

/// The counts that follow as 0 from `zeros`: an exact relation whose parts all count
/// nothing says its whole does too, and one whose whole counts nothing says its parts do
/// (counts are never negative). Only counts whose figure is 0 follow: a relation that does
/// not hold (a table not delivered) tells nothing.
pub(super) fn zeros_from(
    zeros: impl IntoIterator<Item = FigureKey>,
    figures: &Figures,
    relations: &[Relation],
) -> HashSet<FigureKey> {
    let mut out: HashSet<FigureKey> = zeros.into_iter().collect();
    let mut changed = true;
    while changed {
        changed = false;
        for r in relations {
            let all_zero = |keys: &[FigureKey]| keys.iter().all(|k| out.contains(k));
            let learnt = if r.exact && all_zero(&r.parts) {
                &r.whole
            } else if all_zero(&r.whole) {
                &r.parts
            } else {
                continue;
            };
            for key in learnt {
                if !out.contains(key) && figures.count_of(key).ok() == Some(0) {
                    out.insert(key.clone());
                    changed = true;
                }
            }
        }
    }
    out
}

/// The counts a reader knows: what follows from the counts known from earlier versions and
/// other quarters' documents ([`View::knowing`]) alone, whatever this view shows. Zeros
/// follow as in [`zeros_from`] (a breakdown whose rows they showed as 0, or left out of a
/// period they listed rows for, says its whole counted nothing), and an exact relation in
/// which every count but one is known gives that one (the first quarter alone, known from
/// the next quarter's memo, is the year so far of the first quarter's), unless it is a
/// count from 1 to T − 1. Only values the figures have follow: a relation that does not
/// hold (a table not delivered) tells nothing. The audit takes them as known; the zeros
/// this view shows are no premise, they may still be withheld to protect another cell.
pub(super) fn known_follows(view: &mut View, figures: &Figures, relations: &[Relation]) {
    let mut changed = true;
    while changed {
        changed = false;
        let zeros: Vec<FigureKey> = view
            .known
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(k, _)| k.clone())
            .collect();
        for key in zeros_from(zeros, figures, relations) {
            if let std::collections::hash_map::Entry::Vacant(entry) = view.known.entry(key) {
                tracing::debug!(cell = %entry.key(), "known to count nothing");
                entry.insert(0);
                changed = true;
            }
        }
        for r in relations.iter().filter(|r| r.exact) {
            let mut unknown = r.keys().filter(|k| !view.known.contains_key(*k));
            let (Some(last), None) = (unknown.next(), unknown.next()) else {
                continue;
            };
            let sum =
                |keys: &[FigureKey]| -> i64 { keys.iter().filter_map(|k| view.known.get(k)).sum() };
            let value = if r.parts.contains(last) {
                sum(&r.whole) - sum(&r.parts)
            } else {
                sum(&r.parts) - sum(&r.whole)
            };
            // A small count that follows was given away before: the audit names it, and
            // the run is refused rather than passed as if it were known.
            let small = value > 0 && value < i64::from(view.threshold);
            if figures.count_of(last).ok() == Some(value) && !small {
                tracing::debug!(cell = %last, value, "known from what earlier documents showed");
                view.known.insert(last.clone(), value);
                changed = true;
            }
        }
    }
}

/// The cell to withhold so that `exposed` is protected better: the smallest shown count
/// of a relation it is in; failing that, of the relations tied to those through cells a
/// reader cannot see (and so on outwards); then a shown zero; then another `<T` cell, or
/// the exposed cell itself, becomes `x`.
fn next_to_withhold(
    view: &View,
    relations: &[Relation],
    of_key: &HashMap<&FigureKey, Vec<usize>>,
    nothing: &HashSet<FigureKey>,
    exposed: &FigureKey,
) -> Option<FigureKey> {
    // A count the reader knows from an earlier version, or from a table that lists no
    // row, is no hiding place, withheld or not.
    let visible = |k: &FigureKey| view.known.contains_key(k) || nothing.contains(k);
    let hidden = |k: &FigureKey| {
        !visible(k)
            && matches!(
                view.cells.get(k),
                Some(Shown::Small | Shown::Withheld) | None
            )
    };
    let count = |k: &FigureKey| match view.cells.get(k) {
        Some(Shown::Value(Value::Count(c))) if !visible(k) => Some(*c),
        _ => None,
    };
    // Relations in rings around the exposed cell.
    let mut seen_relations: Vec<usize> = Vec::new();
    let mut seen_keys: Vec<&FigureKey> = vec![exposed];
    let mut frontier: Vec<&FigureKey> = vec![exposed];
    let mut rings: Vec<Vec<usize>> = Vec::new();
    while !frontier.is_empty() {
        let mut ring = Vec::new();
        for key in &frontier {
            for &r in of_key.get(key).into_iter().flatten() {
                if !seen_relations.contains(&r) {
                    seen_relations.push(r);
                    ring.push(r);
                }
            }
        }
        let mut next = Vec::new();
        for &r in &ring {
            for k in relations[r].keys() {
                if hidden(k) && !seen_keys.contains(&k) {
                    seen_keys.push(k);
                    next.push(k);
                }
            }
        }
        if !ring.is_empty() {
            rings.push(ring);
        }
        frontier = next;
    }
    let smallest = |ring: &[usize], positive: bool| -> Option<FigureKey> {
        ring.iter()
            .flat_map(|&r| relations[r].keys())
            .filter_map(|k| count(k).map(|c| (c, k)))
            .filter(|(c, _)| !positive || *c > 0)
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
            .map(|(_, k)| k.clone())
    };
    let small_other = |ring: &[usize]| -> Option<FigureKey> {
        ring.iter()
            .flat_map(|&r| relations[r].keys())
            .filter(|k| *k != exposed && view.cells.get(*k) == Some(&Shown::Small))
            .min()
            .cloned()
    };
    rings
        .iter()
        .find_map(|ring| smallest(ring, true))
        .or_else(|| rings.iter().find_map(|ring| smallest(ring, false)))
        .or_else(|| (view.cells.get(exposed) == Some(&Shown::Small)).then(|| exposed.clone()))
        .or_else(|| rings.iter().find_map(|ring| small_other(ring)))
}
