//! Case, client and trajectory numbers as small integer codes.
//!
//! The monitor joins and groups on these keys across tens of millions of rows; hashing a
//! `u32` is many times cheaper than hashing text. The codes mean nothing outside one run
//! and the numbers themselves are never shown, so nothing is lost: this also keeps the
//! client-level identifiers out of every frame the monitor touches.

use polars::prelude::*;

use super::Export;
use super::key_index::KeyRows;

/// Encodes `column` of each frame: the first frame is the dictionary (its keys are unique,
/// as its load checked, and get their row number), the others look their keys up. A key
/// missing from the dictionary (a case's client without a client row, say) gets a fresh
/// code after every row number, so equal keys still compare equal.
fn encode(frames: &mut [&mut DataFrame], column: &str) -> PolarsResult<()> {
    let Some((first, rest)) = frames.split_first_mut() else {
        return Ok(());
    };
    let Ok(keys) = first.column(column) else {
        return Ok(());
    };
    if keys.dtype() != &DataType::String {
        return Ok(());
    }
    // The dictionary: the row of each key. Keys of one prefix and a zero-padded counter
    // (every Regas key) are an array by counter, read without hashing; any other key is
    // hashed. Its text is borrowed from a clone of the column (a reference count, no copy).
    let keys = keys.as_materialized_series().clone();
    let text = keys.str()?;
    let Ok(dictionary) = KeyRows::build(|| {
        text.iter()
            .enumerate()
            .filter_map(|(i, k)| Some((i as u32, k?)))
    }) else {
        return Err(PolarsError::ComputeError(
            format!("{column} repeats in the table that defines it").into(),
        ));
    };
    // Looking up is read-only, so the two halves of a column are looked up side by side;
    // keys missing from the dictionary (rare) get their codes afterwards, in order.
    const MISSING: u32 = u32::MAX;
    let look_up = |text: &StringChunked| -> Vec<Option<u32>> {
        let half = text.len() / 2;
        let (a, b) = (
            text.slice(0, half),
            text.slice(half as i64, text.len() - half),
        );
        let part = |t: &StringChunked| -> Vec<Option<u32>> {
            t.iter()
                .map(|v| v.map(|k| dictionary.get(k).unwrap_or(MISSING)))
                .collect()
        };
        std::thread::scope(|scope| {
            let second = scope.spawn(|| part(&b));
            let mut out = part(&a);
            out.extend(second.join().expect("a lookup does not panic"));
            out
        })
    };
    let rows = text.len();
    let mut columns: Vec<(Option<StringChunked>, Vec<Option<u32>>)> = vec![(
        None,
        text.iter()
            .enumerate()
            .map(|(i, k)| k.map(|_| i as u32))
            .collect(),
    )];
    for frame in rest.iter() {
        columns.push(match frame.column(column) {
            Ok(c) if c.dtype() == &DataType::String => {
                let t = c.str()?.clone();
                let codes = look_up(&t);
                (Some(t), codes)
            }
            _ => (None, vec![None; frame.height()]),
        });
    }
    let mut extra: PlHashMap<String, u32> = PlHashMap::new();
    let mut encoded: Vec<UInt32Chunked> = Vec::with_capacity(columns.len());
    for (t, mut codes) in columns {
        if let Some(t) = t {
            for (code, k) in codes.iter_mut().zip(t.iter()) {
                if let (Some(c), Some(k)) = (code.as_mut(), k)
                    && *c == MISSING
                {
                    let next = (rows + extra.len()) as u32;
                    *c = *extra.entry(k.to_string()).or_insert(next);
                }
            }
        }
        encoded.push(codes.into_iter().collect());
    }
    for (frame, codes) in std::iter::once(first).chain(rest.iter_mut()).zip(encoded) {
        if frame.column(column).is_ok() {
            frame.with_column(codes.with_name(column.into()).into_column())?;
        }
    }
    Ok(())
}

impl Export {
    /// Replaces every case, client and trajectory number by its code. Cases and
    /// trajectories are numbered by row: the tables referring to them already hold rows.
    pub fn encode_keys(&mut self) -> PolarsResult<()> {
        debug_assert!(
            [&self.contacts, &self.zrm, &self.survey]
                .iter()
                .all(|f| refers_within(f, "Casusnummer", self.cases.height()))
                && refers_within(&self.meetings, "Trajectnummer", self.trajectories.height()),
            "a reference beyond the rows it refers to"
        );
        number_rows(&mut self.cases, "Casusnummer")?;
        number_rows(&mut self.trajectories, "Trajectnummer")?;
        encode(&mut [&mut self.clients, &mut self.cases], "Clientnummer")
    }
}

/// Whether every row code in `column` names one of `rows` rows.
fn refers_within(frame: &DataFrame, column: &str, rows: usize) -> bool {
    frame
        .column(column)
        .ok()
        .and_then(|c| c.u32().ok().map(|codes| codes.max()))
        .is_none_or(|max| max.is_none_or(|m| (m as usize) < rows))
}

fn number_rows(frame: &mut DataFrame, column: &str) -> PolarsResult<()> {
    if frame.column(column).is_err() {
        return Ok(());
    }
    let rows = UInt32Chunked::from_vec(column.into(), (0..frame.height() as u32).collect());
    frame.with_column(rows.into_column())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(f: &DataFrame) -> Vec<Option<u32>> {
        f.column("Clientnummer")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn the_same_number_gets_the_same_code_across_tables() {
        let mut clients = df!("Clientnummer" => ["K9", "K2"]).unwrap();
        let mut cases = df!("Clientnummer" => [Some("K2"), None, Some("K9"), Some("K5")]).unwrap();
        encode(&mut [&mut clients, &mut cases], "Clientnummer").unwrap();
        assert_eq!(codes(&clients), vec![Some(0), Some(1)]);
        assert_eq!(
            codes(&cases),
            vec![Some(1), None, Some(0), Some(2)],
            "an unknown key gets a code of its own"
        );
    }

    /// Keys of no one shape are hashed, and give the same codes as numbered ones.
    #[test]
    fn keys_of_any_shape_get_the_same_codes() {
        let mut clients = df!("Clientnummer" => ["anna", "K2x"]).unwrap();
        let mut cases =
            df!("Clientnummer" => [Some("K2x"), None, Some("anna"), Some("bob"), Some("bob")])
                .unwrap();
        encode(&mut [&mut clients, &mut cases], "Clientnummer").unwrap();
        assert_eq!(codes(&clients), vec![Some(0), Some(1)]);
        assert_eq!(
            codes(&cases),
            vec![Some(1), None, Some(0), Some(2), Some(2)]
        );
    }
}
