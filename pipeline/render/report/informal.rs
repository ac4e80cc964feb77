//! Informal support: carers and volunteers.

use super::Input;
use crate::figures::{FigureKey, Indicator};
use crate::render::RenderError;
use crate::render::document::{Block, Callout};
use crate::vocab::{CARERS_ALL, CARERS_YOUNG};

pub fn blocks(input: &Input) -> Result<Vec<Block>, RenderError> {
    let c = input.cells;
    let (now, before) = (input.now(), input.before());
    let carers = |category, period| FigureKey::new(Indicator::InfMantelzorgers, category, period);
    let volunteers = |period| FigureKey::total(Indicator::InfVrijwilligers, period);
    Ok(vec![Block::Callouts {
        items: vec![
            Callout {
                value: c.count(&carers(CARERS_ALL, now))?,
                label: "geregistreerde mantelzorgers".into(),
                detail: format!(
                    "inclusief {} jonge mantelzorgers. In {} waren er {} mantelzorgers geregistreerd, waarvan {} jonge mantelzorgers.",
                    c.count(&carers(CARERS_YOUNG, now))?,
                    input.meta.previous_year,
                    c.count(&carers(CARERS_ALL, before))?,
                    c.count(&carers(CARERS_YOUNG, before))?
                ),
            },
            Callout {
                value: c.count(&volunteers(now))?,
                label: "actieve vrijwilligers".into(),
                detail: format!(
                    "aan het einde van de periode; {}: {}",
                    input.meta.previous_year,
                    c.count(&volunteers(before))?
                ),
            },
        ],
    }])
}
