//! Notable changes against the same period last year: which watched counts moved by at
//! least the configured share and number. Which of them a document may tell is disclosure's
//! decision; the sentences are render's.

use super::Settings;
use crate::figures::{FigureKey, Figures, Indicator};
use crate::vocab::{CARERS_ALL, Form};

/// A watched count that changed notably.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub now: FigureKey,
    pub before: FigureKey,
    /// What is counted, as a sentence names it ("actieve vrijwilligers").
    pub what: &'static str,
    pub now_value: i64,
    pub before_value: i64,
}

impl Change {
    pub fn diff(&self) -> i64 {
        self.now_value - self.before_value
    }

    /// The change as a share of last year's count.
    pub fn share(&self) -> f64 {
        self.diff() as f64 / self.before_value as f64
    }
}

/// The counts whose change against last year is worth a sentence, and how to name them.
fn watched() -> [(Indicator, &'static str, &'static str); 10] {
    [
        (
            Indicator::InBehandeling,
            Form::It.code(),
            "individuele trajecten in behandeling",
        ),
        (
            Indicator::InBehandeling,
            Form::Ls.code(),
            "leun- en steuncontacten in behandeling",
        ),
        (
            Indicator::InBehandeling,
            Form::Ia.code(),
            "informatie- en adviesvragen in behandeling",
        ),
        (
            Indicator::Clienten,
            "",
            "inwoners met een casus in behandeling",
        ),
        (
            Indicator::Wachtlijst,
            "",
            "wachtenden aan het einde van de periode",
        ),
        (Indicator::Verwijzer, "", "verwijzingen"),
        (Indicator::ColTrajecten, "", "collectieve trajecten"),
        (
            Indicator::ColDeelnemers,
            "",
            "deelnemers aan collectieve bijeenkomsten",
        ),
        (
            Indicator::InfMantelzorgers,
            CARERS_ALL,
            "geregistreerde mantelzorgers",
        ),
        (Indicator::InfVrijwilligers, "", "actieve vrijwilligers"),
    ]
}

/// Every watched count that changed by at least the configured share and number.
pub fn notable(f: &Figures, period: &str, before: &str, settings: &Settings) -> Vec<Change> {
    let mut out = Vec::new();
    for (indicator, category, what) in watched() {
        let now = FigureKey::new(indicator, category, period);
        let then = FigureKey::new(indicator, category, before);
        let (Ok(now_value), Ok(before_value)) = (f.count_of(&now), f.count_of(&then)) else {
            continue;
        };
        let change = Change {
            now,
            before: then,
            what,
            now_value,
            before_value,
        };
        if before_value == 0 || change.diff().abs() < settings.notable_count {
            continue;
        }
        if change.share().abs() < settings.notable_share {
            continue;
        }
        out.push(change);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_of_enough_share_and_number_are_notable() {
        let mut f = Figures::default();
        let key = |c: &str, p: &str| FigureKey::new(Indicator::InBehandeling, c, p);
        for (form, now, then) in [("IT", 200, 100), ("LS", 108, 100), ("IA", 1000, 980)] {
            f.count(key(form, "2024"), now);
            f.count(key(form, "2023"), then);
        }
        let changes = notable(&f, "2024", "2023", &Settings::default());
        // IT +100 (+100 %) is notable; LS +8 is too few cases; IA +20 is too small a share.
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!((changes[0].diff(), changes[0].share()), (100, 1.0));
        assert_eq!(changes[0].what, "individuele trajecten in behandeling");
    }
}
