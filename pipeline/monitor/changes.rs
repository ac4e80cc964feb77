//! Notable changes as Dutch sentences, computed from the figures, never typed by hand.

use super::figures::Figures;
use super::finance::Finance;
use crate::config::MonitorSettings;
use crate::render::format;

use super::suppress::{self, Shown};

/// How a public document shows a watched count, which decides whether its change can be
/// told without giving a small count away.
#[derive(Clone, Copy)]
enum Shows {
    /// On its own.
    Alone,
    /// As a cell, or the total (category ""), of the indicator's breakdown by category
    /// (the kwartaalrapportage shows the collective totals under their categories).
    InBreakdown,
}

/// The counts whose change against last year is worth a sentence, and how to name them.
const WATCHED: [(&str, &str, &str, Shows); 10] = [
    (
        "ind_in_behandeling",
        "IT",
        "individuele trajecten in behandeling",
        Shows::InBreakdown,
    ),
    (
        "ind_in_behandeling",
        "LS",
        "leun- en steuncontacten in behandeling",
        Shows::InBreakdown,
    ),
    (
        "ind_in_behandeling",
        "IA",
        "informatie- en adviesvragen in behandeling",
        Shows::InBreakdown,
    ),
    (
        "ind_clienten",
        "",
        "inwoners met een casus in behandeling",
        Shows::Alone,
    ),
    (
        "ind_wachtlijst",
        "",
        "wachtenden aan het einde van de periode",
        Shows::Alone,
    ),
    ("ind_verwijzer", "", "verwijzingen", Shows::InBreakdown),
    (
        "col_trajecten",
        "",
        "collectieve trajecten",
        Shows::InBreakdown,
    ),
    (
        "col_deelnemers",
        "",
        "deelnemers aan collectieve bijeenkomsten",
        Shows::InBreakdown,
    ),
    (
        "inf_mantelzorgers",
        "totaal",
        "geregistreerde mantelzorgers",
        Shows::Alone,
    ),
    (
        "inf_vrijwilligers",
        "",
        "actieve vrijwilligers",
        Shows::Alone,
    ),
];

/// Whether a public document shows this count as a number. A sentence gives both counts
/// away (the change and its percentage pin down last year's count, and with it this
/// year's), so it may only tell counts the document itself would show: not small, and not
/// withheld to keep a small cell of the same breakdown from being recomputed.
fn shown_as_count(
    f: &Figures,
    indicator: &str,
    period: &str,
    category: &str,
    shows: Shows,
    threshold: u32,
) -> bool {
    let value = f.count_of(indicator, period, category);
    match shows {
        Shows::Alone => matches!(suppress::single(value, threshold), Shown::Count(_)),
        Shows::InBreakdown => {
            let cells: Vec<(String, i64)> = f
                .categories(indicator, period)
                .into_iter()
                .map(|c| (c.category.clone(), c.value.count().unwrap_or(0)))
                .collect();
            let counts: Vec<i64> = cells.iter().map(|(_, v)| *v).collect();
            let total = f
                .get(indicator, period, "")
                .and_then(|t| t.value.count())
                .unwrap_or_else(|| counts.iter().sum());
            let (shown, total_shown) = suppress::breakdown(&counts, total, threshold);
            let at = cells.iter().position(|(c, _)| c == category);
            let cell = match at {
                Some(i) => shown[i],
                None if category.is_empty() => total_shown,
                None => suppress::single(value, threshold),
            };
            matches!(cell, Shown::Count(_))
        }
    }
}

/// One sentence per watched count that changed by at least the configured share and count.
/// In a public document a change is told only when the document would show both counts.
pub fn sentences(
    f: &Figures,
    period: &str,
    before: &str,
    previous_year: i32,
    settings: &MonitorSettings,
    public: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (indicator, category, what, shows) in WATCHED {
        let (Some(now), Some(then)) = (
            f.get(indicator, period, category),
            f.get(indicator, before, category),
        ) else {
            continue;
        };
        let (Some(now), Some(then)) = (now.value.count(), then.value.count()) else {
            continue;
        };
        let diff = now - then;
        if then == 0 || diff.abs() < settings.notable_count {
            continue;
        }
        let share = diff as f64 / then as f64;
        if share.abs() < settings.notable_share {
            continue;
        }
        let threshold = settings.suppression_threshold;
        if public
            && !(shown_as_count(f, indicator, period, category, shows, threshold)
                && shown_as_count(f, indicator, before, category, shows, threshold))
        {
            continue;
        }
        let verb = if diff > 0 { "steeg" } else { "daalde" };
        out.push(format!(
            "Het aantal {what} {verb} met {} ({}) ten opzichte van dezelfde periode in {previous_year}.",
            format::int(diff.abs()),
            format::signed_pct(share * 100.0)
        ));
    }
    out
}

/// The budget lines flagged for explanation, as sentences.
pub fn finance_sentences(finance: &Finance) -> Vec<String> {
    finance
        .flagged_lines()
        .into_iter()
        .filter_map(|l| {
            let v = l.verschil?;
            let kind = if v >= 0.0 { "voordeel" } else { "nadeel" };
            Some(format!(
                "Op de regel {} ({}, {}) wordt een {kind} van {} verwacht.",
                l.onderdeel,
                l.domein,
                l.thema,
                format::euro(v.abs())
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(f: &mut Figures, period: &str, it: i64, ls: i64, ia: i64) {
        for (form, v) in [("IT", it), ("LS", ls), ("IA", ia)] {
            f.count("ind_in_behandeling", period, "vorm", form, v);
        }
    }

    #[test]
    fn a_public_document_tells_no_change_of_a_withheld_count() {
        let mut f = Figures::default();
        // This year LS is 3 (shown <5); IA, the next smallest, is withheld so that LS
        // cannot be recomputed from the total. Telling IA's change (+10, +25%) would give
        // IA away, and with it LS = 153 − 100 − 50.
        forms(&mut f, "2024", 100, 3, 50);
        forms(&mut f, "2023", 100, 8, 40);
        let settings = MonitorSettings::default();
        let internal = sentences(&f, "2024", "2023", 2023, &settings, false);
        assert!(
            internal
                .iter()
                .any(|s| s.contains("informatie- en adviesvragen")),
            "{internal:?}"
        );
        let public = sentences(&f, "2024", "2023", 2023, &settings, true);
        assert!(
            !public
                .iter()
                .any(|s| s.contains("informatie- en adviesvragen")
                    || s.contains("leun- en steuncontacten")),
            "{public:?}"
        );
        // A count shown in both years is still told.
        let mut f = Figures::default();
        forms(&mut f, "2024", 200, 30, 50);
        forms(&mut f, "2023", 100, 8, 40);
        let public = sentences(&f, "2024", "2023", 2023, &settings, true);
        assert!(
            public.iter().any(|s| s.starts_with(
                "Het aantal individuele trajecten in behandeling steeg met 100 (+100,0%)"
            )),
            "{public:?}"
        );
    }
}
