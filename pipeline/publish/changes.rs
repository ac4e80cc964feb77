//! What changed between two published versions of `figures.csv`, for the correction mail.

use std::collections::BTreeMap;

/// One figure whose value differs between the previous version and this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureChange {
    /// `indicator,dimension,category,period` as in the CSV.
    pub key: String,
    /// Empty when the figure did not exist before.
    pub old: String,
    /// Empty when the figure no longer exists.
    pub new: String,
}

fn rows(csv: &str) -> BTreeMap<String, String> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .filter_map(|line| {
            // The value is the second-to-last field; categories may hold quoted commas, the
            // value and n never do.
            let mut fields = line.rsplitn(3, ',');
            let _n = fields.next()?;
            let value = fields.next()?;
            let key = fields.next()?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

/// Every figure whose value differs, sorted by key.
pub fn changed_figures(old_csv: &str, new_csv: &str) -> Vec<FigureChange> {
    let (old, new) = (rows(old_csv), rows(new_csv));
    let mut changes: Vec<FigureChange> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| FigureChange {
            key: k.clone(),
            old: old.get(k).cloned().unwrap_or_default(),
            new: v.clone(),
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|(k, _)| !new.contains_key(*k))
            .map(|(k, v)| FigureChange {
                key: k.clone(),
                old: v.clone(),
                new: String::new(),
            }),
    );
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_changed_added_and_removed_figures() {
        let old = "indicator,dimension,category,period,value,n\n\
                   ind_opgestart,vorm,IT,2024Q1-Q4,960,\n\
                   ind_wachttijd,,,2024Q1-Q4,8.60,600\n\
                   ind_verwijzer,verwijzer,\"Huisarts, POH\",2024Q1-Q4,12,\n";
        let new = "indicator,dimension,category,period,value,n\n\
                   ind_opgestart,vorm,IT,2024Q1-Q4,962,\n\
                   ind_wachttijd,,,2024Q1-Q4,8.60,600\n\
                   col_trajecten,,,2024Q1-Q4,237,\n";
        let changes = changed_figures(old, new);
        assert_eq!(
            changes,
            vec![
                FigureChange {
                    key: "col_trajecten,,,2024Q1-Q4".into(),
                    old: String::new(),
                    new: "237".into()
                },
                FigureChange {
                    key: "ind_opgestart,vorm,IT,2024Q1-Q4".into(),
                    old: "960".into(),
                    new: "962".into()
                },
                FigureChange {
                    key: "ind_verwijzer,verwijzer,\"Huisarts, POH\",2024Q1-Q4".into(),
                    old: "12".into(),
                    new: String::new()
                },
            ]
        );
    }
}
