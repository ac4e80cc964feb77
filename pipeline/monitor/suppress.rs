//! Small-cell suppression for public documents.
//!
//! A count from 1 to threshold − 1 could point at a person, so a public document shows
//! `<5` instead. Zero is shown: it identifies no one. Where a breakdown's total is shown,
//! the hidden cells must not be recomputable from it: a reader who subtracts the shown
//! cells from the total knows the hidden cells' sum, and knows each `<5` cell lies in
//! 1–4. When that pins a cell down (one hidden cell; or a sum that only the smallest or
//! only the largest values reach, like two `<5` cells summing to 2), the next smallest
//! shown cell is withheld as well, shown as `x`, until no hidden cell can be pinned down;
//! with no cell left to withhold, the total is withheld.

/// What a public document shows for a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(i64),
    /// A small count: `<5`.
    Hidden,
    /// A count that is not small, withheld so that a small one cannot be recomputed: `x`.
    Withheld,
}

impl Shown {
    pub fn text(self, threshold: u32) -> String {
        match self {
            Shown::Count(c) => crate::render::format::int(c),
            Shown::Hidden => format!("<{threshold}"),
            Shown::Withheld => "x".into(),
        }
    }
}

fn small(v: i64, threshold: u32) -> bool {
    v > 0 && v < i64::from(threshold)
}

/// A single count shown on its own.
pub fn single(v: i64, threshold: u32) -> Shown {
    if small(v, threshold) {
        Shown::Hidden
    } else {
        Shown::Count(v)
    }
}

/// What a reader who knows the rule can say of a cell that is not shown: `<5` is 1 to
/// threshold − 1, `x` is at least the threshold.
fn bounds(shown: Shown, threshold: u32) -> (i64, Option<i64>) {
    let t = i64::from(threshold);
    match shown {
        Shown::Hidden => (1, Some(t - 1)),
        _ => (t, None),
    }
}

/// Whether a reader can pin down some cell that is not shown from the total and the shown
/// cells: the hidden sum is the smallest or the largest the hidden cells can reach, or
/// there is only one hidden cell.
pub fn recoverable(cells: &[i64], shown: &[Shown], threshold: u32) -> bool {
    let hidden: Vec<(i64, Shown)> = cells
        .iter()
        .zip(shown)
        .filter(|(_, s)| !matches!(s, Shown::Count(_)))
        .map(|(v, s)| (*v, *s))
        .collect();
    match hidden.len() {
        0 => false,
        1 => true,
        _ => {
            let sum: i64 = hidden.iter().map(|(v, _)| v).sum();
            let min: i64 = hidden.iter().map(|(_, s)| bounds(*s, threshold).0).sum();
            let max: Option<i64> = hidden.iter().map(|(_, s)| bounds(*s, threshold).1).sum();
            sum == min || max == Some(sum)
        }
    }
}

/// The cells of one breakdown and its total, as a public document shows them.
pub fn breakdown(cells: &[i64], total: i64, threshold: u32) -> (Vec<Shown>, Shown) {
    let mut shown: Vec<Shown> = cells.iter().map(|&v| single(v, threshold)).collect();
    let total_shown = single(total, threshold);
    if total_shown == Shown::Hidden {
        return (shown, total_shown);
    }
    // Below 3 a hidden cell has one possible value; nothing can protect it but the total.
    while recoverable(cells, &shown, threshold) {
        // The smallest shown non-zero cell; withholding a zero would protect nothing.
        let next = cells
            .iter()
            .enumerate()
            .filter(|(i, v)| matches!(shown[*i], Shown::Count(_)) && **v > 0)
            .min_by_key(|(i, v)| (**v, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) if threshold >= 3 => shown[i] = Shown::Withheld,
            _ => return (shown, Shown::Withheld),
        }
    }
    (shown, total_shown)
}

/// A mean is shown only over at least `threshold` records.
pub fn mean_allowed(n: u64, threshold: u32) -> bool {
    n >= u64::from(threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::{Count, Hidden, Withheld};

    #[test]
    fn small_counts_are_hidden_zero_is_shown() {
        assert_eq!(single(0, 5), Count(0));
        assert_eq!(single(1, 5), Hidden);
        assert_eq!(single(4, 5), Hidden);
        assert_eq!(single(5, 5), Count(5));
        assert_eq!(Hidden.text(5), "<5");
        assert_eq!(Count(1234).text(5), "1.234");
    }

    #[test]
    fn one_hidden_cell_with_a_shown_total_takes_the_next_smallest_along() {
        let (cells, total) = breakdown(&[3, 40, 12, 0], 55, 5);
        assert_eq!(cells, vec![Hidden, Count(40), Withheld, Count(0)]);
        assert_eq!(total, Count(55));
    }

    #[test]
    fn hidden_cells_whose_sum_gives_them_away_take_another_along() {
        // Two `<5` cells summing to 2 can only be 1 and 1.
        let (cells, total) = breakdown(&[1, 1, 50], 52, 5);
        assert_eq!((cells, total), (vec![Hidden, Hidden, Withheld], Count(52)));
        // 4 + 4 = 8, the largest two `<5` cells can reach.
        let (cells, _) = breakdown(&[4, 4, 9, 30], 47, 5);
        assert_eq!(cells, vec![Hidden, Hidden, Withheld, Count(30)]);
        // A `<5` beside an `x` of exactly 5: 1 + 5 is the smallest they can be.
        let (cells, _) = breakdown(&[1, 5, 50], 56, 5);
        assert_eq!(cells, vec![Hidden, Withheld, Withheld]);
        assert_eq!(Withheld.text(5), "x");
    }

    #[test]
    fn two_hidden_cells_need_no_more() {
        let (cells, total) = breakdown(&[3, 2, 40], 45, 5);
        assert_eq!(cells, vec![Hidden, Hidden, Count(40)]);
        assert_eq!(total, Count(45));
    }

    #[test]
    fn a_lone_small_cell_beside_zeros_hides_the_total() {
        let (cells, total) = breakdown(&[0, 7, 0], 7, 5);
        assert_eq!(
            (cells, total),
            (vec![Count(0), Count(7), Count(0)], Count(7))
        );
        let (cells, total) = breakdown(&[0, 3, 0], 3, 5);
        assert_eq!((cells, total), (vec![Count(0), Hidden, Count(0)], Hidden));
    }

    #[test]
    fn means_need_enough_records() {
        assert!(!mean_allowed(4, 5));
        assert!(mean_allowed(5, 5));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Every value each hidden cell can take, given what a reader sees: the shown cells,
    /// the total, `<5` meaning 1–4 and `x` meaning at least 5 (but no more than the total).
    fn possible_values(
        shown: &[Shown],
        total: i64,
        threshold: u32,
    ) -> Vec<std::collections::BTreeSet<i64>> {
        let known: i64 = shown
            .iter()
            .map(|s| if let Shown::Count(c) = s { *c } else { 0 })
            .sum();
        let hidden: Vec<(i64, i64)> = shown
            .iter()
            .filter(|s| !matches!(s, Shown::Count(_)))
            .map(|s| {
                let (lo, hi) = bounds(*s, threshold);
                (lo, hi.unwrap_or(total))
            })
            .collect();
        let mut seen = vec![std::collections::BTreeSet::new(); hidden.len()];
        fn walk(
            i: usize,
            left: i64,
            ranges: &[(i64, i64)],
            picked: &mut Vec<i64>,
            seen: &mut [std::collections::BTreeSet<i64>],
        ) {
            if i == ranges.len() {
                if left == 0 {
                    for (j, v) in picked.iter().enumerate() {
                        seen[j].insert(*v);
                    }
                }
                return;
            }
            let (lo, hi) = ranges[i];
            for v in lo..=hi.min(left) {
                picked.push(v);
                walk(i + 1, left - v, ranges, picked, seen);
                picked.pop();
            }
        }
        walk(0, total - known, &hidden, &mut Vec::new(), &mut seen);
        seen
    }

    proptest! {
        #[test]
        fn no_small_count_is_shown_and_no_hidden_cell_can_be_recomputed(cells in proptest::collection::vec(0i64..25, 1..6)) {
            let threshold = 5;
            let total: i64 = cells.iter().sum();
            let (shown, total_shown) = breakdown(&cells, total, threshold);
            for s in shown.iter().chain(std::iter::once(&total_shown)) {
                if let Shown::Count(c) = s {
                    prop_assert!(!(1..5).contains(c), "{c} shown in {cells:?}");
                }
            }
            if let Shown::Count(t) = total_shown {
                for (i, values) in possible_values(&shown, t, threshold).iter().enumerate() {
                    prop_assert!(values.len() >= 2, "hidden cell {i} of {cells:?} is recoverable: {shown:?}, total {t}, values {values:?}");
                }
            }
        }
    }
}
