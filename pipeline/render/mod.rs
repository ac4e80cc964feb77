//! Stage `render`: each document edition's data, built from the monitor through its
//! audience's view, handed to its Typst layout and compiled in process to a tagged PDF.
//!
//! A document is built as a typed model ([`document::ReportDoc`], [`document::MemoDoc`]),
//! made printable and measured ([`prepare`]), serialised once, and compiled ([`compile`]).

pub mod brand;
pub mod cells;
mod charts;
pub mod commentary;
pub mod displayable;
pub mod document;
pub mod memo;
pub mod report;
mod sentences;
mod widths;
pub mod world;

use chrono::NaiveDate;
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst::{World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::disclose::{Audience, NotInView, View};
use crate::figures::{FigureKey, Indicator};
use crate::monitor::Monitor;
use crate::notation;
pub use brand::Brand;
pub use cells::Cells;
use displayable::Replaced;
use document::{Meta, TextBlock, Texts};
use world::DocWorld;
pub use world::Engine;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("layout {layout}: {message}")]
    Layout { layout: String, message: String },
    #[error("brand logo {path}: {reason}")]
    Logo { path: String, reason: String },
    #[error(
        "{}: the commentary holds the number \"{}\" (\"{}\"); a public edition prints commentary as written, and only the disclosure view may decide which numbers a public document shows. Leave numbers out of commentary (years and quarters such as 2024 or Q4 are fine), or publish the kwartaalrapportage internally only",
        .0.file, .0.number, .0.context
    )]
    PublicCommentary(commentary::NumberInCommentary),
    /// A channel asked for a cell its audience's view does not hold: a bug.
    #[error("rendering: {0}")]
    NotInView(#[from] NotInView),
}

/// The documents a publication consists of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Document {
    Kwartaalrapportage,
    Raadsmemo,
}

impl Document {
    pub const ALL: [Document; 2] = [Document::Kwartaalrapportage, Document::Raadsmemo];

    /// Its name in folders, file names and the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "kwartaalrapportage",
            Document::Raadsmemo => "raadsmemo",
        }
    }

    /// As a reader names it.
    pub fn title(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "Kwartaalrapportage",
            Document::Raadsmemo => "Raadsmemo",
        }
    }

    /// Its layout in the layouts folder.
    pub fn layout(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "kwartaalrapportage.typ",
            Document::Raadsmemo => "raadsmemo.typ",
        }
    }

    /// The committed sample data a designer renders the layout from.
    pub fn sample(self) -> &'static str {
        match self {
            Document::Kwartaalrapportage => "kwartaalrapportage.sample.json",
            Document::Raadsmemo => "raadsmemo.sample.json",
        }
    }

    pub fn pdf_name(self) -> String {
        format!("{}.pdf", self.name())
    }

    /// The indicators the document shows: what its audience's view must decide.
    pub fn indicators(self) -> &'static [Indicator] {
        use Indicator::*;
        match self {
            Document::Raadsmemo => &[
                InBehandeling,
                Clienten,
                Wachtlijst,
                ColTrajecten,
                ColBijeenkomsten,
                InfMantelzorgers,
                InfVrijwilligers,
                // named by change sentences
                Verwijzer,
                ColDeelnemers,
                FinSaldoBegroting,
                FinSaldoRealisatie,
                FinSaldoPrognose,
                FinVerschil,
            ],
            Document::Kwartaalrapportage => &[
                InBehandeling,
                Opgestart,
                Afgesloten,
                OpgestartKwartaal,
                Clienten,
                Leeftijd,
                Geslacht,
                Werksoort,
                Team,
                ZrmHoofddomein,
                ZrmGroei,
                Verwijzer,
                Samenwerking,
                Recidive,
                Doorlooptijd,
                Contactmomenten,
                Wachtlijst,
                Wachttijd,
                Tevredenheid,
                ColTrajecten,
                ColOpgestart,
                ColBijeenkomsten,
                ColDeelnemers,
                ColKrachtGroei,
                ColDoelgroep,
                ColThuiskamers,
                ColThuiskamerBezoekWeek,
                InfMantelzorgers,
                InfVrijwilligers,
                FinLastenRealisatieVj,
                FinBatenRealisatieVj,
                FinLastenBegroting,
                FinBatenBegroting,
                FinLastenRealisatie,
                FinBatenRealisatie,
                FinLastenPrognose,
                FinBatenPrognose,
                FinVerschil,
                FinLastenVerschil,
                FinBatenVerschil,
                FinBesteedPct,
                FinBatenBesteedPct,
                FinSaldoBegroting,
                FinSaldoRealisatie,
                FinSaldoPrognose,
                FinTaakstelling,
                FinTaakstellingGerealiseerd,
            ],
        }
    }
}

/// What a document is made of besides the monitor and the view.
pub struct Context<'a> {
    pub organisation: &'a str,
    pub municipality: &'a str,
    pub brand: &'a Brand,
    /// The day the documents are dated.
    pub date: NaiveDate,
    pub version: u32,
    pub snapshot: &'a str,
    /// The budget workbook's file name and sha256, for the appendix.
    pub budget_file: Option<(String, String)>,
    /// Analysts' commentary per section id.
    pub commentary: &'a dyn Fn(&str) -> Vec<TextBlock>,
    pub letter: &'a memo::Letter,
    /// For the memo: the kwartaalrapportage's title when its public edition goes with it.
    pub attached_report: Option<String>,
}

/// A document's typed data.
#[derive(Debug, Clone)]
pub enum Model {
    Report(Box<document::ReportDoc>),
    Memo(Box<document::MemoDoc>),
}

/// A document built for one audience: its data and the cells it shows.
#[derive(Debug, Clone)]
pub struct Built {
    pub document: Document,
    pub audience: Audience,
    pub model: Model,
    /// Every figure the document shows, in order of appearance.
    pub shown: Vec<FigureKey>,
}

/// The report's title as the memo names it among its Bijlagen.
pub fn report_title(monitor: &Monitor) -> String {
    format!(
        "Monitor Sociaal Domein — Kwartaalrapportage {}",
        monitor.quarter.label_nl()
    )
}

fn meta(document: Document, view: &View, monitor: &Monitor, ctx: &Context) -> Meta {
    let quarter = monitor.quarter;
    let (title, subtitle) = match document {
        Document::Kwartaalrapportage => (
            "Monitor Sociaal Domein".to_string(),
            format!("Kwartaalrapportage {}", quarter.label_nl()),
        ),
        Document::Raadsmemo => (
            format!("Raadsmemo Monitor Sociaal Domein {}", quarter.label_nl()),
            report_title(monitor),
        ),
    };
    Meta {
        title,
        subtitle,
        quarter_label: quarter.label_nl(),
        period: notation::period(monitor.period.start, monitor.period.end),
        compare_period: notation::period(monitor.before.start, monitor.before.end),
        year: quarter.year().to_string(),
        previous_year: (quarter.year() - 1).to_string(),
        date: notation::date(ctx.date),
        organisation: ctx.organisation.to_string(),
        municipality: ctx.municipality.to_string(),
        version_note: (ctx.version > 1).then(|| format!("Gecorrigeerde versie (v{})", ctx.version)),
        classification: view.audience.label().into(),
    }
}

/// Builds `document` for the view's audience.
pub fn build(
    document: Document,
    monitor: &Monitor,
    view: &View,
    ctx: &Context,
) -> Result<Built, RenderError> {
    let cells = Cells::new(view, &monitor.figures);
    let meta = meta(document, view, monitor, ctx);
    let brand = ctx.brand.data();
    let model = match document {
        Document::Kwartaalrapportage => Model::Report(Box::new(report::build(&report::Input {
            monitor,
            cells: &cells,
            meta,
            brand,
            commentary: ctx.commentary,
            snapshot: ctx.snapshot.to_string(),
            budget_file: ctx.budget_file.clone(),
        })?)),
        Document::Raadsmemo => Model::Memo(Box::new(memo::build(&memo::Input {
            monitor,
            cells: &cells,
            meta,
            brand,
            letter: ctx.letter,
            attached_report: ctx.attached_report.clone(),
        })?)),
    };
    Ok(Built {
        document,
        audience: view.audience,
        model,
        shown: cells.used(),
    })
}

/// Every figure `document` shows, whatever its audience: built through a view that shows
/// every figure as it is. What disclosure must decide for the document's audience.
pub fn cells_shown(
    document: Document,
    monitor: &Monitor,
    everything: &View,
    ctx: &Context,
) -> Result<Vec<FigureKey>, RenderError> {
    Ok(build(document, monitor, everything, ctx)?.shown)
}

/// A document's data as its layout reads it, with the files it refers to.
pub struct Prepared {
    pub data: Vec<u8>,
    /// The brand logo at its virtual path.
    pub logo: Option<(String, Vec<u8>)>,
    /// Text that could not be shown as written (reported as data-quality warnings).
    pub replaced: Vec<Replaced>,
}

/// Makes every text printable with the engine's fonts (a character none has is replaced
/// and reported, in the report's appendix too), measures every table, sets the logo, and
/// serialises the data once.
pub fn prepare(engine: &Engine, model: &mut Model, brand: &Brand) -> Result<Prepared, RenderError> {
    let logo = brand.logo_file()?;
    let path = logo.as_ref().map(|(p, _)| p.clone());
    let (doc, font): (&mut dyn Texts, String) = match model {
        Model::Report(r) => {
            r.brand.logo = path;
            let font = r.brand.font.clone();
            (r.as_mut(), font)
        }
        Model::Memo(m) => {
            m.brand.logo = path;
            let font = m.brand.font.clone();
            (m.as_mut(), font)
        }
    };
    let replaced = displayable::clean(engine, &font, doc.texts());
    widths::measure(engine, &font, doc.tables());
    if let Model::Report(r) = model
        && !replaced.is_empty()
        && let Some(appendix) = r.sections.iter_mut().find(|s| s.appendix)
    {
        for r in &replaced {
            appendix
                .blocks
                .push(document::Block::Paragraph { text: r.warning() });
        }
    }
    for r in &replaced {
        tracing::warn!(text = %r.text, "text not shown as written: {}", r.warning());
    }
    let data = match model {
        Model::Report(r) => serde_json::to_vec_pretty(r),
        Model::Memo(m) => serde_json::to_vec_pretty(m),
    }
    .expect("a data document serialises");
    Ok(Prepared {
        data,
        logo,
        replaced,
    })
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

/// Compiles one document to PDF/UA-1 with every font embedded.
pub fn compile(engine: &Engine, job: Job) -> Result<Vec<u8>, RenderError> {
    use chrono::Datelike;
    let layout = job.layout.to_string();
    let world = DocWorld::new(engine, job.layout, job.data, job.extra, job.date);
    let started = std::time::Instant::now();
    let Warned {
        output,
        warnings: _,
    } = typst::compile::<PagedDocument>(&world);
    // Typst memoises every compilation in process-wide caches that nothing empties: a
    // daemon (or a test process) compiling thousands of documents grew to 17 GB and was
    // killed. Entries unused for the last ten compilations are dropped.
    typst::comemo::evict(10);
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
