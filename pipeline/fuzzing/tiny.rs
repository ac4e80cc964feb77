//! A tiny, consistent export for the table fuzzer, and a config that reads it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The export's tables, in the order the fuzzer's first byte picks them.
pub const TABLES: [&str; 9] = [
    "casussen.csv",
    "clienten.csv",
    "contactmomenten.csv",
    "zrm_metingen.csv",
    "tevredenheid.csv",
    "collectieve_trajecten.csv",
    "bijeenkomsten.csv",
    "mantelzorgers.csv",
    "vrijwilligers.csv",
];

/// A config whose one tenant reads its export and budget from `data`.
pub fn config_text(dir: &Path, data: &Path, layouts: &Path) -> String {
    format!(
        r##"state_dir = "{state}"
output_dir = "{output}"
layouts_dir = "{layouts}"
commentary_dir = "{commentary}"
[[tenant]]
id = "fuzz"
organisation = "Welzijn Fuzz"
municipality = "Gemeente Fuzz"
export = {{ kind = "dir", path = "{data}" }}
[tenant.budget]
source = {{ kind = "dir", path = "{data}" }}
[tenant.brands.gemeente]
name = "Gemeente Fuzz"
primary = "#00626f"
accent = "#e8862a"
[tenant.documents.kwartaalrapportage]
brand = "gemeente"
[tenant.documents.raadsmemo]
brand = "gemeente"
portefeuillehouder = "A. de Vries"
signatures = [{{ name = "J. Jansen", function = "burgemeester" }}]
"##,
        state = dir.join("state").display(),
        output = dir.join("output").display(),
        layouts = layouts.display(),
        commentary = dir.join("commentary").display(),
        data = data.display(),
    )
}

/// The xs demo export cut down to a few dozen rows per table, references kept intact, so
/// that one load takes milliseconds and a mutated table is the only thing wrong.
pub fn export(dir: &Path) {
    let until = crate::Quarter::new(2024, 4).expect("a quarter").last_day();
    crate::demo::generate(
        dir,
        &crate::demo::DemoOptions {
            seed: 7,
            scale: crate::demo::Scale::Xs,
            until,
        },
    )
    .expect("the demo export is written");
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(name))
            .expect("a demo table")
            .lines()
            .map(str::to_string)
            .collect()
    };
    let field = |line: &str, i: usize| line.split(';').nth(i).unwrap_or("").to_string();
    // The header and the rows whose first field is one of `ids`.
    let referring = |name: &str, ids: &BTreeSet<String>| -> Vec<String> {
        let all = lines(name);
        let header = all[0].clone();
        std::iter::once(header)
            .chain(
                all.into_iter()
                    .skip(1)
                    .filter(|l| ids.contains(&field(l, 0))),
            )
            .collect()
    };
    let first_rows =
        |name: &str, n: usize| -> Vec<String> { lines(name).into_iter().take(n).collect() };
    let ids = |rows: &[String], i: usize| -> BTreeSet<String> {
        rows.iter().skip(1).map(|l| field(l, i)).collect()
    };
    let mut kept: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let cases = first_rows("casussen.csv", 60);
    let (case_ids, client_ids) = (ids(&cases, 0), ids(&cases, 1));
    kept.insert("casussen.csv", cases);
    for name in [
        "contactmomenten.csv",
        "zrm_metingen.csv",
        "tevredenheid.csv",
    ] {
        kept.insert(name, referring(name, &case_ids));
    }
    kept.insert("clienten.csv", referring("clienten.csv", &client_ids));
    let trajecten = first_rows("collectieve_trajecten.csv", 20);
    let traject_ids = ids(&trajecten, 0);
    kept.insert("collectieve_trajecten.csv", trajecten);
    kept.insert(
        "bijeenkomsten.csv",
        referring("bijeenkomsten.csv", &traject_ids),
    );
    for name in ["mantelzorgers.csv", "vrijwilligers.csv"] {
        kept.insert(name, first_rows(name, 40));
    }
    for (name, rows) in kept {
        std::fs::write(dir.join(name), rows.join("\n") + "\n").expect("writing a table");
    }
}
