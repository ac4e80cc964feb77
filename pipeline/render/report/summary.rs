//! The summary: the key figures, what changed notably, and the budget lines that ask for an
//! explanation.

use super::Input;
use crate::figures::{FigureKey, Indicator};
use crate::render::RenderError;
use crate::render::document::{Block, Callout};
use crate::render::sentences;

pub fn blocks(input: &Input) -> Result<Vec<Block>, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    let year = &input.meta.previous_year;
    let total = |indicator, period| FigureKey::total(indicator, period);
    let mut blocks = vec![Block::Callouts {
        items: vec![
            Callout {
                value: c.count(&total(Indicator::InBehandeling, now))?,
                label: "casussen in behandeling".into(),
                detail: format!(
                    "{year}: {}",
                    c.count(&total(Indicator::InBehandeling, before))?
                ),
            },
            Callout {
                value: c.count(&total(Indicator::Clienten, now))?,
                label: "inwoners geholpen".into(),
                detail: format!("{year}: {}", c.count(&total(Indicator::Clienten, before))?),
            },
            Callout {
                value: c.count(&total(Indicator::ColTrajecten, now))?,
                label: "collectieve trajecten".into(),
                detail: format!(
                    "met {} bijeenkomsten",
                    c.count(&total(Indicator::ColBijeenkomsten, now))?
                ),
            },
        ],
    }];
    // The key figures first, then what changed, as a reader skims a summary.
    let changes = sentences::changes(input.monitor, c, input.monitor.quarter.year() - 1)?;
    if !changes.is_empty() {
        blocks.push(Block::Changes {
            title: "Opvallende ontwikkelingen".into(),
            items: changes,
        });
    }
    let finance = sentences::flagged_lines(input.monitor, c)?;
    if !finance.is_empty() {
        // Kept apart from the registration's changes: these ask the budget holders for an
        // explanation, they are no development of the registration.
        blocks.push(Block::Changes {
            title: "Begrotingsregels die om toelichting vragen".into(),
            items: finance,
        });
    }
    Ok(blocks)
}
