//! Dates as exports write them: `d-m-jjjj`, `dd-mm-jjjj` or ISO `jjjj-mm-dd`, an Excel date
//! cell's serial number where a workbook was saved as CSV, and for birth dates also a bare
//! year (taken as 1 July of that year, as the contract says).
//!
//! Hand-parsed, byte by byte: tens of millions of contact dates go through here, and a
//! general strptime per value (two formats tried in turn) was the loader's largest cost.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

/// Marks text that is there but no date, so the loader can tell it from an empty cell
/// without parsing twice. No export holds a date this far back.
pub const UNREADABLE: i32 = i32::MIN;

const EPOCH_CE_DAYS: i32 = 719_163;

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar, `None` when there is
/// no such day. Arithmetic instead of chrono's validated constructor and day count: this
/// runs once for every date of tens of millions of rows (the civil-from-days algorithm of
/// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
fn days_since_epoch(year: i32, month: u32, day: u32) -> Option<i32> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let length = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > length {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month as i32 + 9) % 12) + 2) / 5 + day as i32 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

fn number(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 4 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// An Excel date cell saved to CSV as its serial number: days since 30 December 1899,
/// possibly with a time as its fraction (`45291` or `45291,5`). Five digits only, which
/// is every date from 1927 to 2173: four would be a year, fewer no date of an export.
fn excel_serial(t: &[u8]) -> Option<NaiveDate> {
    let (whole, fraction) = match t.iter().position(|b| *b == b'.' || *b == b',') {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, &[][..]),
    };
    if whole.len() != 5
        || !whole.iter().all(u8::is_ascii_digit)
        || !fraction.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let days = whole.iter().fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

/// Days since 1970-01-01; `None` for an empty cell, `UNREADABLE` for anything else that is
/// not a date.
pub fn parse(text: &str, birth: bool) -> Option<i32> {
    // The notation of nearly every date in an export, `dd-mm-jjjj`, read without splitting.
    if let &[d1, d2, b'-', m1, m2, b'-', y1, y2, y3, y4] = text.as_bytes() {
        let digits = [d1, d2, m1, m2, y1, y2, y3, y4].map(|b| b.wrapping_sub(b'0'));
        if digits.iter().all(|d| *d < 10) {
            let [d1, d2, m1, m2, y1, y2, y3, y4] = digits.map(u32::from);
            let year = ((y1 * 10 + y2) * 10 + y3) * 10 + y4;
            let days = days_since_epoch(year as i32, m1 * 10 + m2, d1 * 10 + d2);
            return Some(days.unwrap_or(UNREADABLE));
        }
    }
    parse_any_notation(text, birth)
}

/// [`parse`] for every notation, without the shortcut for `dd-mm-jjjj`.
fn parse_any_notation(text: &str, birth: bool) -> Option<i32> {
    let t = text.trim().as_bytes();
    if t.is_empty() {
        return None;
    }
    let days = (|| {
        if birth && t.len() == 4 {
            return days_since_epoch(number(t)? as i32, 7, 1);
        }
        if let Some(date) = excel_serial(t) {
            return Some(date.num_days_from_ce() - EPOCH_CE_DAYS);
        }
        let mut parts = t.split(|b| *b == b'-');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (y, m, d) = if a.len() == 4 && b.len() == 2 && c.len() == 2 {
            (a, b, c)
        } else if c.len() == 4 && (1..=2).contains(&a.len()) && (1..=2).contains(&b.len()) {
            (c, b, a)
        } else {
            return None;
        };
        days_since_epoch(number(y)? as i32, number(m)?, number(d)?)
    })();
    Some(days.unwrap_or(UNREADABLE))
}

/// A text column parsed into a Date column (see [`parse`]).
pub fn parse_column(c: Column, birth: bool) -> PolarsResult<Column> {
    let text = c.str()?;
    let days: Int32Chunked = text
        .iter()
        .map(|v| v.and_then(|s| parse(s, birth)))
        .collect();
    Ok(days.with_name(c.name().clone()).into_date().into_column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<i32> {
        Some(NaiveDate::from_ymd_opt(y, m, d).unwrap().num_days_from_ce() - EPOCH_CE_DAYS)
    }

    #[test]
    fn every_notation_of_the_contract() {
        assert_eq!(parse("01-01-1970", false), Some(0));
        assert_eq!(parse("9-3-2024", false), ymd(2024, 3, 9));
        assert_eq!(parse("09-03-2024", false), ymd(2024, 3, 9));
        assert_eq!(parse(" 2024-03-09 ", false), ymd(2024, 3, 9));
        assert_eq!(parse("29-02-2024", false), ymd(2024, 2, 29));
        assert_eq!(parse("1979", true), ymd(1979, 7, 1));
        assert_eq!(parse("", false), None);
        assert_eq!(parse("   ", false), None);
        // An Excel date cell saved as CSV: its serial number, also with a time.
        assert_eq!(parse("45575", false), ymd(2024, 10, 10));
        assert_eq!(parse("45575,75", false), ymd(2024, 10, 10));
        assert_eq!(parse("22356", true), ymd(1961, 3, 16));
        assert_eq!(
            parse("4557", false),
            Some(UNREADABLE),
            "four digits are no serial"
        );
        assert_eq!(parse("455750", false), Some(UNREADABLE));
    }

    /// Every year a date of four digits can name, every month and day number around the
    /// valid ones: the arithmetic agrees with chrono on which days exist and their count.
    #[test]
    fn the_day_count_agrees_with_chrono_on_every_four_digit_year() {
        for year in 0..=9999 {
            for month in 0..=13 {
                for day in 0..=32 {
                    let chrono = NaiveDate::from_ymd_opt(year, month, day)
                        .map(|d| d.num_days_from_ce() - EPOCH_CE_DAYS);
                    assert_eq!(
                        days_since_epoch(year, month, day),
                        chrono,
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    #[test]
    fn anything_else_is_unreadable_not_empty() {
        for bad in [
            "29-02-2023",
            "31-04-2024",
            "2024/03/09",
            "9-3-24",
            "1979",
            "03-09",
            "9-3-2024-1",
            "a-b-cdef",
            "+1-3-2024",
        ] {
            assert_eq!(parse(bad, false), Some(UNREADABLE), "{bad}");
        }
        assert_eq!(parse("197", true), Some(UNREADABLE));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_text_is_a_date_empty_or_unreadable_never_a_panic(text in "\\PC{0,24}", birth in any::<bool>()) {
            let _ = parse(&text, birth);
        }

        /// The shortcut for `dd-mm-jjjj` reads like the general parser, valid day or not.
        #[test]
        fn the_shortcut_reads_like_the_general_parser(text in "[0-9][0-9]-[0-9][0-9]-[0-9]{4}", birth in any::<bool>()) {
            prop_assert_eq!(parse(&text, birth), parse_any_notation(&text, birth));
        }

        #[test]
        fn every_real_date_in_every_notation_reads_back(days in -40_000i32..60_000, pad in any::<bool>()) {
            let date = NaiveDate::from_num_days_from_ce_opt(days + EPOCH_CE_DAYS).unwrap();
            let expected = Some(days);
            let (d, m, y) = (date.day(), date.month(), date.year());
            prop_assert_eq!(parse(&format!("{d:02}-{m:02}-{y:04}"), false), expected);
            prop_assert_eq!(parse(&format!("{d}-{m}-{y:04}"), false), expected);
            let iso = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(parse(&if pad { format!("  {iso} ") } else { iso }, false), expected);
            // Excel's serial number: 25569 is 1 January 1970.
            let serial = days + 25_569;
            if (10_000..=99_999).contains(&serial) {
                prop_assert_eq!(parse(&serial.to_string(), false), expected);
            }
        }
    }
}
