//! The computed figures and `figures.csv` (contracts/figures.md).

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

/// A figure's number, with what kind of number it is (which decides how it is written).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Value {
    Count(i64),
    Mean(f64),
    Pct(f64),
    Amount(f64),
    /// Not available, e.g. a mean over no records.
    Missing,
}

impl Value {
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Value::Count(c) => Some(c as f64),
            Value::Mean(v) | Value::Pct(v) | Value::Amount(v) => Some(v),
            Value::Missing => None,
        }
    }

    pub fn count(self) -> Option<i64> {
        match self {
            Value::Count(c) => Some(c),
            _ => None,
        }
    }

    /// As `figures.csv` writes it: counts as integers, everything else with two decimals.
    pub fn csv(self) -> String {
        match self {
            Value::Count(c) => c.to_string(),
            Value::Mean(v) | Value::Pct(v) | Value::Amount(v) => {
                let s = format!("{v:.2}");
                if s == "-0.00" { "0.00".into() } else { s }
            }
            Value::Missing => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub indicator: &'static str,
    pub dimension: String,
    pub category: String,
    pub period: String,
    pub value: Value,
    /// For means and percentages: the records the value was computed over.
    pub n: Option<u64>,
}

/// Every figure of one run, in the order they were computed, with a lookup index.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    rows: Vec<Figure>,
    index: HashMap<(String, String, String), usize>,
}

impl Figures {
    /// Adds every figure of `other`, in its order.
    pub fn extend(&mut self, other: Figures) {
        for figure in other.rows {
            self.push(figure);
        }
    }

    pub fn push(&mut self, figure: Figure) {
        let key = (
            figure.indicator.to_string(),
            figure.period.clone(),
            figure.category.clone(),
        );
        self.index.insert(key, self.rows.len());
        self.rows.push(figure);
    }

    pub fn count(
        &mut self,
        indicator: &'static str,
        period: &str,
        dimension: &str,
        category: &str,
        value: i64,
    ) {
        self.push(Figure {
            indicator,
            dimension: dimension.into(),
            category: category.into(),
            period: period.into(),
            value: Value::Count(value),
            n: None,
        });
    }

    pub fn rows(&self) -> &[Figure] {
        &self.rows
    }

    pub fn get(&self, indicator: &str, period: &str, category: &str) -> Option<&Figure> {
        self.index
            .get(&(
                indicator.to_string(),
                period.to_string(),
                category.to_string(),
            ))
            .map(|&i| &self.rows[i])
    }

    /// A count, 0 when the figure is absent (a category that did not occur).
    pub fn count_of(&self, indicator: &str, period: &str, category: &str) -> i64 {
        self.get(indicator, period, category)
            .and_then(|f| f.value.count())
            .unwrap_or(0)
    }

    /// The categories of an indicator in a period, in computed order.
    pub fn categories(&self, indicator: &str, period: &str) -> Vec<&Figure> {
        self.rows
            .iter()
            .filter(|f| f.indicator == indicator && f.period == period && !f.category.is_empty())
            .collect()
    }

    /// RFC 4180 CSV with LF line ends, as the contract defines.
    pub fn write_csv(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out, "indicator,dimension,category,period,value,n")?;
        for f in &self.rows {
            writeln!(
                out,
                "{},{},{},{},{},{}",
                f.indicator,
                csv_field(&f.dimension),
                csv_field(&f.category),
                f.period,
                f.value.csv(),
                f.n.map(|n| n.to_string()).unwrap_or_default()
            )?;
        }
        Ok(())
    }

    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_csv(&mut out).expect("writing to memory");
        out
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_decimals() {
        let mut f = Figures::default();
        f.count(
            "ind_verwijzer",
            "2024Q1-Q3",
            "verwijzer",
            "Gemeente: WMO, Jeugd",
            12,
        );
        f.push(Figure {
            indicator: "ind_wachttijd",
            dimension: String::new(),
            category: String::new(),
            period: "2024Q1-Q3".into(),
            value: Value::Mean(12.345),
            n: Some(40),
        });
        f.push(Figure {
            indicator: "ind_tevredenheid",
            dimension: String::new(),
            category: String::new(),
            period: "2024Q1-Q3".into(),
            value: Value::Missing,
            n: Some(0),
        });
        let text = String::from_utf8(f.to_csv()).unwrap();
        assert_eq!(
            text,
            "indicator,dimension,category,period,value,n\n\
             ind_verwijzer,verwijzer,\"Gemeente: WMO, Jeugd\",2024Q1-Q3,12,\n\
             ind_wachttijd,,,2024Q1-Q3,12.35,40\n\
             ind_tevredenheid,,,2024Q1-Q3,,0\n"
        );
        assert_eq!(
            f.count_of("ind_verwijzer", "2024Q1-Q3", "Gemeente: WMO, Jeugd"),
            12
        );
        assert_eq!(f.count_of("ind_verwijzer", "2024Q1-Q3", "Onderwijs"), 0);
    }
}
