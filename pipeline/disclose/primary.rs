//! Primary suppression: each figure on its own (contracts/disclosure.md, "Primary" and
//! "Derived values").

use super::Shown;
use crate::figures::{Figure, Kind, Value};

pub fn shown(figure: &Figure, threshold: u32) -> Shown {
    let t = i64::from(threshold);
    let few = |n: Option<u64>| n.is_some_and(|n| n < u64::from(threshold));
    match (figure.key.indicator.kind(), figure.value) {
        (_, Value::Missing) => Shown::Missing,
        (Kind::Amount | Kind::AmountPct, v) => Shown::Value(v),
        (Kind::Count, Value::Count(c)) if c > 0 && c < t => Shown::Small,
        (Kind::Count, v) => Shown::Value(v),
        (Kind::Mean, _) if few(figure.n) => Shown::FewRecords,
        (Kind::Mean, v) => Shown::Value(v),
        (Kind::Pct, _) if few(figure.n) => Shown::FewRecords,
        (Kind::Pct, Value::Pct(p)) => {
            // A percentage whose numerator is a small count gives that count away.
            let numerator = (p * figure.n.unwrap_or(0) as f64 / 100.0).round() as i64;
            if numerator > 0 && numerator < t {
                Shown::FewRecords
            } else {
                Shown::Value(Value::Pct(p))
            }
        }
        (Kind::Pct, v) => Shown::Value(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{FigureKey, Indicator};

    fn figure(indicator: Indicator, value: Value, n: Option<u64>) -> Figure {
        Figure {
            key: FigureKey::total(indicator, "2024Q1-Q4"),
            dimension: "",
            value,
            n,
        }
    }

    #[test]
    fn small_counts_few_records_and_small_numerators_are_hidden() {
        use Indicator::*;
        let s = |i, v, n| shown(&figure(i, v, n), 5);
        assert_eq!(
            s(Wachtlijst, Value::Count(0), None),
            Shown::Value(Value::Count(0))
        );
        assert_eq!(s(Wachtlijst, Value::Count(1), None), Shown::Small);
        assert_eq!(s(Wachtlijst, Value::Count(4), None), Shown::Small);
        assert_eq!(
            s(Wachtlijst, Value::Count(5), None),
            Shown::Value(Value::Count(5))
        );
        assert_eq!(s(Wachttijd, Value::Mean(3.0), Some(4)), Shown::FewRecords);
        assert_eq!(
            s(Wachttijd, Value::Mean(3.0), Some(5)),
            Shown::Value(Value::Mean(3.0))
        );
        // 10 % of 30 is 3 cases: a small count.
        assert_eq!(
            s(ZrmDoelBehaald, Value::Pct(10.0), Some(30)),
            Shown::FewRecords
        );
        assert_eq!(
            s(ZrmDoelBehaald, Value::Pct(0.0), Some(30)),
            Shown::Value(Value::Pct(0.0))
        );
        assert_eq!(
            s(FinLastenBegroting, Value::Amount(3.0), None),
            Shown::Value(Value::Amount(3.0))
        );
        assert_eq!(s(Tevredenheid, Value::Missing, Some(0)), Shown::Missing);
    }
}
