//! Text from outside (commentary, budget line names, config) made printable before it
//! reaches a layout. A PDF/UA file may not show a character it has no glyph for, so one
//! NUL byte in a commentary file, or a character none of the fonts has, would otherwise
//! stop the whole publication (found by fuzzing the commentary path).

use std::collections::HashMap;

use serde_json::Value;
use typst::text::FontVariant;

use super::Engine;

/// Shown for a character no font has.
const REPLACEMENT: char = '\u{FFFD}';

struct Glyphs<'a> {
    engine: &'a Engine,
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
        let engine = self.engine;
        *self.known.entry(c).or_insert_with(|| engine.has_glyph(c))
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

    fn walk(&mut self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => match self.clean(s) {
                Some(clean) => {
                    *s = clean;
                    true
                }
                None => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |ch, v| self.walk(v) | ch),
            Value::Object(fields) => fields.values_mut().fold(false, |ch, v| self.walk(v) | ch),
            _ => false,
        }
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

impl Engine {
    /// Whether some font of the engine has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        let mut buf = [0u8; 4];
        self.book()
            .select_fallback(None, FontVariant::default(), c.encode_utf8(&mut buf))
            .is_some()
    }
}

/// Makes every string of the data document printable: control characters other than line
/// breaks and tabs removed, a character no font has replaced by U+FFFD (or `?`). Returns
/// whether anything changed, which is the exception.
pub fn clean(engine: &Engine, doc: &mut Value) -> bool {
    let replacement = if engine.has_glyph(REPLACEMENT) {
        REPLACEMENT
    } else {
        '?'
    };
    let mut glyphs = Glyphs {
        engine,
        known: HashMap::new(),
        replacement,
    };
    glyphs.walk(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::world::tests::engine;

    #[test]
    fn control_characters_go_and_missing_glyphs_are_replaced() {
        let engine = engine();
        let doc = serde_json::json!({
            "a": "Het jaar\u{0} 2024\u{7}",
            "b": ["regel 1\nregel\t2", { "c": "€ 3.668.000 — één, ï, ß, ™\u{FE0F}, \u{200E}" }],
            "d": "\u{1F600} \u{10FFFD}",
            "n": 3.5,
        });
        let mut out = doc.clone();
        assert!(clean(&engine, &mut out));
        assert_eq!(out["a"], "Het jaar 2024");
        assert_eq!(out["b"], doc["b"], "printable text is left alone");
        let d = out["d"].as_str().unwrap();
        assert!(d.chars().all(|c| c == ' ' || engine.has_glyph(c)), "{d:?}");
        assert_eq!(out["n"], 3.5);
    }
}
