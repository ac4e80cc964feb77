use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::figures::{Figure, Relation, Span};

const P: &str = "2024Q1-Q4";

fn key(category: &str) -> FigureKey {
    FigureKey::new(Indicator::Team, category, P)
}

/// Teams t0, t1, … with `counts` in `period`, and the cases in behandeling they add up to.
fn teams_in(period: &str, counts: &[i64]) -> Figures {
    let mut f = Figures::default();
    for (i, c) in counts.iter().enumerate() {
        f.count(FigureKey::new(Indicator::Team, format!("t{i}"), period), *c);
    }
    f.count(
        FigureKey::total(Indicator::InBehandeling, period),
        counts.iter().sum(),
    );
    f
}

/// A breakdown `cells` with its total (category ""), as figures, a relation and a view with
/// primary suppression.
fn breakdown(cells: &[i64]) -> (Figures, Vec<Relation>, View) {
    let mut f = Figures::default();
    let mut parts = Vec::new();
    for (i, &c) in cells.iter().enumerate() {
        let k = key(&format!("t{i}"));
        f.count(k.clone(), c);
        parts.push(k);
    }
    f.count(key(""), cells.iter().sum());
    let relations = vec![Relation {
        name: "teams add up".into(),
        parts,
        whole: vec![key("")],
        exact: true,
    }];
    let view = public_view(&f);
    (f, relations, view)
}

/// Team cells of the period with their counts.
fn teams(cells: &[(&str, i64)]) -> Figures {
    let mut f = Figures::default();
    for &(c, n) in cells {
        f.count(key(c), n);
    }
    f
}

/// What a reader of `v1` has: its cells as shown and the figures they came from.
fn as_v1<'a>(v1: &View, figures: &'a Figures) -> [versions::Earlier<'a>; 1] {
    [versions::Earlier {
        version: 1,
        quarter: None,
        year_so_far: Default::default(),
        shown: v1.cells.clone(),
        figures: Some(figures),
        own: None,
    }]
}

fn public_view(f: &Figures) -> View {
    View {
        known: HashMap::new(),
        changed_from: HashMap::new(),
        bounded: HashMap::new(),
        rows: HashMap::new(),
        nothing: Default::default(),
        audience: Audience::Openbaar,
        threshold: 5,
        cells: f
            .rows()
            .iter()
            .map(|r: &Figure| (r.key.clone(), primary::shown(r, 5)))
            .collect(),
    }
}

fn shown_of(view: &View, n: usize) -> (Vec<Shown>, Shown) {
    (
        (0..n).map(|i| view.cells[&key(&format!("t{i}"))]).collect(),
        view.cells[&key("")],
    )
}

use Shown::{Small, Withheld};
fn num(c: i64) -> Shown {
    Shown::Value(Value::Count(c))
}

#[test]
fn one_small_cell_takes_the_next_smallest_along() {
    let (f, r, mut view) = breakdown(&[3, 40, 12, 0]);
    secondary::protect(&mut view, &f, &r).unwrap();
    assert_eq!(
        shown_of(&view, 4),
        (vec![Small, num(40), Withheld, num(0)], num(55))
    );
}

#[test]
fn two_small_cells_whose_sum_tells_them_take_another_along() {
    // 3 + 2 = 5 hidden beside a shown total: each is 1 to 4 still? 3 + 2: one is at most
    // 4 and at least 1, so yes; but 1 + 1 = 2 pins both down.
    let (f, r, mut view) = breakdown(&[1, 1, 50]);
    secondary::protect(&mut view, &f, &r).unwrap();
    assert_eq!(shown_of(&view, 3), (vec![Small, Small, Withheld], num(52)));
}

#[test]
fn a_small_total_of_small_cells_hides_one_of_them_further() {
    // 1 + 1 = 2: with the total shown as <5, a reader knows each cell is at most 3.
    let (f, r, mut view) = breakdown(&[1, 1, 0]);
    secondary::protect(&mut view, &f, &r).unwrap();
    let a = audit(&view, &f, &r).unwrap();
    assert!(a.failures.is_empty(), "{:?}", a.failures);
    let (cells, total) = shown_of(&view, 3);
    assert!(
        cells.contains(&Withheld) || total == Withheld,
        "{cells:?} {total:?}"
    );
}

#[test]
fn the_audit_names_a_cell_a_reader_can_work_out() {
    let (f, r, view) = breakdown(&[3, 40, 12]);
    let a = audit(&view, &f, &r).unwrap();
    assert_eq!(a.failures.len(), 1);
    assert_eq!(a.failures[0].cell, key("t0"));
    assert_eq!(
        a.failures[0].range,
        Range {
            min: 3.0,
            max: Some(3.0)
        }
    );
    let message = a.failures[0].error(&view, &r).to_string();
    assert!(
        message.contains("teams add up") && message.contains("between 3 and 3"),
        "{message}"
    );
}

/// Every whole-number completion of the view's hidden cells that satisfies the relations:
/// for each hidden cell, the set of values it takes (brute force, for small tables).
fn possible(
    view: &View,
    f: &Figures,
    relations: &[Relation],
    limit: i64,
) -> HashMap<FigureKey, Vec<i64>> {
    let hidden: Vec<FigureKey> = {
        let mut h: Vec<FigureKey> = view
            .cells
            .iter()
            .filter(|(_, s)| matches!(s, Small | Withheld))
            .map(|(k, _)| k.clone())
            .collect();
        h.sort();
        h
    };
    let mut seen: HashMap<FigureKey, Vec<i64>> = HashMap::new();
    let range = |k: &FigureKey| -> std::ops::RangeInclusive<i64> {
        match view.cells[k] {
            Small => 1..=4,
            _ => 0..=limit,
        }
    };
    let mut values = vec![0i64; hidden.len()];
    fn walk(
        i: usize,
        hidden: &[FigureKey],
        values: &mut Vec<i64>,
        range: &dyn Fn(&FigureKey) -> std::ops::RangeInclusive<i64>,
        check: &dyn Fn(&[i64]) -> bool,
        seen: &mut HashMap<FigureKey, Vec<i64>>,
    ) {
        if i == hidden.len() {
            if check(values) {
                for (k, v) in hidden.iter().zip(values.iter()) {
                    let e = seen.entry(k.clone()).or_default();
                    if !e.contains(v) {
                        e.push(*v);
                    }
                }
            }
            return;
        }
        for v in range(&hidden[i]) {
            values[i] = v;
            walk(i + 1, hidden, values, range, check, seen);
        }
    }
    let check = |vals: &[i64]| -> bool {
        let value = |k: &FigureKey| -> i64 {
            match hidden.iter().position(|h| h == k) {
                Some(i) => vals[i],
                None => f.count_of(k).unwrap(),
            }
        };
        relations.iter().all(|r| {
            let p: i64 = r.parts.iter().map(value).sum();
            let w: i64 = r.whole.iter().map(value).sum();
            if r.exact { p == w } else { p <= w }
        })
    };
    walk(0, &hidden, &mut values, &range, &check, &mut seen);
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// After secondary suppression, a reader who tries every whole-number completion finds
    /// each `<5` cell can still be 1 and 4 and each `x` cell more than one value; and no
    /// count from 1 to 4 is shown.
    #[test]
    fn no_withheld_cell_can_be_worked_out(cells in proptest::collection::vec(0i64..8, 1..4)) {
        let (f, r, mut view) = breakdown(&cells);
        secondary::protect(&mut view, &f, &r).unwrap();
        for (_, s) in view.cells() {
            if let Shown::Value(Value::Count(c)) = s {
                prop_assert!(!(1..5).contains(&c), "{c} shown for {cells:?}");
            }
        }
        let total: i64 = cells.iter().sum();
        // `x` may be any count: far enough above the total that the cap is never what binds.
        let seen = possible(&view, &f, &r, total + 12);
        for (k, s) in view.cells() {
            match s {
                Small => {
                    let v = &seen[k];
                    prop_assert!(v.contains(&1) && v.contains(&4), "{k}: {v:?} for {cells:?}");
                }
                Withheld => {
                    prop_assert!(seen[k].len() >= 2, "{k}: {:?} for {cells:?}", seen[k]);
                }
                _ => {}
            }
        }
    }
}

/// A correction that adds one case to team t1: the teams' counts of v1 were published; a
/// reader subtracting would find the case's team, and so would a reader who sees which
/// cells turned `x`. Fewer than T registrations changed, so every figure of the period is
/// withheld, moved or not, and the period that did not change stays as it was.
#[test]
fn a_small_correction_withholds_its_period_not_only_the_cells_that_moved() {
    const EARLIER: &str = "2023Q1-Q4";
    let teams = |cells: &[i64]| {
        let (mut f, r, _) = breakdown(cells);
        for (i, c) in [20, 30].into_iter().enumerate() {
            f.count(FigureKey::new(Indicator::Team, format!("t{i}"), EARLIER), c);
        }
        f.count(FigureKey::total(Indicator::Team, EARLIER), 50);
        let view = public_view(&f);
        (f, r, view)
    };
    let (f1, _, v1) = teams(&[30, 12, 40]);
    let (f2, r, mut view) = teams(&[30, 13, 40]);
    let earlier = as_v1(&v1, &f1);
    assert_eq!(
        versions::protect(&mut view, &f2, &earlier, &Default::default()),
        4
    );
    secondary::protect(&mut view, &f2, &r).unwrap();
    assert_eq!(
        shown_of(&view, 3),
        (vec![Withheld, Withheld, Withheld], Withheld),
        "t0 and t2 did not move, and showing them would point at t1"
    );
    for (k, s) in view.cells() {
        if k.period == EARLIER {
            assert_eq!(s, v1.cells[k], "{k}");
        }
    }
    assert!(audit(&view, &f2, &r).unwrap().failures.is_empty());
    // Without the earlier figures (an unreadable figures.csv), what both versions show
    // decides alike.
    let (_, _, mut view) = teams(&[30, 13, 40]);
    let blind = [versions::Earlier {
        version: 1,
        quarter: None,
        year_so_far: Default::default(),
        shown: v1.cells.clone(),
        figures: None,
        own: None,
    }];
    assert_eq!(
        versions::protect(&mut view, &f2, &blind, &Default::default()),
        4
    );
}

/// The correction removes the only case of t2: v2 has no figure for it, and a table that
/// lists t2 for another period would read 0 where v1 read `<5`.
#[test]
fn a_category_emptied_by_a_small_correction_is_withheld_not_zero() {
    let (f1, _, v1) = breakdown(&[30, 12, 1]);
    let (f2, r, mut view) = breakdown(&[30, 12]);
    let earlier = as_v1(&v1, &f1);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert!(f2.get(&key("t2")).is_none());
    assert_eq!(view.shown(&key("t2")), Ok(Withheld));
    // Its row is still there: a reader adds it up with the others (as zero, unseen).
    let f2 = with_shown_zeros(&f2, &view).into_owned();
    let mut r = r;
    r[0].parts.push(key("t2"));
    secondary::protect(&mut view, &f2, &r).unwrap();
    assert!(audit(&view, &f2, &r).unwrap().failures.is_empty());
    let csv = String::from_utf8(public_csv(&view, &f2, &[key("t2")])).unwrap();
    assert!(csv.ends_with(",t2,2024Q1-Q4,x\n"), "{csv}");
    // The same in a larger correction: `<5` → 0 would tell 1 to 4 were removed there.
    let (f3, _, mut view) = breakdown(&[30, 22]);
    versions::protect(&mut view, &f3, &earlier, &Default::default());
    assert_eq!(view.shown(&key("t2")), Ok(Withheld));
}

/// A small correction that gives a category its first case, or takes the last one away:
/// the breakdown lists the rows v1 listed, so no row appears (the new category's cell is
/// not shown at all) and none goes (the emptied one reads `x`). A larger one lists what
/// occurred.
#[test]
fn a_small_correction_keeps_the_rows_of_the_version_before() {
    let (f1, _, v1) = breakdown(&[30, 12, 1]);
    let earlier = as_v1(&v1, &f1);
    let rows = |view: &View| view.fixed_rows(key("").indicator).map(<[String]>::to_vec);
    let v1_rows = Some(vec!["t0".to_string(), "t1".into(), "t2".into()]);
    // t3 gets its first case.
    let (f2, _, mut view) = breakdown(&[30, 12, 1, 1]);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(rows(&view), v1_rows);
    assert_eq!(view.shown(&key("t3")), Ok(Withheld));
    // t2 loses its only case.
    let (f2, _, mut view) = breakdown(&[30, 12]);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(rows(&view), v1_rows);
    assert_eq!(view.shown(&key("t2")), Ok(Withheld));
    // Twenty cases more: the rows are what occurred.
    let (f2, _, mut view) = breakdown(&[30, 32, 1, 1]);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(rows(&view), None);
}

/// A correction small in one period and larger in another: a category the larger change
/// brought gets its row (that period explains it, and the rows add up to its total there),
/// one that only the small change brought does not.
#[test]
fn a_category_a_larger_change_brought_gets_its_row() {
    const BEFORE: &str = "2023Q1-Q4";
    let before = |c: &str| FigureKey::new(Indicator::Team, c, BEFORE);
    let build = |now: &[(&str, i64)], then: &[(&str, i64)]| {
        let mut f = Figures::default();
        for (c, n) in now {
            f.count(key(c), *n);
        }
        f.count(key(""), now.iter().map(|(_, n)| n).sum());
        for (c, n) in then {
            f.count(before(c), *n);
        }
        f.count(before(""), then.iter().map(|(_, n)| n).sum());
        f
    };
    let f1 = build(&[("t0", 30), ("t1", 12)], &[("t0", 20), ("t1", 9)]);
    let v1 = public_view(&f1);
    let earlier = as_v1(&v1, &f1);
    // This year 20 cases more, 15 of them of a new team t8; last year one case of t9.
    let f2 = build(
        &[("t0", 35), ("t1", 12), ("t8", 15)],
        &[("t0", 20), ("t1", 9), ("t9", 1)],
    );
    let mut view = public_view(&f2);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(
        view.fixed_rows(Indicator::Team).map(<[String]>::to_vec),
        Some(vec!["t0".to_string(), "t1".into(), "t8".into()])
    );
    assert_eq!(view.shown(&before("t9")), Ok(Withheld));
}

/// A version published before zeros were listed in its figures file showed them all the
/// same: after a small correction of the period, such a zero (withheld with its period) is
/// known to the reader like v1's unchanged numbers, instead of a cell the audit finds
/// pinned to 0 by them, which no further withholding could repair.
#[test]
fn a_zero_an_older_version_showed_without_listing_it_is_known() {
    const BEFORE: &str = "2023Q1-Q4";
    let build = |elsewhere: i64| {
        let mut f = Figures::default();
        f.count(key("t0"), 30);
        f.count(key("t1"), 12);
        f.count(key(""), 42);
        // t2 occurred only last year: this year's table reads 0 for it.
        f.count(FigureKey::new(Indicator::Team, "t2", BEFORE), 7);
        // What the correction changed: another figure of the same source and period.
        f.count(FigureKey::total(Indicator::InBehandeling, P), elsewhere);
        f
    };
    let (f1, f2) = (build(100), build(101));
    let v1 = public_view(&f1);
    assert!(
        !v1.has(&key("t2")),
        "the older version did not list its zero"
    );
    let earlier = as_v1(&v1, &f1);
    let relations = vec![Relation {
        name: "teams add up".into(),
        parts: vec![key("t0"), key("t1"), key("t2")],
        whole: vec![key("")],
        exact: true,
    }];
    let mut view = public_view(&f2);
    view.cells.insert(key("t2"), Shown::Value(Value::Count(0)));
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(view.shown(&key("t2")), Ok(Withheld));
    assert_eq!(view.known.get(&key("t2")), Some(&0));
    let f2 = with_shown_zeros(&f2, &view).into_owned();
    secondary::protect(&mut view, &f2, &relations).unwrap();
    assert!(audit(&view, &f2, &relations).unwrap().failures.is_empty());
}

/// A correction of at least T registrations: only the cells that moved by 1 to T − 1 are
/// withheld (what they tell is what a `<T` in a table of the differences tells), and the
/// relation keeps them from being worked out.
#[test]
fn a_larger_correction_withholds_the_cells_that_moved_by_less_than_t() {
    let (f1, _, v1) = breakdown(&[30, 12, 40]);
    let (f2, r, mut view) = breakdown(&[30, 13, 47]);
    let earlier = as_v1(&v1, &f1);
    assert_eq!(
        versions::protect(&mut view, &f2, &earlier, &Default::default()),
        1,
        "t1 only"
    );
    assert_eq!(view.cells[&key("t1")], Withheld);
    assert_eq!(view.cells[&key("t2")], num(47));
    secondary::protect(&mut view, &f2, &r).unwrap();
    assert!(audit(&view, &f2, &r).unwrap().failures.is_empty());
    // t0 is the smallest count, but the reader has its 30 from v1 whether v2 shows it or
    // not: t1 = 90 − 30 − 47 all the same. t2 moved, so only v2 can tell it.
    assert_eq!(
        shown_of(&view, 3),
        (vec![num(30), Withheld, Withheld], num(90))
    );
    // A change of T or more in every cell that moved tells nothing about one registration.
    let (f3, _, mut view) = breakdown(&[30, 17, 40]);
    assert_eq!(
        versions::protect(&mut view, &f3, &earlier, &Default::default()),
        0
    );
}

/// v1 withheld t1 (12) to protect t0 (`<5`). The correction moves only t2, which becomes
/// the smallest count; t1 shown again would give v1's t0 away (55 − 12 − 40), since t1 did
/// not change.
#[test]
fn a_cell_withheld_before_and_unchanged_stays_withheld() {
    let (f1, r, mut v1) = breakdown(&[3, 12, 40]);
    secondary::protect(&mut v1, &f1, &r).unwrap();
    assert_eq!(shown_of(&v1, 3).0, vec![Small, Withheld, num(40)]);
    let (f2, r, mut view) = breakdown(&[3, 12, 5]);
    let earlier = as_v1(&v1, &f1);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    secondary::protect(&mut view, &f2, &r).unwrap();
    assert_eq!(view.cells[&key("t1")], Withheld);
    assert!(audit(&view, &f2, &r).unwrap().failures.is_empty());
}

/// What v1 withheld does not come back on the size of its move: were a former `<5` shown
/// once it moved by 5 or more, 6 in v2 would say it was 1 in v1.
#[test]
fn a_former_small_count_is_shown_only_where_no_earlier_value_could_be_near() {
    let (f1, r, mut v1) = breakdown(&[1, 3, 10, 60]);
    secondary::protect(&mut v1, &f1, &r).unwrap();
    assert_eq!(shown_of(&v1, 4).0, vec![Small, Small, Withheld, num(60)]);
    let earlier = |v1: &View| as_v1(v1, &f1);
    // Five cases added to t0 and twenty to t3: a larger correction.
    let (f2, r, mut view) = breakdown(&[6, 3, 10, 80]);
    versions::protect(&mut view, &f2, &earlier(&v1), &Default::default());
    secondary::protect(&mut view, &f2, &r).unwrap();
    let (parts, _) = shown_of(&view, 4);
    assert_eq!(parts[0], Withheld, "6 is less than 2T − 1 = 9 from <5");
    assert_eq!(parts[2], Withheld, "withheld in v1, withheld in v2");
    assert_eq!(parts[3], num(80));
    // 12 is at least 5 away from every value a `<5` could have had.
    let (f3, _, mut view) = breakdown(&[12, 3, 10, 80]);
    versions::protect(&mut view, &f3, &earlier(&v1), &Default::default());
    assert_eq!(view.cells[&key("t0")], num(12));
}

/// A larger correction: a number of v1 that v2 withholds has changed, and the reader knows
/// it, so it is no longer one of the values the audit may count.
#[test]
fn the_audit_leaves_out_a_value_the_reader_knows_a_cell_no_longer_has() {
    // t0 + t1 = 51 and t0 ≥ 50 (the count c0 of a table beside it): t0 is 50 or 51.
    let mut f = Figures::default();
    for (c, v) in [("t0", 51), ("t1", 0), ("", 51), ("c0", 50)] {
        f.count(key(c), v);
    }
    let r = vec![
        Relation {
            name: "teams add up".into(),
            parts: vec![key("t0"), key("t1")],
            whole: vec![key("")],
            exact: true,
        },
        Relation {
            name: "c0 is at most t0".into(),
            parts: vec![key("c0")],
            whole: vec![key("t0")],
            exact: false,
        },
    ];
    let mut view = public_view(&f);
    view.cells.insert(key("t0"), Withheld);
    view.cells.insert(key("t1"), Withheld);
    assert!(audit(&view, &f, &r).unwrap().failures.is_empty());
    let view = view.knowing_changed([(key("t0"), vec![50])]);
    let a = audit(&view, &f, &r).unwrap();
    assert!(a.failures.iter().any(|x| x.cell == key("t0")), "{a:?}");
}

/// One meeting with eight participants added to one category of collective work: eight
/// participants are one registration, not eight, so the correction is small and the whole
/// period of that source is withheld.
#[test]
fn participants_are_no_number_of_registrations() {
    let collective = |meetings: [i64; 2], participants: [i64; 2]| {
        let mut f = Figures::default();
        for (indicator, values) in [
            (Indicator::ColBijeenkomsten, meetings),
            (Indicator::ColDeelnemers, participants),
        ] {
            for (c, v) in ["a", "b"].iter().zip(values) {
                f.count(FigureKey::new(indicator, *c, P), v);
            }
            f.count(FigureKey::total(indicator, P), values.iter().sum());
        }
        f
    };
    let f1 = collective([10, 20], [100, 200]);
    let f2 = collective([11, 20], [108, 200]);
    let earlier = [versions::Earlier {
        version: 1,
        quarter: None,
        year_so_far: Default::default(),
        shown: public_view(&f1).cells,
        figures: Some(&f1),
        own: None,
    }];
    let mut view = public_view(&f2);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    for (k, s) in view.cells() {
        assert_eq!(s, Withheld, "{k}");
    }
}

/// A percentage over 20 records becomes one over 25: five records more, but its numerator
/// moved by one (10 of 20 → 11 of 25), which tells what one of them holds.
#[test]
fn a_percentage_whose_numerator_moved_by_less_than_t_is_withheld() {
    let k = FigureKey::new(Indicator::ZrmDoelBehaald, "Financien", P);
    let pct = |v: f64, n: u64| {
        let mut f = Figures::default();
        f.push(Figure {
            key: k.clone(),
            dimension: "domein",
            value: Value::Pct(v),
            n: Some(n),
        });
        f
    };
    let (before, after) = (pct(50.0, 20), pct(44.0, 25));
    let earlier = [versions::Earlier {
        version: 1,
        quarter: None,
        year_so_far: Default::default(),
        shown: public_view(&before).cells,
        figures: Some(&before),
        own: None,
    }];
    let mut view = public_view(&after);
    versions::protect(&mut view, &after, &earlier, &Default::default());
    assert_eq!(view.cells[&k], Shown::FewRecords);
    // 10 of 20 → 15 of 25: five more reach the goal, as many as the records added.
    let moved_by_t = pct(60.0, 25);
    let mut view = public_view(&moved_by_t);
    versions::protect(&mut view, &moved_by_t, &earlier, &Default::default());
    assert_eq!(view.cells[&k], Shown::Value(Value::Pct(60.0)));
}

/// A mean over the same records that moved gives one record's new value away.
#[test]
fn a_mean_that_moved_with_one_record_is_withheld() {
    let k = FigureKey::total(Indicator::Wachttijd, P);
    let mean = |v: f64, n: u64| {
        let mut f = Figures::default();
        f.push(Figure {
            key: k.clone(),
            dimension: "",
            value: Value::Mean(v),
            n: Some(n),
        });
        f
    };
    let (before, after) = (mean(10.2, 18), mean(10.0, 19));
    let earlier = [versions::Earlier {
        version: 1,
        quarter: None,
        year_so_far: Default::default(),
        shown: public_view(&before).cells,
        figures: Some(&before),
        own: None,
    }];
    let mut view = public_view(&after);
    assert_eq!(
        versions::protect(&mut view, &after, &earlier, &Default::default()),
        1
    );
    assert_eq!(view.cells[&k], Withheld);
    // The same mean again is no correction of it.
    let mut view = public_view(&before);
    assert_eq!(
        versions::protect(&mut view, &before, &earlier, &Default::default()),
        0
    );
}

/// The cases afgesloten of one form.
fn closed(form: &str) -> FigureKey {
    FigureKey::new(Indicator::Afgesloten, form, P)
}

/// The cases afgesloten per form add up to their total.
fn forms_add_up() -> Relation {
    Relation {
        name: "forms add up".into(),
        parts: vec![closed("IT"), closed("LS"), closed("IA")],
        whole: vec![FigureKey::total(Indicator::Afgesloten, P)],
        exact: true,
    }
}

/// The cases afgesloten per form (IT, LS, IA) with their total, and one mean or
/// percentage `mean` of `value` over `n` records beside them.
fn closed_with(counts: [i64; 3], mean: &FigureKey, value: Value, n: u64) -> Figures {
    let mut f = Figures::default();
    for (form, c) in ["IT", "LS", "IA"].into_iter().zip(counts) {
        f.count(closed(form), c);
    }
    f.count(
        FigureKey::total(Indicator::Afgesloten, P),
        counts.iter().sum(),
    );
    let dimension = mean.indicator.dimension();
    f.push(Figure {
        key: mean.clone(),
        dimension,
        value,
        n: Some(n),
    });
    f
}

/// Afgesloten IT 5, LS 1, IA 0, total 6, and the mean doorlooptijd of the 5 IT cases.
fn closed_with_a_mean() -> (Figures, Vec<Relation>, View) {
    let mean = FigureKey::new(Indicator::Doorlooptijd, "IT", P);
    let f = closed_with([5, 1, 0], &mean, Value::Mean(120.5), 5);
    let relations = vec![forms_add_up()];
    let view = public_view(&f);
    (f, relations, view)
}

#[test]
fn a_mean_shown_beside_its_withheld_count_tells_the_audit_that_count_is_at_least_t() {
    let (f, r, mut view) = closed_with_a_mean();
    let it = FigureKey::new(Indicator::Afgesloten, "IT", P);
    let mean = FigureKey::new(Indicator::Doorlooptijd, "IT", P);
    // What secondary suppression chose before means were modelled: IT as x, the mean shown.
    // With IT + LS = 6 and LS 1 to 4, IT looked like 2 to 5; the mean over IT's cases says
    // IT ≥ 5, which pins IT = 5 and LS = 1.
    view.cells.insert(it.clone(), Withheld);
    let a = audit(&view, &f, &r).unwrap();
    assert!(
        a.failures.iter().any(|x| x.cell == it
            && x.range
                == Range {
                    min: 5.0,
                    max: Some(5.0)
                }),
        "{:?}",
        a.failures
    );

    let (f, r, mut view) = closed_with_a_mean();
    secondary::protect(&mut view, &f, &r).unwrap();
    assert_eq!(view.cells[&it], Withheld);
    assert_eq!(view.cells[&mean], Withheld, "the mean follows its count");
    let a = audit(&view, &f, &r).unwrap();
    assert!(a.failures.is_empty(), "{:?}", a.failures);
}

#[test]
fn a_mean_shown_as_missing_tells_the_audit_its_count_is_zero() {
    // The contacts are over every case afgesloten (the duration only over those that
    // started, so its `–` says nothing about the count).
    let mean = FigureKey::new(Indicator::Contactmomenten, "LS", P);
    let f = closed_with([7, 0, 9], &mean, Value::Missing, 0);
    let r = vec![forms_add_up()];
    let mut view = public_view(&f);
    view.cells.insert(closed("LS"), Withheld);
    view.cells.insert(closed("IA"), Withheld);
    // LS + IA = 9: either could be anything from 0 to 9, unless `–` says LS has no cases.
    view.cells.insert(mean.clone(), Shown::Withheld);
    assert!(audit(&view, &f, &r).unwrap().failures.is_empty());
    view.cells.insert(mean.clone(), Shown::Missing);
    let a = audit(&view, &f, &r).unwrap();
    assert!(
        a.failures.iter().any(|x| x.cell == closed("IA")
            && x.range
                == Range {
                    min: 9.0,
                    max: Some(9.0)
                }),
        "{:?}",
        a.failures
    );
    derived(&mut view, &f);
    assert_eq!(view.cells[&mean], Withheld);
}

/// Afgesloten IA 20, LS 1, IT 7 (total 28), and the ZRM growth on Financiën of 7 of the IT
/// cases: a mean over some of the IT cases afgesloten.
fn closed_with_a_zrm_growth() -> (Figures, Vec<Relation>, View, FigureKey) {
    let growth = FigureKey::new(Indicator::ZrmGroei, "Financiën", P);
    let f = closed_with([7, 1, 20], &growth, Value::Mean(1.0 / 7.0), 7);
    let relations = vec![forms_add_up()];
    let view = public_view(&f);
    (f, relations, view, growth)
}

/// A reader who sees LS `<5`, IT `x` and IA 20 of 28 knows IT + LS = 8, IT 4 to 7. A ZRM
/// growth shown as a number is over at least 5 of the IT cases afgesloten: IT ≥ 5, so LS
/// ≤ 3, narrower than its label (and 0,14 is a mean of whole numbers over 7 or more).
#[test]
fn a_mean_over_some_of_a_withheld_count_tells_the_audit_that_count_is_at_least_t() {
    let (f, r, mut view, growth) = closed_with_a_zrm_growth();
    let (it, ls) = (
        FigureKey::new(Indicator::Afgesloten, "IT", P),
        FigureKey::new(Indicator::Afgesloten, "LS", P),
    );
    assert_eq!(view.cells[&ls], Small);
    view.cells.insert(it.clone(), Withheld);
    let a = audit(&view, &f, &r).unwrap();
    assert!(
        a.failures.iter().any(|x| x.cell == ls
            && x.range
                == Range {
                    min: 1.0,
                    max: Some(3.0)
                }),
        "{:?}",
        a.failures
    );
    // Without the growth shown the same cells are safe.
    view.cells.insert(growth.clone(), Withheld);
    assert!(audit(&view, &f, &r).unwrap().failures.is_empty());

    let (f, r, mut view, growth) = closed_with_a_zrm_growth();
    secondary::protect(&mut view, &f, &r).unwrap();
    assert_eq!(view.cells[&it], Withheld);
    assert_eq!(view.cells[&growth], Withheld, "the mean follows its count");
    assert!(audit(&view, &f, &r).unwrap().failures.is_empty());
}

/// Over some of a count's records, `n<T` says the count is at least 1, not at most T − 1,
/// and `–` says nothing. Afgesloten IT 3 (`<5`), LS 5 (withheld beside it), IA 0, total 8;
/// the duration of LS is over the 2 of its cases that started.
#[test]
fn a_mean_over_some_records_bounds_its_count_from_below_only() {
    let duration = FigureKey::new(Indicator::Doorlooptijd, "LS", P);
    let f = closed_with([3, 5, 0], &duration, Value::Mean(30.0), 2);
    let r = vec![forms_add_up()];
    let mut view = public_view(&f);
    assert_eq!(view.cells[&closed("IT")], Small);
    assert_eq!(view.cells[&duration], Shown::FewRecords);
    // IT 1 to 4, so LS 4 to 7. Read as a mean over all of LS's cases, `n<5` would say LS
    // is at most 4: LS = 4 and IT = 4, both worked out. It is over some of them.
    view.cells.insert(closed("LS"), Withheld);
    let a = audit(&view, &f, &r).unwrap();
    assert!(a.failures.is_empty(), "{:?}", a.failures);
    view.cells.insert(duration.clone(), Shown::Missing);
    let a = audit(&view, &f, &r).unwrap();
    assert!(a.failures.is_empty(), "{:?}", a.failures);
}

#[test]
fn the_audit_catches_a_small_count_shown_as_a_number() {
    let (f, r, mut view) = breakdown(&[3, 40, 12]);
    secondary::protect(&mut view, &f, &r).unwrap();
    view.cells.insert(key("t0"), num(3));
    let a = audit(&view, &f, &r).unwrap();
    // Showing t0 also gives away its secondary partner, which the relation reports on its own.
    let small = a.failures.iter().find(|x| x.cell == key("t0"));
    let message = small.expect("t0 is reported").error(&view, &r).to_string();
    assert!(message.contains("shown as the number 3"), "{message}");
    assert!(secondary::protect(&mut view, &f, &r).is_err());
}

/// A category the earlier version showed as `x` without a figure (it counted nothing then,
/// a zero withheld to protect another cell) that still counts nothing has not moved: it
/// does not make its period one a small correction touched.
#[test]
fn a_withheld_zero_that_is_still_zero_has_not_moved() {
    let (f, _, mut v1) = breakdown(&[30, 12]);
    v1.cells.insert(key("t2"), Withheld);
    let earlier = as_v1(&v1, &f);
    let mut view = public_view(&f);
    view.cells.insert(key("t2"), num(0));
    versions::protect(&mut view, &f, &earlier, &Default::default());
    assert_eq!(view.shown(&key("t2")), Ok(Withheld), "it stays withheld");
    assert_eq!(shown_of(&view, 2), (vec![num(30), num(12)], num(42)));
}

/// Relations of team cells for the tests of what a reader knows counts nothing.
fn relation(name: &str, parts: &[&str], whole: &[&str]) -> Relation {
    Relation {
        name: name.into(),
        parts: parts.iter().map(|c| key(c)).collect(),
        whole: whole.iter().map(|c| key(c)).collect(),
        exact: true,
    }
}

/// A cell the earlier version withheld whose rows its unchanged numbers show as 0: the
/// reader knows it counts nothing, and no other cell is withheld in a vain attempt to hide
/// it.
#[test]
fn a_count_the_earlier_zeros_add_up_to_is_known_not_hidden_behind_others() {
    let f = teams(&[
        ("t0", 30),
        ("t1", 12),
        ("t2", 0),
        ("", 42),
        ("w0", 0),
        ("w1", 0),
    ]);
    let relations = vec![
        relation("teams add up", &["t0", "t1", "t2"], &[""]),
        relation("kinds add up to t2", &["w0", "w1"], &["t2"]),
    ];
    let mut v1 = public_view(&f);
    v1.cells.insert(key("t2"), Withheld);
    let earlier = as_v1(&v1, &f);
    let mut view = public_view(&f);
    versions::protect(&mut view, &f, &earlier, &Default::default());
    assert_eq!(view.shown(&key("t2")), Ok(Withheld));
    secondary::protect(&mut view, &f, &relations).unwrap();
    assert_eq!(view.known.get(&key("t2")), Some(&0));
    assert_eq!(shown_of(&view, 2), (vec![num(30), num(12)], num(42)));
    assert!(audit(&view, &f, &relations).unwrap().failures.is_empty());
}

/// A breakdown that lists no row says its whole counts nothing (`figures::relations_and_nothing`):
/// such a count is never withheld to protect another, nor is what follows from it (s ≤
/// it), though the audit does not take it as known (the document may not show that table).
#[test]
fn a_count_a_table_without_rows_says_is_nothing_hides_nothing() {
    let f = teams(&[("a", 3), ("b", 9), ("c", 0), ("it", 0), ("s", 0), ("", 12)]);
    let mut at_most = relation("s is at most it", &["s"], &["it"]);
    at_most.exact = false;
    let relations = vec![
        relation("all add up", &["a", "b", "c", "it"], &[""]),
        at_most,
    ];
    let protected = |nothing: &[&str]| {
        let mut view = public_view(&f);
        // b and the total are known from an earlier version: the zeros are all that is left.
        view.known.insert(key("b"), 9);
        view.known.insert(key(""), 12);
        view.nothing = nothing.iter().map(|c| key(c)).collect();
        secondary::protect(&mut view, &f, &relations).unwrap();
        assert!(audit(&view, &f, &relations).unwrap().failures.is_empty());
        assert!(!view.known.contains_key(&key("it")), "not taken as known");
        view
    };
    let view = protected(&[]);
    assert_eq!(
        view.shown(&key("it")),
        Ok(Withheld),
        "without it, a zero like c"
    );
    let view = protected(&["it"]);
    assert_eq!(view.shown(&key("it")), Ok(num(0)));
    assert_eq!(view.shown(&key("c")), Ok(Withheld));
    assert_eq!(view.shown(&key("a")), Ok(Withheld));
    assert_eq!(
        secondary::zeros_from([key("it")], &f, &relations),
        [key("it"), key("s")].into_iter().collect()
    );
}

/// v1 (published by a version that withheld zeros a table without rows says are nothing)
/// listed the forms ia 11 and it, ls (0) and the total (11) as `x`, the teams t1 10 and
/// t2 `<5`, and rows of the breakdown w1 belongs to but not w1: its reader knows w1, and
/// so it + ls, is nothing, and 11 − 10 gives t2 away. A correction that lists w1 with 0
/// can hide none of that: it is refused, not passed as if what it ties down were all
/// known before.
#[test]
fn a_correction_is_refused_where_the_earlier_version_gave_a_count_away() {
    let f = teams(&[
        ("ia", 11),
        ("it", 0),
        ("ls", 0),
        ("", 11),
        ("t1", 10),
        ("t2", 1),
    ]);
    let relations = vec![
        relation("forms add up", &["ia", "it", "ls"], &[""]),
        relation("teams add up", &["t1", "t2"], &[""]),
        relation("werksoorten add up", &["w1"], &["it", "ls"]),
    ];
    let mut v1 = public_view(&f);
    for c in ["it", "ls", ""] {
        v1.cells.insert(key(c), Withheld);
    }
    let earlier = as_v1(&v1, &f);
    let mut f2 = f.clone();
    f2.count(key("w1"), 0);
    let mut view = public_view(&f2);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    let refused = secondary::protect(&mut view, &f2, &relations);
    assert!(refused.is_err(), "{:?}", view.cells);
    assert_eq!(view.known.get(&key("t2")), None, "t2 is audited");
}

/// A breakdown the earlier version listed no row of for the period says nothing about it:
/// it may not have been delivered, or not been in that version's documents. Only where it
/// listed rows for the period is a category it left out known to have counted nothing.
#[test]
fn a_category_is_known_as_nothing_only_where_its_breakdown_listed_rows() {
    let (f, _, v1) = breakdown(&[30, 12]);
    let earlier = as_v1(&v1, &f);
    let mut view = public_view(&f);
    let elsewhere = FigureKey::new(Indicator::Werksoort, "w", P);
    let last_year = FigureKey::new(Indicator::Team, "t5", "2023Q1-Q4");
    for k in [key("t5"), elsewhere.clone(), last_year.clone()] {
        view.cells.insert(k, num(0));
    }
    versions::protect(&mut view, &f, &earlier, &Default::default());
    assert_eq!(
        view.known.get(&key("t5")),
        Some(&0),
        "the teams were listed"
    );
    assert_eq!(view.known.get(&elsewhere), None, "no werksoort was");
    assert_eq!(view.known.get(&last_year), None, "no team of last year was");
}

/// After a larger correction that took every IT and LS case away (ia 20 → 40, it `<5` →
/// 0, ls `x` → 0, total 28 → 40), it and ls stay withheld as v1 had them. An empty
/// werksoort table says they are nothing, but the document may not show it: they are
/// audited, and ia or the total is withheld so that 40 = 40 + it + ls does not give them
/// away.
#[test]
fn zeros_an_empty_table_says_are_nothing_are_still_audited() {
    let f1 = teams(&[("ia", 20), ("it", 3), ("ls", 5), ("", 28)]);
    let f2 = teams(&[("ia", 40), ("it", 0), ("ls", 0), ("", 40)]);
    let relations = vec![relation("forms add up", &["ia", "it", "ls"], &[""])];
    let mut v1 = public_view(&f1);
    v1.cells.insert(key("ls"), Withheld);
    assert!(audit(&v1, &f1, &relations).unwrap().failures.is_empty());
    let earlier = as_v1(&v1, &f1);
    let mut view = public_view(&f2);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(view.shown(&key("it")), Ok(Withheld));
    assert_eq!(view.shown(&key("ls")), Ok(Withheld));
    view.nothing = [key("it"), key("ls")].into_iter().collect();
    secondary::protect(&mut view, &f2, &relations).unwrap();
    assert!(!view.known.contains_key(&key("it")) && !view.known.contains_key(&key("ls")));
    assert!(
        view.shown(&key("ia")) == Ok(Withheld) || view.shown(&key("")) == Ok(Withheld),
        "{:?}",
        view.cells
    );
    assert!(audit(&view, &f2, &relations).unwrap().failures.is_empty());
}

/// A period the caller names is withheld as a whole, as after a small correction, even
/// where a larger one touched it: a cell that moved is then one of many `x`, and the
/// reader no longer knows which of them changed (disclose_after does this where a moved
/// cell cannot be protected otherwise).
#[test]
fn a_period_withheld_as_a_whole_hides_which_cell_moved() {
    let (f1, relations, v1) = breakdown(&[30, 12, 9]);
    let (f2, _, _) = breakdown(&[40, 13, 9]);
    let earlier = as_v1(&v1, &f1);
    let mut view = public_view(&f2);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(view.shown(&key("t1")), Ok(Withheld), "moved by 1");
    assert_eq!(view.shown(&key("t0")), Ok(num(40)), "moved by 10");
    assert!(view.changed_from.contains_key(&key("t1")));
    let mut view = public_view(&f2);
    // A percentage over fewer records than T: left `n<T` among the `x`, it would point at
    // the corrected records.
    let pct = FigureKey::new(Indicator::ZrmDoelBehaald, "d", P);
    view.cells.insert(pct.clone(), Shown::FewRecords);
    let whole = [versions::period_of(&key(""))].into_iter().collect();
    versions::protect(&mut view, &f2, &earlier, &whole);
    assert_eq!(shown_of(&view, 3), (vec![Withheld; 3], Withheld));
    assert_eq!(view.cells.remove(&pct), Some(Withheld));
    assert!(view.changed_from.is_empty(), "no x says its number changed");
    secondary::protect(&mut view, &f2, &relations).unwrap();
    assert!(audit(&view, &f2, &relations).unwrap().failures.is_empty());
}

/// [`versions::given_away`] with what a reader works out from `view` over `f` alone.
fn beside(view: &View, f: &Figures, e: &versions::Earlier, spans: &[Span]) -> versions::Beside {
    let zeros = with_shown_zeros(f, view);
    let (relations, _) = relations_and_nothing(&zeros, spans);
    let ours = versions::Audited {
        figures: &zeros,
        relations: &relations,
    };
    versions::given_away(view, ours, std::slice::from_ref(e), &mut Default::default()).unwrap()
}

/// Another quarter's public memo as the run reads it (`run::stages`): its cells and figures
/// under its own keys, and under this run's (`spans`).
struct Memo {
    quarter: crate::quarter::Quarter,
    cells: HashMap<FigureKey, Shown>,
    figures: Figures,
    seen: versions::Rekeyed,
}

impl Memo {
    fn new(
        quarter: &str,
        cells: HashMap<FigureKey, Shown>,
        figures: Figures,
        spans: &[Span],
    ) -> Memo {
        let seen = rekeyed(cells.clone(), Some(&figures), spans);
        Memo {
            quarter: quarter.parse().unwrap(),
            cells,
            figures,
            seen,
        }
    }

    fn earlier(&self) -> versions::Earlier<'_> {
        versions::Earlier {
            version: 1,
            quarter: Some(self.quarter),
            year_so_far: self.seen.year_so_far.clone(),
            shown: self.seen.shown.clone(),
            figures: self.seen.figures.as_ref(),
            own: Some(versions::Own {
                quarter: self.quarter,
                cells: &self.cells,
                figures: &self.figures,
            }),
        }
    }
}

/// The cells [`beside`] withholds.
fn given_away(view: &View, f: &Figures, e: &versions::Earlier, spans: &[Span]) -> Vec<FigureKey> {
    beside(view, f, e, spans).withhold
}

fn spans_of(quarter: &str) -> Vec<Span> {
    Span::of(quarter.parse().unwrap())
}

#[test]
fn another_quarters_periods_answer_to_the_same_period_or_the_same_year_so_far() {
    let spans = spans_of("2024Q4");
    let answer = |label: &str| versions::answering(label, &spans);
    assert_eq!(answer("2024Q1-Q3").as_deref(), Some("2024Q1-Q4"));
    assert_eq!(answer("2024Q1-Q1").as_deref(), Some("2024Q1-Q4"));
    assert_eq!(answer("2023Q1-Q4").as_deref(), Some("2023Q1-Q4"));
    assert_eq!(answer("2023Q1-Q2").as_deref(), Some("2023Q1-Q4"));
    assert_eq!(answer("2024Q3").as_deref(), Some("2024Q3"));
    assert_eq!(answer("2023Q2").as_deref(), Some("2023Q2"));
    // A period this run does not show, and what is no period.
    assert_eq!(answer("2022Q1-Q4"), None);
    assert_eq!(answer("2025Q1"), None);
    assert_eq!(answer("2025Q1-Q2"), None);
    assert_eq!(answer("totaal"), None);
    // A rerun of an earlier quarter answers to the later quarter's documents too.
    let spans = spans_of("2024Q2");
    assert_eq!(
        versions::answering("2024Q1-Q4", &spans).as_deref(),
        Some("2024Q1-Q2")
    );
    assert_eq!(versions::answering("2024Q3", &spans), None);
}

/// The memo of Q3 showed Zandeweer's cases in behandeling so far this year as 8; Q4's
/// would show 10, and the reader of both knows that 2 cases of Zandeweer came in the
/// fourth quarter. Q4 withholds it, and what moved by 5 or more stays shown.
#[test]
fn a_count_that_grew_by_fewer_than_t_since_another_quarters_document_is_withheld() {
    let q3 = |c: &str| FigureKey::new(Indicator::Team, c, "2024Q1-Q3");
    let mut f3 = Figures::default();
    for (c, n) in [("zandeweer", 8), ("baflo", 20), ("winsum", 40), ("", 68)] {
        f3.count(q3(c), n);
    }
    let v3 = public_view(&f3);
    let (f4, r, mut view) = breakdown(&[10, 26, 40]);
    // (`breakdown` names its teams t0, t1, t2.)
    let renamed = |k: &FigureKey| {
        let category = match k.category.as_str() {
            "zandeweer" => "t0",
            "baflo" => "t1",
            "winsum" => "t2",
            other => other,
        };
        FigureKey::new(k.indicator, category, k.period.clone())
    };
    let seen = rekeyed(
        v3.cells.iter().map(|(k, s)| (renamed(k), *s)),
        Some(&f3),
        &spans_of("2024Q4"),
    );
    assert_eq!(seen.year_so_far.get(&key("t0")), Some(&Reach::Shorter));
    let shown = seen.shown;
    let figures = seen.figures.map(|f| {
        let mut out = Figures::default();
        for r in f.rows() {
            out.count(renamed(&r.key), r.value.count().unwrap());
        }
        out
    });
    assert_eq!(shown.get(&key("t0")), Some(&Shown::Value(Value::Count(8))));
    let earlier = [versions::Earlier {
        version: 1,
        quarter: Some("2024Q3".parse().unwrap()),
        year_so_far: seen.year_so_far,
        shown,
        figures: figures.as_ref(),
        own: None,
    }];
    versions::protect(&mut view, &f4, &earlier, &Default::default());
    secondary::protect(&mut view, &f4, &r).unwrap();
    assert_eq!(view.shown(&key("t0")), Ok(Withheld), "8 → 10 tells 2");
    assert_eq!(view.shown(&key("t2")), Ok(Shown::Value(Value::Count(40))));
    // 20 → 26 moved by 6 and would be shown, but beside the total it would give t0 away.
    assert_eq!(view.shown(&key("t1")), Ok(Withheld));
    assert_eq!(view.shown(&key("")), Ok(Shown::Value(Value::Count(76))));
    assert!(audit(&view, &f4, &r).unwrap().failures.is_empty());
    // Without the other quarter, every team is shown.
    let (_, _, mut alone) = breakdown(&[10, 26, 40]);
    secondary::protect(&mut alone, &f4, &r).unwrap();
    assert_eq!(alone.shown(&key("t0")), Ok(Shown::Value(Value::Count(10))));
}

/// Published after the second quarter's memo, the first quarter's moves against its year
/// so far (13 → 10 cases of t0), but the second quarter's memo also showed the first
/// quarter alone (10), which is the first quarter's year so far: the reader knows it from
/// there. It is no failure of this version's audit, and nothing else is withheld in a vain
/// attempt to hide it; a small count that follows so is still audited (see
/// `a_correction_is_refused_where_the_earlier_version_gave_a_count_away`).
#[test]
fn a_count_another_quarters_memo_already_gives_is_known_not_hidden_in_vain() {
    let ytd = FigureKey::new(Indicator::Team, "t0", "2024Q1-Q1");
    let alone = FigureKey::new(Indicator::Team, "t0", "2024Q1");
    let other = FigureKey::new(Indicator::Team, "t1", "2024Q1-Q1");
    let total = FigureKey::total(Indicator::Team, "2024Q1-Q1");
    let mut f = Figures::default();
    for (k, c) in [(&ytd, 10), (&alone, 10), (&other, 30), (&total, 40)] {
        f.count(k.clone(), c);
    }
    let relations = vec![
        Relation {
            name: "the quarters add up to the year so far".into(),
            parts: vec![alone.clone()],
            whole: vec![ytd.clone()],
            exact: true,
        },
        Relation {
            name: "teams add up".into(),
            parts: vec![ytd.clone(), other.clone()],
            whole: vec![total.clone()],
            exact: true,
        },
    ];
    // The second quarter's memo, its year so far under this run's period.
    let shown = [(&ytd, 13), (&alone, 10), (&other, 45), (&total, 58)]
        .into_iter()
        .map(|(k, c)| (k.clone(), num(c)))
        .collect();
    let earlier = [versions::Earlier {
        version: 1,
        quarter: Some("2024Q2".parse().unwrap()),
        year_so_far: [&ytd, &other, &total]
            .into_iter()
            .map(|k| (k.clone(), Reach::Longer))
            .collect(),
        shown,
        figures: None,
        own: None,
    }];
    let mut view = public_view(&f);
    versions::protect(&mut view, &f, &earlier, &Default::default());
    assert_eq!(view.shown(&ytd), Ok(Withheld), "13 → 10 would tell 3");
    secondary::protect(&mut view, &f, &relations).unwrap();
    assert_eq!(view.known.get(&ytd), Some(&10));
    assert_eq!(view.shown(&other), Ok(num(30)), "not withheld to hide t0");
    assert!(audit(&view, &f, &relations).unwrap().failures.is_empty());
}

/// A small correction of a quarter whose documents answer to the quarter before too: the
/// correction is small against v1, and a whole quarter larger against the other memo.
/// The rows stay v1's (a first case in t3 gets no row): the larger change against the
/// older document is no licence for a row v1 did not list.
#[test]
fn a_small_correction_keeps_v1s_rows_whatever_an_older_quarter_saw_change() {
    let (f1, _, v1) = breakdown(&[30, 12, 1]);
    let (f0, _, v0) = breakdown(&[10, 2, 1]);
    let earlier = [
        versions::Earlier {
            version: 1,
            quarter: Some("2024Q3".parse().unwrap()),
            year_so_far: Default::default(),
            shown: v0.cells.clone(),
            figures: Some(&f0),
            own: None,
        },
        versions::Earlier {
            version: 1,
            quarter: None,
            year_so_far: Default::default(),
            shown: v1.cells.clone(),
            figures: Some(&f1),
            own: None,
        },
    ];
    let (f2, _, mut view) = breakdown(&[30, 12, 1, 1]);
    versions::protect(&mut view, &f2, &earlier, &Default::default());
    assert_eq!(
        view.fixed_rows(Indicator::Team).map(<[String]>::to_vec),
        Some(vec!["t0".to_string(), "t1".into(), "t2".into()])
    );
    assert_eq!(view.shown(&key("t3")), Ok(Withheld));
}

/// v1 of Q2 showed the mean wachttijd 10,2 over 18 cases; the first quarter's memo,
/// published after it, showed 9,0 over 16 of them as its year so far. A correction of Q2
/// that leaves the wachttijd as it was shows it again: its readers have it from v1, and
/// what the first quarter's memo adds to it was that memo's to protect. The same value
/// over 19 cases would tell the added case's wachttijd, and is withheld.
#[test]
fn a_mean_an_earlier_version_showed_over_the_same_records_is_not_withheld_in_vain() {
    let k = FigureKey::total(Indicator::Wachttijd, P);
    // Beside the cases in behandeling, which grew by 20 in the second quarter: not a
    // period that gained fewer than 5 registrations, withheld as a whole.
    let mean = |v: f64, n: u64| {
        let mut f = Figures::default();
        f.push(Figure {
            key: k.clone(),
            dimension: "",
            value: Value::Mean(v),
            n: Some(n),
        });
        f.count(FigureKey::total(Indicator::InBehandeling, P), 40 + n as i64);
        f
    };
    let (v1, first_quarter) = (mean(10.2, 18), mean(9.0, 16));
    let first_quarter = {
        let mut f = first_quarter;
        f.count(FigureKey::total(Indicator::InBehandeling, P), 38);
        f
    };
    let earlier = [
        versions::Earlier {
            version: 1,
            quarter: None,
            year_so_far: Default::default(),
            shown: public_view(&v1).cells,
            figures: Some(&v1),
            own: None,
        },
        versions::Earlier {
            version: 1,
            quarter: Some("2024Q1".parse().unwrap()),
            year_so_far: [k.clone(), FigureKey::total(Indicator::InBehandeling, P)]
                .into_iter()
                .map(|k| (k, Reach::Shorter))
                .collect(),
            shown: public_view(&first_quarter).cells,
            figures: Some(&first_quarter),
            own: None,
        },
    ];
    let mut view = public_view(&v1);
    versions::protect(&mut view, &v1, &earlier, &Default::default());
    assert_eq!(view.cells[&k], Shown::Value(Value::Mean(10.2)));
    // Over one case more, the same 10,2 is withheld: against v1 it moved with one record.
    let one_more = mean(10.2, 19);
    let mut view = public_view(&one_more);
    versions::protect(&mut view, &one_more, &earlier, &Default::default());
    assert_eq!(view.cells[&k], Withheld);
    // And the first quarter's memo alone (16 → 18 cases) withholds it.
    let mut view = public_view(&v1);
    versions::protect(&mut view, &v1, &earlier[1..], &Default::default());
    assert_eq!(view.cells[&k], Shown::FewRecords);
}

/// Two teams withheld beside a third of 10 and their total of 12: alone, each could be 0
/// to 2. A reader of v1, which showed each as `<5`, knows each is at least 1: both are 1.
#[test]
fn what_an_earlier_version_bounds_narrows_what_the_audit_allows() {
    let (f, r, _) = breakdown(&[1, 1, 10]);
    let cells = [
        (key("t0"), Withheld),
        (key("t1"), Withheld),
        (key("t2"), num(10)),
        (key(""), num(12)),
    ];
    let alone = View::from_cells(Audience::Openbaar, 5, cells.clone());
    assert!(audit(&alone, &f, &r).unwrap().failures.is_empty());
    let bounded = View::from_cells(Audience::Openbaar, 5, cells)
        .knowing_bounds([(key("t0"), (1, Some(4))), (key("t1"), (1, Some(4)))]);
    let failures = audit(&bounded, &f, &r).unwrap().failures;
    assert_eq!(failures.len(), 2, "{failures:?}");
    // And `versions` gives a `<5` of v1 whose count still keeps to it as that bound.
    let (f1, _, v1) = breakdown(&[1, 1, 10]);
    let mut view = public_view(&f1);
    versions::protect(&mut view, &f1, &as_v1(&v1, &f1), &Default::default());
    assert_eq!(view.bounded.get(&key("t0")), Some(&(1, Some(4))));
}

/// Q4's memo (published first) withheld team t0 (9) beside t1 and t2 as `<5` (2 each), t3
/// (20) and the 33 cases in behandeling: alone, t0 is 5 to 11. A rerun of Q3 (t0 9, t1 and
/// t2 1 each, t3 6: t3 withheld beside the two `<5`) that shows t0's 9 tells its reader
/// that Q4's t0 is at least 9, so that t1 and t2 are at most 3: Q3's 9 would give Q4's
/// `<5`s away, and is withheld.
#[test]
fn a_quarter_published_after_a_later_one_gives_none_of_its_cells_away() {
    const Q3: &str = "2024Q1-Q3";
    const Q4: &str = "2024Q1-Q4";
    let team = |c: &str| FigureKey::new(Indicator::Team, c, Q3);
    let total = FigureKey::total(Indicator::InBehandeling, Q3);
    let (q4, q3) = (teams_in(Q4, &[9, 2, 2, 20]), teams_in(Q3, &[9, 1, 1, 6]));
    let mut shown = public_view(&q4).cells;
    shown.insert(FigureKey::new(Indicator::Team, "t0", Q4), Withheld);
    let spans = spans_of("2024Q3");
    let memo = Memo::new("2024Q4", shown, q4, &spans);
    let earlier = [memo.earlier()];
    let mut view = public_view(&q3);
    view.cells.insert(team("t3"), Withheld);
    // (And Q3's `<5`s: at most Q4's, and beside its 9, t1 + t2 of Q4 is at most 4. The
    // nearest number of Q3 to each is its total, withheld first.)
    assert_eq!(
        given_away(&view, &q3, &earlier[0], &spans),
        vec![total.clone()]
    );
    // The whole decision withholds t0 too, and what that takes within Q3.
    let decided = protect(public_view(&q3), &q3, &spans, &earlier).unwrap();
    assert_eq!(decided.shown(&team("t0")), Ok(Withheld));
    assert!(given_away(&decided, &q3, &earlier[0], &spans).is_empty());
}

/// Last year's fourth-quarter memo shows last year only: this year's cells, small as they
/// are in a first quarter, did not move against it, and are decided as if it were not
/// there.
#[test]
fn another_quarters_memo_leaves_the_periods_it_did_not_show_alone() {
    const LAST_YEAR: &str = "2023Q1-Q4";
    let (f, _, mut view) = breakdown(&[1, 1]);
    let mut last_year = Figures::default();
    last_year.count(FigureKey::new(Indicator::Team, "t0", LAST_YEAR), 12);
    last_year.count(FigureKey::total(Indicator::Team, LAST_YEAR), 12);
    let earlier = [versions::Earlier {
        version: 1,
        quarter: Some("2023Q4".parse().unwrap()),
        year_so_far: Default::default(),
        shown: public_view(&last_year).cells,
        figures: Some(&last_year),
        own: None,
    }];
    assert_eq!(
        versions::protect(&mut view, &f, &earlier, &Default::default()),
        0
    );
    assert_eq!(view.shown(&key("t1")), Ok(Small));
    assert_eq!(view.fixed_rows(Indicator::Team), None);
}

/// Last year's Q4 memo was published at threshold 10 (its `<10`s were 3 and 7, beside 30
/// and the 40 in behandeling); this year runs at 5. Read back, its `<10` says `<T` only:
/// audited at 5, its two cells could not add up to 10, and the check would fail every run.
#[test]
fn another_quarters_memo_at_a_higher_threshold_is_audited_at_one_its_counts_allow() {
    const Q3: &str = "2024Q1-Q3";
    let team = |c: &str| FigureKey::new(Indicator::Team, c, Q3);
    let total = FigureKey::total(Indicator::InBehandeling, Q3);
    let mut f = Figures::default();
    for (c, n) in [("t0", 3), ("t1", 7), ("t2", 30)] {
        f.count(team(c), n);
    }
    f.count(total.clone(), 40);
    let shown: HashMap<FigureKey, Shown> = [
        (team("t0"), Small),
        (team("t1"), Small),
        (team("t2"), num(30)),
        (total.clone(), num(40)),
    ]
    .into();
    let earlier = versions::Earlier {
        version: 1,
        quarter: Some("2024Q4".parse().unwrap()),
        year_so_far: shown.keys().map(|k| (k.clone(), Reach::Longer)).collect(),
        shown,
        figures: Some(&f),
        own: None,
    };
    let view = public_view(&f);
    assert_eq!(
        given_away(&view, &f, &earlier, &spans_of("2024Q3")),
        Vec::<FigureKey>::new()
    );
}

/// The thuiskamer visits per week have no count of records: over Q3's year so far and
/// Q4's they are rates over other weeks, not the same records changed, and are shown.
#[test]
fn a_rate_without_records_is_not_withheld_against_another_quarters_year_so_far() {
    let rate = FigureKey::total(Indicator::ColThuiskamerBezoekWeek, P);
    let with_rate = |v: f64, in_care: i64| {
        let mut f = Figures::default();
        f.push(Figure {
            key: rate.clone(),
            dimension: "",
            value: Value::Mean(v),
            n: None,
        });
        f.count(FigureKey::total(Indicator::InBehandeling, P), in_care);
        f
    };
    let (q3, q4) = (with_rate(5.57, 40), with_rate(6.33, 60));
    let earlier = [versions::Earlier {
        version: 1,
        quarter: Some("2024Q3".parse().unwrap()),
        year_so_far: public_view(&q3)
            .cells
            .keys()
            .map(|k| (k.clone(), Reach::Shorter))
            .collect(),
        shown: public_view(&q3).cells,
        figures: Some(&q3),
        own: None,
    }];
    let mut view = public_view(&q4);
    versions::protect(&mut view, &q4, &earlier, &Default::default());
    assert_eq!(view.cells[&rate], Shown::Value(Value::Mean(6.33)));
}

/// Q3's memo showed its year so far, 51 cases opgestart, beside its quarters Q1 `<5`, Q2 `x`
/// and Q3 28: Q1 + Q2 = 23. Q4's run (Q1 3, Q2 20, Q3 28, Q4 3; IT 51, LS 1, IA 2 in all)
/// withholds its total (it grew by 3) and keeps Q2 withheld; alone, that hides LS and IA.
/// Beside Q3's sum, the total is 51 + Q4, so LS + IA = Q4 ≤ 4 would narrow both `<5`s:
/// Q4's decision takes that sum into account.
#[test]
fn another_quarters_sum_of_its_quarters_is_in_the_audit() {
    const Y: &str = "2024Q1-Q4";
    let quarter = |q: u8| FigureKey::total(Indicator::OpgestartKwartaal, format!("2024Q{q}"));
    let form = |c: &str| FigureKey::new(Indicator::Opgestart, c, Y);
    let closed = FigureKey::total(Indicator::Afgesloten, Y);
    let mut f = Figures::default();
    for (q, n) in [(1, 3), (2, 20), (3, 28), (4, 3)] {
        f.count(quarter(q), n);
    }
    for (c, n) in [("IT", 51), ("LS", 1), ("IA", 2), ("", 54)] {
        f.count(form(c), n);
    }
    f.count(closed.clone(), 20);
    // Q3's memo under Q4's keys: its year so far reaches less far.
    let mut q3 = Figures::default();
    for (q, n) in [(1, 3), (2, 20), (3, 28)] {
        q3.count(quarter(q), n);
    }
    for (c, n) in [("IT", 51), ("LS", 0), ("IA", 0), ("", 51)] {
        q3.count(form(c), n);
    }
    q3.count(closed.clone(), 10);
    let mut shown = public_view(&q3).cells;
    shown.insert(quarter(2), Withheld);
    let year_so_far = shown
        .keys()
        .filter(|k| k.period == Y)
        .map(|k| (k.clone(), Reach::Shorter))
        .collect();
    let earlier = [versions::Earlier {
        version: 1,
        quarter: Some("2024Q3".parse().unwrap()),
        year_so_far,
        shown,
        figures: Some(&q3),
        own: None,
    }];
    let spans = spans_of("2024Q4");
    let (sums, known) = versions::other_sums(&earlier[0], &spans, &f);
    assert_eq!(
        known,
        vec![(FigureKey::total(Indicator::Opgestart, "2024Q1-Q3"), 51)]
    );
    let decided = protect(public_view(&f), &f, &spans, &earlier).unwrap();
    // The reader's audit: this run's relations, and Q3's sum with its 51.
    let zeros = with_shown_zeros(&f, &decided);
    let (mut relations, _) = relations_and_nothing(&zeros, &spans);
    relations.extend(sums);
    let reader = View::from_cells(
        Audience::Openbaar,
        5,
        decided.cells().map(|(k, s)| (k.clone(), s)),
    )
    .knowing(decided.known.clone())
    .knowing(known)
    .knowing_bounds(decided.bounded.clone());
    let failures = audit(&reader, &zeros, &relations).unwrap().failures;
    assert!(failures.is_empty(), "{failures:?}");
}

/// Q4's memo (published first) showed its quarters Q1 20, Q2 15, Q3 `x` (9) and Q4 `<5`
/// (3), and 47 cases opgestart so far this year: Q3 + Q4 = 12. A rerun of Q3 keeps its
/// third quarter withheld (it did not change), but a reader knows it is 9 or 10 (say, from
/// another document): beside Q4's sum that makes Q4's `<5` 2 or 3. Q3's keys have no
/// fourth quarter and no Q1-Q4: Q4's memo is read under its own keys, with its own sum of
/// its quarters, and the rerun withholds its 44 cases so far, the nearest number it shows
/// that Q4's memo does not. (The 44 beside Q4's 47 would tell the 3 by itself, too.)
#[test]
fn a_quarter_published_after_a_later_one_keeps_the_later_ones_sum_of_quarters() {
    let quarter = |q: u8| FigureKey::total(Indicator::OpgestartKwartaal, format!("2024Q{q}"));
    let so_far = |q: u8| FigureKey::total(Indicator::Opgestart, format!("2024Q1-Q{q}"));
    let mut q4 = Figures::default();
    for (q, n) in [(1, 20), (2, 15), (3, 9), (4, 3)] {
        q4.count(quarter(q), n);
    }
    q4.count(so_far(4), 47);
    let cells: HashMap<FigureKey, Shown> = [
        (quarter(1), num(20)),
        (quarter(2), num(15)),
        (quarter(3), Withheld),
        (quarter(4), Small),
        (so_far(4), num(47)),
    ]
    .into();
    let spans = spans_of("2024Q3");
    let memo = Memo::new("2024Q4", cells, q4, &spans);
    let mut q3 = Figures::default();
    for (q, n) in [(1, 20), (2, 15), (3, 9)] {
        q3.count(quarter(q), n);
    }
    q3.count(so_far(3), 44);
    // (Q1 and Q2 are Q4's unchanged: known, no use withholding.)
    let mut view = public_view(&q3).knowing([(quarter(1), 20), (quarter(2), 15)]);
    view.cells.insert(quarter(3), Withheld);
    view.bound(quarter(3), (9, Some(10)));
    assert_eq!(
        given_away(&view, &q3, &memo.earlier(), &spans),
        vec![so_far(3)]
    );
}

#[test]
fn a_withheld_cells_range_counts_beside_a_later_quarters_memo() {
    const Q3: &str = "2024Q1-Q3";
    const Q4: &str = "2024Q1-Q4";
    let team = |c: &str| FigureKey::new(Indicator::Team, c, Q3);
    let total = FigureKey::total(Indicator::InBehandeling, Q3);
    let (q4, q3) = (teams_in(Q4, &[9, 2, 2, 20]), teams_in(Q3, &[9, 3]));
    let mut shown = public_view(&q4).cells;
    shown.insert(FigureKey::new(Indicator::Team, "t0", Q4), Withheld);
    let spans = spans_of("2024Q3");
    let memo = Memo::new("2024Q4", shown, q4, &spans);
    let earlier = memo.earlier();
    let mut view = public_view(&q3);
    view.cells.insert(team("t0"), Withheld);
    view.cells.insert(team("t1"), Withheld);
    let alone = view.clone();
    view.bound(team("t1"), (2, Some(3)));
    assert_eq!(
        given_away(&view, &q3, &earlier, &spans),
        vec![total.clone()]
    );
    // Not so where t1 is not known: t0 is then 0 to 12.
    assert!(given_away(&alone, &q3, &earlier, &spans).is_empty());
}

/// Q1's memo (published first) showed 10 cases in behandeling: IA `<5` (2), LS `<5` (2)
/// and IT `x` (6). Q2's would show 15: IA 7, LS `<5` (2), IT `x` (6), so IT + LS = 8 in Q2,
/// and Q1's IT + LS is at most that: Q1's IA is at least 2, which narrows its `<5`. No single
/// bound says it (Q2's IT alone is 4 to 7, its LS 1 to 4); one audit of both memos does,
/// and Q2 withholds its IA, the number next to Q1's.
#[test]
fn two_quarters_memos_are_audited_as_one() {
    const P: &str = "2024Q1-Q2";
    let form_in = |c: &str, p: &str| FigureKey::new(Indicator::InBehandeling, c, p);
    let form = |c: &str| form_in(c, P);
    let figures = |ia: i64, ls: i64, it: i64, p: &str| {
        let mut f = Figures::default();
        for (c, n) in [("IA", ia), ("LS", ls), ("IT", it), ("", ia + ls + it)] {
            f.count(form_in(c, p), n);
        }
        f
    };
    let (q1, q2) = (figures(2, 2, 6, "2024Q1-Q1"), figures(7, 2, 6, P));
    let mut shown = public_view(&q1).cells;
    shown.insert(form_in("IT", "2024Q1-Q1"), Withheld);
    let spans = spans_of("2024Q2");
    let memo = Memo::new("2024Q1", shown, q1, &spans);
    let earlier = [memo.earlier()];
    let mut view = public_view(&q2);
    view.cells.insert(form("IT"), Withheld);
    assert_eq!(
        given_away(&view, &q2, &earlier[0], &spans),
        vec![form("IA")]
    );
    let decided = protect(public_view(&q2), &q2, &spans, &earlier).unwrap();
    assert_eq!(decided.shown(&form("IA")), Ok(Withheld));
    assert!(given_away(&decided, &q2, &earlier[0], &spans).is_empty());
}

/// Q1's memo showed team t1 8 and t0 `<5` (its 10 in behandeling withheld); Q3's, published
/// before a rerun of Q2, withheld t1 and showed t0 `<5` of 10. Together they already say
/// that Q3's t0 is at most 2: Q3's t1 is at least Q2's, which is at least Q1's 8. That is
/// theirs, not the rerun's: Q2, showing its 10 and withholding both teams, adds nothing to
/// it, and withholds nothing for it (nor fails).
#[test]
fn what_other_memos_give_away_among_themselves_is_not_this_runs() {
    const P: &str = "2024Q1-Q2";
    let team = |c: &str| FigureKey::new(Indicator::Team, c, P);
    let (q1, q2, q3) = (
        teams_in("2024Q1-Q1", &[2, 8]),
        teams_in(P, &[2, 8]),
        teams_in("2024Q1-Q3", &[2, 8]),
    );
    let spans = spans_of("2024Q2");
    let memo = |quarter: &str, f: &Figures, withheld: &[FigureKey]| {
        let mut shown = public_view(f).cells;
        for k in withheld {
            shown.insert(k.clone(), Withheld);
        }
        Memo::new(quarter, shown, f.clone(), &spans)
    };
    let mut view = public_view(&q2);
    view.cells.insert(team("t0"), Withheld);
    view.cells.insert(team("t1"), Withheld);
    let zeros = with_shown_zeros(&q2, &view);
    let (relations, _) = relations_and_nothing(&zeros, &spans);
    let ours = versions::Audited {
        figures: &zeros,
        relations: &relations,
    };
    let q1_memo = memo(
        "2024Q1",
        &q1,
        &[FigureKey::total(Indicator::InBehandeling, "2024Q1-Q1")],
    );
    let q3_memo = memo(
        "2024Q3",
        &q3,
        &[FigureKey::new(Indicator::Team, "t1", "2024Q1-Q3")],
    );
    let given = |e: &[versions::Earlier]| {
        versions::given_away(&view, ours, e, &mut Default::default())
            .unwrap()
            .withhold
    };
    assert_eq!(
        given(&[q1_memo.earlier(), q3_memo.earlier()]),
        Vec::<FigureKey>::new()
    );
}

/// A table of `counts` (rows × columns) with its row, column and grand totals, as
/// figures and the relations between them; a row's relation is `at most` where `loose`.
fn table(counts: &[Vec<i64>], loose: &[bool]) -> (Figures, Vec<Relation>) {
    let mut f = Figures::default();
    let cols = counts[0].len();
    let mut relations = Vec::new();
    let name = |c: &str| key(c);
    for (i, row) in counts.iter().enumerate() {
        for (j, &c) in row.iter().enumerate() {
            f.count(name(&format!("r{i}c{j}")), c);
        }
        // An `at most` row leaves part of its total to cells no one sees.
        let extra = i64::from(loose[i]) * 2;
        f.count(name(&format!("r{i}")), row.iter().sum::<i64>() + extra);
        relations.push(Relation {
            name: format!("row {i}"),
            parts: (0..cols).map(|j| name(&format!("r{i}c{j}"))).collect(),
            whole: vec![name(&format!("r{i}"))],
            exact: !loose[i],
        });
    }
    for j in 0..cols {
        f.count(
            name(&format!("c{j}")),
            counts.iter().map(|row| row[j]).sum(),
        );
        relations.push(Relation {
            name: format!("column {j}"),
            parts: (0..counts.len())
                .map(|i| name(&format!("r{i}c{j}")))
                .collect(),
            whole: vec![name(&format!("c{j}"))],
            exact: true,
        });
    }
    let rows: Vec<FigureKey> = (0..counts.len()).map(|i| name(&format!("r{i}"))).collect();
    let total: i64 = rows.iter().map(|k| f.count_of(k).unwrap()).sum();
    f.count(name(""), total);
    relations.push(Relation {
        name: "rows add up".into(),
        parts: rows,
        whole: vec![name("")],
        exact: true,
    });
    (f, relations)
}

proptest! {
    /// The audit's shortcuts (points other programs found, programs over many cells at
    /// once) decide every cell as solving both programs of each cell does, and give a
    /// failing cell the same range: over random tables, with cells shown, `<T`, `x` or
    /// left out at random, and earlier bounds and former values of withheld cells.
    #[test]
    fn the_audits_shortcuts_agree_with_solving_every_cell(
        counts in proptest::collection::vec(proptest::collection::vec(0i64..12, 1..5), 1..5),
        loose in proptest::collection::vec(proptest::bool::weighted(0.2), 5),
        how in proptest::collection::vec(0u8..10, 64),
        threshold in 3u32..=6,
    ) {
        let cols = counts[0].len();
        let counts: Vec<Vec<i64>> = counts
            .into_iter()
            .map(|mut r| { r.resize(cols, 1); r })
            .collect();
        let (f, r) = table(&counts, &loose);
        let t = i64::from(threshold);
        let mut view = View::from_cells(Audience::Openbaar, threshold, []);
        for (n, figure) in f.rows().iter().enumerate() {
            let c = f.count_of(&figure.key).unwrap();
            let shown = match how[n % how.len()] {
                0..=3 => num(c),
                4 | 5 if (1..t).contains(&c) => Small,
                4..=7 => Withheld,
                _ => continue,
            };
            if shown == Withheld {
                match how[(n + 7) % how.len()] {
                    0 | 1 => { view.bounded.insert(figure.key.clone(), (c - 1, Some(c + 2))); }
                    2 => { view.bounded.insert(figure.key.clone(), (c, None)); }
                    3 | 4 => { view.changed_from.insert(figure.key.clone(), vec![c + 1, c + 3]); }
                    _ => {}
                }
            }
            view.cells.insert(figure.key.clone(), shown);
        }
        let fast = audit(&view, &f, &r);
        let slow = audit::audit_every_cell(&view, &f, &r);
        match (fast, slow) {
            (Ok(fast), Ok(slow)) => {
                prop_assert_eq!(fast.checked, slow.checked);
                let failed = |a: &Audit| {
                    let mut v: Vec<(FigureKey, Shown, Range)> = a
                        .failures
                        .iter()
                        .map(|x| (x.cell.clone(), x.shown, x.range))
                        .collect();
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                };
                let (a, b) = (failed(&fast), failed(&slow));
                prop_assert_eq!(a.len(), b.len(), "{:?} against {:?}", a, b);
                for (x, y) in a.iter().zip(&b) {
                    prop_assert_eq!(&x.0, &y.0);
                    prop_assert_eq!(x.1, y.1);
                    let close = |p: f64, q: f64| (p - q).abs() < 1e-6;
                    prop_assert!(
                        close(x.2.min, y.2.min)
                            && match (x.2.max, y.2.max) {
                                (Some(p), Some(q)) => close(p, q),
                                (p, q) => p == q,
                            },
                        "{}: {} against {}", x.0, x.2, y.2
                    );
                }
            }
            (Err(_), Err(_)) => {}
            (fast, slow) => prop_assert!(false, "{:?} against {:?}", fast.map(|a| a.failures), slow.map(|a| a.failures)),
        }
    }
}

/// Published after the third quarter's memo, which showed the first and second quarters
/// alone (10 and 20 cases of t0, unchanged since), those counts are no secret whatever this
/// run shows: withheld here, they are counts the reader has, not an error for want of a
/// cell to withhold beside them (CI's year of memos, 2026-12-07: a year so far the other
/// memos added up to). Where a count changed since, the memo does not give it.
#[test]
fn a_count_the_other_memos_give_by_themselves_is_known() {
    let spans = spans_of("2024Q2");
    let t0 = |p: &str| FigureKey::new(Indicator::Team, "t0", p);
    let (q1, q2) = (t0("2024Q1"), t0("2024Q2"));
    let mut f = Figures::default();
    for (k, c) in [(&q1, 10), (&q2, 20)] {
        f.count(k.clone(), c);
    }
    let mut view = public_view(&f);
    for k in [&q1, &q2] {
        view.cells.insert(k.clone(), Withheld);
    }
    let given = |then: [i64; 2]| {
        let mut other = Figures::default();
        for (k, c) in [(&q1, then[0]), (&q2, then[1])] {
            other.count(k.clone(), c);
        }
        let shown = [(q1.clone(), num(then[0])), (q2.clone(), num(then[1]))].into();
        let memo = Memo::new("2024Q3", shown, other, &spans);
        beside(&view, &f, &memo.earlier(), &spans)
    };
    assert_eq!(
        given([10, 20]),
        versions::Beside {
            withhold: vec![],
            known: vec![(q1.clone(), 10), (q2.clone(), 20)],
        }
    );
    assert_eq!(
        given([10, 26]),
        versions::Beside {
            withhold: vec![],
            known: vec![(q1.clone(), 10)],
        }
    );
}

/// Next year's second-quarter memo showed this year's first half's teams as `<5`, `<5` and
/// 6 in all:
/// its reader knows t0 is 2 to 4. This run's `<5` for t0 (unchanged since) would add that
/// it is at most 4 to what the reader has from there; no number of this run is near it,
/// so it is withheld itself (CI's year of memos, 2026-12-07). As `x` it passes.
#[test]
fn a_small_count_the_other_memos_narrow_by_themselves_is_withheld() {
    let spans = spans_of("2024Q2");
    let t0 = FigureKey::new(Indicator::Team, "t0", "2024Q1-Q2");
    let mut f = Figures::default();
    f.count(t0.clone(), 3);
    // (Next year's Q2 memo, which compares with this year's first half.)
    let other = teams_in("2024Q1-Q2", &[3, 3]);
    let shown = other
        .rows()
        .iter()
        .map(|r| (r.key.clone(), primary::shown(r, 5)))
        .collect();
    let memo = Memo::new("2025Q2", shown, other, &spans);
    let memo = memo.earlier();
    let mut view = public_view(&f);
    assert_eq!(view.cells[&t0], Small);
    assert_eq!(
        beside(&view, &f, &memo, &spans),
        versions::Beside {
            withhold: vec![t0.clone()],
            known: vec![],
        }
    );
    view.cells.insert(t0.clone(), Withheld);
    assert_eq!(
        beside(&view, &f, &memo, &spans),
        versions::Beside::default()
    );
}

/// A werksoort table whose rows a correction fixed to Maatschappelijk werk lists no row for
/// Sociaal raadsliedenwerk, which had none: its reader takes it for none, so `<5` MW = `<5`
/// IT + `<5` LS says LS is at most 3. Withheld as `x`, that unlisted zero hid this from the
/// audit (a year of memos, 2026-12-07); it is known as 0 now, and the view protects the
/// small counts otherwise.
#[test]
fn a_category_a_fixed_table_does_not_list_is_known_as_none_where_it_is_none() {
    let period = "2023Q1-Q3";
    let spans = spans_of("2024Q3");
    let werksoort = |c: &str| FigureKey::new(Indicator::Werksoort, c, period);
    let vorm = |c: &str| FigureKey::new(Indicator::InBehandeling, c, period);
    let (mw, srw) = (
        werksoort("Maatschappelijk werk"),
        werksoort("Sociaal raadsliedenwerk"),
    );
    let mut f = Figures::default();
    for (k, c) in [
        (&mw, 3),
        (&srw, 0),
        (&vorm("IT"), 2),
        (&vorm("LS"), 1),
        (&vorm("IA"), 5),
        (&vorm(""), 8),
    ] {
        f.count(k.clone(), c);
    }
    let decide = |fixed: bool| {
        let mut primary = public_view(&f);
        primary.cells.insert(srw.clone(), Withheld);
        if fixed {
            primary
                .rows
                .insert(Indicator::Werksoort, vec![mw.category.clone()]);
        }
        protect(primary, &f, &spans, &[]).unwrap()
    };
    // What the reader of the fixed table has: no row for SRW, so none.
    let read = |view: &View| {
        let mut seen = view.clone();
        seen.cells.insert(srw.clone(), num(0));
        seen.known.clear();
        let (relations, _) = relations_and_nothing(&f, &spans);
        audit(&seen, &f, &relations).unwrap().failures
    };
    let view = decide(true);
    assert_eq!(view.known.get(&srw), Some(&0));
    assert!(read(&view).is_empty(), "{:?}", read(&view));
    // A table that lists what occurred would list SRW's `x`: nothing is known of it.
    assert_eq!(decide(false).known.get(&srw), None);
}

/// Q3's memo withheld its year so far (42 cases opgestart: Q1 and Q2 as `x`, Q3 12); Q4's
/// showed its year, 44, and withheld all four quarters. Read together they tie Q1 to Q1 and
/// the two years so far: the fourth quarter's cases are 44 − Q3's sum, 1 to 4 (Q4's `x`
/// and the difference of the two years so far are the same count), and neither memo pins
/// it. A rerun of Q2 that shows Q1's 10 and Q2's 20 makes Q3's sum 42, and so the fourth
/// quarter 2: a count neither memo shows, which this run would give. The difference of two
/// other memos' counts is audited as a count of its own (a year of memos, 2026-12-07), and
/// the rerun withholds its year so far, the number it shows nearest to that difference
/// (tied to Q3's sum). Where the year grew by 5 or more after Q3,
/// the difference is no small count and nothing is withheld.
#[test]
fn the_difference_of_two_other_memos_counts_is_a_count_this_run_must_not_pin() {
    let quarter = |q: u8| FigureKey::total(Indicator::OpgestartKwartaal, format!("2024Q{q}"));
    let so_far = |q: u8| FigureKey::total(Indicator::Opgestart, format!("2024Q1-Q{q}"));
    let memo = |q: u8, counts: &[i64], shown: &[Shown]| {
        let mut f = Figures::default();
        for (i, c) in counts.iter().enumerate() {
            f.count(quarter(i as u8 + 1), *c);
        }
        f.count(so_far(q), counts.iter().sum());
        let keys = (1..=q).map(quarter).chain([so_far(q)]);
        let cells: HashMap<FigureKey, Shown> = keys.zip(shown.iter().copied()).collect();
        (f, cells)
    };
    let spans = spans_of("2024Q2");
    let (q3, q3_cells) = memo(3, &[10, 20, 12], &[Withheld, Withheld, num(12), Withheld]);
    let given = |fourth: i64| {
        let year = 42 + fourth;
        let (q4, q4_cells) = memo(
            4,
            &[10, 20, 12, fourth],
            &[Withheld, Withheld, Withheld, Withheld, num(year)],
        );
        let others = [
            Memo::new("2024Q3", q3_cells.clone(), q3.clone(), &spans),
            Memo::new("2024Q4", q4_cells, q4, &spans),
        ];
        let earlier: Vec<versions::Earlier> = others.iter().map(Memo::earlier).collect();
        let (now, _) = memo(2, &[10, 20], &[]);
        let view = public_view(&now);
        let zeros = with_shown_zeros(&now, &view);
        let (relations, _) = relations_and_nothing(&zeros, &spans);
        let ours = versions::Audited {
            figures: &zeros,
            relations: &relations,
        };
        versions::given_away(&view, ours, &earlier, &mut Default::default())
            .unwrap()
            .withhold
    };
    assert_eq!(given(2), vec![so_far(2)]);
    assert_eq!(given(5), Vec::<FigureKey>::new());
}

/// v1 of Q2 showed 10 cases in behandeling: IA `<5` (2), LS `<5` (2) and IT `x` (6). A
/// correction adds 10 IA cases: v2 would show 20, IA 12, LS `<5` and IT `x` again. Read
/// beside v1, IT and LS are the same counts in both (they did not change), so v2's 20 − 12
/// = 8 for IT + LS is v1's too, and v1's `<5` for IA is 2. No bound of a single v1 cell
/// says it; v1 read as a memo of its own beside v2, in the joint audit, does (a helper's
/// review, 2026-12-07), and v2 withholds its total, the nearest number.
#[test]
fn a_correction_is_read_beside_its_first_version_as_one_audit() {
    const P: &str = "2024Q1-Q2";
    let form = |c: &str| FigureKey::new(Indicator::InBehandeling, c, P);
    let figures = |ia: i64| {
        let mut f = Figures::default();
        for (c, n) in [("IA", ia), ("LS", 2), ("IT", 6), ("", ia + 8)] {
            f.count(form(c), n);
        }
        f
    };
    let (v1_figures, v2_figures) = (figures(2), figures(12));
    let mut v1 = public_view(&v1_figures);
    v1.cells.insert(form("IT"), Withheld);
    let spans = spans_of("2024Q2");
    let decide = |own: bool| {
        let earlier = [versions::Earlier {
            version: 1,
            quarter: None,
            year_so_far: Default::default(),
            shown: v1.cells.clone(),
            figures: Some(&v1_figures),
            own: own.then(|| versions::Own {
                quarter: "2024Q2".parse().unwrap(),
                cells: &v1.cells,
                figures: &v1_figures,
            }),
        }];
        protect(public_view(&v2_figures), &v2_figures, &spans, &earlier).unwrap()
    };
    let v2 = decide(true);
    let shown = |v: &View| (v.shown(&form("IA")), v.shown(&form("")));
    assert_eq!(shown(&v2), (Ok(num(12)), Ok(Withheld)), "{:?}", v2.cells);
    // With v1's cells only as bounds of v2's, its 12 and 20 would be shown.
    assert_eq!(shown(&decide(false)), (Ok(num(12)), Ok(num(20))));
}
