//! Small helpers shared by the monitor's computations: period conditions and turning a
//! collected frame into figures.

use polars::prelude::*;

use crate::figures::{Figure, FigureKey, Figures, Indicator, Value};
use crate::quarter::Period;

pub type Result<T> = std::result::Result<T, PolarsError>;

/// *In behandeling*: started on or before the end and not ended before the start.
pub fn in_behandeling(p: &Period, start: &str, end: &str) -> Expr {
    col(start)
        .lt_eq(lit(p.end))
        .and(col(end).is_null().or(col(end).gt_eq(lit(p.start))))
}

/// A date within the period, both ends inclusive.
pub fn within(p: &Period, column: &str) -> Expr {
    col(column)
        .gt_eq(lit(p.start))
        .and(col(column).lt_eq(lit(p.end)))
}

/// *At the end of the period*: registered on or before the end and not ended on or before it.
pub fn at_end(p: &Period, start: &str, end: &str) -> Expr {
    col(start)
        .lt_eq(lit(p.end))
        .and(col(end).is_null().or(col(end).gt(lit(p.end))))
}

/// Whole days from `from` to `to`.
pub fn days_between(from: &str, to: &str) -> Expr {
    (col(to).cast(DataType::Int32) - col(from).cast(DataType::Int32)).cast(DataType::Float64)
}

/// Text column values as strings (null as empty).
pub fn strings(frame: &DataFrame, column: &str) -> Result<Vec<String>> {
    let c = frame.column(column)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

pub fn ints(frame: &DataFrame, column: &str) -> Result<Vec<i64>> {
    let c = frame.column(column)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

pub fn floats(frame: &DataFrame, column: &str) -> Result<Vec<Option<f64>>> {
    let c = frame.column(column)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// One row per category with a count column `n`: pushes them sorted by category name, so the
/// CSV is stable whatever order the group-by produced.
pub fn push_counts(
    f: &mut Figures,
    frame: &DataFrame,
    indicator: Indicator,
    period: &str,
    key: &str,
) -> Result<()> {
    let keys = strings(frame, key)?;
    let counts = ints(frame, "n")?;
    let mut pairs: Vec<(String, i64)> = keys.into_iter().zip(counts).collect();
    pairs.sort();
    for (k, n) in pairs {
        f.count(FigureKey::new(indicator, k, period), n);
    }
    Ok(())
}

/// Pushes a count for each of `expected`, 0 where the frame has none.
pub fn push_fixed(
    f: &mut Figures,
    frame: &DataFrame,
    indicator: Indicator,
    period: &str,
    key: &str,
    expected: &[&str],
) -> Result<()> {
    let keys = strings(frame, key)?;
    let counts = ints(frame, "n")?;
    for e in expected {
        let n = keys
            .iter()
            .zip(&counts)
            .find(|(k, _)| k == e)
            .map_or(0, |(_, n)| *n);
        f.count(FigureKey::new(indicator, *e, period), n);
    }
    Ok(())
}

/// A total: the sum of the categories just pushed for `indicator` in `period`.
pub fn push_total(f: &mut Figures, indicator: Indicator, period: &str) {
    let sum = f
        .categories(indicator, period)
        .iter()
        .filter_map(|c| c.value.count())
        .sum();
    f.count(FigureKey::total(indicator, period), sum);
}

/// A mean over `n` records; over none it is missing.
pub fn mean(f: &mut Figures, key: FigureKey, value: Option<f64>, n: u64) {
    measured(f, key, value.map(Value::Mean), n);
}

/// A percentage of `n` records; of none it is missing.
pub fn pct(f: &mut Figures, key: FigureKey, value: Option<f64>, n: u64) {
    measured(f, key, value.map(Value::Pct), n);
}

fn measured(f: &mut Figures, key: FigureKey, value: Option<Value>, n: u64) {
    let dimension = if key.category.is_empty() {
        ""
    } else {
        key.indicator.dimension()
    };
    f.push(Figure {
        key,
        dimension,
        value: value.filter(|_| n > 0).unwrap_or(Value::Missing),
        n: Some(n),
    });
}

/// Splits a multi-valued `|` column into one row per trimmed, non-empty value.
pub fn explode_multi(frame: LazyFrame, column: &str, into: &str) -> LazyFrame {
    frame
        .with_column(col(column).str().split(lit("|")).alias(into))
        .explode(
            by_name([into], true, false),
            ExplodeOptions {
                empty_as_null: true,
                keep_nulls: false,
            },
        )
        .with_column(col(into).str().strip_chars(lit(NULL)))
        .filter(col(into).is_not_null().and(col(into).neq(lit(""))))
}
