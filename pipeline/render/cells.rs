//! The only way render reaches a number: through the audience's view. Every cell a
//! document shows is looked up here, formatted as the view says, and remembered, so that
//! the document's public figures file and its count of withheld cells list exactly the
//! cells it shows.

use std::cell::RefCell;

use crate::disclose::{NotInView, Shown, View};
use crate::figures::{FigureKey, Figures, Indicator, Value};

/// The decimals a document shows a mean of `indicator` with: the one place that decides
/// it, so that a mail's list of changes shows it as the document does.
pub fn digits(indicator: Indicator) -> usize {
    match indicator {
        Indicator::ZrmGroei | Indicator::ColKrachtGroei => 2,
        Indicator::ColThuiskamerBezoekWeek => 0,
        _ => 1,
    }
}

pub struct Cells<'a> {
    pub view: &'a View,
    pub figures: &'a Figures,
    used: RefCell<Vec<FigureKey>>,
}

impl<'a> Cells<'a> {
    pub fn new(view: &'a View, figures: &'a Figures) -> Self {
        Cells {
            view,
            figures,
            used: RefCell::new(Vec::new()),
        }
    }

    fn shown(&self, key: &FigureKey) -> Result<Shown, NotInView> {
        let shown = self.view.shown(key)?;
        self.used.borrow_mut().push(key.clone());
        Ok(shown)
    }

    /// A count, mean or percentage as the view shows it (means with `digits` decimals).
    pub fn text(&self, key: &FigureKey, digits: usize) -> Result<String, NotInView> {
        Ok(self.view.text_of(self.shown(key)?, digits))
    }

    pub fn count(&self, key: &FigureKey) -> Result<String, NotInView> {
        self.text(key, 0)
    }

    /// A count of a breakdown whose categories come from the data: a category that
    /// occurred in another period but not in this one counted nothing here, so it is shown
    /// as 0 (the monitor writes only categories that occurred). Any other key must be in
    /// the view.
    pub fn count_in(&self, key: &FigureKey) -> Result<String, NotInView> {
        if self.is_zero(key) && self.is_category(key) {
            self.shown_zero(key);
            return Ok("0".into());
        }
        self.count(key)
    }

    /// Whether `key` counted nothing: no figure, and not in the view. A figure the view does
    /// not hold is never shown as 0 (it is a cell the view was not decided over: a bug that
    /// fails the run rather than print a false number).
    fn is_zero(&self, key: &FigureKey) -> bool {
        !self.view.has(key) && self.figures.get(key).is_none()
    }

    /// A zero the view does not hold (a view of every figure as it is): still a cell the
    /// document shows, so that the public view is decided over it too.
    fn shown_zero(&self, key: &FigureKey) {
        self.used.borrow_mut().push(key.clone());
    }

    /// The bar of [`Cells::count_in`].
    pub fn bar_in(&self, key: &FigureKey) -> Result<(Option<f64>, String), NotInView> {
        if self.is_zero(key) && self.is_category(key) {
            self.shown_zero(key);
            return Ok((Some(0.0), "0".into()));
        }
        self.bar(key, 0)
    }

    /// A cell of a table whose rows and columns are both categories from the data (the
    /// ZRM domains per form): a combination that did not occur counted nothing, 0. Each
    /// part must be one the breakdown knows.
    pub fn count_or_zero(&self, key: &FigureKey) -> Result<String, NotInView> {
        if self.is_zero(key) && self.is_combination(key) {
            self.shown_zero(key);
            return Ok("0".into());
        }
        self.count(key)
    }

    /// Whether `key`'s category is a value of its breakdown: some figure of the same
    /// breakdown (in any period, of any indicator sharing the breakdown) has it.
    fn is_category(&self, key: &FigureKey) -> bool {
        let dimension = key.indicator.dimension();
        !key.category.is_empty()
            && (self.figures.rows().iter().any(|f| {
                f.key.indicator.dimension() == dimension && f.key.category == key.category
            }) || self
                .view
                .fixed_rows(key.indicator)
                .is_some_and(|rows| rows.contains(&key.category))
                // A category a correction emptied that the view still holds.
                || self.view.cells().any(|(k, _)| {
                    k.indicator.dimension() == dimension && k.category == key.category
                }))
    }

    /// Whether each `+`-joined part of `key`'s category is a value of its part of the
    /// breakdown: a support form, or a value that occurs in that place among its
    /// indicator's categories.
    fn is_combination(&self, key: &FigureKey) -> bool {
        let names: Vec<&str> = key.indicator.dimension().split('+').collect();
        key.category.split('+').enumerate().all(|(i, part)| {
            (names.get(i) == Some(&"vorm") && crate::vocab::Form::from_code(part).is_some())
                || self.figures.rows().iter().any(|f| {
                    f.key.indicator == key.indicator
                        && f.key.category.split('+').nth(i) == Some(part)
                })
                || self
                    .view
                    .fixed_rows(key.indicator)
                    .is_some_and(|rows| rows.iter().any(|r| r.split('+').nth(i) == Some(part)))
        })
    }

    /// A euro amount (never withheld); `None` when the workbook has none.
    pub fn amount(&self, key: &FigureKey) -> Result<Option<f64>, NotInView> {
        Ok(match self.shown(key)? {
            Shown::Value(Value::Amount(v) | Value::Pct(v)) => Some(v),
            _ => None,
        })
    }

    /// A bar of a chart: its height only when the view shows the number, and its label
    /// exactly as a table would show the cell.
    pub fn bar(&self, key: &FigureKey, digits: usize) -> Result<(Option<f64>, String), NotInView> {
        let shown = self.shown(key)?;
        let height = match shown {
            Shown::Value(v) => v.as_f64(),
            _ => None,
        };
        Ok((height, self.view.text_of(shown, digits)))
    }

    /// The number the view shows for `key`, if it shows one (a chart leaves out what it
    /// does not show).
    pub fn number(&self, key: &FigureKey) -> Result<Option<f64>, NotInView> {
        let shown = self.shown(key)?;
        Ok(match shown {
            Shown::Value(v) => v.as_f64(),
            _ => None,
        })
    }

    /// Whether the view holds `key` (a category of this period).
    pub fn has(&self, key: &FigureKey) -> bool {
        self.view.has(key)
    }

    /// The categories of a breakdown in any of `periods`, ordered by what the view shows in
    /// the first period: largest shown number first, then the cells it hides, each group by
    /// name. The order tells a reader nothing the cells do not (true values of hidden cells
    /// never decide it).
    pub fn ranked(&self, indicator: Indicator, periods: &[&str]) -> Vec<String> {
        let mut cats: Vec<String> = Vec::new();
        for p in periods {
            for category in self.categories(indicator, p) {
                if !cats.contains(&category) {
                    cats.push(category);
                }
            }
        }
        let first = periods.first().copied().unwrap_or_default();
        let sort_value = |c: &String| {
            self.view
                .number(&FigureKey::new(indicator, c.as_str(), first))
                .ok()
                .flatten()
        };
        cats.sort_by(|a, b| {
            let (va, vb) = (sort_value(a), sort_value(b));
            match (va, vb) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| a.cmp(b))
        });
        cats
    }

    /// The categories of `indicator` a table lists for `period`: those that occurred in it,
    /// and those a correction emptied that the view withholds (a row that went would read
    /// 0); or, where a correction fixed the breakdown's rows, exactly the earlier version's.
    pub fn categories(&self, indicator: Indicator, period: &str) -> Vec<String> {
        if let Some(rows) = self.view.fixed_rows(indicator) {
            return rows.to_vec();
        }
        let mut out: Vec<String> = self
            .figures
            .categories(indicator, period)
            .into_iter()
            .map(|f| f.key.category.clone())
            .collect();
        let mut emptied: Vec<String> = self
            .view
            .cells()
            .filter(|(k, shown)| {
                k.indicator == indicator
                    && k.period == period
                    && !k.category.is_empty()
                    && shown.is_hidden()
                    && self.figures.get(k).is_none()
            })
            .map(|(k, _)| k.category.clone())
            .collect();
        emptied.sort_unstable();
        out.extend(emptied);
        out
    }

    /// Every cell looked up so far, in order, once each.
    pub fn used(&self) -> Vec<FigureKey> {
        let mut seen = std::collections::HashSet::new();
        self.used
            .borrow()
            .iter()
            .filter(|k| seen.insert((*k).clone()))
            .cloned()
            .collect()
    }

    /// How many of the cells looked up so far are shown as `<T` or `x`.
    pub fn withheld(&self) -> usize {
        self.view.withheld_among(self.used().iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A category that counted nothing in a period reads 0; a figure the view was not
    /// decided over never does (it is an error, not a false 0).
    #[test]
    fn only_a_category_without_a_figure_reads_zero() {
        let mut f = Figures::default();
        f.count(FigureKey::new(Indicator::Team, "t1", "2023Q1-Q4"), 14);
        let view = View::from_cells(crate::disclose::Audience::Openbaar, 5, []);
        let c = Cells::new(&view, &f);
        let this_year = FigureKey::new(Indicator::Team, "t1", "2024Q1-Q4");
        assert_eq!(c.count_in(&this_year).unwrap(), "0");
        assert_eq!(c.used(), vec![this_year]);
        let last_year = FigureKey::new(Indicator::Team, "t1", "2023Q1-Q4");
        assert!(c.count_in(&last_year).is_err());
        assert!(c.bar_in(&last_year).is_err());
    }
}
