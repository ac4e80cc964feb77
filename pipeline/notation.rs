//! Dutch number and date notation, as every reader of the reports expects it:
//! 1.234 · 7,6 · € 3.668.000 · 31,1% · 10 oktober 2024.

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A whole number with dots between thousands: `1.234`, `-12.500`.
pub fn int(v: i64) -> String {
    let grouped = group_thousands(&v.unsigned_abs().to_string());
    if v < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A number with `digits` decimals and a decimal comma: `7,6`, `1.234,50`. Halves round away
/// from zero as a reader rounds by hand (12,25 → 12,3), not to even as `format!` would.
pub fn decimal(v: f64, digits: usize) -> String {
    let scale = 10f64.powi(digits as i32);
    let scaled = v.abs() * scale;
    // A tie within floating-point noise (1,005 × 100 = 100,4999…) is still a tie.
    let units = if (scaled - scaled.floor() - 0.5).abs() < 1e-7 {
        scaled.floor() + 1.0
    } else {
        scaled.round()
    };
    let units = units as u128;
    let divisor = 10u128.pow(digits as u32);
    let whole = group_thousands(&(units / divisor).to_string());
    let sign = if v < 0.0 && units > 0 { "-" } else { "" };
    if digits == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole},{:0digits$}", units % divisor)
    }
}

/// Whole euros: `€ 3.668.000`, `-€ 12.500`.
pub fn euro(v: f64) -> String {
    let rounded = v.round() as i64;
    if rounded < 0 {
        format!("-€ {}", int(-rounded))
    } else {
        format!("€ {}", int(rounded))
    }
}

/// An amount without the euro sign, for tables whose caption says euros.
pub fn amount(v: f64) -> String {
    int(v.round() as i64)
}

/// A percentage with one decimal: `31,1%`.
pub fn pct(v: f64) -> String {
    format!("{}%", decimal(v, 1))
}

/// A signed percentage for changes: `+21,4%`, `−9,6%` (with a real minus sign).
pub fn signed_pct(v: f64) -> String {
    let text = decimal(v.abs(), 1);
    if text == "0,0" {
        "0,0%".into()
    } else if v < 0.0 {
        format!("\u{2212}{text}%")
    } else {
        format!("+{text}%")
    }
}

/// A Verschil with V (voordeel) or N (nadeel): `86.000 V`.
pub fn verschil(v: f64) -> String {
    let rounded = v.round() as i64;
    match rounded {
        0 => "0".into(),
        r if r > 0 => format!("{} V", int(r)),
        r => format!("{} N", int(-r)),
    }
}

/// `10 oktober 2024`.
pub fn date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// `1 januari t/m 30 september 2024`; the year once when both ends share it.
pub fn period(start: NaiveDate, end: NaiveDate) -> String {
    if start.year() == end.year() {
        format!(
            "{} {} t/m {}",
            start.day(),
            MONTHS[start.month0() as usize],
            date(end)
        )
    } else {
        format!("{} t/m {}", date(start), date(end))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(super::decimal(12.25, 1), "12,3");
        assert_eq!(super::decimal(-12.25, 1), "-12,3");
        assert_eq!(super::decimal(1.005, 2), "1,01");
        assert_eq!(super::decimal(-0.04, 1), "0,0");
        assert_eq!(super::decimal(1234.5, 0), "1.235");
        assert_eq!(super::decimal(0.07, 2), "0,07");
    }

    use super::*;

    #[test]
    fn dutch_numbers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1234), "1.234");
        assert_eq!(int(1_234_567), "1.234.567");
        assert_eq!(int(-12_500), "-12.500");
        assert_eq!(decimal(7.6, 1), "7,6");
        assert_eq!(decimal(1234.5, 2), "1.234,50");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(decimal(-1.25, 1), "-1,3");
        assert_eq!(euro(3_668_000.0), "€ 3.668.000");
        assert_eq!(euro(-12_500.4), "-€ 12.500");
        assert_eq!(amount(86_000.2), "86.000");
        assert_eq!(pct(31.06), "31,1%");
        assert_eq!(signed_pct(-9.62), "\u{2212}9,6%");
        assert_eq!(signed_pct(21.4), "+21,4%");
        assert_eq!(verschil(86_000.0), "86.000 V");
        assert_eq!(verschil(-50_000.0), "50.000 N");
        assert_eq!(verschil(0.3), "0");
    }

    #[test]
    fn dutch_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(date(d(2024, 10, 10)), "10 oktober 2024");
        assert_eq!(
            period(d(2024, 1, 1), d(2024, 9, 30)),
            "1 januari t/m 30 september 2024"
        );
        assert_eq!(
            period(d(2023, 12, 1), d(2024, 2, 29)),
            "1 december 2023 t/m 29 februari 2024"
        );
    }
}
