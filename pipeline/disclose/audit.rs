//! The audit of contracts/disclosure.md: for every cell a view withholds, the smallest and
//! largest value a reader can work out from every number the view shows, every relation
//! between figures, and the facts that counts are whole numbers ≥ 0 and that `<T` means 1
//! to T − 1, and what a mean shown beside a count of its records tells about that count
//! (a number: at least T records; `n<T`: at least 1, and at most T − 1 when the mean is
//! over all of them; `–` over all of them: none). A `<T` cell passes when that range is
//! still 1 to T − 1; an `x` cell when the
//! range holds more than one whole number. This is the standard audit of statistical
//! disclosure control for linked tables (as in τ-ARGUS), solved as small linear programs:
//! the shown numbers are constants, so each program holds only the cells a reader cannot
//! see, and only those tied to each other by some relation.

use std::collections::HashMap;
use std::fmt;

use good_lp::{Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable};
use good_lp::{constraint, microlp, variable};

use super::{DiscloseError, Shown, View};
use crate::figures::{FigureKey, Figures, Relation, Value, records};

const EPS: f64 = 1e-6;

/// The values a reader can work out for a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    /// `None`: no upper limit.
    pub max: Option<f64>,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let round = |v: f64| (v * 100.0).round() / 100.0;
        match self.max {
            Some(max) => write!(f, "{} and {}", round(self.min), round(max)),
            None => write!(f, "{} and any larger number", round(self.min)),
        }
    }
}

/// A withheld cell a reader learns more about than its label says.
#[derive(Debug, Clone)]
pub struct AuditFailure {
    pub cell: FigureKey,
    pub shown: Shown,
    pub range: Range,
    /// Which group of cells tied by relations it is in (one repair per group and round).
    pub group: usize,
}

impl AuditFailure {
    pub fn error(&self, view: &View, relations: &[Relation]) -> DiscloseError {
        if let Shown::Value(v) = self.shown {
            return DiscloseError::Audit(format!(
                "{} is a count from 1 to {} shown as the number {}: it must be <{}",
                self.cell,
                view.threshold - 1,
                v.csv(),
                view.threshold
            ));
        }
        let relation = relations
            .iter()
            .find(|r| r.keys().any(|k| *k == self.cell))
            .map_or_else(String::new, |r| r.name.clone());
        DiscloseError::Audit(format!(
            "{}, shown as {}, can be worked out from the relation \"{relation}\": a reader finds it between {}",
            self.cell,
            view.text_of(self.shown, 0),
            self.range
        ))
    }
}

/// What an audit found.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub failures: Vec<AuditFailure>,
    /// Withheld cells whose range was worked out.
    pub checked: usize,
    /// Linear programs solved.
    pub programs: usize,
}

struct Unknown {
    key: Option<FigureKey>,
    min: f64,
    max: Option<f64>,
    /// Shown as `<T` or `x`: the audit works out its range.
    target: Option<Shown>,
}

struct Row {
    terms: Vec<(usize, f64)>,
    rhs: f64,
}

/// Per unknown, the smallest and largest value it had at the solutions found so far.
type Seen = HashMap<usize, (f64, f64)>;

/// The relations as linear equations over the cells a reader cannot see.
struct System {
    unknowns: Vec<Unknown>,
    rows: Vec<Row>,
}

impl System {
    fn build(view: &View, figures: &Figures, relations: &[Relation]) -> System {
        let t = f64::from(view.threshold);
        let mut system = System {
            unknowns: Vec::new(),
            rows: Vec::new(),
        };
        let mut index: HashMap<FigureKey, usize> = HashMap::new();
        for relation in relations {
            let mut row = Row {
                terms: Vec::new(),
                rhs: 0.0,
            };
            let sides = relation
                .parts
                .iter()
                .map(|k| (k, 1.0))
                .chain(relation.whole.iter().map(|k| (k, -1.0)));
            for (key, coefficient) in sides {
                let shown = view.cells.get(key).copied();
                if let Some(Shown::Value(Value::Count(v))) = shown {
                    row.rhs -= coefficient * v as f64;
                    continue;
                }
                debug_assert!(figures.get(key).is_some(), "{key} in a relation");
                let i = *index.entry(key.clone()).or_insert_with(|| {
                    let (min, max, target) = match shown {
                        Some(Shown::Small) => (1.0, Some(t - 1.0), Some(Shown::Small)),
                        Some(Shown::Withheld) => (0.0, None, Some(Shown::Withheld)),
                        // Not shown by any document of the audience: any count.
                        _ => (0.0, None, None),
                    };
                    system.unknowns.push(Unknown {
                        key: Some(key.clone()),
                        min,
                        max,
                        target,
                    });
                    system.unknowns.len() - 1
                });
                row.terms.push((i, coefficient));
            }
            if !relation.exact {
                // Σ parts ≤ Σ whole: what the parts leave of the whole is a count no one sees.
                system.unknowns.push(Unknown {
                    key: None,
                    min: 0.0,
                    max: None,
                    target: None,
                });
                row.terms.push((system.unknowns.len() - 1, 1.0));
            }
            if !row.terms.is_empty() {
                system.rows.push(row);
            }
        }
        system.bound_by_means(view, figures, &mut index);
        // What earlier documents tell of a withheld count.
        for (key, &(min, max)) in &view.bounded {
            if let Some(&i) = index.get(key) {
                let u = &mut system.unknowns[i];
                u.min = u.min.max(min as f64);
                u.max = match (u.max, max) {
                    (Some(a), Some(b)) => Some(a.min(b as f64)),
                    (a, b) => a.or(b.map(|b| b as f64)),
                };
            }
        }
        system
    }

    /// What a mean shown beside a withheld count tells about that count: a number, at
    /// least T records; `n<T`, 1 to T − 1 (at least 1 when the mean is over some of the
    /// count's records); `–`, none, when over all of them (`figures::records`).
    fn bound_by_means(
        &mut self,
        view: &View,
        figures: &Figures,
        index: &mut HashMap<FigureKey, usize>,
    ) {
        let t = f64::from(view.threshold);
        for link in records(figures) {
            let Some(mean) = view.cells.get(&link.mean).copied() else {
                continue;
            };
            let (min, max) = match (mean, link.exact) {
                (Shown::Value(Value::Missing) | Shown::Missing, true) => (0.0, Some(0.0)),
                (Shown::Value(Value::Missing) | Shown::Missing, false) => continue,
                (Shown::Value(_), _) => (t, None),
                (Shown::FewRecords, true) => (1.0, Some(t - 1.0)),
                (Shown::FewRecords, false) => (1.0, None),
                (Shown::Small | Shown::Withheld, _) => continue,
            };
            let i = match index.get(&link.count) {
                Some(&i) => i,
                None => {
                    let target = match view.cells.get(&link.count) {
                        Some(Shown::Value(Value::Count(_))) => continue,
                        Some(s @ (Shown::Small | Shown::Withheld)) => Some(*s),
                        _ => None,
                    };
                    let (own_min, own_max) = match target {
                        Some(Shown::Small) => (1.0, Some(t - 1.0)),
                        _ => (0.0, None),
                    };
                    self.unknowns.push(Unknown {
                        key: Some(link.count.clone()),
                        min: own_min,
                        max: own_max,
                        target,
                    });
                    let i = self.unknowns.len() - 1;
                    index.insert(link.count.clone(), i);
                    i
                }
            };
            let u = &mut self.unknowns[i];
            u.min = u.min.max(min);
            u.max = match (u.max, max) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }

    /// Groups of unknowns tied to each other by some row.
    fn groups(&self) -> Vec<usize> {
        let mut parent: Vec<usize> = (0..self.unknowns.len()).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for row in &self.rows {
            let first = row.terms[0].0;
            for &(j, _) in &row.terms[1..] {
                let (a, b) = (find(&mut parent, first), find(&mut parent, j));
                if a != b {
                    parent[a] = b;
                }
            }
        }
        (0..self.unknowns.len())
            .map(|i| find(&mut parent, i))
            .collect()
    }

    /// The smallest (`maximise` false) or largest value of unknown `target` over the
    /// unknowns `members` and the rows among them; `None` when unbounded above. The
    /// solution is a point the reader cannot rule out: each member's value there is added
    /// to what `seen` holds of it.
    fn extreme(
        &self,
        members: &[usize],
        rows: &[usize],
        target: usize,
        maximise: bool,
        seen: &mut Seen,
    ) -> Result<Option<f64>, ResolutionError> {
        match self.program(members, rows, &[target], maximise, None, seen) {
            Ok(value) => Ok(Some(value)),
            Err(ResolutionError::Unbounded) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Optimises the sum of `objective` (each at most `cap` if given: a point of that
    /// smaller region is one of the whole too), adding the solution to `seen`.
    fn program(
        &self,
        members: &[usize],
        rows: &[usize],
        objective: &[usize],
        maximise: bool,
        cap: Option<f64>,
        seen: &mut Seen,
    ) -> Result<f64, ResolutionError> {
        let mut vars = ProblemVariables::new();
        let mut handle: HashMap<usize, Variable> = HashMap::new();
        for &i in members {
            let u = &self.unknowns[i];
            let capped = cap.filter(|_| objective.contains(&i));
            let max = match (u.max, capped) {
                (Some(m), Some(c)) => Some(m.min(c.max(u.min))),
                (m, c) => m.or(c.map(|c| c.max(u.min))),
            };
            let mut def = variable().min(u.min);
            if let Some(max) = max {
                def = def.max(max);
            }
            handle.insert(i, vars.add(def));
        }
        let sum: Expression = objective.iter().map(|i| handle[i]).sum();
        let problem = if maximise {
            vars.maximise(sum.clone())
        } else {
            vars.minimise(sum.clone())
        };
        let mut model = problem.using(microlp);
        for &r in rows {
            let row = &self.rows[r];
            let mut e = Expression::from(0.0);
            for &(i, c) in &row.terms {
                e += c * handle[&i];
            }
            model = model.with(constraint::eq(e, row.rhs));
        }
        let solution = model.solve()?;
        for (&i, &v) in &handle {
            let value = solution.value(v);
            let span = seen.entry(i).or_insert((value, value));
            *span = (span.0.min(value), span.1.max(value));
        }
        Ok(solution.eval(&sum))
    }
}

/// Whether a reader who finds `key` (shown as `shown`) within `range` learns more than its
/// label says.
fn fails(view: &View, shown: Shown, key: &FigureKey, range: Range) -> bool {
    let t = f64::from(view.threshold);
    match shown {
        Shown::Small => range.min > 1.0 + EPS || range.max.is_none_or(|m| m < t - 1.0 - EPS),
        // More than one whole number between min and max, none of them a value the reader
        // knows the cell no longer has.
        _ => range.max.is_some_and(|m| {
            let (lo, hi) = ((range.min - EPS).ceil(), (m + EPS).floor());
            // (Each distinct value once; called for every cell at every point found.)
            let ruled_out = view.changed_from.get(key).map_or(0, |old| {
                old.iter()
                    .enumerate()
                    .filter(|&(j, p)| (lo..=hi).contains(&(*p as f64)) && !old[..j].contains(p))
                    .count()
            });
            hi - lo + 1.0 - (ruled_out as f64) < 2.0
        }),
    }
}

/// Audits `view` against `relations` (see the module's documentation).
pub fn audit(
    view: &View,
    figures: &Figures,
    relations: &[Relation],
) -> Result<Audit, DiscloseError> {
    audit_with(view, figures, relations, true)
}

/// [`audit`] solving both programs of every withheld cell, without the points other
/// programs found: what the shortcuts must agree with.
#[cfg(test)]
pub(super) fn audit_every_cell(
    view: &View,
    figures: &Figures,
    relations: &[Relation],
) -> Result<Audit, DiscloseError> {
    audit_with(view, figures, relations, false)
}

fn audit_with(
    view: &View,
    figures: &Figures,
    relations: &[Relation],
    shortcuts: bool,
) -> Result<Audit, DiscloseError> {
    let shown = view;
    let started = std::time::Instant::now();
    // What follows from the counts known from earlier documents is known too: the reader
    // needs nothing of this view for it.
    let mut closed = std::borrow::Cow::Borrowed(view);
    if !view.known.is_empty() {
        super::secondary::known_follows(closed.to_mut(), figures, relations);
    }
    let view = &*closed.as_known();
    let system = System::build(view, figures, relations);
    let groups = system.groups();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(*g).or_default().push(i);
    }
    let mut rows_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for (r, row) in system.rows.iter().enumerate() {
        rows_of.entry(groups[row.terms[0].0]).or_default().push(r);
    }
    let t = f64::from(view.threshold);
    let mut audit = Audit::default();
    // The primary rule, checked again: a count from 1 to T − 1 is never shown as a number.
    // (On what the view shows: an earlier version's number the reader knows was checked
    // against that version's threshold.)
    let mut small_shown: Vec<(&FigureKey, i64)> = shown
        .cells
        .iter()
        .filter_map(|(k, s)| match s {
            Shown::Value(Value::Count(c)) if *c > 0 && *c < i64::from(view.threshold) => {
                Some((k, *c))
            }
            _ => None,
        })
        .collect();
    small_shown.sort();
    for (key, c) in small_shown {
        audit.failures.push(AuditFailure {
            cell: key.clone(),
            shown: Shown::Value(Value::Count(c)),
            range: Range {
                min: c as f64,
                max: Some(c as f64),
            },
            group: usize::MAX,
        });
    }
    let mut group_ids: Vec<usize> = members.keys().copied().collect();
    group_ids.sort_unstable();
    for g in group_ids {
        let in_group = &members[&g];
        let rows = rows_of.get(&g).map(Vec::as_slice).unwrap_or(&[]);
        // Values of the group's cells at the solutions found so far: a cell whose values
        // there already span a range that passes passes (its range holds them all).
        // Whether a range fails only grows less likely as it widens, and a failing cell's
        // range is always solved in full, for its message. First programs over the sum of
        // the cells still open push many cells to their ends at once, so in a large group
        // most cells need no program of their own.
        let mut seen = Seen::new();
        let target = |i: usize| {
            let u = &system.unknowns[i];
            Some((u.target?, u.key.as_ref()?))
        };
        let spanned = |seen: &Seen, i: usize| {
            seen.get(&i).map(|&(min, max)| Range {
                min,
                max: Some(max),
            })
        };
        let open = |seen: &Seen| -> Vec<usize> {
            in_group
                .iter()
                .copied()
                .filter(|&i| {
                    target(i).is_some_and(|(shown, key)| {
                        spanned(seen, i).is_none_or(|r| fails(view, shown, key, r))
                    })
                })
                .collect()
        };
        let cap = rows.iter().map(|&r| system.rows[r].rhs.abs()).sum::<f64>()
            + in_group
                .iter()
                .map(|&i| system.unknowns[i].min)
                .sum::<f64>()
            + t;
        let mut still = open(&seen);
        while shortcuts && still.len() > 2 {
            // (Best effort: where a program finds no point, the cells' own programs decide.)
            for maximise in [true, false] {
                audit.programs += 1;
                let _ = system.program(in_group, rows, &still, maximise, Some(cap), &mut seen);
            }
            let next = open(&seen);
            if next.len() == still.len() {
                break;
            }
            still = next;
        }
        for &i in in_group {
            let Some((shown, key)) = target(i) else {
                continue;
            };
            let unknown = &system.unknowns[i];
            audit.checked += 1;
            if shortcuts && spanned(&seen, i).is_some_and(|r| !fails(view, shown, key, r)) {
                continue;
            }
            let mut solve = |maximise, seen: &mut Seen| {
                audit.programs += 1;
                system
                    .extreme(in_group, rows, i, maximise, seen)
                    .map_err(|e| DiscloseError::Solver {
                        cell: Box::new(key.clone()),
                        reason: e.to_string(),
                    })
            };
            let max = solve(true, &mut seen)?;
            // The smallest value found so far is at least the smallest there is: a range
            // from it that passes is within one that does. (With no upper limit no point
            // was found; whether such a range fails does not depend on its lower end.)
            let partly = Range {
                min: spanned(&seen, i).map_or(unknown.min, |r| r.min),
                max,
            };
            if shortcuts && !fails(view, shown, key, partly) {
                continue;
            }
            let min = solve(false, &mut seen)?.unwrap_or(unknown.min);
            let range = Range { min, max };
            if fails(view, shown, key, range) {
                audit.failures.push(AuditFailure {
                    cell: key.clone(),
                    shown,
                    range,
                    group: g,
                });
            }
        }
    }
    tracing::debug!(
        unknowns = system.unknowns.len(),
        groups = members.len(),
        largest = members.values().map(Vec::len).max().unwrap_or(0),
        checked = audit.checked,
        programs = audit.programs,
        seconds = started.elapsed().as_secs_f64(),
        "audited"
    );
    Ok(audit)
}
