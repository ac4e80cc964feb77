//! Stage `disclose`: for each audience, one view decides how every figure is shown — a
//! number, `<5`, `x` or `n<5` — following contracts/disclosure.md, across every relation
//! between figures (`figures::relations`). Tables, charts, alternative texts, sentences and
//! the mail that carries a document read this view and nothing else.
//!
//! A public view is built in three steps:
//! 1. primary: counts from 1 to T−1 become `<T`; means and percentages over fewer than T
//!    records `n<T` ([`primary`]);
//! 2. secondary: the audit ([`audit`]) solves, per withheld cell, the smallest and largest
//!    value a reader can work out from every shown number and every relation; where a
//!    `<T` cell could be narrowed or an `x` cell pinned down, one more cell of a relation
//!    it is in is withheld (the smallest shown count first), and the audit runs again
//!    ([`secondary`]);
//! 3. derived values (a mean over a withheld count of records, a rate over a withheld
//!    count) follow what they are derived from; step 2 settles them before every audit.
//!
//! For a correction, what a reader of an earlier version could learn by subtracting, or
//! by seeing which cells turned `x`, is withheld before step 2 ([`versions`]).
//!
//! One view serves every public document of an audience: a council member reads the memo
//! and the public kwartaalrapportage side by side, so both must show each cell alike.

mod audit;
mod primary;
mod secondary;
mod versions;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::figures::{Figure, FigureKey, Figures, Indicator, Kind, Value, relations_and_nothing};
use crate::monitor::{Change, Monitor};
use crate::notation;

pub use audit::{Audit, AuditFailure, Range, audit};
pub use versions::{Earlier, Own, Reach, Rekeyed, rekeyed};

/// Who a document edition is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// The organisation and the municipality's analysts: every figure as computed.
    Intern,
    /// The council and the public: small-cell suppression.
    Openbaar,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Intern => "intern",
            Audience::Openbaar => "openbaar",
        }
    }

    /// As a document's cover names it.
    pub fn label(self) -> &'static str {
        match self {
            Audience::Intern => "Intern",
            Audience::Openbaar => "Openbaar",
        }
    }
}

/// The disclosure settings (`[monitor] suppression_threshold`).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// T: counts from 1 to T − 1 are shown as `<T`.
    pub threshold: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { threshold: 5 }
    }
}

/// How one figure is shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    /// The number itself.
    Value(Value),
    /// A count from 1 to T − 1: `<T`.
    Small,
    /// Withheld so that a small count cannot be worked out: `x`.
    Withheld,
    /// A mean, percentage or rate over fewer than T records (or over a withheld count):
    /// `n<T`.
    FewRecords,
    /// Not available (a mean over no records): `–`.
    Missing,
}

impl Shown {
    pub fn is_number(self) -> bool {
        matches!(self, Shown::Value(v) if v != Value::Missing)
    }

    /// Not shown as its number: `<T`, `x` or `n<T`.
    pub fn is_hidden(self) -> bool {
        matches!(self, Shown::Small | Shown::Withheld | Shown::FewRecords)
    }
}

/// A cell the code asked the view for that it does not hold: a bug of a channel, which
/// would otherwise decide on its own what to show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{key} is not in the {audience} view")]
pub struct NotInView {
    pub key: FigureKey,
    pub audience: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscloseError {
    /// A withheld cell a reader can work out: `<cell>, shown as <x>, can be worked out
    /// from the relation "<relation>": a reader finds it between <min> and <max>`.
    #[error("disclosure audit failed: {0}")]
    Audit(String),
    #[error("disclosure: the linear program for {cell} could not be solved: {reason}")]
    Solver {
        cell: Box<FigureKey>,
        reason: String,
    },
}

/// How every figure of a run is shown to one audience.
#[derive(Debug, Clone)]
pub struct View {
    pub audience: Audience,
    pub threshold: u32,
    cells: HashMap<FigureKey, Shown>,
    /// Counts a reader knows although this view may withhold them: what an earlier public
    /// version showed of a count that has not changed since. The audit takes them as shown,
    /// and secondary suppression never withholds one to protect another.
    known: HashMap<FigureKey, i64>,
    /// What earlier versions showed of a count that has changed since: where this view
    /// withholds it, a reader knows it is none of these (`versions`), and the audit
    /// leaves them out of what the cell could be.
    changed_from: HashMap<FigureKey, Vec<i64>>,
    /// What earlier documents tell of a count without giving it, as its smallest and
    /// largest value: a `<T` an earlier version showed (1 to T − 1), and the count another
    /// quarter's year so far showed (at least that, from an earlier quarter's; at most, from
    /// a later one's). Only bounds the count's figure keeps to (`versions`). The audit
    /// narrows what the cell could be to them.
    bounded: HashMap<FigureKey, (i64, Option<i64>)>,
    /// The categories a breakdown lists, where a correction fixed them: the rows of the
    /// earlier version, when fewer than T registrations changed in the breakdown's source
    /// (`versions`). A row that appeared or went would tell what the correction was about.
    rows: HashMap<Indicator, Vec<String>>,
    /// Counts a table that lists no row says are 0 (`figures::relations_and_nothing`): never
    /// withheld to protect another cell, which a reader who sees that table would see
    /// through. Not taken as known by the audit, which does not know which tables a
    /// document shows.
    nothing: HashSet<FigureKey>,
}

impl View {
    /// A view of the given cells: how a reader who has them sees a publication (a public
    /// figures file read back), to audit what was published.
    pub fn from_cells(
        audience: Audience,
        threshold: u32,
        cells: impl IntoIterator<Item = (FigureKey, Shown)>,
    ) -> View {
        View {
            audience,
            threshold,
            cells: cells.into_iter().collect(),
            known: HashMap::new(),
            changed_from: HashMap::new(),
            bounded: HashMap::new(),
            rows: HashMap::new(),
            nothing: HashSet::new(),
        }
    }

    /// A published document's view, read back from its figures file: its cells, and as the
    /// rows of every breakdown the categories it listed (rebuilt from the figures, the
    /// document lists exactly these, also where a correction kept a category out).
    pub fn published(
        audience: Audience,
        threshold: u32,
        cells: impl IntoIterator<Item = (FigureKey, Shown)>,
    ) -> View {
        let mut view = View::from_cells(audience, threshold, cells);
        for key in view.cells.keys() {
            if !key.category.is_empty() {
                view.rows
                    .entry(key.indicator)
                    .or_default()
                    .push(key.category.clone());
            }
        }
        for rows in view.rows.values_mut() {
            rows.sort_unstable();
            rows.dedup();
        }
        view
    }

    /// The categories `indicator`'s breakdown lists when a correction fixed them; `None`
    /// when the document lists the categories that occurred.
    pub fn fixed_rows(&self, indicator: Indicator) -> Option<&[String]> {
        self.rows.get(&indicator).map(Vec::as_slice)
    }

    /// The same view for a reader who also knows `known` (counts of an earlier version that
    /// have not changed since), to audit a correction as that reader would.
    pub fn knowing(mut self, known: impl IntoIterator<Item = (FigureKey, i64)>) -> View {
        self.known.extend(known);
        self
    }

    /// The same view for a reader who knows that these counts are no longer what an
    /// earlier version showed.
    pub fn knowing_changed(
        mut self,
        changed: impl IntoIterator<Item = (FigureKey, Vec<i64>)>,
    ) -> View {
        self.changed_from.extend(changed);
        self
    }

    /// The same view for a reader who can bound these counts from earlier documents:
    /// (smallest, largest) each ([`View::bounded`]'s rules).
    pub fn knowing_bounds(
        mut self,
        bounds: impl IntoIterator<Item = (FigureKey, (i64, Option<i64>))>,
    ) -> View {
        for (key, bound) in bounds {
            self.bound(key, bound);
        }
        self
    }

    /// Narrows what a reader knows of `key` to `(min, max)` as well. Bounds that leave one
    /// value give it: the count is known.
    fn bound(&mut self, key: FigureKey, (min, max): (i64, Option<i64>)) {
        let b = self.bounded.entry(key.clone()).or_insert((min, max));
        b.0 = b.0.max(min);
        b.1 = match (b.1, max) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        if b.1 == Some(b.0) {
            let value = b.0;
            self.known.insert(key, value);
        }
    }

    /// The cells as a reader who knows [`View::knowing`]'s counts sees them.
    fn as_known(&self) -> std::borrow::Cow<'_, View> {
        if self.known.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut view = self.clone();
        for (key, &count) in &self.known {
            view.cells
                .insert(key.clone(), Shown::Value(Value::Count(count)));
        }
        std::borrow::Cow::Owned(view)
    }

    /// How `key` is shown.
    pub fn shown(&self, key: &FigureKey) -> Result<Shown, NotInView> {
        self.cells.get(key).copied().ok_or_else(|| NotInView {
            key: key.clone(),
            audience: self.audience.as_str(),
        })
    }

    /// Whether the view holds `key` (a category that occurred).
    pub fn has(&self, key: &FigureKey) -> bool {
        self.cells.contains_key(key)
    }

    /// The count `key` shows as a number, if it does.
    pub fn number(&self, key: &FigureKey) -> Result<Option<f64>, NotInView> {
        Ok(match self.shown(key)? {
            Shown::Value(v) => v.as_f64(),
            _ => None,
        })
    }

    /// As a Dutch reader sees it: `1.234`, `<5`, `x`, `n<5`, `–`; means with `digits`
    /// decimals, amounts as euros without the sign, percentages with a `%`.
    pub fn text(&self, key: &FigureKey, digits: usize) -> Result<String, NotInView> {
        Ok(self.text_of(self.shown(key)?, digits))
    }

    pub fn text_of(&self, shown: Shown, digits: usize) -> String {
        match shown {
            Shown::Value(Value::Count(c)) => notation::int(c),
            Shown::Value(Value::Mean(v)) => notation::decimal(v, digits),
            Shown::Value(Value::Pct(v)) => notation::pct(v),
            Shown::Value(Value::Amount(v)) => notation::amount(v),
            Shown::Value(Value::Missing) | Shown::Missing => "–".into(),
            Shown::Small => format!("<{}", self.threshold),
            Shown::Withheld => "x".into(),
            Shown::FewRecords => format!("n<{}", self.threshold),
        }
    }

    /// Whether a change against last year may be told: both counts are shown as numbers
    /// (its difference and percentage give both away).
    pub fn tells(&self, change: &Change) -> bool {
        [&change.now, &change.before]
            .iter()
            .all(|k| self.shown(k).is_ok_and(Shown::is_number))
    }

    /// Every cell of the view, by key.
    pub fn cells(&self) -> impl Iterator<Item = (&FigureKey, Shown)> {
        self.cells.iter().map(|(k, s)| (k, *s))
    }

    /// How many of `keys` are shown as `<T` or `x`.
    pub fn withheld_among<'a>(&self, keys: impl IntoIterator<Item = &'a FigureKey>) -> usize {
        keys.into_iter()
            .filter(|k| matches!(self.cells.get(*k), Some(Shown::Small | Shown::Withheld)))
            .count()
    }
}

/// The view of `monitor`'s figures for `audience`, over the figures in `scope` (those the
/// audience's documents show: a reader learns nothing from a figure no document shows). A
/// public view is audited before it is returned; a view that fails its audit is an error
/// naming the cell and the relation.
pub fn disclose(
    monitor: &Monitor,
    audience: Audience,
    scope: &dyn Fn(&FigureKey) -> bool,
    settings: &Settings,
) -> Result<View, DiscloseError> {
    disclose_after(monitor, audience, scope, settings, &[])
}

/// As [`disclose`], for a correction: what readers of the `earlier` public versions can
/// subtract is withheld too ([`versions`]).
pub fn disclose_after(
    monitor: &Monitor,
    audience: Audience,
    scope: &dyn Fn(&FigureKey) -> bool,
    settings: &Settings,
    earlier: &[Earlier],
) -> Result<View, DiscloseError> {
    let f = &monitor.figures;
    let in_scope = |k: &FigureKey| scope(k);
    let mut view = View {
        audience,
        threshold: settings.threshold,
        cells: HashMap::new(),
        known: HashMap::new(),
        changed_from: HashMap::new(),
        bounded: HashMap::new(),
        rows: HashMap::new(),
        nothing: HashSet::new(),
    };
    match audience {
        Audience::Intern => {
            for figure in f.rows().iter().filter(|r| in_scope(&r.key)) {
                view.cells
                    .insert(figure.key.clone(), Shown::Value(figure.value));
            }
        }
        Audience::Openbaar => {
            for figure in f.rows().iter().filter(|r| in_scope(&r.key)) {
                view.cells.insert(
                    figure.key.clone(),
                    primary::shown(figure, settings.threshold),
                );
            }
            for key in zero_cells(f, &in_scope) {
                view.cells.insert(key, Shown::Value(Value::Count(0)));
            }
            return protect(view, f, &monitor.spans, earlier);
        }
    }
    Ok(view)
}

/// Versions, secondary suppression and the audit over a public view after primary
/// suppression. Where a correction's moved cell cannot be protected (the earlier versions'
/// numbers pin it down to its old value and one other), its source and period are
/// withheld as a whole, as after a small correction, and the view decided again.
fn protect(
    primary: View,
    f: &Figures,
    spans: &[crate::figures::Span],
    earlier: &[Earlier],
) -> Result<View, DiscloseError> {
    let mut whole = HashSet::new();
    // Cells withheld so that another quarter's memo, read beside this view, gives nothing
    // more away (`versions::given_away`).
    let mut beside: HashSet<FigureKey> = HashSet::new();
    // Withheld zeros a reader works out anyway, shown as 0.
    let mut zero: HashSet<FigureKey> = HashSet::new();
    let mut among = versions::Among::default();
    // Counts the other memos give by themselves (`versions::given_away`).
    let mut given: HashMap<FigureKey, i64> = HashMap::new();
    // What other quarters' memos say beside this run's quarters.
    let (mut sums, mut sums_known) = (Vec::new(), Vec::new());
    for e in earlier {
        let (r, k) = versions::other_sums(e, spans, f);
        sums.extend(r);
        sums_known.extend(k);
    }
    let (mut view, with_zeros, relations) = loop {
        let (view, with_zeros, relations) = loop {
            let mut view = primary.clone();
            versions::protect(&mut view, f, earlier, &whole);
            for key in &beside {
                if view.cells.contains_key(key) {
                    view.cells.insert(key.clone(), Shown::Withheld);
                }
            }
            // (Known as well: withheld again to protect another cell, it would be pinned
            // down again.)
            for key in &zero {
                view.cells
                    .insert(key.clone(), Shown::Value(Value::Count(0)));
                view.known.insert(key.clone(), 0);
            }
            let with_zeros = with_shown_zeros(f, &view);
            // A breakdown whose rows a correction fixed lists no row for a category outside
            // them, and its reader takes that category for none: where it is none, that is
            // true, and known. (Not the ZRM table's domains: it shows a choice of them.)
            let unlisted: Vec<FigureKey> = view
                .cells
                .keys()
                .filter(|k| {
                    !k.category.is_empty()
                        && !k.indicator.dimension().contains('+')
                        && view
                            .fixed_rows(k.indicator)
                            .is_some_and(|rows| !rows.contains(&k.category))
                        && with_zeros.count_of(k).ok() == Some(0)
                })
                .cloned()
                .collect();
            view.known.extend(unlisted.into_iter().map(|k| (k, 0)));
            view.known.extend(sums_known.iter().cloned());
            view.known
                .extend(given.iter().map(|(k, c)| (k.clone(), *c)));
            let (mut relations, nothing) = relations_and_nothing(&with_zeros, spans);
            relations.extend(sums.iter().cloned());
            view.nothing = nothing.into_iter().collect();
            let Err(e) = secondary::protect(&mut view, &with_zeros, &relations) else {
                break (view, with_zeros, relations);
            };
            // A withheld count of nothing that the reader works out as nothing from what
            // other documents showed (a year so far of none beside a longer one's zeros):
            // no count to protect, and no cell of this view hides it. It reads 0.
            let failures = audit(&view, &with_zeros, &relations)?.failures;
            let before = zero.len();
            zero.extend(
                failures
                    .iter()
                    .filter(|x| {
                        x.shown == Shown::Withheld
                            && x.range.max.is_some_and(|m| m < 0.5)
                            && with_zeros.count_of(&x.cell).ok() == Some(0)
                    })
                    .map(|x| x.cell.clone()),
            );
            if zero.len() > before {
                continue;
            }
            // Only a period where a number the earlier version showed has changed: there an
            // `x` says that its number changed, which withholding the period as a whole
            // stops saying. Elsewhere it would hide nothing the reader does not know.
            let moved: HashSet<_> = view.changed_from.keys().map(versions::period_of).collect();
            let before = whole.len();
            for failure in failures {
                let period = versions::period_of(&failure.cell);
                if !matches!(failure.shown, Shown::Value(_)) && moved.contains(&period) {
                    whole.insert(period);
                }
            }
            if whole.len() == before {
                return Err(e);
            }
            tracing::info!(periods = ?whole, "a moved cell could not be protected: its period is withheld as a whole");
        };
        let mut more = versions::Beside::default();
        if earlier.iter().any(|e| e.own.is_some()) {
            let ours = versions::Audited {
                figures: &with_zeros,
                relations: &relations,
            };
            more = versions::given_away(&view, ours, earlier, &mut among)?;
        }
        let before = (beside.len(), given.len());
        beside.extend(more.withhold);
        given.extend(more.known);
        if (beside.len(), given.len()) == before {
            break (view, with_zeros, relations);
        }
        tracing::info!(
            cells = beside.len(),
            "withheld so that another quarter's memo gives nothing away beside this one"
        );
    };
    let f = &*with_zeros;
    derived(&mut view, f);
    if crate::failpoint::action("disclose::before_audit").is_some() {
        reveal_one(&mut view, f, &relations);
    }
    let report = audit(&view, f, &relations)?;
    if let Some(failure) = report.failures.first() {
        return Err(failure.error(&view, &relations));
    }
    Ok(view)
}

/// The zeros a document shows: the cells of a breakdown's categories in a period where
/// they did not occur (the monitor writes only categories that occurred; a table lists a
/// category of either period in both). They are cells like any other: the public figures
/// file lists them, a correction compares them and withholds them with their period.
fn zero_cells(f: &Figures, in_scope: &dyn Fn(&FigureKey) -> bool) -> Vec<FigureKey> {
    let mut out = Vec::new();
    // Every period of the run: a table may show a period in which its breakdown counted
    // nothing at all.
    let mut periods: Vec<&str> = f.rows().iter().map(|r| r.key.period.as_str()).collect();
    periods.sort_unstable();
    periods.dedup();
    for indicator in Indicator::ALL.iter().copied() {
        let dimension = indicator.dimension();
        if dimension.is_empty() || indicator.kind() != Kind::Count {
            continue;
        }
        let own: Vec<&Figure> = f
            .rows()
            .iter()
            .filter(|r| r.key.indicator == indicator && !r.key.category.is_empty())
            .collect();
        if own.is_empty() {
            continue;
        }
        // The categories a table of the breakdown can list: for a combination (form and
        // domain) every value of each part, else every category of the dimension.
        let categories: Vec<String> = if dimension.contains('+') {
            let mut combos: Vec<String> = Vec::new();
            for (i, name) in dimension.split('+').enumerate() {
                let mut parts: Vec<String> = if name == "vorm" {
                    crate::vocab::Form::ALL
                        .iter()
                        .map(|f| f.code().to_string())
                        .collect()
                } else {
                    own.iter()
                        .filter_map(|r| r.key.category.split('+').nth(i).map(str::to_string))
                        .collect()
                };
                parts.sort_unstable();
                parts.dedup();
                combos = if i == 0 {
                    parts
                } else {
                    combos
                        .iter()
                        .flat_map(|c| parts.iter().map(move |p| format!("{c}+{p}")))
                        .collect()
                };
            }
            combos
        } else {
            let mut all: Vec<String> = f
                .rows()
                .iter()
                .filter(|r| r.key.indicator.dimension() == dimension && !r.key.category.is_empty())
                .map(|r| r.key.category.clone())
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        for category in &categories {
            for period in &periods {
                let key = FigureKey::new(indicator, category.as_str(), *period);
                if f.get(&key).is_none() && in_scope(&key) {
                    out.push(key);
                }
            }
        }
    }
    out
}

/// `f` with a zero for every count `view` holds that has no figure: a category a correction
/// emptied is still a row of its tables (withheld, [`versions`]), and a reader adds it up
/// with the other rows.
pub fn with_shown_zeros<'a>(f: &'a Figures, view: &View) -> std::borrow::Cow<'a, Figures> {
    let mut missing: Vec<&FigureKey> = view
        .cells
        .keys()
        .filter(|k| k.indicator.kind() == Kind::Count && f.get(k).is_none())
        .collect();
    if missing.is_empty() {
        return std::borrow::Cow::Borrowed(f);
    }
    missing.sort();
    let mut all = f.clone();
    for key in missing {
        all.count(key.clone(), 0);
    }
    std::borrow::Cow::Owned(all)
}

/// The tests' stand-in for a wrong decision (failpoint `disclose::before_audit`): one
/// cell withheld to protect another is shown as it is, the first (in key order) whose
/// showing lets a reader work out a hidden count; failing such a cell, a `<T` count is
/// shown. The audit must catch either before anything is published.
fn reveal_one(view: &mut View, f: &Figures, relations: &[crate::figures::Relation]) {
    let of = |wanted: Shown| {
        let mut keys: Vec<FigureKey> = view
            .cells
            .iter()
            .filter(|(k, s)| **s == wanted && k.indicator.kind() == Kind::Count)
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort();
        keys
    };
    let shown = |view: &View, key: &FigureKey| {
        let mut v = view.clone();
        if let Ok(figure) = f.expect(key) {
            v.cells.insert(key.clone(), Shown::Value(figure.value));
        }
        v
    };
    let exposing = of(Shown::Withheld)
        .into_iter()
        .find(|key| audit(&shown(view, key), f, relations).is_ok_and(|a| !a.failures.is_empty()));
    if let Some(key) = exposing.or_else(|| of(Shown::Small).into_iter().next()) {
        *view = shown(view, &key);
    }
}

/// Values that follow what they are derived from. A mean tied to a count withheld as `x`
/// (`figures::records`) is withheld too: shown, it would tell that count is at least T,
/// and `–` (over all of its records) that it is 0. Visitors of thuiskamers per week is
/// the thuiskamers' attendance divided by the weeks: shown only when that attendance is.
fn derived(view: &mut View, f: &Figures) {
    for link in crate::figures::records(f) {
        if view.cells.get(&link.count) == Some(&Shown::Withheld)
            && view.cells.contains_key(&link.mean)
        {
            view.cells.insert(link.mean, Shown::Withheld);
        }
    }
    let rates: Vec<FigureKey> = view
        .cells
        .keys()
        .filter(|k| k.indicator == Indicator::ColThuiskamerBezoekWeek)
        .cloned()
        .collect();
    for rate in rates {
        let attendance: Vec<FigureKey> = f
            .categories(Indicator::ColDeelnemers, &rate.period)
            .into_iter()
            .filter(|c| c.key.category.to_lowercase() == crate::vocab::THUISKAMER)
            .map(|c| c.key.clone())
            .collect();
        let shown = attendance
            .iter()
            .all(|k| view.cells.get(k).is_some_and(|s| s.is_number()));
        if !shown {
            view.cells.insert(rate, Shown::FewRecords);
        }
    }
}

/// Every figure a view shows, as a public figures file (`cijfers-openbaar.csv`): the
/// cells of `keys`, in that order, as the document shows them, in plain machine notation
/// (`12`, `3.40`, `<5`, `x`, `n<5`).
pub fn public_csv(view: &View, figures: &Figures, keys: &[FigureKey]) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record([
        "indicator",
        "omschrijving",
        "dimensie",
        "categorie",
        "periode",
        "waarde",
    ])
    .expect("writing to memory");
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if !seen.insert(key) {
            continue;
        }
        let Ok(shown) = view.shown(key) else { continue };
        let value = match shown {
            Shown::Value(v) => v.csv(),
            Shown::Missing => String::new(),
            Shown::Small => format!("<{}", view.threshold),
            Shown::Withheld => "x".into(),
            Shown::FewRecords => format!("n<{}", view.threshold),
        };
        // A category that counted nothing in this version has no figure (a correction
        // withholds it, `versions`).
        let dimension = figures
            .get(key)
            .map_or(key.indicator.dimension(), |f| f.dimension);
        out.write_record([
            key.indicator.code(),
            key.indicator.label(),
            dimension,
            &crate::figures::neutral(&key.category),
            &key.period,
            &value,
        ])
        .expect("writing to memory");
    }
    out.into_inner().expect("writing to memory")
}

/// A published public figures file read back: every cell as the document showed it.
pub fn read_public_csv(bytes: &[u8]) -> Result<BTreeMap<FigureKey, Shown>, String> {
    #[derive(Deserialize)]
    struct Row {
        indicator: String,
        categorie: String,
        periode: String,
        waarde: String,
    }
    let mut out = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(bytes);
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.map_err(|e| format!("line {}: {e}", i + 2))?;
        let indicator = Indicator::from_code(&row.indicator)
            .ok_or_else(|| format!("line {}: unknown indicator '{}'", i + 2, row.indicator))?;
        let category = match row.categorie.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
            _ => row.categorie,
        };
        let shown = match row.waarde.as_str() {
            "" => Shown::Missing,
            "x" => Shown::Withheld,
            w if w.starts_with("n<") => Shown::FewRecords,
            w if w.starts_with('<') => Shown::Small,
            w => Shown::Value(
                Value::parse(indicator, w)
                    .ok_or_else(|| format!("line {}: '{w}' is no value of {indicator}", i + 2))?,
            ),
        };
        out.insert(FigureKey::new(indicator, category, row.periode), shown);
    }
    Ok(out)
}

/// The kind of number a key is, for callers that format.
pub fn kind(key: &FigureKey) -> Kind {
    key.indicator.kind()
}

#[cfg(test)]
mod tests;
