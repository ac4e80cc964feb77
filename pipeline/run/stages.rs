//! The stages of one run, each a function from the previous stage's result to its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{Progress, RunError, RunRequest, STAGES, check_cancel, document_date, outbox};
use crate::deliver::{self, Facts, Package};
use crate::disclose::{self, Audience, View};
use crate::figures::{FigureKey, Figures, Indicator, Span};
use crate::load::{self, Budget, Export, Quality, Renames};
use crate::monitor::{self, Monitor};
use crate::publish::{self, Correction, Decision, Manifest, OutputFile, Publication, QuarterDir};
use crate::pull::{self, Origin, Snapshot, SnapshotStore};
use crate::quarter::Quarter;
use crate::render::{self, Document, Engine};

/// What the stages produced, for the ledger and delivery.
pub struct Staged {
    pub publication: Publication,
    pub monitor: Monitor,
    pub views: BTreeMap<Audience, View>,
    /// The cells each edition shows.
    pub shown: BTreeMap<(Document, Audience), Vec<FigureKey>>,
    pub correction: Option<Correction>,
}

/// Times one stage for the progress display and the log.
fn stage<T>(
    progress: &dyn Progress,
    index: usize,
    work: impl FnOnce() -> Result<T, RunError>,
) -> Result<T, RunError> {
    progress.stage(index, STAGES[index]);
    let started = Instant::now();
    let _span = tracing::info_span!("stage", name = STAGES[index]).entered();
    let out = work()?;
    progress.done(index, STAGES[index], started.elapsed().as_secs_f64());
    Ok(out)
}

pub fn stages(
    req: &RunRequest,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<Staged, RunError> {
    let snapshot = stage(progress, 0, || pull_stage(req))?;
    check_cancel(req)?;
    let loaded = stage(progress, 1, || load_stage(req, &snapshot))?;
    crate::failpoint!(
        "run::after_load",
        RunError::Injected(crate::failpoint::message("run::after_load"))
    );
    check_cancel(req)?;
    let monitor = stage(progress, 2, || monitor_stage(req, loaded))?;
    check_cancel(req)?;
    let views = stage(progress, 3, || disclose_stage(req, &snapshot, &monitor))?;
    check_cancel(req)?;
    let rendered = stage(progress, 4, || {
        render_stage(req, engine, &snapshot, &monitor, &views, 1)
    })?;
    check_cancel(req)?;
    stage(progress, 5, || {
        publish_stage(req, engine, &snapshot, monitor, views, rendered)
    })
}

fn pull_stage(req: &RunRequest) -> Result<Snapshot, RunError> {
    let (config, tenant) = (req.config, req.tenant);
    let store = SnapshotStore::open(&config.state_dir)?;
    let snapshot = match &req.snapshot {
        Some(id) => {
            // A kept snapshot is read again: every file is checked against its hash.
            let snapshot = store.get(&tenant.id, id)?;
            store.verify(&snapshot)?;
            snapshot
        }
        None => {
            let origin = Origin {
                tenant: &tenant.id,
                export: &tenant.export,
                budget: tenant.budget.as_ref(),
            };
            pull::pull(&store, origin, req.quarter)?
        }
    };
    tracing::info!(snapshot = %snapshot.id, files = snapshot.files.len(), "snapshot ready");
    Ok(snapshot)
}

/// The export and the budget workbook as typed data.
pub struct Loaded {
    pub export: Export,
    pub quality: Quality,
    pub budget: Option<Budget>,
}

fn load_stage(req: &RunRequest, snapshot: &Snapshot) -> Result<Loaded, RunError> {
    let tenant = req.tenant;
    let renames = Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    let (mut export, mut quality) = load::load_export(
        &snapshot.dir,
        &snapshot.hashes(),
        &renames,
        tenant.export.csv(),
        &req.config.monitor.load(),
    )?;
    let budget = match snapshot.file("budget") {
        Some(file) => Some(load::budget::load_budget(
            &snapshot.dir.join(&file.name),
            file.sha256.clone(),
        )?),
        None => None,
    };
    crate::logging::timed("encode keys", || export.encode_keys())?;
    if let Some(b) = &budget {
        quality.notes.extend(b.notes.iter().cloned());
    }
    for e in &quality.exclusions {
        tracing::warn!(table = %e.table, kind = %e.kind, rows = e.rows, "rows excluded");
    }
    Ok(Loaded {
        export,
        quality,
        budget,
    })
}

fn monitor_stage(req: &RunRequest, loaded: Loaded) -> Result<Monitor, RunError> {
    let monitor = monitor::compute(
        &loaded.export,
        loaded.budget.as_ref(),
        req.quarter,
        loaded.quality,
        &req.config.monitor.monitor(),
    )?;
    tracing::info!(figures = monitor.figures.len(), "figures computed");
    Ok(monitor)
}

/// Every edition the tenant publishes: (document, audience), internal first.
fn editions(req: &RunRequest) -> Vec<(Document, Audience)> {
    let docs = &req.tenant.documents;
    Document::ALL
        .iter()
        .flat_map(|&d| docs.editions(d).into_iter().map(move |a| (d, a)))
        .collect()
}

/// One view per audience, over the figures its documents show (found by building each
/// document through a view that shows everything).
fn disclose_stage(
    req: &RunRequest,
    snapshot: &Snapshot,
    monitor: &Monitor,
) -> Result<BTreeMap<Audience, View>, RunError> {
    let settings = req.config.monitor.disclose();
    let every: Vec<Indicator> = Indicator::ALL.to_vec();
    let everything = disclose::disclose(
        monitor,
        Audience::Intern,
        &|k| every.contains(&k.indicator),
        &settings,
    )?;
    let mut shown: BTreeMap<Audience, HashSet<FigureKey>> = BTreeMap::new();
    for (document, audience) in editions(req) {
        let keys = with_context(req, snapshot, monitor, document, 1, |ctx| {
            render::cells_shown(document, monitor, &everything, ctx)
        })?;
        shown.entry(audience).or_default().extend(keys);
    }
    // A document's mail shows key figures of the audience its list reads.
    for document in Document::ALL {
        if !req.tenant.documents.mail(document).is_empty() {
            let audience = lead_audience(req, document);
            shown
                .entry(audience)
                .or_default()
                .extend(deliver::message::cells(monitor));
        }
    }
    // A correction's public view also answers to every earlier public version: a reader
    // may keep them all and subtract.
    let quarter_dir = QuarterDir::new(&req.config.output_dir, &req.tenant.id, req.quarter);
    let before: Vec<publish::changes::Previous> = quarter_dir
        .versions()
        .into_iter()
        .map(|v| publish::changes::previous(&quarter_dir.version_dir(v), v))
        .collect::<Result<_, _>>()?;
    // So does every public document of another quarter that shows one of its periods, or
    // the same year up to another quarter: beside it, a reader subtracts too.
    let others = other_quarters(req, &monitor.spans)?;
    // Each earlier version's cells as its public documents show them.
    let before: Vec<(
        &publish::changes::Previous,
        HashMap<FigureKey, disclose::Shown>,
    )> = before
        .iter()
        .filter(|p| !p.public.is_empty())
        .map(|p| {
            let shown = p.public.values().flatten().map(|(k, s)| (k.clone(), *s));
            (p, shown.collect())
        })
        .collect();
    let earlier: Vec<disclose::Earlier> = before
        .iter()
        .map(|(p, shown)| disclose::Earlier {
            version: p.version,
            quarter: None,
            year_so_far: Default::default(),
            own: p.figures.as_ref().map(|figures| disclose::Own {
                quarter: req.quarter,
                cells: shown,
                figures,
            }),
            shown: shown.clone(),
            figures: p.figures.as_ref(),
        })
        .chain(others.iter().map(|o| disclose::Earlier {
            version: o.version,
            quarter: Some(o.quarter),
            shown: o.seen.shown.clone(),
            figures: o.seen.figures.as_ref(),
            year_so_far: o.seen.year_so_far.clone(),
            own: o.figures.as_ref().map(|figures| disclose::Own {
                quarter: o.quarter,
                cells: &o.cells,
                figures,
            }),
        }))
        .collect();
    for e in earlier.iter().filter(|e| e.own.is_none()) {
        tracing::warn!(
            version = e.version,
            quarter = %e.quarter.unwrap_or(req.quarter),
            "a published version without its figures.csv: read for what it shows, not in the joint audit of the memos"
        );
    }
    let mut views = BTreeMap::new();
    for (audience, mut keys) in shown {
        // A correction's public documents list the rows the earlier version listed where
        // it was small (`disclose::versions`): their cells are decided over too, in each
        // year so far a table shows them for (another quarter's memo showed other years).
        if audience == Audience::Openbaar {
            let rows: Vec<FigureKey> = earlier
                .iter()
                .flat_map(|e| e.shown.keys())
                .filter(|k| !k.category.is_empty() && spans_label(&monitor.spans, &k.period))
                .flat_map(|k| {
                    monitor.spans.iter().map(|s| FigureKey {
                        period: s.label.clone(),
                        ..k.clone()
                    })
                })
                .collect();
            keys.extend(earlier.iter().flat_map(|e| e.shown.keys().cloned()));
            keys.extend(rows);
        }
        let started = Instant::now();
        let view = disclose::disclose_after(
            monitor,
            audience,
            &|k| keys.contains(k),
            &settings,
            &earlier,
        )?;
        tracing::info!(
            audience = audience.as_str(),
            cells = keys.len(),
            withheld = view.withheld_among(view.cells().map(|(k, _)| k)),
            seconds = started.elapsed().as_secs_f64(),
            "view decided"
        );
        views.insert(audience, view);
    }
    Ok(views)
}

/// Whether `period` is one of the run's years so far (not a single quarter).
fn spans_label(spans: &[Span], period: &str) -> bool {
    spans.iter().any(|s| s.label == period)
}

/// A public version of another quarter's documents, under this run's keys.
struct OtherQuarter {
    quarter: Quarter,
    version: u32,
    seen: disclose::Rekeyed,
    /// Its cells and figures under its own keys.
    cells: HashMap<FigureKey, disclose::Shown>,
    figures: Option<Figures>,
}

/// Every public version published for the tenant's other quarters of this run's years and
/// the years beside them (next year's documents compare with this one), with what they
/// showed of this run's periods.
fn other_quarters(
    req: &RunRequest,
    spans: &[Span],
) -> Result<Vec<OtherQuarter>, publish::changes::PreviousError> {
    let year = req.quarter.year();
    let mut out = Vec::new();
    for quarter in publish::quarters(&req.config.output_dir, &req.tenant.id) {
        if quarter == req.quarter || (quarter.year() - year).abs() > 1 {
            continue;
        }
        let dir = QuarterDir::new(&req.config.output_dir, &req.tenant.id, quarter);
        for version in dir.versions() {
            let p = publish::changes::previous(&dir.version_dir(version), version)?;
            let cells: Vec<_> = p.public.into_values().flatten().collect();
            let seen = disclose::rekeyed(cells.iter().cloned(), p.figures.as_ref(), spans);
            if !seen.shown.is_empty() {
                out.push(OtherQuarter {
                    quarter,
                    version,
                    seen,
                    cells: cells.into_iter().collect(),
                    figures: p.figures,
                });
            }
        }
    }
    Ok(out)
}

/// The edition a document's mail list reads. The kwartaalrapportage's list is
/// management's: the internal edition when there is one. The raadsmemo's list is the
/// council's, to whom it is addressed: the public edition when there is one, so that a
/// memo configured in both editions never mails the council every figure unsuppressed.
fn lead_audience(req: &RunRequest, document: Document) -> Audience {
    let editions = req.tenant.documents.editions(document);
    let readers = match document {
        Document::Kwartaalrapportage => Audience::Intern,
        Document::Raadsmemo => Audience::Openbaar,
    };
    if editions.contains(&readers) {
        readers
    } else {
        // The only edition there is (a config names at least one).
        editions[0]
    }
}

/// Runs `f` with the context `document` is built in.
fn with_context<T>(
    req: &RunRequest,
    snapshot: &Snapshot,
    monitor: &Monitor,
    document: Document,
    version: u32,
    f: impl FnOnce(&render::Context) -> T,
) -> T {
    let tenant = req.tenant;
    let docs = &tenant.documents;
    let letter = docs.raadsmemo.letter();
    let commentary = commentary(req);
    let ctx = render::Context {
        organisation: &tenant.organisation,
        municipality: &tenant.municipality,
        brand: &tenant.brands[docs.brand(document)],
        date: req.date.unwrap_or_else(|| document_date(req.quarter)),
        version,
        snapshot: &snapshot.id,
        budget_file: snapshot
            .file("budget")
            .map(|f| (f.name.clone(), f.sha256.clone())),
        commentary: &commentary,
        letter: &letter,
        attached_report: docs
            .editions(Document::Kwartaalrapportage)
            .contains(&Audience::Openbaar)
            .then(|| render::report_title(monitor)),
    };
    f(&ctx)
}

/// A version's files before publishing, and what they were made from.
pub struct Rendered {
    pub files: Vec<OutputFile>,
    /// Digest of what the documents show, without version marks: an unchanged rerun.
    pub content: String,
    pub shown: BTreeMap<(Document, Audience), Vec<FigureKey>>,
}

fn commentary<'r>(
    req: &'r RunRequest<'_>,
) -> impl Fn(&str) -> Vec<render::document::TextBlock> + 'r {
    let dir = req.config.commentary_dir.join(&req.tenant.id);
    let quarter = req.quarter.to_string();
    move |section: &str| match render::commentary::read(&dir, &quarter, section) {
        Ok(blocks) => blocks,
        Err(e) => {
            tracing::warn!(error = %e, "commentary cannot be read");
            Vec::new()
        }
    }
}

fn render_stage(
    req: &RunRequest,
    engine: &Engine,
    snapshot: &Snapshot,
    monitor: &Monitor,
    views: &BTreeMap<Audience, View>,
    version: u32,
) -> Result<Rendered, RunError> {
    let tenant = req.tenant;
    if tenant
        .documents
        .editions(Document::Kwartaalrapportage)
        .contains(&Audience::Openbaar)
    {
        render::commentary::check_public(
            &req.config.commentary_dir.join(&tenant.id),
            &req.quarter.to_string(),
        )
        .map_err(render::RenderError::PublicCommentary)?;
    }
    let date = req.date.unwrap_or_else(|| document_date(req.quarter));
    let mut jobs = Vec::new();
    for (document, audience) in editions(req) {
        let brand = &tenant.brands[tenant.documents.brand(document)];
        let mut built = with_context(req, snapshot, monitor, document, version, |ctx| {
            render::build(document, monitor, &views[&audience], ctx)
        })?;
        let prepared = render::prepare(engine, &mut built.model, brand)?;
        jobs.push((built, prepared));
    }
    keep_documents(&jobs);
    let content = {
        let mut h = Sha256::new();
        let figures = monitor.figures.to_csv();
        for part in std::iter::once(&figures).chain(jobs.iter().map(|(_, p)| &p.data)) {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        hex::encode(h.finalize())
    };
    let pdfs = compile_all(req, engine, &jobs, date, version)?;
    let mut files = vec![OutputFile {
        path: OutputFile::place(Audience::Intern, None, "figures.csv"),
        audience: Audience::Intern,
        bytes: monitor.figures.to_csv(),
    }];
    let mut shown = BTreeMap::new();
    for ((built, _), pdf) in jobs.into_iter().zip(pdfs) {
        let (document, audience) = (built.document, built.audience);
        files.push(OutputFile {
            path: OutputFile::place(audience, Some(document.name()), &document.pdf_name()),
            audience,
            bytes: pdf,
        });
        if audience == Audience::Openbaar {
            files.push(OutputFile {
                path: OutputFile::place(audience, Some(document.name()), "cijfers-openbaar.csv"),
                audience,
                bytes: disclose::public_csv(&views[&audience], &monitor.figures, &built.shown),
            });
        }
        shown.insert((document, audience), built.shown);
    }
    Ok(Rendered {
        files,
        content,
        shown,
    })
}

/// For layout work: the exact data documents the layouts get, to compile by hand.
fn keep_documents(jobs: &[(render::Built, render::Prepared)]) {
    let Some(dir) = std::env::var_os("PIPELINE_KEEP_DOCUMENTS") else {
        return;
    };
    let dir = PathBuf::from(dir);
    for (built, prepared) in jobs {
        let name = format!("{}-{}.json", built.document.name(), built.audience.as_str());
        if let Err(e) = std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(dir.join(&name), &prepared.data))
        {
            tracing::warn!(dir = %dir.display(), error = %e, "the data documents cannot be kept");
        }
    }
}

/// Compiles every edition, two at a time: each is one mostly single-threaded Typst
/// compilation, and the machine has a core for each.
fn compile_all(
    req: &RunRequest,
    engine: &Engine,
    jobs: &[(render::Built, render::Prepared)],
    date: chrono::NaiveDate,
    version: u32,
) -> Result<Vec<Vec<u8>>, RunError> {
    let one = |(built, prepared): &(render::Built, render::Prepared)| -> Result<Vec<u8>, RunError> {
        let document = built.document;
        let _span = tracing::info_span!(
            "render",
            document = document.name(),
            audience = built.audience.as_str()
        )
        .entered();
        let ident = format!(
            "{}/{}/{}/{}/v{version}",
            req.tenant.id,
            req.quarter,
            document.name(),
            built.audience.as_str()
        );
        Ok(render::compile(
            engine,
            render::Job {
                layout: document.layout(),
                data: prepared.data.clone(),
                extra: prepared.logo.iter().cloned().collect(),
                date,
                ident,
            },
        )?)
    };
    let span = tracing::Span::current();
    let results: Vec<Result<Vec<u8>, RunError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .skip(1)
            .step_by(2)
            .map(|job| {
                let span = span.clone();
                scope.spawn(move || span.in_scope(|| one(job)))
            })
            .collect();
        let mine: Vec<_> = jobs.iter().step_by(2).map(&one).collect();
        let theirs: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        let mut out = Vec::new();
        let mut theirs = theirs.into_iter();
        for m in mine {
            out.push(m);
            if let Some(t) = theirs.next() {
                out.push(t);
            }
        }
        out
    });
    results.into_iter().collect()
}

fn publish_stage(
    req: &RunRequest,
    engine: &Engine,
    snapshot: &Snapshot,
    monitor: Monitor,
    views: BTreeMap<Audience, View>,
    rendered: Rendered,
) -> Result<Staged, RunError> {
    let (config, tenant, quarter) = (req.config, req.tenant, req.quarter);
    let quarter_dir = QuarterDir::new(&config.output_dir, &tenant.id, quarter);
    if !req.preview {
        publish::clean_abandoned(&quarter_dir.dir);
    }
    let decision = quarter_dir.decide(&rendered.content);
    let publication = match decision {
        Decision::Unchanged { version, manifest } => {
            tracing::info!(
                version,
                "the same content is already published; nothing new"
            );
            if req.preview {
                // An earlier preview no longer shows what the data would publish.
                let _ = std::fs::remove_dir_all(
                    super::preview_quarter(config, &tenant.id, quarter).dir,
                );
            }
            Publication {
                tenant: tenant.id.clone(),
                quarter,
                version,
                dir: quarter_dir.version_dir(version),
                new: false,
                snapshot: manifest.snapshot.clone(),
                files: manifest.files,
            }
        }
        Decision::New { version, .. } => {
            let rendered_files = if version == 1 {
                rendered.files
            } else {
                // A correction carries its version on the cover and in the memo.
                render_stage(req, engine, snapshot, &monitor, &views, version)?.files
            };
            let manifest = Manifest {
                tenant: tenant.id.clone(),
                quarter: quarter.to_string(),
                version,
                snapshot: snapshot.id.clone(),
                content: rendered.content.clone(),
                files: Vec::new(),
            };
            // A preview is written the same way, into a scratch folder of its own.
            let target = if req.preview {
                let scratch = super::preview_quarter(config, &tenant.id, quarter);
                let _ = std::fs::remove_dir_all(&scratch.dir);
                scratch
            } else {
                quarter_dir.clone()
            };
            let dir = target.publish(version, manifest, &rendered_files)?;
            tracing::info!(version, dir = %dir.display(), preview = req.preview, "published");
            let (_, manifest) = target
                .current()
                .expect("the version just published is current");
            Publication {
                tenant: tenant.id.clone(),
                quarter,
                version,
                dir,
                new: true,
                snapshot: snapshot.id.clone(),
                files: manifest.files,
            }
        }
    };
    let correction = (publication.version > 1)
        .then(|| {
            correction(
                req,
                &quarter_dir,
                publication.version - 1,
                &monitor,
                &views,
                &rendered.shown,
            )
        })
        .transpose()?;
    Ok(Staged {
        publication,
        monitor,
        views,
        shown: rendered.shown,
        correction,
    })
}

/// What this version changed against `previous`, per edition.
fn correction(
    req: &RunRequest,
    quarter_dir: &QuarterDir,
    previous: u32,
    monitor: &Monitor,
    views: &BTreeMap<Audience, View>,
    shown: &BTreeMap<(Document, Audience), Vec<FigureKey>>,
) -> Result<Correction, RunError> {
    let before = publish::changes::previous(&quarter_dir.version_dir(previous), previous)?;
    let mut cells = BTreeMap::new();
    for (document, audience) in editions(req) {
        let changes = match audience {
            Audience::Intern => match &before.figures {
                Some(old) => {
                    publish::changes::internal(old, &monitor.figures, document.indicators())
                }
                None => Vec::new(),
            },
            Audience::Openbaar => {
                let old = before.public.get(&document).cloned().unwrap_or_default();
                let keys = shown
                    .get(&(document, audience))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                publish::changes::public(&old, &views[&audience], keys)
            }
        };
        cells.insert((document, audience), changes);
    }
    Ok(Correction { previous, cells })
}

/// What mailing the version takes: each document's list gets that document in the edition
/// its readers have, with what goes with it. `None` without `[mail]`.
pub fn mail_request<'a>(
    req: &'a RunRequest,
    run_id: i64,
    staged: &'a Staged,
) -> Option<deliver::Request<'a>> {
    let mail = req.config.mail.as_ref()?;
    let docs = &req.tenant.documents;
    let p = &staged.publication;
    let has = |d: Document, a: Audience| docs.editions(d).contains(&a);
    let lead = |d: Document| lead_audience(req, d);
    let pdf = |d: Document, a: Audience| OutputFile::place(a, Some(d.name()), &d.pdf_name());
    let no_changes = Vec::new();
    let changes_of = |d: Document, a: Audience| -> &Vec<crate::publish::CellChange> {
        staged
            .correction
            .as_ref()
            .and_then(|c| c.cells.get(&(d, a)))
            .unwrap_or(&no_changes)
    };
    let mut packages = Vec::new();
    for document in Document::ALL {
        let audience = lead(document);
        let mut attachments = vec![pdf(document, audience)];
        let mut changes = changes_of(document, audience).clone();
        let mut with_report = false;
        match document {
            // Management reads the memo too, to know what the council reads.
            Document::Kwartaalrapportage => {
                attachments.push(pdf(Document::Raadsmemo, lead(Document::Raadsmemo)));
            }
            // The council gets the public kwartaalrapportage with the memo, as its Bijlage.
            Document::Raadsmemo
                if audience == Audience::Openbaar
                    && has(Document::Kwartaalrapportage, Audience::Openbaar) =>
            {
                attachments.push(pdf(Document::Kwartaalrapportage, Audience::Openbaar));
                for c in changes_of(Document::Kwartaalrapportage, Audience::Openbaar) {
                    if !changes.iter().any(|x| x.key == c.key) {
                        changes.push(c.clone());
                    }
                }
                changes.sort_by(|a, b| a.key.cmp(&b.key));
                with_report = true;
            }
            Document::Raadsmemo => {}
        }
        packages.push(Package {
            document,
            recipients: docs.mail(document),
            attachments,
            view: &staged.views[&audience],
            changes,
            with_report,
        });
    }
    Some(deliver::Request {
        mail,
        outbox: outbox(req.config, req.tenant),
        publication: p,
        run_id,
        facts: Facts {
            organisation: &req.tenant.organisation,
            municipality: &req.tenant.municipality,
            quarter: req.quarter,
            version: p.version,
            monitor: &staged.monitor,
        },
        packages,
    })
}
