//! What a correction changed: per document edition, every cell it shows whose shown value
//! differs from the version before, old and new as that version showed them. Read from
//! the previous version's own files (its `figures.csv` and public figures files) into
//! typed values.

use std::collections::BTreeMap;
use std::path::Path;

use crate::disclose::{self, Audience, Shown, View};
use crate::figures::{FigureKey, Figures, Indicator};
use crate::render::Document;

/// One cell that changed; `None` where the cell was not there.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    pub key: FigureKey,
    pub old: Option<Shown>,
    pub new: Option<Shown>,
}

/// A correction against version `previous`: the changed cells of each edition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correction {
    pub previous: u32,
    pub cells: BTreeMap<(Document, Audience), Vec<CellChange>>,
}

impl Correction {
    /// The changed cells of an edition (none when it did not change or is not there).
    pub fn of(&self, document: Document, audience: Audience) -> &[CellChange] {
        self.cells
            .get(&(document, audience))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// What the previous version showed.
#[derive(Debug, Default)]
pub struct Previous {
    pub version: u32,
    /// Its `figures.csv`, when it has one (a version published before it was written has
    /// none).
    pub figures: Option<Figures>,
    /// Per public document, its cells as shown.
    pub public: BTreeMap<Document, BTreeMap<FigureKey, Shown>>,
}

/// A published version's file that is there and does not read. Every later decision reads
/// it (what the version showed is what its readers have), so a run stops rather than
/// decide without it: a correction would no longer answer to it, another quarter's memo
/// would be published beside it unaudited.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path}: cannot be read ({reason}); a published version's files must be readable \
     before anything is decided beside them: restore the file from the backup"
)]
pub struct PreviousError {
    pub path: String,
    pub reason: String,
}

/// Reads version `version` of a quarter folder's files back. A file that is not there is
/// none (a document not published in a public edition, or a version from before the file
/// existed); one that is there and does not read is an error.
pub fn previous(version_dir: &Path, version: u32) -> Result<Previous, PreviousError> {
    let read = |path: &Path| -> Result<Option<Vec<u8>>, PreviousError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(PreviousError {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    };
    let path = version_dir.join("intern/figures.csv");
    let figures = match read(&path)? {
        Some(bytes) => Some(Figures::from_csv(&bytes).map_err(|e| PreviousError {
            path: path.display().to_string(),
            reason: format!("line {}: {}", e.line, e.reason),
        })?),
        None => None,
    };
    let mut public = BTreeMap::new();
    for document in Document::ALL {
        let path = version_dir
            .join("openbaar")
            .join(document.name())
            .join("cijfers-openbaar.csv");
        if let Some(bytes) = read(&path)? {
            let cells = disclose::read_public_csv(&bytes).map_err(|reason| PreviousError {
                path: path.display().to_string(),
                reason,
            })?;
            public.insert(document, cells);
        }
    }
    Ok(Previous {
        version,
        figures,
        public,
    })
}

fn same(a: Option<Shown>, b: Option<Shown>) -> bool {
    match (a, b) {
        (Some(Shown::Value(x)), Some(Shown::Value(y))) => x.csv() == y.csv(),
        (a, b) => a == b,
    }
}

/// The internal edition of `document`: every figure of its indicators that changed.
pub fn internal(old: &Figures, new: &Figures, indicators: &[Indicator]) -> Vec<CellChange> {
    let of = |f: &Figures| -> BTreeMap<FigureKey, Shown> {
        f.rows()
            .iter()
            .filter(|r| indicators.contains(&r.key.indicator))
            .map(|r| (r.key.clone(), Shown::Value(r.value)))
            .collect()
    };
    diff(&of(old), &of(new))
}

/// A public edition: every cell it shows, or showed, whose shown value changed.
pub fn public(
    old: &BTreeMap<FigureKey, Shown>,
    view: &View,
    shown: &[FigureKey],
) -> Vec<CellChange> {
    let new: BTreeMap<FigureKey, Shown> = shown
        .iter()
        .filter_map(|k| view.shown(k).ok().map(|s| (k.clone(), s)))
        .collect();
    diff(old, &new)
}

/// One change as a reader reads it: the figure in the document's words (label, breakdown,
/// period), old → new as `view` writes them; `(niet getoond)` where a cell was not there.
pub fn line(change: &CellChange, view: &View) -> String {
    let shown = |s: Option<Shown>, digits: usize| match s {
        Some(s) => view.text_of(s, digits),
        None => "(niet getoond)".to_string(),
    };
    // For the internal edition, a mean that moved by less than its printed decimal gets a
    // second one, so that no line reads "8,8 → 8,8". A public edition's lines show
    // numbers exactly as its documents do (contracts/disclosure.md), and one that reads
    // the same is not a change a reader of the document can see ([`visible`]).
    let mut digits = crate::render::cells::digits(change.key.indicator);
    if view.audience == Audience::Intern && shown(change.old, digits) == shown(change.new, digits) {
        digits += 1;
    }
    format!(
        "{}: {} → {}",
        change.key.words(),
        shown(change.old, digits),
        shown(change.new, digits)
    )
}

/// Whether a reader of the edition sees the change: its old and new cells do not read the
/// same (a mean that moved in its second decimal reads the same in a public document).
pub fn visible(change: &CellChange, view: &View) -> bool {
    let digits = crate::render::cells::digits(change.key.indicator);
    let text = |s: Option<Shown>| s.map(|s| view.text_of(s, digits));
    view.audience == Audience::Intern || text(change.old) != text(change.new)
}

/// What changed between two published versions of a quarter, for `audience`: for the
/// internal edition every figure of `figures.csv`, for the public one every cell the public
/// documents show. `None` when a version has no `figures.csv`.
pub fn between(
    version_dirs: (&Path, &Path),
    versions: (u32, u32),
    audience: Audience,
) -> Result<Option<Vec<CellChange>>, PreviousError> {
    let (a, b) = (
        previous(version_dirs.0, versions.0)?,
        previous(version_dirs.1, versions.1)?,
    );
    let internal = |a: &Previous, b: &Previous| {
        Some(internal(
            a.figures.as_ref()?,
            b.figures.as_ref()?,
            Indicator::ALL,
        ))
    };
    Ok(match audience {
        Audience::Intern => internal(&a, &b),
        Audience::Openbaar => {
            let cells = |p: &Previous| -> BTreeMap<FigureKey, Shown> {
                p.public
                    .values()
                    .flatten()
                    .map(|(k, s)| (k.clone(), *s))
                    .collect()
            };
            Some(diff(&cells(&a), &cells(&b)))
        }
    })
}

fn diff(old: &BTreeMap<FigureKey, Shown>, new: &BTreeMap<FigureKey, Shown>) -> Vec<CellChange> {
    let mut keys: Vec<&FigureKey> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k).copied(), new.get(k).copied());
            (!same(o, n)).then(|| CellChange {
                key: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Value;

    #[test]
    fn lists_changed_added_and_removed_cells_once() {
        let k = |c: &str| FigureKey::new(Indicator::Team, c, "2024Q1-Q4");
        let old: BTreeMap<FigureKey, Shown> = [
            (k("A"), Shown::Value(Value::Count(12))),
            (k("B"), Shown::Small),
            (k("C"), Shown::Value(Value::Count(7))),
        ]
        .into_iter()
        .collect();
        let new: BTreeMap<FigureKey, Shown> = [
            (k("A"), Shown::Value(Value::Count(12))),
            (k("B"), Shown::Small),
            (k("D"), Shown::Withheld),
        ]
        .into_iter()
        .collect();
        let changes = diff(&old, &new);
        assert_eq!(
            changes,
            vec![
                CellChange {
                    key: k("C"),
                    old: Some(Shown::Value(Value::Count(7))),
                    new: None
                },
                CellChange {
                    key: k("D"),
                    old: None,
                    new: Some(Shown::Withheld)
                },
            ]
        );
    }
}
