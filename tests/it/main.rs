//! Integration tests: one binary (linking Polars and Typst once), one module per area.

mod cli;
mod common;
mod end_to_end;
mod pull_http;
mod render;
