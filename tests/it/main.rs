//! Integration tests: one binary (linking Polars and Typst once), one module per area.

mod cli;
mod common;
mod connection_drops;
mod corrections;
mod daemon;
mod deliver;
mod disclosure;
mod end_to_end;
mod fault_matrix;
mod faults;
mod fuzz_corpus;
mod hostile;
mod leaks;
mod load_files;
mod pdfua;
mod privacy;
mod pull_http;
mod reader;
mod render;
mod snapshots;
mod systemd;
mod typesetting;
