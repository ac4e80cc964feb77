//! A correction against the versions before it (contracts/disclosure.md, "Versions"): a
//! reader may keep every earlier version and subtract. A count shown as a number in an
//! earlier version that changed by 1 to T − 1 tells what a handful of registrations were
//! (one case added: a woman, in this village, of this age band); a mean or percentage that
//! moved while fewer than T of its records changed tells what those records hold. Such a
//! count is withheld (`x`, so that secondary suppression keeps it from being worked out)
//! and such a value shown as `n<T`.

use std::collections::HashMap;

use super::{Shown, View};
use crate::figures::{FigureKey, Figures, Kind, Value};

/// What readers of an earlier public version have: its cells as it showed them, and (to
/// know its record counts) its figures as computed.
pub struct Earlier<'a> {
    pub version: u32,
    pub shown: HashMap<FigureKey, Shown>,
    pub figures: Option<&'a Figures>,
}

/// Withholds in `view` what a difference with an earlier version would tell. Returns how
/// many cells it withheld.
pub fn protect(view: &mut View, f: &Figures, earlier: &[Earlier]) -> usize {
    let t = i64::from(view.threshold);
    let mut changed = Vec::new();
    for (key, shown) in &view.cells {
        let Shown::Value(now) = shown else { continue };
        let Some(figure) = f.get(key) else { continue };
        for e in earlier {
            let Some(Shown::Value(before)) = e.shown.get(key) else {
                continue;
            };
            let tells = match (key.indicator.kind(), now, before) {
                (Kind::Count, Value::Count(c), Value::Count(p)) => {
                    let d = (c - p).abs();
                    d > 0 && d < t
                }
                (Kind::Mean | Kind::Pct, now, before) if now.csv() != before.csv() => {
                    let n_before = e.figures.and_then(|old| old.get(key)).and_then(|old| old.n);
                    match (figure.n, n_before) {
                        (Some(n), Some(m)) => n.abs_diff(m) < u64::from(view.threshold),
                        // Unknown: assume few records changed.
                        _ => true,
                    }
                }
                _ => false,
            };
            if tells {
                let hidden = match key.indicator.kind() {
                    Kind::Count => Shown::Withheld,
                    _ => Shown::FewRecords,
                };
                changed.push((key.clone(), hidden, e.version));
                break;
            }
        }
    }
    for (key, hidden, version) in &changed {
        tracing::debug!(cell = %key, against = version, "withheld: a difference with an earlier version would tell it");
        view.cells.insert(key.clone(), *hidden);
    }
    changed.len()
}
