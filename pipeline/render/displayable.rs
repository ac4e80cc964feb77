//! Text from outside (commentary, budget line names, config) made printable before it
//! reaches a layout. A PDF/UA file may not show a character it has no glyph for, so one
//! NUL byte in a commentary file, or a character none of the fonts has, would otherwise
//! stop the whole publication (found by fuzzing the commentary path).

use std::collections::HashMap;

use super::Engine;

/// Shown for a character no font has.
const REPLACEMENT: char = '\u{FFFD}';

struct Glyphs<'a> {
    engine: &'a Engine,
    /// The families the layouts set text in: the brand's font, then the stack of
    /// `font-stack` in `layouts/common.typ`.
    families: Vec<String>,
    known: HashMap<char, bool>,
    replacement: char,
}

impl Glyphs<'_> {
    fn printable(&mut self, c: char) -> bool {
        if c == '\n' || c == '\t' || (c.is_ascii() && !c.is_ascii_control()) {
            return true;
        }
        if c.is_control() {
            return false;
        }
        if c.is_whitespace() || default_ignorable(c) {
            // Spaces are laid out, not drawn; invisible format characters (variation
            // selectors, direction marks, soft hyphens) are dropped by the shaper.
            return true;
        }
        let (engine, families) = (self.engine, &self.families);
        *self
            .known
            .entry(c)
            .or_insert_with(|| engine.has_glyph_in(families, c))
    }

    /// `None` when the text is printable as it is.
    fn clean(&mut self, text: &str) -> Option<String> {
        if text.chars().all(|c| self.printable(c)) {
            return None;
        }
        let replacement = self.replacement;
        Some(
            text.chars()
                .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
                .map(|c| if self.printable(c) { c } else { replacement })
                .collect(),
        )
    }
}

/// Unicode's Default_Ignorable_Code_Point: characters that are never drawn.
fn default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// The families `font-stack` in `layouts/common.typ` sets text in after the brand's font.
const STACK: [&str; 2] = ["open sans", "libertinus serif"];

fn families(brand_font: &str) -> Vec<String> {
    let brand = brand_font.trim().to_lowercase();
    (!brand.is_empty())
        .then_some(brand)
        .into_iter()
        .chain(STACK.iter().map(|f| f.to_string()))
        .collect()
}

impl Engine {
    /// Whether one of `families` (lower case) has a glyph for `c`: the fonts the layouts
    /// set text in. A font elsewhere in the book may cover it too, but Typst's fallback
    /// need not pick it, and a PDF/UA file may not show a character without its glyph.
    pub fn has_glyph_in(&self, families: &[String], c: char) -> bool {
        let book = self.book();
        families.iter().any(|family| {
            book.select_family(family)
                .filter_map(|i| self.font(i))
                .any(|font| {
                    let instance = font.instantiate(
                        typst::text::FontVariant::default(),
                        typst::layout::Abs::pt(10.0),
                        &Default::default(),
                    );
                    instance.ttf().glyph_index(c).is_some()
                })
        })
    }

    /// Whether the layouts' default fonts have a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.has_glyph_in(&families(""), c)
    }
}

/// A text that could not be shown as written: where it was (its opening words) and the
/// characters that were replaced or dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub text: String,
    pub characters: Vec<char>,
}

impl Replaced {
    /// As the data-quality appendix and the log say it.
    pub fn warning(&self) -> String {
        let chars: Vec<String> = self
            .characters
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect();
        format!(
            "In de tekst \"{}\" {} niet weer te geven en vervangen door \u{FFFD} of weggelaten: {}.",
            self.text,
            if chars.len() == 1 {
                "was een teken"
            } else {
                "waren tekens"
            },
            chars.join(", ")
        )
    }
}

/// Makes every string printable: control characters other than line breaks and tabs
/// removed, a character no font has replaced by U+FFFD (or `?`). Returns what it changed,
/// which is the exception.
pub fn clean(engine: &Engine, brand_font: &str, texts: Vec<&mut String>) -> Vec<Replaced> {
    let families = families(brand_font);
    let replacement = if engine.has_glyph_in(&families, REPLACEMENT) {
        REPLACEMENT
    } else {
        '?'
    };
    let mut glyphs = Glyphs {
        engine,
        families,
        known: HashMap::new(),
        replacement,
    };
    let mut out = Vec::new();
    for text in texts {
        if let Some(clean) = glyphs.clean(text) {
            let mut characters: Vec<char> = text
                .chars()
                .filter(|c| !glyphs.printable(*c) && *c != '\n' && *c != '\t')
                .collect();
            characters.dedup();
            let opening: String = clean.chars().take(40).collect();
            *text = clean;
            out.push(Replaced {
                text: opening,
                characters,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::world::tests::engine;

    #[test]
    fn control_characters_go_and_missing_glyphs_are_replaced() {
        let engine = engine();
        let mut a = "Het jaar\u{0} 2024\u{7}".to_string();
        let printable = "regel 1\nregel\t2 € 3.668.000 — één, ï, ß, ™\u{FE0F}, \u{200E}";
        let mut b = printable.to_string();
        let mut d = "\u{1F600} \u{10FFFD}".to_string();
        let mut e = "haakjes \u{3014}voorlopig\u{3015}".to_string();
        let replaced = clean(&engine, "", vec![&mut a, &mut b, &mut d, &mut e]);
        assert!(e.chars().all(|c| c == ' ' || engine.has_glyph(c)), "{e:?}");
        assert_eq!(a, "Het jaar 2024");
        assert_eq!(b, printable, "printable text is left alone");
        assert!(d.chars().all(|c| c == ' ' || engine.has_glyph(c)), "{d:?}");
        assert_eq!(replaced.len(), 3, "{replaced:?}");
        assert_eq!(replaced[1].characters, vec!['\u{1F600}', '\u{10FFFD}']);
        assert!(
            replaced[1].warning().contains("U+1F600"),
            "{}",
            replaced[1].warning()
        );
    }
}
