//! `ind_zrm_groei` and `ind_zrm_doel_behaald`: per ZRM domain, the growth over the series of
//! Metingen of the IT cases closed in the period, and the share of series whose last Meting
//! reached the last Doel.
//!
//! Two roads to the same numbers. Loaded exports hold case codes (`u32`, load/keys.rs): one
//! pass over the ZRM rows keeps, per case and domain, the first and last Meting and the last
//! Doel by (Datum, file row). That replaces a join, a sort of every matching row with all
//! its columns and two group-bys, which took a second per period at national scale
//! (bench/README.md). Hand-made frames with text keys take the Polars road; a test holds the
//! two to the same figures.

use polars::prelude::*;

use super::frames::{Result, floats, ints, mean, pct, strings};
use super::individual::{VORM, domain_pairs};
use crate::figures::{FigureKey, Figures, Indicator};
use crate::load::Export;
use crate::spelling::{Spellings, Unknown, respell};
use crate::vocab::{Form, ZRM_DOMAINS};

/// Per domain: the value and the number of series it is over.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    growth: Vec<(String, f64, u64)>,
    reached: Vec<(String, f64, u64)>,
}

pub(super) fn figures(f: &mut Figures, x: &Export, closed: &LazyFrame, label: &str) -> Result<()> {
    let it_closed = closed
        .clone()
        .filter(col(VORM).eq(lit(Form::It.code())))
        .select([col("Casusnummer")])
        .collect()?;
    let outcome = match in_one_pass(&x.zrm, it_closed.column("Casusnummer")?)? {
        Some(outcome) => outcome,
        None => with_polars(&x.zrm, it_closed.lazy())?,
    };
    push(f, &outcome.growth, Indicator::ZrmGroei, label, false);
    push(f, &outcome.reached, Indicator::ZrmDoelBehaald, label, true);
    Ok(())
}

/// Every domain of the contract, measured or not, then any other domain found, by name.
fn push(
    f: &mut Figures,
    by_domain: &[(String, f64, u64)],
    indicator: Indicator,
    label: &str,
    as_pct: bool,
) {
    let mut others: Vec<&str> = by_domain
        .iter()
        .map(|(d, _, _)| d.as_str())
        .filter(|d| !ZRM_DOMAINS.contains(d))
        .collect();
    others.sort_unstable();
    for d in ZRM_DOMAINS.iter().copied().chain(others) {
        let found = by_domain.iter().find(|(k, _, _)| k == d);
        let (v, n) = found.map_or((None, 0), |(_, v, n)| (Some(*v), *n));
        let key = FigureKey::new(indicator, d, label);
        if as_pct {
            pct(f, key, v, n)
        } else {
            mean(f, key, v, n)
        }
    }
}

/// The rows of one case and domain that matter, each as (order, score) where the order is
/// Datum then file row.
#[derive(Clone, Copy)]
struct Series {
    /// First and last Meting and their number; a series without a Meting has count 0.
    first: (i64, i64),
    last: (i64, i64),
    metingen: u32,
    doel: Option<(i64, i64)>,
}

/// The pass over case codes; `None` when the frames are not what loading makes (text
/// keys, or empty values a loaded export cannot hold), for the Polars road.
fn in_one_pass(zrm: &DataFrame, closed_it: &Column) -> Result<Option<Outcome>> {
    let (Ok(wanted), Ok(cases)) = (closed_it.u32(), zrm.column("Casusnummer")?.u32()) else {
        return Ok(None);
    };
    let columns = [
        "Casusnummer",
        "Datum",
        crate::load::table::ROW,
        "Score",
        "Domein",
        "Type",
    ];
    for c in columns {
        if zrm.column(c)?.null_count() > 0 {
            return Ok(None);
        }
    }
    let size = wanted.max().max(cases.max()).map_or(0, |m| m as usize + 1);
    if size > 4 * (cases.len() + wanted.len()) + 1024 {
        return Ok(None);
    }
    let mut member = vec![false; size];
    for case in wanted.iter().flatten() {
        member[case as usize] = true;
    }
    let dates = zrm.column("Datum")?.cast(&DataType::Int32)?;
    let rows = zrm
        .column(crate::load::table::ROW)?
        .cast(&DataType::Int64)?;
    let scores = zrm.column("Score")?.cast(&DataType::Int64)?;
    let (dates, rows, scores) = (dates.i32()?, rows.i64()?, scores.i64()?);
    let (domains, types) = (zrm.column("Domein")?.str()?, zrm.column("Type")?.str()?);

    let spellings = Spellings::new(&domain_pairs());
    let mut spelled = spellings.lookup(Unknown::Keep);
    let mut names: Vec<&str> = Vec::new();
    let mut index: PlHashMap<&str, u64> = PlHashMap::new();
    let mut series: PlHashMap<u64, Series> = PlHashMap::new();
    let rows_of = cases
        .into_no_null_iter()
        .zip(dates.into_no_null_iter())
        .zip(rows.into_no_null_iter())
        .zip(scores.into_no_null_iter())
        .zip(domains.iter().map(Option::unwrap_or_default))
        .zip(types.iter().map(Option::unwrap_or_default));
    for (((((case, date), row), score), domain), kind) in rows_of {
        if !member[case as usize] {
            continue;
        }
        let meting = match kind {
            "Meting" => true,
            "Doel" => false,
            _ => continue,
        };
        let domain = match index.get(domain) {
            Some(&i) => i,
            None => {
                let name = spelled.get(domain).unwrap_or(domain);
                let i = match names.iter().position(|n| *n == name) {
                    Some(i) => i as u64,
                    None => {
                        names.push(name);
                        names.len() as u64 - 1
                    }
                };
                index.insert(domain, i);
                i
            }
        };
        // Datum in the high half, the file row (below 2^32) in the low: one integer orders
        // by both.
        let order = (i64::from(date) << 32) + row;
        let entry = series
            .entry((u64::from(case) << 32) | domain)
            .or_insert(Series {
                first: (i64::MAX, 0),
                last: (i64::MIN, 0),
                metingen: 0,
                doel: None,
            });
        if meting {
            entry.metingen += 1;
            if order < entry.first.0 {
                entry.first = (order, score);
            }
            if order > entry.last.0 {
                entry.last = (order, score);
            }
        } else if entry.doel.is_none_or(|(o, _)| order > o) {
            entry.doel = Some((order, score));
        }
    }

    // Sums of whole numbers are exact in f64, so the order of summing does not matter and
    // each mean is the one Polars computes.
    let mut growth = vec![(0.0f64, 0u64); names.len()];
    let mut reached = vec![(0.0f64, 0u64); names.len()];
    for (key, s) in &series {
        let d = (key & 0xffff_ffff) as usize;
        if s.metingen >= 2 {
            growth[d].0 += (s.last.1 - s.first.1) as f64;
            growth[d].1 += 1;
        }
        if let (true, Some((_, doel))) = (s.metingen >= 1, s.doel) {
            reached[d].0 += f64::from(u8::from(s.last.1 >= doel));
            reached[d].1 += 1;
        }
    }
    let per_domain = |sums: Vec<(f64, u64)>, scale: f64| -> Vec<(String, f64, u64)> {
        names
            .iter()
            .zip(sums)
            .filter(|(_, (_, n))| *n > 0)
            .map(|(name, (sum, n))| (name.to_string(), sum / n as f64 * scale, n))
            .collect()
    };
    Ok(Some(Outcome {
        growth: per_domain(growth, 1.0),
        reached: per_domain(reached, 100.0),
    }))
}

fn with_polars(zrm: &DataFrame, it_closed: LazyFrame) -> Result<Outcome> {
    // "The latest" is by Datum, then by file order.
    let rows = zrm
        .clone()
        .lazy()
        .join(
            it_closed,
            [col("Casusnummer")],
            [col("Casusnummer")],
            JoinArgs::new(JoinType::Inner),
        )
        .with_column(respell(col("Domein"), &domain_pairs(), Unknown::Keep).alias("Domein"))
        .sort(["Datum", crate::load::table::ROW], Default::default())
        // Once: the growth and the goals below both read these rows.
        .collect()?
        .lazy();
    let series = rows
        .clone()
        .filter(col("Type").eq(lit("Meting")))
        .group_by([col("Casusnummer"), col("Domein")])
        .agg([
            col("Score").first().alias("first"),
            col("Score").last().alias("last"),
            len().alias("metingen"),
        ]);
    let growth = series
        .clone()
        .filter(col("metingen").gt_eq(lit(2)))
        .group_by([col("Domein")])
        .agg([
            (col("last") - col("first"))
                .cast(DataType::Float64)
                .mean()
                .alias("m"),
            len().alias("n"),
        ])
        .collect()?;
    let goals = rows
        .filter(col("Type").eq(lit("Doel")))
        .group_by([col("Casusnummer"), col("Domein")])
        .agg([col("Score").last().alias("doel")]);
    let reached = series
        .join(
            goals,
            [col("Casusnummer"), col("Domein")],
            [col("Casusnummer"), col("Domein")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("Domein")])
        .agg([
            (col("last")
                .gt_eq(col("doel"))
                .cast(DataType::Float64)
                .mean()
                * lit(100.0))
            .alias("m"),
            len().alias("n"),
        ])
        .collect()?;
    let per_domain = |frame: &DataFrame| -> Result<Vec<(String, f64, u64)>> {
        let (keys, values, ns) = (
            strings(frame, "Domein")?,
            floats(frame, "m")?,
            ints(frame, "n")?,
        );
        Ok(keys
            .into_iter()
            .zip(values)
            .zip(ns)
            .filter_map(|((k, v), n)| Some((k, v?, n as u64)))
            .collect())
    };
    Ok(Outcome {
        growth: per_domain(&growth)?,
        reached: per_domain(&reached)?,
    })
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    fn sorted(mut o: Outcome) -> Outcome {
        o.growth.sort_by(|a, b| a.0.cmp(&b.0));
        o.reached.sort_by(|a, b| a.0.cmp(&b.0));
        o
    }

    /// Random ZRM rows over a few cases, domains in several spellings, Metingen and Doelen
    /// on the same and different dates, in shuffled file order: the pass and Polars agree
    /// on every domain's value and count, also when a case has only a Doel or one Meting.
    #[test]
    fn the_pass_over_case_codes_agrees_with_polars() {
        let spellings = [
            "Financiën",
            "financiën",
            "Huisvesting",
            "Werk & opleiding",
            "Eigen domein",
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        let (mut grown, mut reached) = (0, 0);
        for round in 0..200 {
            let n = rng.random_range(0..300);
            let cases: Vec<u32> = (0..n).map(|_| rng.random_range(0..40)).collect();
            let dates: Vec<i32> = (0..n).map(|_| rng.random_range(19_000..19_010)).collect();
            let mut rows: Vec<i64> = (2..n as i64 + 2).collect();
            for i in (1..rows.len()).rev() {
                rows.swap(i, rng.random_range(0..=i));
            }
            let scores: Vec<i64> = (0..n).map(|_| rng.random_range(1..=5)).collect();
            let domains: Vec<&str> = (0..n)
                .map(|_| spellings[rng.random_range(0..spellings.len())])
                .collect();
            let types: Vec<&str> = (0..n)
                .map(|_| {
                    if rng.random_range(0..3) == 0 {
                        "Doel"
                    } else {
                        "Meting"
                    }
                })
                .collect();
            let zrm = DataFrame::new(
                n,
                vec![
                    Column::new("Casusnummer".into(), cases),
                    Column::new("Datum".into(), dates)
                        .cast(&DataType::Date)
                        .unwrap(),
                    Column::new(crate::load::table::ROW.into(), rows),
                    Column::new("Score".into(), scores),
                    Column::new("Domein".into(), domains),
                    Column::new("Type".into(), types),
                ],
            )
            .unwrap();
            let closed: Vec<u32> = (0..40).filter(|_| rng.random_range(0..2) == 0).collect();
            let closed = Column::new("Casusnummer".into(), closed);
            let fast = in_one_pass(&zrm, &closed)
                .unwrap()
                .expect("case codes take the pass");
            let slow = with_polars(
                &zrm,
                DataFrame::new(closed.len(), vec![closed]).unwrap().lazy(),
            )
            .unwrap();
            grown += fast.growth.iter().map(|(_, _, n)| n).sum::<u64>();
            reached += fast.reached.iter().map(|(_, _, n)| n).sum::<u64>();
            assert_eq!(sorted(fast), sorted(slow), "round {round}");
        }
        // The rounds hold series of both kinds, so agreeing means something.
        assert!(
            grown > 100 && reached > 100,
            "{grown} series grown, {reached} with a goal"
        );
    }
}
