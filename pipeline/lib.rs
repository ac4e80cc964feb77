//! `pipeline`: the quarterly monitor of the Dutch social domain.
//!
//! The stages of one run live in their own folders, in the order they run:
//! [`pull`] → [`load`] → [`monitor`] → [`render`] → [`publish`] → [`deliver`]. See ARCHITECTURE.md.

pub mod check;
pub mod config;
pub mod daemon;
pub mod deliver;
pub mod demo;
pub mod ledger;
pub mod load;
pub mod logging;
pub mod monitor;
pub mod publish;
pub mod pull;
pub mod quarter;
pub mod render;
pub mod run;
pub mod spelling;

pub use quarter::{Period, Quarter};
