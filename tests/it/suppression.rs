//! Small-cell suppression over whole generated exports, the way a council member reads the
//! raadsmemo: no count from 1 to threshold − 1 is shown, no hidden cell can be recomputed
//! from the shown cells and the total, and no sentence gives away a count the table hides.

use std::collections::BTreeMap;

use pipeline::Quarter;
use pipeline::config::Config;
use pipeline::monitor::suppress::{Shown, recoverable};
use pipeline::render::document::MemoDoc;
use proptest::prelude::*;

use crate::common::write_config_reading;

const THRESHOLD: i64 = 5;

/// How a change sentence names a count, and the memo row that shows it.
const SENTENCE_ROWS: [(&str, &str); 8] = [
    (
        "individuele trajecten in behandeling",
        "Individuele trajecten in behandeling",
    ),
    (
        "leun- en steuncontacten in behandeling",
        "Leun- en steuncontacten in behandeling",
    ),
    (
        "informatie- en adviesvragen in behandeling",
        "Informatie en advies in behandeling",
    ),
    (
        "inwoners met een casus in behandeling",
        "Inwoners met een casus in behandeling",
    ),
    (
        "wachtenden aan het einde van de periode",
        "Wachtenden aan het einde van de periode",
    ),
    ("collectieve trajecten", "Collectieve trajecten"),
    (
        "geregistreerde mantelzorgers",
        "Geregistreerde mantelzorgers",
    ),
    ("actieve vrijwilligers", "Actieve vrijwilligers"),
];

/// What a reader sees in a count cell.
fn read(cell: &str) -> Shown {
    match cell {
        "<5" => Shown::Hidden,
        "x" => Shown::Withheld,
        text => Shown::Count(
            text.replace('.', "")
                .parse()
                .unwrap_or_else(|_| panic!("a count, <5 or x: {text:?}")),
        ),
    }
}

/// Keeps a random share (1 in `1/keep`) of the cases, trajectories, carers and volunteers
/// of the export in `data`, and the rows that refer to what is kept: an organisation small
/// enough for the counts that need hiding.
fn thin_out(data: &std::path::Path, seed: u64, keep: f64) {
    let mut state = seed | 1;
    let mut coin = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 / (1u64 << 53) as f64) < keep
    };
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(data.join(name))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let first = |line: &str| line.split(';').next().unwrap_or("").to_string();
    let write = |name: &str, rows: Vec<String>| {
        std::fs::write(data.join(name), rows.join("\n") + "\n").unwrap();
    };
    let mut keep_random = |name: &str| -> std::collections::BTreeSet<String> {
        let all = lines(name);
        let mut rows = vec![all[0].clone()];
        rows.extend(all.into_iter().skip(1).filter(|_| coin()));
        let kept = rows.iter().skip(1).map(|l| first(l)).collect();
        write(name, rows);
        kept
    };
    let cases = keep_random("casussen.csv");
    let trajectories = keep_random("collectieve_trajecten.csv");
    keep_random("mantelzorgers.csv");
    keep_random("vrijwilligers.csv");
    for (name, kept) in [
        ("contactmomenten.csv", &cases),
        ("zrm_metingen.csv", &cases),
        ("tevredenheid.csv", &cases),
        ("bijeenkomsten.csv", &trajectories),
    ] {
        let all = lines(name);
        let mut rows = vec![all[0].clone()];
        rows.extend(all.into_iter().skip(1).filter(|l| kept.contains(&first(l))));
        write(name, rows);
    }
}

/// The raadsmemo's data document for `quarter` of an xs export generated with `seed` and
/// thinned out to `keep`, with the true counts of its key-figures table (two columns:
/// last year, this year).
fn memo_of(seed: u64, quarter: Quarter, keep: f64) -> (MemoDoc, Vec<[i64; 2]>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export");
    pipeline::demo::generate(
        &data,
        &pipeline::demo::DemoOptions {
            seed,
            scale: pipeline::demo::Scale::Xs,
            until: quarter.last_day(),
        },
    )
    .unwrap();
    thin_out(&data, seed, keep);
    let config = Config::load(&write_config_reading(dir.path(), "", &data)).unwrap();
    let tenant = config.tenant(None).unwrap();
    let (mut export, quality) = pipeline::load::load_export(
        &data,
        &BTreeMap::new(),
        tenant,
        tenant.export.csv(),
        &config.monitor,
    )
    .unwrap();
    export.encode_keys().unwrap();
    let monitor =
        pipeline::monitor::compute(&export, None, quarter, quality, &config.monitor).unwrap();
    let ctx = pipeline::run::Context {
        config: &config,
        tenant,
        snapshot_id: "s",
        budget_file: None,
        date: pipeline::run::document_date(quarter),
    };
    let docs = pipeline::run::documents(&ctx, &monitor, 1);
    let memo: MemoDoc = serde_json::from_slice(&docs.memo).unwrap();
    let f = &monitor.figures;
    let (now, before) = (monitor.period.label.as_str(), monitor.before.label.as_str());
    let both = |indicator: &str, category: &str| {
        [
            f.count_of(indicator, before, category),
            f.count_of(indicator, now, category),
        ]
    };
    let mut truth: Vec<[i64; 2]> = pipeline::monitor::individual::FORMS
        .iter()
        .map(|form| both("ind_in_behandeling", form))
        .collect();
    truth.push([0, 1].map(|i| truth.iter().map(|t| t[i]).sum()));
    for (indicator, category) in [
        ("ind_clienten", ""),
        ("ind_wachtlijst", ""),
        ("col_trajecten", ""),
        ("col_bijeenkomsten", ""),
        ("inf_mantelzorgers", "totaal"),
        ("inf_mantelzorgers", "jong"),
        ("inf_vrijwilligers", ""),
    ] {
        truth.push(both(indicator, category));
    }
    (memo, truth)
}

fn check(seed: u64, quarter: Quarter, keep: f64) -> Result<(), TestCaseError> {
    let (memo, truth) = memo_of(seed, quarter, keep);
    let rows = &memo.key_figures.table.rows;
    prop_assert_eq!(rows.len(), truth.len());
    let forms = pipeline::monitor::individual::FORMS.len();
    for column in 0..2 {
        let shown: Vec<Shown> = rows.iter().map(|r| read(&r.cells[1 + column])).collect();
        for (row, (s, t)) in rows.iter().zip(shown.iter().zip(&truth)) {
            let v = t[column];
            match *s {
                Shown::Count(c) => {
                    prop_assert_eq!(c, v, "{}", row.cells[0]);
                    prop_assert!(!(1..THRESHOLD).contains(&c), "{} shows {}", row.cells[0], c);
                }
                Shown::Hidden => prop_assert!((1..THRESHOLD).contains(&v)),
                Shown::Withheld => prop_assert!(v >= THRESHOLD),
            }
        }
        // The forms and their total: the reader subtracts.
        if matches!(shown[forms], Shown::Count(_)) {
            let cells: Vec<i64> = truth[..forms].iter().map(|t| t[column]).collect();
            prop_assert!(
                !recoverable(&cells, &shown[..forms], THRESHOLD as u32),
                "{cells:?} shown as {:?}",
                &shown[..forms]
            );
        }
    }
    // A sentence about a count in the table only where the table shows it in both years
    // (the sentence names the count as `changes::WATCHED` does, the table as the memo does).
    for sentence in &memo.changes {
        for (said, label) in SENTENCE_ROWS {
            if !sentence.starts_with(&format!("Het aantal {said} ")) {
                continue;
            }
            let row = rows.iter().find(|r| r.cells[0] == *label).unwrap();
            prop_assert!(
                row.cells[1..]
                    .iter()
                    .all(|c| matches!(read(c), Shown::Count(_))),
                "{sentence} beside {:?}",
                row.cells
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_generated_export_shows_or_gives_away_a_small_count(
        seed in any::<u64>(),
        year in 2019i32..=2024,
        q in 1u8..=4,
        keep in 0.002f64..0.05,
    ) {
        check(seed, Quarter::new(year, q).unwrap(), keep)?;
    }
}

/// The property above means something only if generated quarters have counts to hide.
#[test]
fn a_thinned_out_export_has_small_counts_to_hide() {
    let quarter = Quarter::new(2024, 4).unwrap();
    let (memo, _) = memo_of(2024, quarter, 0.01);
    let hidden = memo
        .key_figures
        .table
        .rows
        .iter()
        .flat_map(|r| r.cells[1..].iter())
        .filter(|c| *c == "<5" || *c == "x")
        .count();
    assert!(hidden > 0, "{:?}", memo.key_figures.table.rows);
    check(2024, quarter, 0.01).unwrap();
}
