//! Amounts as municipalities type them: `€ 3.668.000`, `1.234,56`, `-/- 500.000`, `(123)`.

/// Parses a Dutch amount written as text. `None` when it is not an amount.
///
/// Dots group thousands and a comma marks the decimals. A text with only dots is read as
/// thousands groups when every group after the first has three digits (`3.668.000`), which
/// is how people type whole euros; `12.5` is refused rather than guessed.
pub fn parse_amount(text: &str) -> Option<f64> {
    let mut t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return None;
    }
    let mut negative = false;
    if let Some(rest) = t.strip_prefix("-/-") {
        negative = true;
        t = rest.to_string();
    } else if t.starts_with('(') && t.ends_with(')') {
        negative = true;
        t = t[1..t.len() - 1].to_string();
    } else if let Some(rest) = t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        negative = true;
        t = rest.to_string();
    }
    let t = t.strip_prefix('€').unwrap_or(&t);
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let (whole, decimals) = match t.split_once(',') {
        Some((w, d)) if !d.contains(',') && !d.contains('.') && !d.is_empty() => (w, Some(d)),
        Some(_) => return None,
        None => (t, None),
    };
    let groups: Vec<&str> = whole.split('.').collect();
    if groups.iter().any(|g| g.is_empty())
        || groups.iter().skip(1).any(|g| g.len() != 3)
        || groups[0].len() > 3 && groups.len() > 1
    {
        return None;
    }
    let digits: String = groups.concat();
    let value: f64 = match decimals {
        Some(d) => format!("{digits}.{d}").parse().ok()?,
        None => digits.parse().ok()?,
    };
    // No municipal budget line comes near a thousand trillion euros; a longer run of digits
    // would read as infinity (found by fuzzing) and poison every total it joins.
    if value >= MAX_AMOUNT {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// Amounts from here up are not amounts.
const MAX_AMOUNT: f64 = 1e15;

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn dutch_notations() {
        assert_eq!(parse_amount("€ 3.668.000"), Some(3_668_000.0));
        assert_eq!(parse_amount("3.668.000"), Some(3_668_000.0));
        assert_eq!(parse_amount("1.234,56"), Some(1234.56));
        assert_eq!(parse_amount("-/- 500.000"), Some(-500_000.0));
        assert_eq!(parse_amount("(123)"), Some(-123.0));
        assert_eq!(parse_amount("-123"), Some(-123.0));
        assert_eq!(parse_amount("€\u{a0}12,5"), Some(12.5));
        assert_eq!(parse_amount("0"), Some(0.0));
        assert_eq!(parse_amount("-€ 1.000"), Some(-1000.0));
    }

    /// Found by the dates_amounts fuzz target: 370 digits read as infinity.
    #[test]
    fn a_run_of_digits_beyond_any_budget_is_no_amount() {
        assert_eq!(parse_amount(&"8".repeat(370)), None);
        assert_eq!(parse_amount("1.000.000.000.000.000"), None);
        assert_eq!(
            parse_amount("999.999.999.999.999"),
            Some(999_999_999_999_999.0)
        );
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for t in [
            "", "n.v.t.", "12.5", "1,2,3", "#DIV/0!", "1.23.456", "abc", "€", "1.2345",
        ] {
            assert_eq!(parse_amount(t), None, "{t}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::notation as format;

    proptest! {
        #[test]
        fn any_text_is_an_amount_or_refused_never_a_panic(text in "\\PC{0,30}") {
            let _ = parse_amount(&text);
        }

        #[test]
        fn dutch_notations_of_an_amount_read_back(cents in -10_000_000_000i64..10_000_000_000) {
            let v = cents as f64 / 100.0;
            let text = format::decimal(v, 2);
            prop_assert_eq!(parse_amount(&text), Some(v), "{}", text);
            let euros = (cents / 100) as f64;
            prop_assert_eq!(parse_amount(&format::euro(euros)), Some(euros));
            if euros > 0.0 {
                // Negative as the municipality's controllers write it.
                prop_assert_eq!(parse_amount(&format!("-/- {}", format::amount(euros))), Some(-euros));
                prop_assert_eq!(parse_amount(&format!("({})", format::amount(euros))), Some(-euros));
            }
        }
    }
}
