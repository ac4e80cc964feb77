//! The kwartaalrapportage's data document, built from the monitor through an audience's
//! view: one function per table, chart and callout group.
//!
//! The sections follow the seeds: samenvatting, individual, collective and informal
//! support, finances, and an appendix. Every number comes through [`Cells`]; nothing here
//! computes a figure or decides what to show.

mod appendix;
pub use appendix::disclosure_note;
mod collective;
mod finance;
mod individual;
mod informal;
mod summary;

use super::RenderError;
use super::cells::Cells;
use super::document::*;
use crate::disclose::Audience;
use crate::monitor::Monitor;

/// What the report is made of besides the view.
pub struct Input<'a> {
    pub monitor: &'a Monitor,
    pub cells: &'a Cells<'a>,
    pub meta: Meta,
    pub brand: BrandData,
    /// Commentary per section id.
    pub commentary: &'a dyn Fn(&str) -> Vec<TextBlock>,
    /// Snapshot id, for the appendix.
    pub snapshot: String,
    /// The budget workbook's name and sha256, when there is one.
    pub budget_file: Option<(String, String)>,
}

impl Input<'_> {
    pub(crate) fn now(&self) -> &str {
        &self.monitor.period.label
    }

    pub(crate) fn before(&self) -> &str {
        &self.monitor.before.label
    }

    pub(crate) fn public(&self) -> bool {
        self.cells.view.audience == Audience::Openbaar
    }
}

pub fn build(input: &Input) -> Result<ReportDoc, RenderError> {
    let section = |id: &str, title: &str, intro: Vec<String>, blocks: Vec<Block>| Section {
        id: id.into(),
        title: title.into(),
        appendix: false,
        intro,
        commentary: (input.commentary)(id),
        blocks,
    };
    let mut sections = vec![section(
        "samenvatting",
        "Samenvatting",
        vec![format!(
            "Deze monitor brengt de registratie van {} over {} samen met de begroting en realisatie van {} voor Wmo, Jeugd en Participatie. Alle cijfers worden vergeleken met dezelfde periode in {}.",
            input.meta.organisation,
            input.meta.period,
            input.meta.municipality,
            input.meta.previous_year
        )],
        summary::blocks(input)?,
    )];
    sections.push(section(
        "individueel",
        "Individuele ondersteuning",
        individual::intro(),
        individual::blocks(input)?,
    ));
    sections.push(section(
        "collectief",
        "Collectieve ondersteuning",
        vec!["Naast individuele ondersteuning biedt de organisatie ondersteuning in groepsverband: collectieve trajecten met één of meer bijeenkomsten.".into()],
        collective::blocks(input)?,
    ));
    sections.push(section(
        "informeel",
        "Informele ondersteuning",
        Vec::new(),
        informal::blocks(input)?,
    ));
    sections.push(section(
        "financien",
        "Financiën Wmo, Jeugd en Participatie",
        finance::intro(input),
        finance::blocks(input)?,
    ));
    // Last: it counts the cells every other section showed.
    let mut appendix = section(
        "datakwaliteit",
        appendix::title(input),
        appendix::intro(input),
        appendix::blocks(input),
    );
    appendix.appendix = true;
    sections.push(appendix);
    Ok(ReportDoc {
        meta: input.meta.clone(),
        brand: input.brand.clone(),
        sections,
    })
}
