//! Sentences with numbers in them, for the report, the memo and the mail alike: each
//! number comes from the view, and a change is told only when the view shows both counts
//! it compares (its difference and percentage would give them away).

use super::RenderError;
use super::cells::Cells;
use crate::figures::{FigureKey, Indicator, isolated};
use crate::monitor::Monitor;
use crate::notation;

/// One sentence per notable change the view may tell.
pub fn changes(m: &Monitor, c: &Cells, previous_year: i32) -> Result<Vec<String>, RenderError> {
    let mut out = Vec::new();
    for change in &m.changes {
        if !c.view.tells(change) {
            continue;
        }
        // Looked up through the cells, so the public figures file lists both.
        c.count(&change.now)?;
        c.count(&change.before)?;
        let verb = if change.diff() > 0 { "steeg" } else { "daalde" };
        out.push(format!(
            "Het aantal {} {verb} met {} ({}) ten opzichte van dezelfde periode in {previous_year}.",
            change.what,
            notation::int(change.diff().abs()),
            notation::signed_pct(change.share() * 100.0)
        ));
    }
    Ok(out)
}

/// The budget lines flagged for explanation, as sentences (euros are never withheld).
pub fn flagged_lines(m: &Monitor, c: &Cells) -> Result<Vec<String>, RenderError> {
    let Some(finance) = &m.finance else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for line in finance.flagged_lines() {
        let (_, category) = line.key();
        let key = FigureKey::new(Indicator::FinVerschil, category, m.period.label.as_str());
        let Some(v) = c.amount(&key)? else { continue };
        let kind = if v >= 0.0 { "voordeel" } else { "nadeel" };
        out.push(format!(
            "Op de regel {} ({}, {}) wordt een {kind} van {} verwacht.",
            isolated(line.onderdeel.clone()),
            isolated(line.domein.clone()),
            isolated(line.thema.clone()),
            notation::euro(v.abs())
        ));
    }
    Ok(out)
}
