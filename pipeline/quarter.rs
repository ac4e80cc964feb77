//! The report quarter and the periods derived from it.
//!
//! A run is always for one calendar quarter; the monitor compares that quarter's year to
//! date with the same stretch of the previous year and shows single quarters as a series.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar quarter such as 2024Q4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    q: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "'{0}' is not a quarter: expected a year and quarter number like 2024Q4 (also 2024-Q4 or 2024q4)"
)]
pub struct QuarterError(pub String);

impl Quarter {
    pub fn new(year: i32, q: u8) -> Result<Self, QuarterError> {
        if (1..=4).contains(&q) && (1900..=9999).contains(&year) {
            Ok(Self { year, q })
        } else {
            Err(QuarterError(format!("{year}Q{q}")))
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 to 4.
    pub fn number(self) -> u8 {
        self.q
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1)
            .expect("valid quarter start")
    }

    pub fn last_day(self) -> NaiveDate {
        let next = self.next();
        next.first_day().pred_opt().expect("date after 1900")
    }

    pub fn next(self) -> Self {
        if self.q == 4 {
            Self {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Self {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.q == 1 {
            Self {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Self {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    /// The same quarter one year earlier.
    pub fn year_before(self) -> Self {
        Self {
            year: self.year - 1,
            q: self.q,
        }
    }

    /// The quarter that holds `day`.
    pub fn containing(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            q: (day.month0() / 3 + 1) as u8,
        }
    }

    /// The last quarter that has fully ended on `today`.
    pub fn last_complete(today: NaiveDate) -> Self {
        Self::containing(today).previous()
    }

    /// The newest quarter an export whose latest registration is `latest` covers: the last
    /// one that had ended within two weeks after it (an export is taken a few days after a
    /// quarter, with those days' registrations in it), and has ended by `today`.
    pub fn newest_covered(latest: NaiveDate, today: NaiveDate) -> Self {
        let reach = latest + chrono::Days::new(15);
        Self::last_complete(reach).min(Self::last_complete(today))
    }

    /// This quarter alone.
    pub fn period(self) -> Period {
        Period {
            start: self.first_day(),
            end: self.last_day(),
            label: self.to_string(),
        }
    }

    /// 1 January through the end of this quarter.
    pub fn year_to_date(self) -> Period {
        Period {
            start: NaiveDate::from_ymd_opt(self.year, 1, 1).expect("1 January"),
            end: self.last_day(),
            label: format!("{}Q1-Q{}", self.year, self.q),
        }
    }

    /// The single quarters of this year so far, Q1 first.
    pub fn quarters_of_year_so_far(self) -> Vec<Quarter> {
        (1..=self.q)
            .map(|q| Quarter { year: self.year, q })
            .collect()
    }

    /// Dutch label as a reader sees it: "Q3 2024".
    pub fn label_nl(self) -> String {
        format!("Q{} {}", self.q, self.year)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl FromStr for Quarter {
    type Err = QuarterError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || QuarterError(text.to_string());
        let t = text.trim();
        let (year, rest) = t.split_at_checked(4).ok_or_else(err)?;
        if !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        let q = rest.strip_prefix(['Q', 'q']).ok_or_else(err)?;
        if q.len() != 1 {
            return Err(err());
        }
        let q: u8 = q.parse().map_err(|_| err())?;
        Quarter::new(year.parse().map_err(|_| err())?, q).map_err(|_| err())
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quarter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A closed range of days, both ends inclusive, with its `figures.csv` label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub label: String,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The same days one year earlier; 29 February maps to 28 February.
    pub fn year_before(&self) -> Period {
        let shift = |d: NaiveDate| {
            d.with_year(d.year() - 1).unwrap_or_else(|| {
                NaiveDate::from_ymd_opt(d.year() - 1, 2, 28).expect("28 February")
            })
        };
        let label = shift_label(&self.label);
        Period {
            start: shift(self.start),
            end: shift(self.end),
            label,
        }
    }
}

impl Period {
    /// The period a `figures.csv` label names: `2024Q1-Q3` (1 January through Q3) or
    /// `2024Q3` (that quarter).
    pub fn from_label(label: &str) -> Option<Period> {
        match label.split_once('-') {
            Some((first, last)) => {
                let first: Quarter = first.parse().ok()?;
                let last = Quarter::new(first.year, last.strip_prefix('Q')?.parse().ok()?).ok()?;
                (first.q == 1).then(|| last.year_to_date())
            }
            None => Some(label.parse::<Quarter>().ok()?.period()),
        }
    }
}

fn shift_label(label: &str) -> String {
    match label.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(year) => format!("{}{}", year - 1, &label[4..]),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn labels_read_back_as_their_periods() {
        let q: Quarter = "2024Q3".parse().unwrap();
        assert_eq!(Period::from_label("2024Q1-Q3"), Some(q.year_to_date()));
        assert_eq!(Period::from_label("2024Q3"), Some(q.period()));
        assert_eq!(Period::from_label("2024Q2-Q3"), None);
        assert_eq!(Period::from_label("x"), None);
    }

    #[test]
    fn parses_the_accepted_spellings() {
        for text in ["2024Q4", "2024-Q4", "2024q4", " 2024Q4 ", "2024-q4"] {
            assert_eq!(
                text.parse::<Quarter>().unwrap(),
                Quarter::new(2024, 4).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_everything_else_with_one_clear_line() {
        for text in [
            "2024Q5",
            "2024Q0",
            "2024",
            "Q4 2024",
            "24Q4",
            "2024Q44",
            "2024/Q4",
            "",
            "２０２４Q4",
            "2024Q4x",
        ] {
            let err = text.parse::<Quarter>().unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("expected a year and quarter number like 2024Q4"),
                "{msg}"
            );
            assert!(!msg.contains('\n'));
        }
    }

    #[test]
    fn periods() {
        let q = Quarter::new(2024, 3).unwrap();
        assert_eq!(q.first_day(), d(2024, 7, 1));
        assert_eq!(q.last_day(), d(2024, 9, 30));
        let ytd = q.year_to_date();
        assert_eq!(
            (ytd.start, ytd.end, ytd.label.as_str()),
            (d(2024, 1, 1), d(2024, 9, 30), "2024Q1-Q3")
        );
        let before = ytd.year_before();
        assert_eq!(
            (before.start, before.end, before.label.as_str()),
            (d(2023, 1, 1), d(2023, 9, 30), "2023Q1-Q3")
        );
        assert_eq!(Quarter::new(2024, 1).unwrap().last_day(), d(2024, 3, 31));
        assert_eq!(Quarter::new(2024, 4).unwrap().last_day(), d(2024, 12, 31));
        assert_eq!(q.period().label, "2024Q3");
        assert_eq!(q.period().days(), 92);
        assert_eq!(
            Quarter::new(2024, 1).unwrap().period().days(),
            91,
            "leap year Q1"
        );
        assert_eq!(Quarter::new(2023, 1).unwrap().period().days(), 90);
    }

    #[test]
    fn leap_day_maps_to_28_february_a_year_earlier() {
        let p = Period {
            start: d(2024, 2, 29),
            end: d(2024, 2, 29),
            label: "x".into(),
        };
        assert_eq!(p.year_before().start, d(2023, 2, 28));
    }

    #[test]
    fn the_newest_quarter_an_export_covers() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let q = |s: &str| s.parse::<Quarter>().unwrap();
        let today = d("2026-12-04");
        // Taken six days after the quarter, with those days' registrations.
        assert_eq!(Quarter::newest_covered(d("2025-01-06"), today), q("2024Q4"));
        assert_eq!(Quarter::newest_covered(d("2024-12-30"), today), q("2024Q4"));
        // Taken mid-quarter: the quarter before is the newest whole one.
        assert_eq!(Quarter::newest_covered(d("2024-11-20"), today), q("2024Q3"));
        // Never a quarter that has not ended.
        assert_eq!(Quarter::newest_covered(d("2026-12-03"), today), q("2026Q3"));
    }

    #[test]
    fn arithmetic() {
        let q = Quarter::new(2024, 1).unwrap();
        assert_eq!(q.previous(), Quarter::new(2023, 4).unwrap());
        assert_eq!(q.previous().next(), q);
        assert_eq!(
            Quarter::last_complete(d(2026, 11, 23)),
            Quarter::new(2026, 3).unwrap()
        );
        assert_eq!(
            Quarter::last_complete(d(2026, 1, 1)),
            Quarter::new(2025, 4).unwrap()
        );
        assert_eq!(
            Quarter::new(2024, 3)
                .unwrap()
                .quarters_of_year_so_far()
                .len(),
            3
        );
        assert_eq!(q.label_nl(), "Q1 2024");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_text_is_a_quarter_or_one_clear_line(text in "\\PC{0,12}") {
            if let Err(e) = text.parse::<Quarter>() {
                prop_assert!(!e.to_string().contains('\n'));
            }
        }

        #[test]
        fn every_quarter_reads_back_in_every_spelling(year in 1900i32..2200, q in 1u8..=4) {
            let quarter = Quarter::new(year, q).unwrap();
            for text in [format!("{year}Q{q}"), format!("{year}-Q{q}"), format!("{year}q{q}")] {
                prop_assert_eq!(text.parse::<Quarter>().unwrap(), quarter);
            }
            prop_assert_eq!(quarter.to_string().parse::<Quarter>().unwrap(), quarter);
        }
    }
}
