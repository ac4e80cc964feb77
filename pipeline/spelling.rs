//! Values spelled many ways in the exports (case, aliases), mapped onto the spelling the
//! contracts use.

use std::sync::Arc;

use polars::prelude::*;

/// What becomes of a value that matches none of the spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Null,
    Keep,
}

/// Canonical spellings by the lower-cased spellings that mean them.
pub struct Spellings(PlHashMap<String, PlSmallStr>);

impl Spellings {
    /// From `(spelling, canonical)` pairs.
    pub fn new(values: &[(&str, &str)]) -> Self {
        Self(
            values
                .iter()
                .map(|(alias, value)| (alias.to_lowercase(), PlSmallStr::from(*value)))
                .collect(),
        )
    }

    /// The canonical spelling of `text`, matched ignoring case.
    pub fn get(&self, text: &str) -> Option<&str> {
        self.0.get(&text.to_lowercase()).map(PlSmallStr::as_str)
    }

    /// A lookup for one pass over a column: a column holds a handful of distinct spellings
    /// over millions of rows, so each is lower-cased and looked up once.
    pub fn lookup(&self, unknown: Unknown) -> Lookup<'_> {
        Lookup {
            spellings: self,
            unknown,
            seen: PlHashMap::new(),
        }
    }
}

/// [`Spellings::get`] remembered per distinct text; see [`Spellings::lookup`].
pub struct Lookup<'a> {
    spellings: &'a Spellings,
    unknown: Unknown,
    seen: PlHashMap<&'a str, Option<&'a str>>,
}

impl<'a> Lookup<'a> {
    /// The canonical spelling of `text`; an unknown one as given or none, as chosen.
    pub fn get(&mut self, text: &'a str) -> Option<&'a str> {
        *self
            .seen
            .entry(text)
            .or_insert_with(|| match self.spellings.get(text) {
                Some(canonical) => Some(canonical),
                None if self.unknown == Unknown::Keep => Some(text),
                None => None,
            })
    }
}

/// Maps `text` case-insensitively through `(spelling, canonical)` pairs.
pub fn respell(text: Expr, values: &[(&str, &str)], unknown: Unknown) -> Expr {
    let spellings = Arc::new(Spellings::new(values));
    text.map(
        move |c| {
            let mut lookup = spellings.lookup(unknown);
            let out: StringChunked = c
                .str()?
                .iter()
                .map(|v| v.and_then(|s| lookup.get(s)))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_map_ignoring_case_and_unknowns_follow_the_choice() {
        let frame =
            df!("t" => [Some("i&a"), Some("Leun & Steun"), Some("iets"), None, Some("I&A")])
                .unwrap();
        let pairs = [("I&A", "IA"), ("Leun & Steun", "LS")];
        let run = |unknown| {
            let out = frame
                .clone()
                .lazy()
                .select([respell(col("t"), &pairs, unknown)])
                .collect()
                .unwrap();
            out.column("t")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect::<Vec<_>>()
        };
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            run(Unknown::Null),
            vec![s("IA"), s("LS"), None, None, s("IA")]
        );
        assert_eq!(
            run(Unknown::Keep),
            vec![s("IA"), s("LS"), s("iets"), None, s("IA")]
        );
    }
}
