//! The demo export at scale xs: complete, deterministic, consistent, and a workbook that
//! is messy in exactly the intended ways.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::NaiveDate;

use super::export::{HEADERS, TABLES};
use super::workbook::HEADER_ROW;
use super::*;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn xs(until: NaiveDate) -> (tempfile::TempDir, DemoSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(
        dir.path(),
        &DemoOptions {
            seed: 2024,
            scale: Scale::Xs,
            until,
        },
    )
    .unwrap();
    (dir, summary)
}

/// The data rows of a table, split into fields.
fn rows(dir: &Path, table: &str) -> Vec<Vec<String>> {
    let text = fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

fn column(table: &str, name: &str) -> usize {
    let t = TABLES.iter().position(|t| *t == table).unwrap();
    HEADERS[t].split(';').position(|h| h == name).unwrap()
}

#[test]
fn xs_export_is_complete_and_consistent() {
    let (dir, summary) = xs(ymd(2024, 12, 31));
    let dir = dir.path();
    let counts: HashMap<_, _> = summary.files.iter().cloned().collect();
    assert_eq!(summary.files.len(), TABLES.len() + 2);
    assert_eq!(counts["begroting-2023.xlsx"], 0);
    assert_eq!(counts["begroting-2024.xlsx"], 0);

    for (table, header) in TABLES.iter().zip(HEADERS) {
        let text = fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap();
        assert_eq!(text.lines().next(), Some(header), "{table}: header");
        let n = text.lines().count() as u64 - 1;
        assert_eq!(n, counts[&format!("{table}.csv")], "{table}: summary rows");
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            assert_eq!(
                line.split(';').count(),
                header.split(';').count(),
                "{table}: {line}"
            );
        }
    }
    let expect = |table: &str, lo: u64, hi: u64| {
        let n = counts[&format!("{table}.csv")];
        assert!(
            (lo..=hi).contains(&n),
            "{table}: {n} rows, expected {lo}..={hi}"
        );
    };
    expect("clienten", 1_000, 1_000);
    expect("casussen", 2_000, 2_000);
    expect("contactmomenten", 14_000, 28_000);
    expect("zrm_metingen", 3_500, 10_000);
    expect("tevredenheid", 200, 1_000);
    expect("collectieve_trajecten", 60, 60);
    expect("bijeenkomsten", 1_000, 6_000);
    expect("mantelzorgers", 150, 150);
    expect("vrijwilligers", 30, 30);

    // Nothing is dated after the export day, and registrations end at `until`.
    let export = ymd(2025, 1, 6);
    for table in TABLES {
        for row in rows(dir, table) {
            for field in row
                .iter()
                .filter(|f| f.len() == 10 && f.as_bytes()[2] == b'-')
            {
                let day = NaiveDate::parse_from_str(field, "%d-%m-%Y").unwrap();
                assert!(day <= export, "{table}: {field} after the export day");
            }
        }
    }
    let registered = column("casussen", "Aanmelddatum");
    for row in rows(dir, "casussen") {
        let day = NaiveDate::parse_from_str(&row[registered], "%d-%m-%Y").unwrap();
        assert!((ymd(2018, 1, 1)..=ymd(2024, 12, 31)).contains(&day));
    }

    // Every reference points at an existing case, client or trajectory.
    let cases: HashSet<String> = rows(dir, "casussen")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(cases.len(), 2_000, "case numbers are unique");
    let clients: HashSet<String> = rows(dir, "clienten")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(clients.len(), 1_000, "client numbers are unique");
    for row in rows(dir, "casussen") {
        assert!(
            clients.contains(&row[1]),
            "casussen: unknown client {}",
            row[1]
        );
    }
    for table in ["contactmomenten", "zrm_metingen", "tevredenheid"] {
        for row in rows(dir, table) {
            assert!(cases.contains(&row[0]), "{table}: unknown case {}", row[0]);
        }
    }
    let trajectories: HashSet<String> = rows(dir, "collectieve_trajecten")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    for row in rows(dir, "bijeenkomsten") {
        assert!(
            trajectories.contains(&row[0]),
            "bijeenkomsten: unknown trajectory {}",
            row[0]
        );
    }

    // The values stay within the contract.
    let forms = column("casussen", "Ondersteuningsvorm");
    let known = [
        "informatie en advies",
        "leun- en steuncontact",
        "individueel traject",
        "informatie & advies",
        "i&a",
        "leun & steun",
        "leun- en steun",
        "l&s",
        "it",
    ];
    for row in rows(dir, "casussen") {
        assert!(
            known.contains(&row[forms].to_lowercase().as_str()),
            "{}",
            row[forms]
        );
    }
    for row in rows(dir, "zrm_metingen") {
        assert!(("1"..="5").contains(&row[3].as_str()) && row[3].len() == 1);
        assert!(["", "Meting", "Doel"].contains(&row[4].as_str()));
    }
    for row in rows(dir, "tevredenheid") {
        let score: u32 = row[3].parse().unwrap();
        assert!((1..=10).contains(&score));
    }
}

#[test]
fn same_seed_same_bytes() {
    let (a, summary) = xs(ymd(2024, 12, 31));
    let (b, _) = xs(ymd(2024, 12, 31));
    for (name, _) in &summary.files {
        let left = fs::read(a.path().join(name)).unwrap();
        let right = fs::read(b.path().join(name)).unwrap();
        assert!(left == right, "{name} differs between two runs");
    }
    // And another seed gives other data.
    let c = tempfile::tempdir().unwrap();
    generate(
        c.path(),
        &DemoOptions {
            seed: 7,
            scale: Scale::Xs,
            until: ymd(2024, 12, 31),
        },
    )
    .unwrap();
    assert_ne!(
        fs::read(a.path().join("casussen.csv")).unwrap(),
        fs::read(c.path().join("casussen.csv")).unwrap()
    );
}

/// An amount cell as the contract reads it: a number, or Dutch text.
fn amount(cell: &Data) -> Option<f64> {
    match cell {
        Data::Empty => None,
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) => {
            let s = s.trim();
            let (negative, s) = match s.strip_prefix("-/-") {
                Some(rest) => (true, rest),
                None => (false, s),
            };
            let digits = s.replace(['€', '.'], "").replace(',', ".");
            let v: f64 = digits
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("unreadable amount {s:?}"));
            Some(if negative { -v } else { v })
        }
        other => panic!("unexpected amount cell {other:?}"),
    }
}

struct Sheet {
    header: Vec<String>,
    /// The rows below the header, with cells by header name.
    body: Vec<Vec<Data>>,
}

impl Sheet {
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }
}

fn begroting(path: &Path) -> Sheet {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Begroting", "Taakstellingen", "Volumes"]
    );
    let merged = book.merge_cells_by_sheet_name("Begroting").unwrap();
    assert!(
        merged
            .iter()
            .any(|d| d.start == (0, 0) && d.end.0 == 0 && d.end.1 > 5),
        "merged title cell"
    );
    let range = book.worksheet_range("Begroting").unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][0], Data::String("Gemeente Noorderkwartier".into()));
    // The header is the first row with the required names, below the title rows.
    let header_at = rows
        .iter()
        .position(|r| r.iter().any(|c| *c == Data::String("Onderdeel".into())))
        .expect("a header row");
    assert_eq!(header_at, HEADER_ROW as usize);
    assert!(
        rows[..header_at]
            .iter()
            .any(|r| r.iter().all(|c| *c == Data::Empty)),
        "an empty title row"
    );
    let header = rows[header_at].iter().map(|c| c.to_string()).collect();
    Sheet {
        header,
        body: rows[header_at + 1..].to_vec(),
    }
}

/// The author's subtotals that disagree with the lines they cover, by the contract's rule:
/// (label, column, written − computed).
fn disagreements(sheet: &Sheet) -> Vec<(String, String, f64)> {
    let onderdeel = sheet.col("Onderdeel");
    let soort = sheet.col("Soort");
    let amounts: Vec<(String, usize)> = sheet
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.starts_with("Realisatie") || h.starts_with("Begroting") || *h == "Prognose"
        })
        .map(|(i, h)| (h.clone(), i))
        .collect();
    let primitief = sheet.col("Begroting primitief");
    let gewijzigd = sheet.col("Begroting gewijzigd");
    let mut out = Vec::new();
    let mut covered: Vec<&Vec<Data>> = Vec::new();
    for row in &sheet.body {
        let cell = |i: usize| row.get(i).cloned().unwrap_or(Data::Empty);
        if row.iter().all(|c| *c == Data::Empty) {
            covered.clear();
            continue;
        }
        let label = cell(onderdeel).to_string();
        if !(label.starts_with("Totaal") || label.starts_with("Subtotaal")) {
            covered.push(row);
            continue;
        }
        for (name, col) in &amounts {
            let Some(written) = amount(&cell(*col)) else {
                continue;
            };
            let computed: f64 = covered
                .iter()
                .map(|line| {
                    let get = |i: usize| line.get(i).and_then(amount);
                    let v = if *col == gewijzigd {
                        get(gewijzigd).or(get(primitief))
                    } else {
                        get(*col)
                    };
                    let v = v.unwrap_or(0.0);
                    if line
                        .get(soort)
                        .is_some_and(|s| *s == Data::String("Baten".into()))
                    {
                        -v.abs()
                    } else {
                        v
                    }
                })
                .sum();
            if (written - computed).abs() > 1.0 {
                out.push((label.clone(), name.clone(), written - computed));
            }
        }
        covered.clear();
    }
    out
}

#[test]
fn workbook_is_messy_in_the_intended_ways() {
    let (dir, _) = xs(ymd(2024, 12, 31));
    for year in [2023, 2024] {
        let sheet = begroting(&dir.path().join(format!("begroting-{year}.xlsx")));
        let found = disagreements(&sheet);
        assert_eq!(found.len(), 1, "{year}: {found:?}");
        let (label, column, diff) = &found[0];
        assert_eq!(label, "Subtotaal Jeugdhulp met verblijf");
        assert_eq!(column, "Begroting primitief");
        assert!((diff - 1000.0).abs() < 0.01);

        let cells: Vec<&Data> = sheet.body.iter().flatten().collect();
        let text = |pred: &dyn Fn(&str) -> bool| {
            cells
                .iter()
                .any(|c| matches!(c, Data::String(s) if pred(s)))
        };
        assert!(text(&|s| s.starts_with("€ ")), "{year}: a `€ …` amount");
        assert!(text(
            &|s| s.contains(',') && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        ));
        let soort = sheet.col("Soort");
        let onderdeel = sheet.col("Onderdeel");
        let q3 = sheet.col("Realisatie Q3");
        let baten_negative = sheet.body.iter().any(|r| {
            r[soort] == Data::String("Baten".into())
                && amount(&r[sheet.col("Begroting primitief")]).unwrap() < 0.0
        });
        assert!(baten_negative, "{year}: Baten written negative");
        let refund = sheet
            .body
            .iter()
            .find(|r| r[onderdeel] == Data::String("Kortdurend verblijf".into()))
            .unwrap();
        assert_eq!(amount(&refund[q3]), Some(-12_500.0));
        let empty_soort = sheet.body.iter().any(|r| {
            let label = r[onderdeel].to_string();
            r[soort] == Data::Empty && !label.is_empty() && !label.starts_with("Subtotaal")
        });
        assert!(
            empty_soort,
            "{year}: a line with Soort left empty (= Lasten)"
        );
    }
}

#[test]
fn mid_year_until_leaves_later_quarters_empty() {
    let (dir, _) = xs(ymd(2025, 6, 30));
    let this_year = begroting(&dir.path().join("begroting-2025.xlsx"));
    let last_year = begroting(&dir.path().join("begroting-2024.xlsx"));
    let lines = |sheet: &Sheet| -> Vec<Vec<Data>> {
        let onderdeel = sheet.col("Onderdeel");
        sheet
            .body
            .iter()
            .filter(|r| {
                r.get(onderdeel)
                    .is_some_and(|c| *c != Data::Empty && !c.to_string().starts_with("Subtotaal"))
            })
            .cloned()
            .collect()
    };
    for line in lines(&this_year) {
        let get = |name: &str| {
            line.get(this_year.col(name))
                .cloned()
                .unwrap_or(Data::Empty)
        };
        assert_ne!(get("Realisatie Q1"), Data::Empty);
        assert_ne!(get("Realisatie Q2"), Data::Empty);
        assert_eq!(get("Realisatie Q3"), Data::Empty);
        assert_eq!(get("Realisatie Q4"), Data::Empty);
    }
    for line in lines(&last_year) {
        assert_ne!(line[last_year.col("Realisatie Q4")], Data::Empty);
    }
    assert_eq!(disagreements(&this_year).len(), 1);

    let export = ymd(2025, 7, 7);
    for table in TABLES {
        for row in rows(dir.path(), table) {
            for field in row
                .iter()
                .filter(|f| f.len() == 10 && f.as_bytes()[2] == b'-')
            {
                assert!(
                    NaiveDate::parse_from_str(field, "%d-%m-%Y").unwrap() <= export,
                    "{table}: {field}"
                );
            }
        }
    }
}

#[test]
fn until_before_the_first_registration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(
        dir.path(),
        &DemoOptions {
            seed: 1,
            scale: Scale::Xs,
            until: ymd(2017, 12, 31),
        },
    )
    .unwrap_err();
    assert!(matches!(err, DemoError::Until { .. }), "{err}");
}
