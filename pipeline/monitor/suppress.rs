//! Small-cell suppression for public documents.
//!
//! A count from 1 to threshold − 1 could point at a person, so a public document shows
//! `<5` instead. Where exactly one cell of a breakdown would be hidden while its total is
//! shown, the hidden cell could be recomputed from the total; the next smallest cell is then
//! hidden too. Zero is shown: it identifies no one.

/// What a public document shows for a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(i64),
    Hidden,
}

impl Shown {
    pub fn text(self, threshold: u32) -> String {
        match self {
            Shown::Count(c) => crate::render::format::int(c),
            Shown::Hidden => format!("<{threshold}"),
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

/// The cells of one breakdown and its total. The total is hidden only when it is small
/// itself; a second cell is hidden when one hidden cell could be recomputed.
pub fn breakdown(cells: &[i64], total: i64, threshold: u32) -> (Vec<Shown>, Shown) {
    let mut hidden: Vec<bool> = cells.iter().map(|&v| small(v, threshold)).collect();
    let total_shown = single(total, threshold);
    if total_shown != Shown::Hidden && hidden.iter().filter(|&&h| h).count() == 1 {
        // The smallest shown non-zero cell; hiding a zero would protect nothing.
        let next = cells
            .iter()
            .enumerate()
            .filter(|(i, v)| !hidden[*i] && **v > 0)
            .min_by_key(|(i, v)| (**v, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => hidden[i] = true,
            // Every other cell is zero: the total alone reveals the hidden cell.
            None => {
                return (
                    cells
                        .iter()
                        .zip(&hidden)
                        .map(|(&v, &h)| if h { Shown::Hidden } else { Shown::Count(v) })
                        .collect(),
                    Shown::Hidden,
                );
            }
        }
    }
    let shown = cells
        .iter()
        .zip(&hidden)
        .map(|(&v, &h)| if h { Shown::Hidden } else { Shown::Count(v) })
        .collect();
    (shown, total_shown)
}

/// A mean is shown only over at least `threshold` records.
pub fn mean_allowed(n: u64, threshold: u32) -> bool {
    n >= u64::from(threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::{Count, Hidden};

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
        assert_eq!(cells, vec![Hidden, Count(40), Hidden, Count(0)]);
        assert_eq!(total, Count(55));
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
