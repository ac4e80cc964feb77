//! Stage `render`: each document's data, handed to its Typst layout and compiled in
//! process to a tagged PDF.

pub mod commentary;
pub mod displayable;
pub mod document;
pub mod format;
pub mod memo;
pub mod report;
mod widths;
pub mod world;

use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst::{World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use world::DocWorld;
pub use world::Engine;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("layout {layout}: {message}")]
    Layout { layout: String, message: String },
    #[error("brand logo {path}: {reason}")]
    Logo { path: String, reason: String },
    #[error("layout {layout}: the data document cannot be written: {reason}")]
    Data { layout: String, reason: String },
}

/// One document to compile: its layout, data and the day it is dated.
pub struct Job<'a> {
    /// File name in the layouts folder, e.g. `kwartaalrapportage.typ`.
    pub layout: &'a str,
    pub data: Vec<u8>,
    /// Extra virtual files, e.g. the brand logo at `/logo.svg`.
    pub extra: Vec<(String, Vec<u8>)>,
    pub date: chrono::NaiveDate,
    /// A stable identifier of the document across recompilations (PDF document id).
    pub ident: String,
}

fn describe(world: &DocWorld, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|d| {
            let place = d
                .span
                .id()
                .and_then(|id| {
                    let source = world.source(id).ok()?;
                    let range = world.range(d.span)?;
                    let (line, column) = source.lines().byte_to_line_column(range.start)?;
                    Some(format!(
                        "{}:{}:{}: ",
                        id.vpath().get_without_slash(),
                        line + 1,
                        column + 1
                    ))
                })
                .unwrap_or_default();
            format!("{place}{}", d.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The data document as the layout reads it, parsed once: every string printable
/// ([`displayable`]) and every table's column widths added ([`widths`]). Bytes that need
/// neither come back unchanged.
fn prepared(engine: &Engine, data: Vec<u8>) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&data) else {
        return data;
    };
    // Cleaned first: the widths are those of the text the layout will show.
    let cleaned = displayable::clean(engine, &mut doc);
    let measured = widths::add(engine, &mut doc);
    if cleaned || measured {
        serde_json::to_vec(&doc).expect("a JSON value serialises")
    } else {
        data
    }
}

/// Compiles one document to PDF/UA-1 with every font embedded.
pub fn compile(engine: &Engine, job: Job) -> Result<Vec<u8>, RenderError> {
    use chrono::Datelike;
    let layout = job.layout.to_string();
    let data = prepared(engine, job.data);
    let world = DocWorld::new(engine, job.layout, data, job.extra, job.date);
    let started = std::time::Instant::now();
    let Warned {
        output,
        warnings: _,
    } = typst::compile::<PagedDocument>(&world);
    let document = output.map_err(|errors| RenderError::Layout {
        layout: layout.clone(),
        message: describe(&world, &errors[..]),
    })?;
    let laid_out = started.elapsed().as_secs_f64();
    let standards = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| RenderError::Layout {
        layout: layout.clone(),
        message: format!("{e:?}"),
    })?;
    let datetime = Datetime::from_ymd_hms(
        job.date.year(),
        job.date.month() as u8,
        job.date.day() as u8,
        7,
        0,
        0,
    )
    .expect("a valid date");
    let options = PdfOptions {
        ident: Smart::Custom(job.ident),
        creator: Smart::Custom(Some("pipeline — Monitor Sociaal Domein".into())),
        timestamp: Some(Timestamp::new_utc(datetime)),
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| RenderError::Layout {
        layout: layout.clone(),
        message: describe(&world, &errors[..]),
    });
    tracing::debug!(
        layout,
        laid_out,
        total = started.elapsed().as_secs_f64(),
        "compiled"
    );
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::world::tests::engine;

    #[test]
    fn a_printable_document_comes_back_byte_for_byte() {
        let engine = engine();
        let data = br#"{"b":1.50,"a":"Individuele trajecten"}"#.to_vec();
        assert_eq!(prepared(&engine, data.clone()), data);
    }
}
