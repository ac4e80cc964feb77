//! `pipeline`: the quarterly monitor of the Dutch social domain.
//!
//! The stages of one run live in their own folders, in the order they run:
//! [`pull`] → [`load`] → [`monitor`] → [`disclose`] → [`render`] → [`publish`] →
//! [`deliver`]; [`run`] takes a quarter through them and [`daemon`] does so on a schedule.
//! Each stage takes the typed result of the one before; no stage imports a later one.
//!
//! Leaf modules every stage may use, and which use no stage: [`figures`] (the contract's
//! indicators, figures and relations), [`vocab`] (its tables, forms, age bands and other
//! words), [`notation`] (Dutch numbers and dates), [`quarter`], [`secrets`], [`spelling`]
//! and [`logging`]. See ARCHITECTURE.md and the README's map.

#[cfg(test)]
mod architecture;
pub mod check;
pub mod config;
pub mod daemon;
pub mod deliver;
pub mod demo;
pub mod disclose;
pub mod failpoint;
pub mod figures;
#[doc(hidden)]
pub mod fuzzing;
pub mod ledger;
pub mod load;
pub mod logging;
pub mod monitor;
pub mod notation;
pub mod publish;
pub mod pull;
pub mod quarter;
pub mod render;
pub mod run;
pub mod secrets;
pub mod spelling;
pub mod vocab;

pub use quarter::{Period, Quarter};
