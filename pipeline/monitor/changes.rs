//! Notable changes as Dutch sentences, computed from the figures, never typed by hand.

use super::figures::Figures;
use super::finance::Finance;
use crate::config::MonitorSettings;
use crate::render::format;

/// The counts whose change against last year is worth a sentence, and how to name them.
const WATCHED: [(&str, &str, &str); 10] = [
    (
        "ind_in_behandeling",
        "IT",
        "individuele trajecten in behandeling",
    ),
    (
        "ind_in_behandeling",
        "LS",
        "leun- en steuncontacten in behandeling",
    ),
    (
        "ind_in_behandeling",
        "IA",
        "informatie- en adviesvragen in behandeling",
    ),
    ("ind_clienten", "", "inwoners met een casus in behandeling"),
    (
        "ind_wachtlijst",
        "",
        "wachtenden aan het einde van de periode",
    ),
    ("ind_verwijzer", "", "verwijzingen"),
    ("col_trajecten", "", "collectieve trajecten"),
    (
        "col_deelnemers",
        "",
        "deelnemers aan collectieve bijeenkomsten",
    ),
    (
        "inf_mantelzorgers",
        "totaal",
        "geregistreerde mantelzorgers",
    ),
    ("inf_vrijwilligers", "", "actieve vrijwilligers"),
];

/// One sentence per watched count that changed by at least the configured share and count.
/// In a public document a change involving a count below the threshold is left out.
pub fn sentences(
    f: &Figures,
    period: &str,
    before: &str,
    previous_year: i32,
    settings: &MonitorSettings,
    public: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (indicator, category, what) in WATCHED {
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
        let small = |v: i64| v > 0 && v < i64::from(settings.suppression_threshold);
        if public && (small(now) || small(then)) {
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
