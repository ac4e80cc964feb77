//! The registration export (contracts/regas-export.md): every table, typed and checked.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::LoadError;
use super::quality::{Exclusion, FileRead, Quality};
use super::table::{self, Kind, Loaded, Mapping, Reference, RowCheck, TableSpec, col_spec};
use super::{Renames, Settings};
use crate::pull::CsvOptions;

const SCORE_1_5: Kind = Kind::Int { min: 1, max: 5 };

const CASUSSEN: TableSpec = TableSpec {
    name: "casussen",
    required: true,
    key: Some("Casusnummer"),
    columns: &[
        col_spec("Casusnummer", Kind::Text).value_required(),
        col_spec("Clientnummer", Kind::Text).value_required(),
        col_spec("Ondersteuningsvorm", Kind::Form),
        col_spec("Werksoort", Kind::Text),
        col_spec("Team", Kind::Text),
        col_spec("Woonplaats", Kind::Text),
        col_spec("Aanmelddatum", Kind::Date).value_required(),
        col_spec("Startdatum", Kind::Date),
        col_spec("Einddatum", Kind::Date),
        col_spec("Verwijzer", Kind::Text).optional(),
        col_spec("Hoofddomeinen", Kind::Text),
        col_spec("Afsluitreden", Kind::Text).optional(),
        col_spec("Samenwerkingspartners", Kind::Text).optional(),
    ],
};

const CLIENTEN: TableSpec = TableSpec {
    name: "clienten",
    required: true,
    key: Some("Clientnummer"),
    columns: &[
        col_spec("Clientnummer", Kind::Text).value_required(),
        col_spec("Geboortedatum", Kind::BirthDate).optional(),
        col_spec("Geslacht", Kind::Gender),
    ],
};

const CONTACTMOMENTEN: TableSpec = TableSpec {
    name: "contactmomenten",
    required: false,
    key: None,
    columns: &[
        col_spec("Casusnummer", Kind::Text).value_required(),
        col_spec("Datum", Kind::Date).value_required(),
    ],
};

const ZRM: TableSpec = TableSpec {
    name: "zrm_metingen",
    required: false,
    key: None,
    columns: &[
        col_spec("Casusnummer", Kind::Text).value_required(),
        col_spec("Datum", Kind::Date).value_required(),
        col_spec("Domein", Kind::Text).value_required(),
        col_spec("Score", SCORE_1_5).value_required(),
        col_spec("Type", Kind::ZrmType).optional(),
    ],
};

const TEVREDENHEID: TableSpec = TableSpec {
    name: "tevredenheid",
    required: false,
    key: None,
    columns: &[
        col_spec("Casusnummer", Kind::Text).value_required(),
        col_spec("Datum", Kind::Date).value_required(),
        col_spec(
            "Score",
            Kind::Number {
                min: 1.0,
                max: 10.0,
            },
        )
        .value_required(),
    ],
};

const TRAJECTEN: TableSpec = TableSpec {
    name: "collectieve_trajecten",
    required: false,
    key: Some("Trajectnummer"),
    columns: &[
        col_spec("Trajectnummer", Kind::Text).value_required(),
        col_spec("Categorie", Kind::Text),
        col_spec("Doelgroep", Kind::Text),
        col_spec("Startdatum", Kind::Date).value_required(),
        col_spec("Einddatum", Kind::Date).optional(),
        col_spec("Kracht start", SCORE_1_5).optional(),
        col_spec("Kracht eind", SCORE_1_5).optional(),
    ],
};

const BIJEENKOMSTEN: TableSpec = TableSpec {
    name: "bijeenkomsten",
    required: false,
    key: None,
    columns: &[
        col_spec("Trajectnummer", Kind::Text).value_required(),
        col_spec("Datum", Kind::Date).value_required(),
        col_spec(
            "Deelnemers",
            Kind::Int {
                min: 0,
                max: i64::MAX,
            },
        )
        .value_required(),
    ],
};

const MANTELZORGERS: TableSpec = TableSpec {
    name: "mantelzorgers",
    required: false,
    key: None,
    columns: &[
        col_spec("Relatienummer", Kind::Text).value_required(),
        col_spec("Registratiedatum", Kind::Date).value_required(),
        col_spec("Uitschrijfdatum", Kind::Date).optional(),
        col_spec("Jonge mantelzorger", Kind::YesNo).optional(),
    ],
};

const VRIJWILLIGERS: TableSpec = TableSpec {
    name: "vrijwilligers",
    required: false,
    key: None,
    columns: &[
        col_spec("Relatienummer", Kind::Text).value_required(),
        col_spec("Startdatum", Kind::Date).value_required(),
        col_spec("Einddatum", Kind::Date).optional(),
    ],
};

/// Every table of the contract, in load order (referenced tables first).
pub const TABLES: [&TableSpec; 9] = [
    &CASUSSEN,
    &CLIENTEN,
    &CONTACTMOMENTEN,
    &ZRM,
    &TEVREDENHEID,
    &TRAJECTEN,
    &BIJEENKOMSTEN,
    &MANTELZORGERS,
    &VRIJWILLIGERS,
];

/// The export as typed frames. Dates are `Date`, support forms their codes (IA/LS/IT),
/// scores integers; optional tables that were not delivered are empty.
///
/// A case number in contacts, ZRM and survey rows, and a trajectory number in meetings, is
/// already the row of its case in `cases` (trajectory in `trajectories`), as `u32`; the
/// numbers themselves stay text until [`Export::encode_keys`].
#[derive(Debug, Clone)]
pub struct Export {
    pub cases: DataFrame,
    pub clients: DataFrame,
    /// Only `Casusnummer`: the figures count contacts per case and need nothing else.
    pub contacts: DataFrame,
    /// With the file row (`__row`), which breaks ties between rows of the same date.
    pub zrm: DataFrame,
    pub survey: DataFrame,
    pub trajectories: DataFrame,
    pub meetings: DataFrame,
    pub carers: DataFrame,
    pub volunteers: DataFrame,
}

fn mapping(renames: &Renames, spec: &TableSpec) -> Mapping {
    let headers = renames.columns.get(spec.name).cloned().unwrap_or_default();
    let mut values = BTreeMap::new();
    for c in spec.columns {
        if let Some(map) = renames.values.get(c.name) {
            values.insert(
                c.name.to_string(),
                map.iter()
                    .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                    .collect(),
            );
        }
    }
    Mapping { headers, values }
}

fn empty(spec: &TableSpec, references: &[Reference]) -> DataFrame {
    let columns = spec
        .columns
        .iter()
        .map(|c| {
            let dtype = match c.kind {
                _ if references.iter().any(|r| r.column == c.name) => DataType::UInt32,
                Kind::Date | Kind::BirthDate => DataType::Date,
                Kind::Int { .. } => DataType::Int64,
                Kind::Number { .. } => DataType::Float64,
                Kind::YesNo => DataType::Boolean,
                _ => DataType::String,
            };
            Column::new_empty(c.name.into(), &dtype)
        })
        .chain(std::iter::once(Column::new_empty(
            table::ROW.into(),
            &DataType::UInt32,
        )))
        .collect();
    DataFrame::new(0, columns).expect("empty frame of the contract's columns")
}

fn ended_before_start(end: &str, start: &str) -> RowCheck {
    RowCheck {
        kind: format!("{end} vóór {start} (verwacht op of na de {start})"),
        defective: col(end).lt(col(start)),
    }
}

fn reference(column: &'static str, table: &str, rows: &Arc<table::KeyRows>) -> Reference {
    Reference {
        column,
        kind: format!("onbekend {column} (verwacht een {column} uit {table})"),
        rows: Arc::clone(rows),
    }
}

/// Which table's column names a row of which table (by that table's key of the same name).
const REFERENCES: [(&str, &str, &str); 4] = [
    ("contactmomenten", "Casusnummer", "casussen"),
    ("zrm_metingen", "Casusnummer", "casussen"),
    ("tevredenheid", "Casusnummer", "casussen"),
    ("bijeenkomsten", "Trajectnummer", "collectieve_trajecten"),
];

/// The tables in two lanes loaded side by side, each in `TABLES` order: a table is in the
/// lane of the table it refers to. Much of one table's load keeps only one core busy (the
/// uniqueness check, the file's header and encoding); the other lane fills the second.
const LANES: [&[&TableSpec]; 2] = [
    &[&CASUSSEN, &CONTACTMOMENTEN, &ZRM, &TEVREDENHEID],
    &[
        &CLIENTEN,
        &TRAJECTEN,
        &BIJEENKOMSTEN,
        &MANTELZORGERS,
        &VRIJWILLIGERS,
    ],
];

/// Loads every table from a snapshot folder. `hashes` holds each file's sha256 by name.
///
/// The error reported is the one loading the tables one by one in `TABLES` order would have
/// stopped at: each lane stops at its first, and the earlier table's wins.
pub fn load_export(
    folder: &Path,
    hashes: &BTreeMap<String, String>,
    renames: &Renames,
    csv: &CsvOptions,
    settings: &Settings,
) -> Result<(Export, Quality), LoadError> {
    let lane = |tables: &[&'static TableSpec]| {
        let mut loaded: Vec<(&'static str, Result<Table, LoadError>)> = Vec::new();
        let mut indexes: BTreeMap<&'static str, Arc<table::KeyRows>> = BTreeMap::new();
        for &spec in tables {
            let result = load_table(
                folder,
                hashes,
                renames,
                csv,
                settings,
                spec,
                &mut indexes,
                &loaded,
            );
            let failed = result.is_err();
            loaded.push((spec.name, result));
            if failed {
                break;
            }
        }
        loaded
    };
    let span = tracing::Span::current();
    let lanes = std::thread::scope(|scope| {
        let second = scope.spawn(|| span.in_scope(|| lane(LANES[1])));
        let first = lane(LANES[0]);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        [first, second]
    });
    let mut results: BTreeMap<&str, Result<Table, LoadError>> =
        lanes.into_iter().flatten().collect();
    let mut quality = Quality::default();
    let mut frames: BTreeMap<&str, DataFrame> = BTreeMap::new();
    for spec in TABLES {
        // A table missing from the results was not tried: an earlier one failed.
        let Some(result) = results.remove(spec.name) else {
            continue;
        };
        let table = result?;
        if let Some((file, exclusions)) = table.read {
            quality.files.push(file);
            quality.exclusions.extend(exclusions);
        }
        frames.insert(spec.name, table.frame);
    }
    let mut take = |name: &str| frames.remove(name).expect("every table loaded or empty");
    let export = Export {
        cases: take("casussen").drop(table::ROW).map_err(internal)?,
        clients: take("clienten").drop(table::ROW).map_err(internal)?,
        contacts: take("contactmomenten")
            .select(["Casusnummer"])
            .map_err(internal)?,
        zrm: take("zrm_metingen"),
        survey: take("tevredenheid").drop(table::ROW).map_err(internal)?,
        trajectories: take("collectieve_trajecten")
            .drop(table::ROW)
            .map_err(internal)?,
        meetings: take("bijeenkomsten").drop(table::ROW).map_err(internal)?,
        carers: take("mantelzorgers").drop(table::ROW).map_err(internal)?,
        volunteers: take("vrijwilligers").drop(table::ROW).map_err(internal)?,
    };
    Ok((export, quality))
}

/// A table's good rows and what was read and excluded; an optional table not delivered is
/// an empty frame and nothing read.
struct Table {
    frame: DataFrame,
    read: Option<(FileRead, Vec<Exclusion>)>,
}

/// One table, after the tables of its lane before it (`earlier`), among which the one it
/// refers to.
#[allow(clippy::too_many_arguments)]
fn load_table(
    folder: &Path,
    hashes: &BTreeMap<String, String>,
    renames: &Renames,
    csv: &CsvOptions,
    settings: &Settings,
    spec: &'static TableSpec,
    indexes: &mut BTreeMap<&'static str, Arc<table::KeyRows>>,
    earlier: &[(&'static str, Result<Table, LoadError>)],
) -> Result<Table, LoadError> {
    let frame_of = |name: &str| -> &DataFrame {
        earlier
            .iter()
            .find_map(|(n, r)| r.as_ref().ok().filter(|_| *n == name))
            .map(|t| &t.frame)
            .expect("a referenced table is loaded earlier in its lane")
    };
    let checks = match spec.name {
        "casussen" => vec![
            ended_before_start("Einddatum", "Startdatum"),
            ended_before_start("Startdatum", "Aanmelddatum"),
        ],
        "collectieve_trajecten" | "vrijwilligers" => {
            vec![ended_before_start("Einddatum", "Startdatum")]
        }
        "mantelzorgers" => vec![ended_before_start("Uitschrijfdatum", "Registratiedatum")],
        _ => Vec::new(),
    };
    // One index per referenced table, of the rows kept after its own defects are
    // excluded: a contact of an excluded case has no case to count towards.
    let mut index = |table: &'static str, key: &str| {
        indexes
            .entry(table)
            .or_insert_with(|| table::row_index(frame_of(table), key))
            .clone()
    };
    let references: Vec<Reference> = REFERENCES
        .iter()
        .filter(|(referring, ..)| *referring == spec.name)
        .map(|&(_, column, table)| reference(column, table, &index(table, column)))
        .collect();
    let Some(path) = table::find_file(folder, spec.name)? else {
        if spec.required {
            return Err(LoadError::MissingTable {
                folder: folder.display().to_string(),
                table: spec.name.to_string(),
                found: list_files(folder),
            });
        }
        return Ok(Table {
            frame: empty(spec, &references),
            read: None,
        });
    };
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sha = hashes.get(&file_name).cloned().unwrap_or_default();
    let Loaded {
        frame,
        file,
        exclusions,
        key_rows,
    } = crate::logging::timed(spec.name, || {
        table::load(
            table::Road::Short,
            &path,
            spec,
            &mapping(renames, spec),
            csv,
            checks,
            references,
            sha,
        )
    })?;
    let excluded: u64 = exclusions.iter().map(|e| e.rows).sum();
    if file.rows > 0 && excluded as f64 / file.rows as f64 > settings.max_excluded_share {
        return Err(LoadError::TooManyExcluded {
            file: file.file.clone(),
            excluded,
            rows: file.rows,
            share: format!("{:.1}%", 100.0 * excluded as f64 / file.rows as f64),
            allowed: format!("{:.1}%", 100.0 * settings.max_excluded_share),
            kinds: exclusions
                .iter()
                .map(|e| {
                    let rows: Vec<String> = e.examples.iter().map(u64::to_string).collect();
                    format!("{} × {} (e.g. row {})", e.rows, e.kind, rows.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    // Kept for the tables others refer to; the clients' is not needed.
    if let Some(rows) = key_rows.filter(|_| spec.name != "clienten") {
        indexes.insert(spec.name, rows);
    }
    Ok(Table {
        frame,
        read: Some((file, exclusions)),
    })
}

fn internal(e: PolarsError) -> LoadError {
    LoadError::Internal(e.to_string())
}

fn list_files(folder: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        "no files".into()
    } else {
        names.join(", ")
    }
}

impl Export {
    /// The latest registration date of the cases (registered, started or closed): which
    /// quarter the export reaches.
    pub fn latest_registration(&self) -> Option<chrono::NaiveDate> {
        let days = ["Aanmelddatum", "Startdatum", "Einddatum"]
            .iter()
            .filter_map(|name| {
                let column = self.cases.column(name).ok()?.cast(&DataType::Int32).ok()?;
                column.i32().ok()?.max()
            })
            .max()?;
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
            .checked_add_signed(chrono::Duration::days(i64::from(days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table in exactly one lane, each lane in contract order (so the first error in
    /// contract order is among the lanes' first errors), and a referring table after the
    /// table it refers to in the same lane.
    #[test]
    fn the_lanes_hold_every_table_once_in_order_with_what_they_refer_to() {
        let position = |name: &str| TABLES.iter().position(|t| t.name == name).unwrap();
        let mut seen: Vec<&str> = LANES
            .iter()
            .flat_map(|l| l.iter().map(|t| t.name))
            .collect();
        seen.sort_by_key(|n| position(n));
        let all: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(seen, all);
        for lane in LANES {
            let names: Vec<&str> = lane.iter().map(|t| t.name).collect();
            assert!(
                names.windows(2).all(|w| position(w[0]) < position(w[1])),
                "{names:?}"
            );
            for (referring, _, referred) in REFERENCES {
                if let Some(i) = names.iter().position(|n| *n == referring) {
                    assert!(
                        names[..i].contains(&referred),
                        "{referring} after {referred}"
                    );
                }
            }
        }
    }
}
