//! When work is due: cron expressions in Europe/Amsterdam time, and which quarters'
//! publications are due at a given moment. Pure functions of the clock they are given, so
//! the tests can stand anywhere in time.

use std::str::FromStr;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use chrono_tz::Tz;

use crate::Quarter;

#[derive(Debug, thiserror::Error)]
#[error(
    "schedule {name} = \"{expression}\": {reason} (expected six fields: second minute hour day-of-month month day-of-week, e.g. \"0 0 7 10 1,4,7,10 *\")"
)]
pub struct ScheduleError {
    pub name: String,
    pub expression: String,
    pub reason: String,
}

/// A cron expression read in Europe/Amsterdam time.
#[derive(Debug, Clone)]
pub struct Cron {
    schedule: cron::Schedule,
    expression: String,
}

impl Cron {
    pub fn parse(name: &str, expression: &str) -> Result<Cron, ScheduleError> {
        let schedule = cron::Schedule::from_str(expression).map_err(|e| ScheduleError {
            name: name.into(),
            expression: expression.into(),
            reason: e.to_string(),
        })?;
        Ok(Cron {
            schedule,
            expression: expression.into(),
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first moment strictly after `after`. On the night the clocks go back, a time in
    /// the repeated hour happens twice on the wall clock; it fires once (the first time).
    /// On the night they go forward, a time in the skipped hour does not exist and that
    /// day's fire is skipped, as cron does.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&Amsterdam);
        let mut upcoming = self.schedule.after(&local);
        let mut candidate = upcoming.next()?;
        // The repeated hour: cron offers the same wall-clock time again an hour later.
        while candidate.naive_local() == local.naive_local() || self.is_repeat(&candidate) {
            candidate = upcoming.next()?;
        }
        Some(candidate.with_timezone(&Utc))
    }

    /// Whether this moment is the second occurrence of an ambiguous wall-clock time.
    fn is_repeat(&self, t: &DateTime<Tz>) -> bool {
        match Amsterdam.from_local_datetime(&t.naive_local()) {
            chrono::LocalResult::Ambiguous(first, _) => first != *t,
            _ => false,
        }
    }
}

/// The moment a quarter's publication falls due: the first publish time after the
/// quarter has ended (local midnight at its end).
pub fn due_at(publish: &Cron, quarter: Quarter) -> Option<DateTime<Utc>> {
    let end = quarter.next().first_day().and_time(NaiveTime::MIN);
    let end = Amsterdam
        .from_local_datetime(&end)
        .earliest()?
        .with_timezone(&Utc);
    // `next_after` is strict; a publish time at exactly midnight still counts.
    publish.next_after(end - chrono::Duration::seconds(1))
}

/// Every quarter from `earliest` whose publication is due at `now`, oldest first.
pub fn due_quarters(publish: &Cron, earliest: Quarter, now: DateTime<Utc>) -> Vec<Quarter> {
    let mut due = Vec::new();
    let mut q = earliest;
    while let Some(at) = due_at(publish, q) {
        if at > now {
            break;
        }
        due.push(q);
        q = q.next();
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn q(s: &str) -> Quarter {
        s.parse().unwrap()
    }

    const PUBLISH: &str = "0 0 7 10 1,4,7,10 *";

    #[test]
    fn the_publication_is_due_at_seven_local_time_in_summer_and_winter() {
        let publish = Cron::parse("publish", PUBLISH).unwrap();
        // 2024Q3 is due on 10 October 2024, still summer time (UTC+2): 05:00 UTC.
        assert_eq!(
            due_at(&publish, q("2024Q3")),
            Some(utc("2024-10-10T05:00:00Z"))
        );
        // 2024Q4 on 10 January 2025, winter time (UTC+1): 06:00 UTC.
        assert_eq!(
            due_at(&publish, q("2024Q4")),
            Some(utc("2025-01-10T06:00:00Z"))
        );
    }

    #[test]
    fn a_nightly_time_in_the_repeated_october_hour_fires_once() {
        // On 27 October 2024 the clocks go back from 03:00 CEST to 02:00 CET: 02:30 happens twice.
        let pull = Cron::parse("pull", "0 30 2 * * *").unwrap();
        let first = pull.next_after(utc("2024-10-26T12:00:00Z")).unwrap();
        assert_eq!(first, utc("2024-10-27T00:30:00Z"), "02:30 CEST");
        let second = pull.next_after(first).unwrap();
        assert_eq!(
            second,
            utc("2024-10-28T01:30:00Z"),
            "not 02:30 CET the same night, but the next night"
        );
        // Across the change, every day's 07:00 stays 07:00 on the wall clock.
        let daily = Cron::parse("daily", "0 0 7 * * *").unwrap();
        let sat = daily.next_after(utc("2024-10-26T00:00:00Z")).unwrap();
        let sun = daily.next_after(sat).unwrap();
        assert_eq!(
            (sat, sun),
            (utc("2024-10-26T05:00:00Z"), utc("2024-10-27T06:00:00Z"))
        );
    }

    #[test]
    fn after_downtime_every_missed_quarter_is_due_from_the_earliest() {
        let publish = Cron::parse("publish", PUBLISH).unwrap();
        // The server was down from September 2024 to February 2025.
        let now = utc("2025-02-03T09:00:00Z");
        assert_eq!(
            due_quarters(&publish, q("2024Q2"), now),
            vec![q("2024Q2"), q("2024Q3"), q("2024Q4")]
        );
        // Just before the due time, the quarter is not yet due.
        assert_eq!(
            due_quarters(&publish, q("2024Q4"), utc("2025-01-10T05:59:59Z")),
            Vec::<Quarter>::new()
        );
        assert_eq!(
            due_quarters(&publish, q("2024Q4"), utc("2025-01-10T06:00:00Z")),
            vec![q("2024Q4")]
        );
    }

    #[test]
    fn a_malformed_expression_is_named() {
        let err = Cron::parse("publish", "every day at seven").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("schedule publish = \"every day at seven\""),
            "{err}"
        );
    }
}
