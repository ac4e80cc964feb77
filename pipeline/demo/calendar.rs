//! Days as plain integers, their `dd-mm-jjjj` text from a table, and the weighted
//! calendars that registrations and starts are drawn from.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::random::Choice;

/// A day as chrono's count of days since 1 January of year 1: adding days is integer
/// arithmetic, which the per-row code does millions of times.
pub(super) type Day = i32;

/// The first day registrations are drawn from.
pub(super) fn first_registration() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid date")
}

pub(super) fn day(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

/// The export day: about six days after `until`, moved off a weekend to the Monday
/// (an export is made on a working day).
pub(super) fn export_day(until: NaiveDate) -> NaiveDate {
    let day = until + Days::new(6);
    match day.weekday() {
        Weekday::Sat => day + Days::new(2),
        Weekday::Sun => day + Days::new(1),
        _ => day,
    }
}

/// How many quarters of `year` have ended on or before `until` (0 to 4).
pub(super) fn quarters_ended(year: i32, until: NaiveDate) -> usize {
    (1..=4u32)
        .filter(|&q| {
            let next = if q == 4 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)
            };
            next.and_then(|d| d.pred_opt())
                .is_some_and(|last| last <= until)
        })
        .count()
}

/// `dd-mm-jjjj` for every day of a range, made once: formatting with chrono per row
/// would dominate the generator's time at scale l.
pub(super) struct DateText {
    first: Day,
    text: Vec<[u8; 10]>,
}

impl DateText {
    pub(super) fn new(first: NaiveDate, last: NaiveDate) -> Self {
        let text = first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| {
                let s = format!("{:02}-{:02}-{:04}", d.day(), d.month(), d.year());
                s.as_bytes()
                    .try_into()
                    .expect("ten characters for a four-digit year")
            })
            .collect();
        Self {
            first: day(first),
            text,
        }
    }

    /// The text of a day; the callers only print days inside the table's range.
    #[inline]
    pub(super) fn get(&self, day: Day) -> &[u8; 10] {
        &self.text[(day - self.first) as usize]
    }

    /// The four digits of the year of a day.
    #[inline]
    pub(super) fn year(&self, day: Day) -> &[u8] {
        &self.get(day)[6..]
    }
}

/// Registrations follow growth over the years, the seasons (quiet summers and Decembers)
/// and few weekend days, weighted like the Python generator.
fn day_weight(date: NaiveDate, weekend: f64) -> f64 {
    const SEASON: [f64; 12] = [
        1.15, 1.1, 1.1, 1.0, 1.0, 0.95, 0.7, 0.75, 1.1, 1.1, 1.05, 0.85,
    ];
    let growth = 1.0 + 0.07 * f64::from(date.year() - 2018);
    let is_weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    growth * SEASON[date.month0() as usize] * if is_weekend { weekend } else { 1.0 }
}

/// A weighted choice of a day in [first, last].
pub(super) fn day_choice(first: NaiveDate, last: NaiveDate, weekend: f64) -> Choice<Day> {
    Choice::new(
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| (day(d), day_weight(d, weekend).max(0.01))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn export_day_is_a_working_day_about_six_days_later() {
        assert_eq!(export_day(ymd(2024, 12, 31)), ymd(2025, 1, 6));
        // 2025-06-30 + 6 = Sunday 6 July: moved to Monday.
        assert_eq!(export_day(ymd(2025, 6, 30)), ymd(2025, 7, 7));
    }

    #[test]
    fn quarters_ended_by_until() {
        assert_eq!(quarters_ended(2024, ymd(2024, 12, 31)), 4);
        assert_eq!(quarters_ended(2024, ymd(2025, 3, 31)), 4);
        assert_eq!(quarters_ended(2025, ymd(2025, 6, 30)), 2);
        assert_eq!(quarters_ended(2025, ymd(2025, 6, 29)), 1);
    }

    #[test]
    fn date_text() {
        let t = DateText::new(ymd(1920, 1, 1), ymd(2025, 1, 6));
        assert_eq!(t.get(day(ymd(2024, 2, 29))), b"29-02-2024");
        assert_eq!(t.year(day(ymd(1920, 1, 1))), b"1920");
        assert_eq!(t.get(day(ymd(2025, 1, 6))), b"06-01-2025");
    }
}
