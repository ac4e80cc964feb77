//! The monitor's figures as typed values: the contract's indicators, the figures of a run
//! keyed by indicator, category and period, `figures.csv`, and the relations between
//! figures. A leaf of the crate: every stage may use it; it uses none of them.

mod indicator;
mod relations;
mod store;

pub use indicator::{Indicator, Kind};
pub use relations::{
    Records, Relation, Span, quarters_add_up, records, relations, relations_and_nothing,
};
pub use store::{CsvError, Figure, FigureKey, Figures, MissingFigure, Value, isolated, neutral};
