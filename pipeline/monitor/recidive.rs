//! `ind_recidive`: of the IT cases opgestart in the period, those whose client had an
//! earlier case closed before this one started; those with several; and those where such
//! an earlier case shared a Hoofddomein.
//!
//! Two roads to the same counts, as for the ZRM figures (monitor/zrm.rs). With the case and
//! client codes of a loaded export, the closed cases are listed per client in one array
//! and each case's Hoofddomeinen are a bit set, so a started case looks only at its own
//! client's closed cases. That replaced joining the period's started cases to every closed
//! case by client and the pairs to the domains twice (0.4 s per period at national scale).
//! Frames with text keys take the Polars road; a test holds the two to the same counts.

use polars::prelude::*;

use super::frames::{Result, ints};
use super::individual::{Derived, VORM};
use crate::figures::{FigureKey, Figures, Indicator};
use crate::load::Export;
use crate::vocab::{Form, Recidive};

#[derive(Debug, Default, PartialEq)]
struct Counts {
    opgestart: i64,
    recidive: i64,
    meerdere: i64,
    gelijk: i64,
}

pub(super) fn figures(
    f: &mut Figures,
    x: &Export,
    d: &Derived,
    started: &LazyFrame,
    label: &str,
) -> Result<()> {
    let it = started
        .clone()
        .filter(col(VORM).eq(lit(Form::It.code())))
        .select([col("Casusnummer"), col("Clientnummer"), col("Startdatum")])
        .collect()?;
    let counts = match by_client(&x.cases, &it, &d.case_domains)? {
        Some(counts) => counts,
        None => with_polars(&x.cases, it.lazy(), &d.case_domains)?,
    };
    for (soort, n) in [
        (Recidive::Opgestart, counts.opgestart),
        (Recidive::Recidive, counts.recidive),
        (Recidive::MeerdereVoorgaande, counts.meerdere),
        (Recidive::GelijkeVraag, counts.gelijk),
        (
            Recidive::AlleenNieuweVragen,
            counts.recidive - counts.gelijk,
        ),
    ] {
        f.count(FigureKey::new(Indicator::Recidive, soort.code(), label), n);
    }
    Ok(())
}

/// A code column as `u32`s, when it is one without empty values (what loading makes).
fn codes(frame: &DataFrame, column: &str) -> Result<Option<Vec<u32>>> {
    let Ok(c) = frame.column(column)?.u32() else {
        return Ok(None);
    };
    if c.null_count() > 0 {
        return Ok(None);
    }
    Ok(Some(c.into_no_null_iter().collect()))
}

/// Dates as days, empty as `None`.
fn days(frame: &DataFrame, column: &str) -> Result<Vec<Option<i32>>> {
    let c = frame.column(column)?.cast(&DataType::Int32)?;
    Ok(c.i32()?.iter().collect())
}

/// The counts over case and client codes; `None` for frames loading does not make, or more
/// than 64 distinct domains (the bit set's width).
fn by_client(cases: &DataFrame, it: &DataFrame, domains: &DataFrame) -> Result<Option<Counts>> {
    let (Some(case), Some(client), Some(it_case), Some(it_client), Some(domain_case)) = (
        codes(cases, "Casusnummer")?,
        codes(cases, "Clientnummer")?,
        codes(it, "Casusnummer")?,
        codes(it, "Clientnummer")?,
        codes(domains, "Casusnummer")?,
    ) else {
        return Ok(None);
    };
    let case_slots = [&case, &it_case, &domain_case]
        .iter()
        .flat_map(|c| c.iter().max())
        .max()
        .map_or(0, |m| *m as usize + 1);
    let client_slots = client
        .iter()
        .chain(&it_client)
        .max()
        .map_or(0, |m| *m as usize + 1);
    // Codes index arrays: they must not be spread far beyond the number of cases.
    if case_slots.max(client_slots) > 4 * cases.height() + 1024 {
        return Ok(None);
    }

    // Each case's domains as bits.
    let names = domains.column("domein")?.str()?;
    let mut ids: PlHashMap<&str, u32> = PlHashMap::new();
    let mut bits = vec![0u64; case_slots];
    for (c, name) in domain_case.iter().zip(names.iter()) {
        let Some(name) = name else { continue };
        let next = ids.len() as u32;
        let id = *ids.entry(name).or_insert(next);
        if id >= 64 {
            return Ok(None);
        }
        bits[*c as usize] |= 1 << id;
    }

    // The closed cases of each client, as (Einddatum, case), in one array by client.
    let ends = days(cases, "Einddatum")?;
    let mut start_of = vec![0usize; client_slots + 1];
    for (k, end) in client.iter().zip(&ends) {
        if end.is_some() {
            start_of[*k as usize + 1] += 1;
        }
    }
    for k in 0..client_slots {
        start_of[k + 1] += start_of[k];
    }
    let mut filled = start_of.clone();
    let mut closed = vec![(0i32, 0u32); start_of[client_slots]];
    for ((c, k), end) in case.iter().zip(&client).zip(&ends) {
        if let Some(end) = end {
            closed[filled[*k as usize]] = (*end, *c);
            filled[*k as usize] += 1;
        }
    }

    let starts = days(it, "Startdatum")?;
    let mut counts = Counts {
        opgestart: it.height() as i64,
        ..Counts::default()
    };
    for ((c, k), start) in it_case.iter().zip(&it_client).zip(&starts) {
        // Without a Startdatum no case closed before it.
        let Some(start) = start else { continue };
        let k = *k as usize;
        let (mut earlier, mut shared) = (0, false);
        for (end, e) in &closed[start_of[k]..start_of[k + 1]] {
            if end < start {
                earlier += 1;
                shared |= bits[*c as usize] & bits[*e as usize] != 0;
            }
        }
        counts.recidive += i64::from(earlier >= 1);
        counts.meerdere += i64::from(earlier >= 2);
        counts.gelijk += i64::from(shared);
    }
    Ok(Some(counts))
}

fn with_polars(cases: &DataFrame, it: LazyFrame, domains: &DataFrame) -> Result<Counts> {
    let history = cases
        .clone()
        .lazy()
        .filter(col("Einddatum").is_not_null())
        .select([
            col("Casusnummer").alias("eerder"),
            col("Clientnummer"),
            col("Einddatum"),
        ]);
    let pairs = it
        .clone()
        .join(
            history,
            [col("Clientnummer")],
            [col("Clientnummer")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("Einddatum").lt(col("Startdatum")))
        .select([col("Casusnummer"), col("eerder")])
        // Once: the shared-domain count and the per-case count both read the pairs.
        .collect()?
        .lazy();
    let domains = domains.clone().lazy();
    let shared = pairs
        .clone()
        .join(
            domains.clone(),
            [col("Casusnummer")],
            [col("Casusnummer")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            domains.select([col("Casusnummer").alias("eerder"), col("domein")]),
            [col("eerder"), col("domein")],
            [col("eerder"), col("domein")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([col("Casusnummer").n_unique().alias("n")])
        .collect()?;
    let per_case = pairs.group_by([col("Casusnummer")]).agg([len().alias("k")]);
    let counts = per_case
        .select([
            len().alias("recidive"),
            col("k").gt_eq(lit(2)).sum().alias("meerdere"),
        ])
        .collect()?;
    let first = |frame: &DataFrame, column: &str| -> Result<i64> {
        Ok(ints(frame, column)?.first().copied().unwrap_or(0))
    };
    Ok(Counts {
        opgestart: first(&it.select([len().alias("n")]).collect()?, "n")?,
        recidive: first(&counts, "recidive")?,
        meerdere: first(&counts, "meerdere")?,
        gelijk: first(&shared, "n")?,
    })
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Random cases of a few clients with open and closed cases on nearby dates (equal
    /// dates included), some without a Startdatum, and random domains: the pass by client
    /// and the Polars joins give the same four counts.
    #[test]
    fn the_pass_by_client_agrees_with_polars() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        let names = [
            "Financiën",
            "Huisvesting",
            "Werk & opleiding",
            "Sociaal netwerk",
        ];
        let mut seen = Counts::default();
        for round in 0..300 {
            let n = rng.random_range(0..80u32);
            let date = |rng: &mut rand_chacha::ChaCha8Rng| Some(rng.random_range(19_000..19_012));
            let starts: Vec<Option<i32>> = (0..n)
                .map(|_| {
                    if rng.random_range(0..8) == 0 {
                        None
                    } else {
                        date(&mut rng)
                    }
                })
                .collect();
            let ends: Vec<Option<i32>> = (0..n)
                .map(|_| {
                    if rng.random_range(0..3) == 0 {
                        None
                    } else {
                        date(&mut rng)
                    }
                })
                .collect();
            let clients: Vec<u32> = (0..n).map(|_| rng.random_range(0..12)).collect();
            let cases = DataFrame::new(
                n as usize,
                vec![
                    Column::new("Casusnummer".into(), (0..n).collect::<Vec<u32>>()),
                    Column::new("Clientnummer".into(), clients.clone()),
                    Column::new("Startdatum".into(), starts.clone())
                        .cast(&DataType::Date)
                        .unwrap(),
                    Column::new("Einddatum".into(), ends)
                        .cast(&DataType::Date)
                        .unwrap(),
                ],
            )
            .unwrap();
            let it: Vec<u32> = (0..n).filter(|_| rng.random_range(0..3) == 0).collect();
            let it = cases
                .take(&IdxCa::from_vec("rows".into(), it))
                .unwrap()
                .select(["Casusnummer", "Clientnummer", "Startdatum"])
                .unwrap();
            let (mut domain_cases, mut domain_names) = (Vec::new(), Vec::new());
            for c in 0..n {
                for name in names {
                    if rng.random_range(0..4) == 0 {
                        domain_cases.push(c);
                        domain_names.push(name);
                    }
                }
            }
            let domains = DataFrame::new(
                domain_cases.len(),
                vec![
                    Column::new("Casusnummer".into(), domain_cases),
                    Column::new("domein".into(), domain_names),
                ],
            )
            .unwrap();
            let fast = by_client(&cases, &it, &domains)
                .unwrap()
                .expect("codes take the pass");
            let slow = with_polars(&cases, it.clone().lazy(), &domains).unwrap();
            assert_eq!(fast, slow, "round {round}");
            seen.recidive += fast.recidive;
            seen.meerdere += fast.meerdere;
            seen.gelijk += fast.gelijk;
        }
        // The rounds reach every count, so agreeing means something.
        assert!(
            seen.recidive > seen.gelijk && seen.meerdere > 0 && seen.gelijk > 0,
            "{seen:?}"
        );
    }
}
