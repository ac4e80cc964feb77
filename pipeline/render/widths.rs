//! Column widths of every table, measured here from the fonts' advance widths and handed
//! to the layout in em. The layout used to measure cells itself with Typst's `measure`,
//! which lays each string out: that was a third of the report's compile time, while
//! adding up glyph advances is microseconds.
//!
//! Digits count at the widest digit's advance, as the layout sets tables with tabular
//! figures. Kerning is ignored: a few hundredths of an em per pair either way, which the
//! layout's padding absorbs; it may wrap text columns, never numbers.

use std::collections::HashMap;

use typst::layout::Abs;
use typst::text::{FontStretch, FontStyle, FontVariant, FontWeight};

use super::document::{Align, RowStyle, Table};
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

/// Sets `widths` on every table: per column `[want, need]` in em of the table's text
/// size — the width of its widest header or cell on one line, and of its widest
/// unbreakable word (a whole number for right-aligned columns). `font` is the brand's.
pub fn measure(engine: &Engine, font: &str, tables: Vec<&mut Table>) {
    let font = Some(font.trim().to_lowercase()).filter(|f| !f.is_empty());
    let families = font
        .into_iter()
        .chain(FALLBACK_FAMILIES.iter().map(|f| f.to_string()))
        .collect();
    let mut m = Measurer {
        engine,
        families,
        known: HashMap::new(),
    };
    for table in tables {
        table.widths = Some(table_widths(&mut m, table));
    }
}

fn table_widths(m: &mut Measurer, table: &Table) -> Vec<[f64; 2]> {
    let right: Vec<bool> = table
        .columns
        .iter()
        .map(|c| c.align == Align::Right)
        .collect();
    let mut want = Vec::with_capacity(table.columns.len());
    let mut need = Vec::with_capacity(table.columns.len());
    for c in &table.columns {
        want.push(m.width(&c.label, Weight::Semibold));
        need.push(m.widest_word(&c.label, Weight::Semibold));
    }
    let flagged = table.rows.iter().any(|r| r.flag);
    for row in &table.rows {
        // A group heading spans the table: it does not size any column.
        if row.style == RowStyle::Heading && row.cells.iter().skip(1).all(|c| c.trim().is_empty()) {
            continue;
        }
        let weight = if row.style == RowStyle::Normal {
            Weight::Regular
        } else {
            Weight::Bold
        };
        for (j, cell) in row.cells.iter().enumerate().take(table.columns.len()) {
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
    want.iter()
        .zip(&need)
        .map(|(w, n)| [round(*w), round(*n)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::document::{TableColumn, TableRow};
    use crate::render::world::tests::engine;

    #[test]
    fn widths_follow_the_longest_cell_and_word_per_column() {
        let engine = engine();
        let column = |label: &str, align| TableColumn {
            label: label.into(),
            align,
        };
        let mut table = Table::new(
            "t",
            vec![
                column("Ondersteuningsvorm", Align::Left),
                column("2024", Align::Right),
            ],
            vec![
                TableRow::new(vec![
                    "Informatie en advies aan de balie".into(),
                    "1.234".into(),
                ]),
                TableRow::styled(vec!["Totaal".into(), "12.345.678".into()], RowStyle::Total),
                TableRow::styled(
                    vec!["Een kop die de hele tabel overspant".into(), String::new()],
                    RowStyle::Heading,
                ),
            ],
        );
        measure(&engine, "", vec![&mut table]);
        let widths = table.widths.unwrap();
        let [label_want, label_need] = widths[0];
        let [number_want, number_need] = widths[1];
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
}
