//! The rows of a loaded table by its unique key (a case by its Casusnummer), which the
//! uniqueness check builds and every reference to the table looks up.
//!
//! Registration systems number their cases and trajectories: a fixed prefix and a
//! zero-padded counter (`C00002076`). Keys of that one shape are their counter, so the index
//! is an array by counter: a lookup reads the digits and one slot. At national scale that
//! replaced 28 million hash lookups of text in a table of 2 million keys, which missed the
//! cache and grew faster than the export (bench/README.md). Keys of any other shape are
//! hashed.

use polars::prelude::{InitHashMaps, PlHashMap, PlSmallStr};

/// An empty slot of the array.
const NONE: u32 = u32::MAX;

/// The longest counter read as a number: nine digits always fit a `u32`.
const MAX_DIGITS: usize = 9;

#[derive(Debug)]
pub enum KeyRows {
    /// Every key is `prefix` followed by exactly `digits` digits; `rows[n]` is the row of the
    /// key whose digits read `n`.
    Numbered {
        prefix: Box<str>,
        digits: usize,
        rows: Vec<u32>,
    },
    Hashed(PlHashMap<PlSmallStr, u32>),
}

/// Two positions holding the same key: the later one and the first.
#[derive(Debug, PartialEq)]
pub struct Duplicate {
    pub position: u32,
    pub first: u32,
}

/// The digits after `prefix` as a number, when `key` has the shape.
fn counter(key: &str, prefix: &str, digits: usize) -> Option<usize> {
    let rest = key.strip_prefix(prefix)?.as_bytes();
    if rest.len() != digits {
        return None;
    }
    rest.iter().try_fold(0usize, |n, b| {
        let d = b.wrapping_sub(b'0');
        (d < 10).then_some(n * 10 + usize::from(d))
    })
}

impl KeyRows {
    /// The index of `(position, key)` pairs, which `keys` yields afresh on every call (the
    /// array index reads them twice); a key seen twice is a [`Duplicate`].
    pub fn build<'a, I>(keys: impl Fn() -> I) -> Result<KeyRows, Duplicate>
    where
        I: Iterator<Item = (u32, &'a str)>,
    {
        if let Some(numbered) = Self::numbered(&keys)? {
            return Ok(numbered);
        }
        let mut rows = PlHashMap::with_capacity(keys().size_hint().0);
        for (position, key) in keys() {
            if let Some(first) = rows.insert(PlSmallStr::from(key), position) {
                return Err(Duplicate { position, first });
            }
        }
        Ok(KeyRows::Hashed(rows))
    }

    /// The array index, when every key has one shape and the counters are not spread far
    /// beyond the number of keys; `None` otherwise.
    fn numbered<'a, I>(keys: &impl Fn() -> I) -> Result<Option<KeyRows>, Duplicate>
    where
        I: Iterator<Item = (u32, &'a str)>,
    {
        let Some((_, first)) = keys().next() else {
            return Ok(None);
        };
        let cut = first
            .bytes()
            .position(|b| b.is_ascii_digit())
            .unwrap_or(first.len());
        let (prefix, digits) = (&first[..cut], first.len() - cut);
        if digits == 0 || digits > MAX_DIGITS {
            return Ok(None);
        }
        let (mut count, mut max) = (0usize, 0usize);
        for (_, key) in keys() {
            let Some(n) = counter(key, prefix, digits) else {
                return Ok(None);
            };
            count += 1;
            max = max.max(n);
        }
        if max > 4 * count + 1024 {
            return Ok(None);
        }
        let mut rows = vec![NONE; max + 1];
        for (position, key) in keys() {
            let n = counter(key, prefix, digits).expect("every key was read above");
            if rows[n] != NONE {
                return Err(Duplicate {
                    position,
                    first: rows[n],
                });
            }
            rows[n] = position;
        }
        Ok(Some(KeyRows::Numbered {
            prefix: prefix.into(),
            digits,
            rows,
        }))
    }

    /// The row holding `key`.
    pub fn get(&self, key: &str) -> Option<u32> {
        match self {
            KeyRows::Numbered {
                prefix,
                digits,
                rows,
            } => counter(key, prefix, *digits)
                .and_then(|n| rows.get(n).copied())
                .filter(|r| *r != NONE),
            KeyRows::Hashed(rows) => rows.get(key).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The plain hash index, as the loader built it before.
    fn hashed<'a>(keys: impl Iterator<Item = (u32, &'a str)>) -> Result<KeyRows, Duplicate> {
        let mut rows = PlHashMap::new();
        for (position, key) in keys {
            if let Some(first) = rows.insert(PlSmallStr::from(key), position) {
                return Err(Duplicate { position, first });
            }
        }
        Ok(KeyRows::Hashed(rows))
    }

    /// Key sets of one shape, of mixed shapes, with gaps, duplicates and leading zeros,
    /// probed with keys, near misses (other width, prefix, case, a sign, spaces) and
    /// strangers: the array index finds exactly what the hash index finds and reports the
    /// same duplicate.
    #[test]
    fn the_array_index_finds_what_a_hash_index_finds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        let mut numbered = 0;
        for round in 0..3000 {
            let prefix = ["C", "", "TR-", "c", "C0"][rng.random_range(0..5)];
            let width = rng.random_range(1..=10);
            let spread = rng.random_range(1..200u64);
            let n = rng.random_range(0..60);
            let mut keys: Vec<String> = (0..n)
                .map(|_| {
                    let v = rng.random_range(0..spread.min(10u64.pow(width.min(9) as u32)));
                    match rng.random_range(0..40) {
                        0 => format!("{prefix}{v}"),
                        1 => format!("X{v:0width$}"),
                        _ => format!("{prefix}{v:0width$}"),
                    }
                })
                .collect();
            if rng.random_range(0..3) > 0 {
                keys.sort();
                keys.dedup();
            }
            let pairs = || keys.iter().enumerate().map(|(i, k)| (i as u32, k.as_str()));
            let (fast, slow) = (KeyRows::build(pairs), hashed(pairs()));
            match (&fast, &slow) {
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "round {round}");
                    continue;
                }
                (Ok(_), Ok(_)) => {}
                _ => panic!("round {round}: {fast:?} against {slow:?}"),
            }
            let (fast, slow) = (fast.unwrap(), slow.unwrap());
            numbered += usize::from(matches!(fast, KeyRows::Numbered { .. }));
            let mut probes: Vec<String> = keys.clone();
            for k in &keys {
                probes.push(format!("0{k}"));
                probes.push(format!(" {k}"));
                probes.push(k.to_lowercase());
                probes.push(k.replacen(prefix, "", 1));
                probes.push(k[..k.len().saturating_sub(1)].to_string());
            }
            for _ in 0..20 {
                let v = rng.random_range(0..spread * 2);
                probes.push(format!("{prefix}{v:0width$}"));
                probes.push(format!("{prefix}+{v}"));
            }
            probes.push(String::new());
            for p in &probes {
                assert_eq!(fast.get(p), slow.get(p), "round {round}: {p:?} in {keys:?}");
            }
        }
        assert!(
            numbered > 500,
            "the array index was tried in {numbered} rounds only"
        );
    }
}
