//! Column widths of every table, measured here from the fonts' advance widths and handed
//! to the layout in em. The layout used to measure cells itself with Typst's `measure`,
//! which lays each string out: that was a third of the report's compile time, while
//! adding up glyph advances is microseconds.
//!
//! Digits count at the widest digit's advance, as the layout sets tables with tabular
//! figures. Kerning is ignored: a few hundredths of an em per pair either way, which the
//! layout's padding absorbs; it may wrap text columns, never numbers.

use std::collections::HashMap;

use serde_json::{Map, Value};
use typst::layout::Abs;
use typst::text::{FontStretch, FontStyle, FontVariant, FontWeight};

use super::world::Engine;

/// The families text is set in, as `font-stack` in `layouts/common.typ` lists them.
const FALLBACK_FAMILIES: [&str; 2] = ["open sans", "libertinus serif"];

/// The weights the table layout uses: column headers semibold, total rows bold.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Weight {
    Regular,
    Semibold,
    Bold,
}

struct Measurer<'a> {
    engine: &'a Engine,
    families: Vec<String>,
    /// Advance per character and weight, in em (a digit's is the widest digit's).
    known: HashMap<(char, Weight), f64>,
}

impl Measurer<'_> {
    /// The advance of `c` at `weight` in em, remembered per character.
    fn advance(&mut self, c: char, weight: Weight) -> f64 {
        if let Some(&w) = self.known.get(&(c, weight)) {
            return w;
        }
        let width = if c.is_ascii_digit() {
            ('0'..='9')
                .map(|d| self.glyph_advance(d, weight))
                .fold(0.0, f64::max)
        } else {
            self.glyph_advance(c, weight)
        };
        self.known.insert((c, weight), width);
        width
    }

    fn glyph_advance(&self, c: char, weight: Weight) -> f64 {
        let variant = FontVariant::new(
            FontStyle::Normal,
            match weight {
                Weight::Regular => FontWeight::REGULAR,
                Weight::Semibold => FontWeight::SEMIBOLD,
                Weight::Bold => FontWeight::BOLD,
            },
            FontStretch::NORMAL,
        );
        let book = self.engine.book();
        self.families
            .iter()
            .filter_map(|family| book.select(family, variant))
            .filter_map(|index| self.engine.font(index))
            .find_map(|font| {
                let instance = font.instantiate(variant, Abs::pt(10.0), &Default::default());
                let glyph = instance.ttf().glyph_index(c)?;
                Some(instance.x_advance(glyph.0)?.get())
            })
            // A character none of the families has is set in a fallback font: count it
            // as a wide letter rather than guess low.
            .unwrap_or(0.7)
    }

    fn width(&mut self, text: &str, weight: Weight) -> f64 {
        text.chars().map(|c| self.advance(c, weight)).sum()
    }

    fn widest_word(&mut self, text: &str, weight: Weight) -> f64 {
        text.split_whitespace()
            .map(|w| self.width(w, weight))
            .fold(0.0, f64::max)
    }
}

/// Adds `widths` to every table of the data document: per column `[want, need]` in em of
/// the table's text size — the width of its widest header or cell on one line, and of its
/// widest unbreakable word (a whole number for right-aligned columns). Returns whether a
/// table was found.
pub fn add(engine: &Engine, doc: &mut Value) -> bool {
    let font = doc
        .get("brand")
        .and_then(|b| b.get("font"))
        .and_then(Value::as_str)
        .map(|f| f.trim().to_lowercase())
        .filter(|f| !f.is_empty());
    let families = font
        .into_iter()
        .chain(FALLBACK_FAMILIES.iter().map(|f| f.to_string()))
        .collect();
    let mut m = Measurer {
        engine,
        families,
        known: HashMap::new(),
    };
    walk(&mut m, doc)
}

fn walk(m: &mut Measurer, value: &mut Value) -> bool {
    match value {
        Value::Object(object) => {
            let mut found = false;
            if let Some(widths) = table_widths(m, object) {
                object.insert("widths".into(), widths);
                found = true;
            }
            for v in object.values_mut() {
                found |= walk(m, v);
            }
            found
        }
        Value::Array(items) => items.iter_mut().fold(false, |f, v| walk(m, v) | f),
        _ => false,
    }
}

/// A string field, or empty.
fn text(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or_default()
}

fn table_widths(m: &mut Measurer, table: &Map<String, Value>) -> Option<Value> {
    let columns = table.get("columns")?.as_array()?;
    let rows = table.get("rows")?.as_array()?;
    let right: Vec<bool> = columns
        .iter()
        .map(|c| c.get("align").and_then(Value::as_str) == Some("right"))
        .collect();
    let mut want = Vec::with_capacity(columns.len());
    let mut need = Vec::with_capacity(columns.len());
    for c in columns {
        let label = text(c.get("label"));
        want.push(m.width(label, Weight::Semibold));
        need.push(m.widest_word(label, Weight::Semibold));
    }
    let flagged = rows
        .iter()
        .any(|r| r.get("flag").and_then(Value::as_bool) == Some(true));
    for row in rows {
        let style = row.get("style").and_then(Value::as_str).unwrap_or("normal");
        let cells: Vec<&str> = row
            .get("cells")
            .and_then(Value::as_array)
            .map(|cells| cells.iter().map(|c| text(Some(c))).collect())
            .unwrap_or_default();
        // A group heading spans the table: it does not size any column.
        if style == "heading" && cells.iter().skip(1).all(|c| c.trim().is_empty()) {
            continue;
        }
        let weight = if style == "normal" {
            Weight::Regular
        } else {
            Weight::Bold
        };
        for (j, cell) in cells.iter().enumerate().take(columns.len()) {
            // The flag marker beside a finance line's name.
            let marker = if j == 0 && flagged { 1.4 } else { 0.0 };
            let w = m.width(cell, weight) + marker;
            want[j] = f64::max(want[j], w);
            let word = if right[j] {
                w
            } else {
                m.widest_word(cell, weight)
            };
            need[j] = f64::max(need[j], word);
        }
    }
    let round = |x: f64| (x * 1000.0).ceil() / 1000.0;
    Some(Value::Array(
        want.iter()
            .zip(&need)
            .map(|(w, n)| serde_json::json!([round(*w), round(*n)]))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::world::tests::engine;

    #[test]
    fn widths_follow_the_longest_cell_and_word_per_column() {
        let engine = engine();
        let mut doc = serde_json::json!({
            "brand": { "font": "" },
            "sections": [{ "blocks": [{
                "kind": "table",
                "columns": [
                    { "label": "Ondersteuningsvorm", "align": "left" },
                    { "label": "2024", "align": "right" }
                ],
                "rows": [
                    { "cells": ["Informatie en advies aan de balie", "1.234"], "style": "normal", "flag": false },
                    { "cells": ["Totaal", "12.345.678"], "style": "total", "flag": false },
                    { "cells": ["Een kop die de hele tabel overspant", ""], "style": "heading", "flag": false }
                ]
            }]}]
        });
        assert!(add(&engine, &mut doc));
        let widths = doc["sections"][0]["blocks"][0]["widths"]
            .as_array()
            .unwrap();
        let pair = |j: usize| {
            let p = widths[j].as_array().unwrap();
            (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())
        };
        let (label_want, label_need) = pair(0);
        let (number_want, number_need) = pair(1);
        // The cell is longer than the header; its longest word is shorter than the
        // header's one word, and the spanning heading counts for nothing.
        assert!(label_want > 12.0 && label_want < 17.0, "{label_want}");
        assert!(label_need < label_want, "{label_need} < {label_want}");
        assert!(
            label_need > 8.0,
            "the header word is the widest: {label_need}"
        );
        // Ten characters of bold figures: wider than the four of the header, unbreakable.
        assert_eq!(number_want, number_need);
        assert!(number_want > 4.5 && number_want < 7.5, "{number_want}");
    }

    #[test]
    fn a_document_without_tables_is_left_alone() {
        let engine = engine();
        let mut doc = serde_json::json!({ "meta": { "title": "x" }, "rows": 3 });
        let before = doc.clone();
        assert!(!add(&engine, &mut doc));
        assert_eq!(doc, before);
    }
}
