//! Bar charts from the view: a bar only for a cell the view shows as a number (a withheld
//! cell is drawn as not shown, its label saying `<5` or `x`), and an alternative text that
//! says exactly what the labels say.

use super::RenderError;
use super::cells::Cells;
use super::document::{Block, Chart, ChartKind, Norm, Series};
use crate::figures::FigureKey;

pub struct Bars<'a> {
    pub kind: ChartKind,
    pub caption: &'a str,
    /// The alternative text's opening: what the chart shows.
    pub what: &'a str,
    pub categories: Vec<String>,
    /// (legend label, brand colour, one cell per category).
    pub series: Vec<(String, &'a str, Vec<FigureKey>)>,
    pub unit: &'a str,
    /// Decimals of the labels.
    pub digits: usize,
    pub norm: Option<Norm>,
}

pub fn bars(c: &Cells, b: Bars) -> Result<Block, RenderError> {
    let mut series = Vec::new();
    for (label, color, keys) in b.series {
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for key in &keys {
            let (value, text) = if b.digits == 0 {
                c.bar_in(key)?
            } else {
                c.bar(key, b.digits)?
            };
            values.push(value);
            labels.push(text);
        }
        series.push(Series {
            label,
            color: color.into(),
            values,
            labels,
        });
    }
    let alt = alt_text(b.what, &b.categories, &series);
    Ok(Block::Chart(Chart {
        chart: b.kind,
        caption: b.caption.into(),
        alt,
        categories: b.categories,
        series,
        norm: b.norm,
        unit: b.unit.into(),
    }))
}

/// Every label of every series, in the chart's order: a reader without the chart misses
/// nothing, and learns nothing the labels withhold.
pub fn alt_text(what: &str, categories: &[String], series: &[Series]) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|s| {
            let cells: Vec<String> = categories
                .iter()
                .zip(&s.labels)
                .map(|(k, l)| format!("{k} {l}"))
                .collect();
            if series.len() == 1 {
                cells.join(", ")
            } else {
                format!("{}: {}", s.label, cells.join(", "))
            }
        })
        .collect();
    if categories.is_empty() {
        // A chart of a period without any: the reader is told so, not given an empty list.
        return format!("{what}: geen gegevens in deze periode.");
    }
    format!("{what}: {}.", parts.join("; "))
}
