//! Disclosure over whole generated exports, as a council member reads the public documents
//! and the mails that carry them: random organisations (down to a handful of cases), random
//! thresholds, random quarters, corrections of one case or of fifteen, and the quarter before
//! published before or after (its reader subtracts too). For each publication the
//! published public figures are audited again as a reader would take them (every number,
//! every relation), and every number of the public PDFs' text, their alternative texts and
//! the council's mail is one the public figures file shows. A second test publishes a year
//! as it goes: several quarters' memos in any order, with late registrations between them,
//! read together after each publication.
//!
//! `PIPELINE_DISCLOSURE_CASES` sets how many exports the first test takes (default 75;
//! RELIABILITY.md lists the long run), `PIPELINE_DISCLOSURE_YEAR_CASES` how many years the
//! second (default 2; a campaign outside CI: `-- --ignored a_years`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use pipeline::config::Config;
use pipeline::disclose::{self, Audience, Shown, View, read_public_csv};
use pipeline::figures::{FigureKey, relations};
use pipeline::ledger::Trigger;
use pipeline::render::Engine;
use pipeline::run::{self, Progress, RunRequest};
use proptest::prelude::*;

use crate::common::{pdf_text, repo, small_export, write_config_reading};
use crate::reader::{self, Allowed};

/// No progress display; each stage's time goes to the captured output (shown when a test
/// fails, or with `--nocapture` in a campaign).
struct Quiet;
impl Progress for Quiet {
    fn stage(&self, _: usize, _: &str) {}
    fn done(&self, _: usize, name: &str, seconds: f64) {
        eprintln!("  {name}: {seconds:.2} s");
    }
}

pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&repo().join("layouts"), &[]))
}

fn cases() -> u32 {
    std::env::var("PIPELINE_DISCLOSURE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(75)
}

/// A config publishing the report and the memo publicly (the internal edition is no public
/// channel; leaving it out halves the typesetting per case), with mail to management and
/// the council through the outbox.
pub(crate) fn config(dir: &Path, data: &Path, threshold: u32) -> Config {
    let extra = format!(
        "[monitor]\nsuppression_threshold = {threshold}\n[mail]\nfrom = \"monitor@noorderkwartier.example\"\n"
    );
    let path = write_config_reading(dir, &extra, data);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "[tenant.documents.kwartaalrapportage]\n",
        "[tenant.documents.kwartaalrapportage]\neditions = [\"openbaar\"]\nmail = { to = [\"directie@noorderkwartier.example\"] }\n",
    ) + "[tenant.documents.raadsmemo.mail]\nto = [\"griffie@noorderkwartier.example\"]\n";
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap()
}

pub(crate) fn publish(config: &Config, quarter: pipeline::Quarter) -> run::RunOutcome {
    let request = RunRequest {
        config,
        tenant: &config.tenants[0],
        quarter,
        snapshot: None,
        date: None,
        trigger: Trigger::Manual,
        cancel: None,
        mail: true,
        preview: false,
    };
    run::run(&request, engine(), &Quiet).unwrap_or_else(|e| panic!("the run failed: {e}"))
}

/// A public document's cells as its figures file publishes them.
pub(crate) fn published(version_dir: &Path, document: &str) -> HashMap<FigureKey, Shown> {
    let path = version_dir
        .join("openbaar")
        .join(document)
        .join("cijfers-openbaar.csv");
    read_public_csv(&std::fs::read(&path).unwrap())
        .unwrap()
        .into_iter()
        .collect()
}

pub(crate) fn allowed_for(cells: &HashMap<FigureKey, Shown>, threshold: u32) -> Allowed {
    let mut a = reader::allowed(cells, threshold);
    let withheld = cells
        .values()
        .filter(|s| matches!(s, Shown::Small | Shown::Withheld))
        .count();
    a.add(threshold.to_string());
    a.add(pipeline::notation::int(withheld as i64));
    a.add(pipeline::notation::euro(100_000.0));
    a.add(pipeline::notation::pct(10.0));
    a.add(pipeline::notation::decimal(1.0, 1));
    a
}

/// The text part of an `.eml` as a reader sees it (quoted-printable or base64 decoded).
pub fn mail_body(eml: &str) -> String {
    let boundary = eml
        .split("boundary=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a multipart message");
    let marker = format!("--{boundary}");
    let part = eml.split(&marker).nth(1).expect("a first part");
    let (headers, body) = part.split_once("\r\n\r\n").expect("part headers");
    let body = body.trim_end_matches("\r\n");
    if headers.contains("Content-Transfer-Encoding: base64") {
        use base64::Engine as _;
        let joined: String = body.lines().map(str::trim).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .expect("base64");
        return String::from_utf8(bytes).expect("UTF-8");
    }
    if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        let bytes = body.replace("=\r\n", "").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'=', Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        return String::from_utf8(out).expect("UTF-8");
    }
    body.to_string()
}

/// The council's mails of `version` of `quarter` in the outbox.
pub(crate) fn council_mails(
    outbox: &Path,
    quarter: pipeline::Quarter,
    version: u32,
) -> Vec<String> {
    std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|m| m.contains("griffie@") && m.contains(&format!("-{quarter}-v{version}.pdf")))
        .collect()
}

/// The cells both public documents of `version` show, checked against what they print:
/// every number of their text and alternative texts is one of them.
fn public_cells(
    dir: &Path,
    quarter: pipeline::Quarter,
    version: u32,
    threshold: u32,
) -> HashMap<FigureKey, Shown> {
    let v = dir.join(format!("output/noorderkwartier/{}/v{version}", quarter));
    let mut all: HashMap<FigureKey, Shown> = HashMap::new();
    for doc in ["raadsmemo", "kwartaalrapportage"] {
        let cells = published(&v, doc);
        for (k, s) in &cells {
            if let Some(other) = all.get(k) {
                assert_eq!(other, s, "{k} shown alike in both public documents");
            }
            all.insert(k.clone(), *s);
        }
        let allowed = allowed_for(&cells, threshold);
        let pdf = v.join("openbaar").join(doc).join(format!("{doc}.pdf"));
        let stray = allowed.strangers(&pdf_text(&pdf));
        assert!(
            stray.is_empty(),
            "{doc} v{version}: text numbers no cell shows: {stray:?}"
        );
        for alt in reader::alt_texts(&pdf) {
            let stray = allowed.strangers(&alt);
            assert!(
                stray.is_empty(),
                "{doc} v{version}: alt text {alt:?} shows {stray:?}"
            );
        }
    }
    all
}

/// The council's mail of `version` shows only what its documents show (`all`) and, for a
/// correction, what the version before showed (`old`).
fn check_mails(
    dir: &Path,
    quarter: pipeline::Quarter,
    version: u32,
    threshold: u32,
    all: &HashMap<FigureKey, Shown>,
    old: Option<&HashMap<FigureKey, Shown>>,
) {
    // The council's mail shows only what the documents show (and, for a correction, what
    // the version before showed).
    let mut mail_cells = all.clone();
    if let Some(old) = old {
        for (k, s) in old {
            mail_cells.entry(k.clone()).or_insert(*s);
        }
    }
    let mut allowed = allowed_for(&mail_cells, threshold);
    if let Some(old) = old {
        for s in old.values() {
            allowed.shown(*s, threshold);
        }
        allowed.add(version.to_string());
        allowed.add((version - 1).to_string());
    }
    let mails = council_mails(&dir.join("output/noorderkwartier/outbox"), quarter, version);
    assert!(
        !mails.is_empty(),
        "the council got v{version}: {:?}",
        std::fs::read_dir(dir.join("output/noorderkwartier/outbox"))
            .map(|d| d.count())
            .ok()
    );
    for mail in &mails {
        let body = mail_body(mail);
        let stray = allowed.strangers(&body);
        assert!(
            stray.is_empty(),
            "council mail v{version} shows {stray:?}:\n{body}"
        );
        assert!(
            !body.contains("ind_") && !body.contains("col_"),
            "no figure codes: {body}"
        );
    }
}

/// What a reader of `version` learns, checked: the audit of the published cells and the
/// numbers of every public channel.
fn check_version(
    dir: &Path,
    monitor_figures: &pipeline::figures::Figures,
    monitor: &pipeline::monitor::Monitor,
    version: u32,
    threshold: u32,
    old: Option<&HashMap<FigureKey, Shown>>,
    nested: &HashMap<FigureKey, disclose::Reach>,
) -> HashMap<FigureKey, Shown> {
    let all = public_cells(dir, monitor.quarter, version, threshold);
    // The audit, as a reader would run it on what was published, knowing every count of
    // the version before that has not changed, and bounding the rest: a `<T` of it by
    // 1 to T − 1, another quarter's year so far (`nested`) by what it counted (at least, of
    // an earlier quarter; at most, of a later one). Only what the counts keep to: a reader
    // whose premise is false learns nothing true.
    let known = old
        .into_iter()
        .flatten()
        .filter(|(k, _)| !nested.contains_key(*k))
        .filter_map(|(k, s)| match s {
            Shown::Value(v) => {
                let c = v.count()?;
                (count_now(monitor_figures, k) == Some(c)).then(|| (k.clone(), c))
            }
            _ => None,
        });
    let t = i64::from(threshold);
    let bounds = old.into_iter().flatten().filter_map(|(k, s)| {
        let now = count_now(monitor_figures, k)?;
        let reach = nested.get(k);
        let (min, max) = match (s, reach) {
            (Shown::Value(v), Some(disclose::Reach::Shorter)) => (v.count()?, None),
            (Shown::Value(v), Some(disclose::Reach::Longer)) => (0, Some(v.count()?)),
            (Shown::Small, None) => (1, Some(t - 1)),
            (Shown::Small, Some(disclose::Reach::Shorter)) => (1, None),
            (Shown::Small, Some(disclose::Reach::Longer)) => (0, Some(t - 1)),
            _ => return None,
        };
        (now >= min && max.is_none_or(|m| now <= m)).then(|| (k.clone(), (min, max)))
    });
    // Where a source and period still shows some of v1's numbers, a number of v1 that is
    // `x` now has changed (v2 withholds no unchanged number of v1 there, which is checked
    // here too), and the reader rules that number out. (Of versions of one quarter: a memo
    // published before another quarter's did not know what that one would show.)
    let source = |k: &FigureKey| k.indicator.code().split('_').next().unwrap().to_string();
    let still_shown: std::collections::HashSet<(String, String)> = old
        .into_iter()
        .flatten()
        .filter(|(k, then)| {
            use pipeline::figures::Kind;
            matches!(k.indicator.kind(), Kind::Count | Kind::Mean | Kind::Pct)
                && then.is_number()
                && all.get(*k) == Some(*then)
        })
        .map(|(k, _)| (source(k), k.period.clone()))
        .collect();
    let mut changed: Vec<(FigureKey, Vec<i64>)> = Vec::new();
    for (k, then) in old.into_iter().flatten() {
        if let (Shown::Value(v), Some(Shown::Withheld)) = (then, all.get(k))
            && let Some(p) = v.count()
            && still_shown.contains(&(source(k), k.period.clone()))
            && nested.is_empty()
        {
            assert_ne!(
                count_now(monitor_figures, k),
                Some(p),
                "v{version}: {k} did not change, yet v2 withholds what v1 showed"
            );
            changed.push((k.clone(), vec![p]));
        }
    }
    let view = View::from_cells(Audience::Openbaar, threshold, all.clone())
        .knowing(known)
        .knowing_bounds(bounds)
        .knowing_changed(changed);
    let figures = disclose::with_shown_zeros(monitor_figures, &view);
    let report = disclose::audit(&view, &figures, &relations(&figures, &monitor.spans)).unwrap();
    assert!(
        report.failures.is_empty(),
        "v{version}: {:?}",
        report.failures
    );
    // A row whose count v1 hid does not go: gone, it would read 0 (and `<T` → 0 tells
    // that 1 to T − 1 registrations were removed there). Not so in a table of a choice
    // of rows (the ZRM's five most common domains, `+` in its dimension): a domain left
    // out reads nothing, and another period's five may be other domains. Nor for another
    // quarter's year so far (`nested`): the whole of 2023 counted 1 to T − 1 where its
    // first quarter counted none, and the row says no more than that `<T`.
    for (k, then) in old.into_iter().flatten() {
        if k.indicator.kind() == pipeline::figures::Kind::Count
            && !k.category.is_empty()
            && !k.indicator.dimension().contains('+')
            && !nested.contains_key(k)
            && then.is_hidden()
        {
            assert!(
                all.contains_key(k),
                "v{version}: {k} was {then:?} and is gone: its row went"
            );
        }
    }
    // A reader with the version before subtracts: no count shown in both moved by 1 to
    // T − 1 (it would tell what the corrected registrations are).
    if let Some(old) = old {
        no_small_difference(old, &all, threshold);
    }
    check_mails(dir, monitor.quarter, version, threshold, &all, old);
    all
}

/// No count shown as a number in both `old` and `new` (under the same key) differs by 1 to
/// T − 1: a reader with both would know what that many registrations are.
fn no_small_difference(
    old: &HashMap<FigureKey, Shown>,
    new: &HashMap<FigureKey, Shown>,
    threshold: u32,
) {
    for (key, now) in new {
        if let (Some(Shown::Value(a)), Shown::Value(b)) = (old.get(key), now)
            && let (Some(a), Some(b)) = (a.count(), b.count())
        {
            let d = (a - b).abs();
            assert!(
                d == 0 || d >= i64::from(threshold),
                "{key} {a} → {b} tells what {d} registrations are"
            );
        }
    }
}

/// What a reader of another quarter's public documents has of `quarter`'s periods: the
/// cells of its latest version, under the periods of `spans` they answer to.
fn other_quarter(
    dir: &Path,
    quarter: pipeline::Quarter,
    spans: &[pipeline::figures::Span],
) -> disclose::Rekeyed {
    let v = dir.join(format!("output/noorderkwartier/{quarter}/current"));
    let cells = ["raadsmemo", "kwartaalrapportage"]
        .into_iter()
        .flat_map(|doc| published(&v, doc));
    disclose::rekeyed(cells, None, spans)
}

/// A count as it is: its figure, or 0 for a category of a breakdown without one (the
/// monitor writes only the categories that occurred; the documents show the others as 0).
fn count_now(figures: &pipeline::figures::Figures, k: &FigureKey) -> Option<i64> {
    match figures.count_of(k) {
        Ok(c) => Some(c),
        Err(_) if figures.get(k).is_none() && !k.category.is_empty() => Some(0),
        Err(_) => None,
    }
}

/// What a reader sees move between two versions that corrected fewer than T
/// registrations: in every source (`ind`, `col`, …) and period where some cell shown in both
/// changed, no count, mean or percentage the earlier version showed is still shown — which
/// cells moved, and so what the corrected registration is, cannot be read off. Returns how
/// many sources and periods changed.
pub(crate) fn no_cell_points_at_the_correction(
    old: &HashMap<FigureKey, Shown>,
    new: &HashMap<FigureKey, Shown>,
) -> usize {
    use pipeline::figures::Kind;
    let source = |k: &FigureKey| k.indicator.code().split('_').next().unwrap().to_string();
    let same = |a: &Shown, b: &Shown| match (a, b) {
        (Shown::Value(x), Shown::Value(y)) => x.csv() == y.csv(),
        (a, b) => a == b,
    };
    let changed: std::collections::HashSet<(String, String)> = new
        .iter()
        .filter(|(k, now)| old.get(*k).is_some_and(|then| !same(then, now)))
        .map(|(k, _)| (source(k), k.period.clone()))
        .collect();
    // No row came or went: a category's first case or its last one would be in the
    // table's rows.
    for (k, shown) in old.iter().chain(new.iter()) {
        if k.indicator.kind() == Kind::Count && !k.category.is_empty() {
            assert!(
                old.contains_key(k) && new.contains_key(k),
                "{k} ({shown:?}) is in one version only: a row came or went"
            );
        }
    }
    for (k, now) in new {
        let Some(then) = old.get(k) else { continue };
        if matches!(k.indicator.kind(), Kind::Count | Kind::Mean | Kind::Pct)
            && changed.contains(&(source(k), k.period.clone()))
            && !then.is_hidden()
        {
            // `n<T` among the `x` would point at the corrected records as well.
            let moved: Vec<String> = new
                .iter()
                .filter(|(m, now)| {
                    source(m) == source(k)
                        && m.period == k.period
                        && old.get(*m).is_some_and(|then| !same(then, now))
                })
                .map(|(m, now)| format!("{m}: {:?} → {now:?}", old.get(m)))
                .collect();
            assert!(
                matches!(now, Shown::Withheld),
                "{k} is {then:?} then and {now:?} now while other cells of its period \
                 changed ({moved:?}): which cells did not move tells which did"
            );
        }
    }
    changed.len()
}

/// Corrects `n` cases of the export: the first cases of the report quarter's year change
/// their support form.
fn correct_cases(data: &Path, year: i32, n: usize) {
    let path = data.join("casussen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let marker = format!("-{year};");
    let mut left = n;
    for line in lines.iter_mut().skip(1) {
        if line.contains(&marker) || line.contains(&format!("{year}-")) {
            let swapped = if line.contains(";Individueel traject;") {
                line.replace(";Individueel traject;", ";Leun- en steuncontact;")
            } else {
                line.replace(";Leun- en steuncontact;", ";Individueel traject;")
                    .replace(";Informatie en advies;", ";Individueel traject;")
            };
            if swapped != *line {
                *line = swapped;
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// Corrects `n` cases of the export so that breakdowns gain and lose categories: the first
/// `n` cases of the year get a werksoort no case had, and the cases of the smallest team,
/// when there are at most `n`, move to the largest (its row would empty).
fn correct_categories(data: &Path, year: i32, n: usize) {
    let path = data.join("casussen.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(';').map(String::from).collect())
        .collect();
    let column = |name: &str| lines[0].iter().position(|h| h == name).unwrap();
    let (werksoort, team) = (column("Werksoort"), column("Team"));
    let marker = format!("-{year}");
    let mut left = n;
    for line in lines.iter_mut().skip(1) {
        if left > 0
            && line
                .iter()
                .any(|c| c.ends_with(&marker) || c.starts_with(&format!("{year}-")))
        {
            line[werksoort] = "Buurtbemiddeling".into();
            left -= 1;
        }
    }
    let mut teams: HashMap<String, usize> = HashMap::new();
    for line in lines.iter().skip(1) {
        *teams.entry(line[team].clone()).or_default() += 1;
    }
    let mut by_size: Vec<(usize, String)> = teams.into_iter().map(|(t, c)| (c, t)).collect();
    by_size.sort();
    if let (Some((few, smallest)), Some((_, largest))) =
        (by_size.first().cloned(), by_size.last().cloned())
        && few <= n
        && smallest != largest
    {
        for line in lines.iter_mut().skip(1) {
            if line[team] == smallest {
                line[team] = largest.clone();
            }
        }
    }
    let out: Vec<String> = lines.iter().map(|l| l.join(";")).collect();
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn public_documents_and_their_mails_give_nobody_away(
        seed in 0u64..1_000_000,
        keep in prop_oneof![0.002f64..0.02, 0.02f64..0.2, 0.2f64..1.0],
        threshold in 3u32..=6,
        q in 1u8..=4,
        correction in proptest::bool::weighted(0.34),
        corrected in prop_oneof![3 => Just(1usize), 1 => Just(15usize)],
        categories in proptest::bool::weighted(0.5),
        other in prop_oneof![3 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))],
    ) {
        one_export(Case { seed, keep, threshold, q, correction: correction.then_some((corrected, categories)), other })?;
    }
}

/// One generated export, published, then (with a correction of `n` cases, of categories or
/// not) published again.
struct Case {
    seed: u64,
    keep: f64,
    threshold: u32,
    q: u8,
    correction: Option<(usize, bool)>,
    /// The quarter before is published too: before this one (true) or after it.
    other: Option<bool>,
}

fn one_export(case: Case) -> Result<(), TestCaseError> {
    let Case {
        seed,
        keep,
        threshold,
        q,
        correction,
        other,
    } = case;
    let dir = tempfile::tempdir().unwrap();
    let quarter = pipeline::Quarter::new(2024, q).unwrap();
    let data = dir.path().join("export");
    small_export(&data, seed, keep, quarter);
    let config = config(dir.path(), &data, threshold);
    // The quarter before, published first: this quarter's documents answer to it.
    let before = quarter.previous();
    let earlier = (other == Some(true)).then(|| {
        let o = publish(&config, before);
        let m = monitor_of(&config, before);
        let cells = check_version(
            dir.path(),
            &m.figures,
            &m,
            o.publication.version,
            threshold,
            None,
            &HashMap::new(),
        );
        (cells, m)
    });
    let first = publish(&config, quarter);
    if let Some(d) = &first.delivery {
        prop_assert!(d.complete(), "{d}");
    }
    let monitor = monitor_of(&config, quarter);
    relations_hold(&monitor);
    let seen = (other == Some(true)).then(|| other_quarter(dir.path(), before, &monitor.spans));
    let v1 = check_version(
        dir.path(),
        &monitor.figures,
        &monitor,
        first.publication.version,
        threshold,
        seen.as_ref().map(|s| &s.shown),
        &seen
            .as_ref()
            .map(|s| s.year_so_far.clone())
            .unwrap_or_default(),
    );
    if let Some((cells, m)) = &earlier {
        memos_together(&[(&v1, &monitor), (cells, m)], threshold);
    }
    // Published after this one, the quarter before answers to it as well.
    if other == Some(false) {
        let o = publish(&config, before);
        let m = monitor_of(&config, before);
        let seen = other_quarter(dir.path(), quarter, &m.spans);
        let cells = check_version(
            dir.path(),
            &m.figures,
            &m,
            o.publication.version,
            threshold,
            Some(&seen.shown),
            &seen.year_so_far,
        );
        // And this quarter's memo, read beside it, still gives nothing away: the quarter
        // before's numbers bound this one's withheld cells.
        let back = other_quarter(dir.path(), before, &monitor.spans);
        check_version(
            dir.path(),
            &monitor.figures,
            &monitor,
            first.publication.version,
            threshold,
            Some(&back.shown),
            &back.year_so_far,
        );
        memos_together(&[(&v1, &monitor), (&cells, &m)], threshold);
    }
    let Some((corrected, categories)) = correction else {
        return Ok(());
    };
    if categories {
        correct_categories(&data, 2024, corrected);
    } else {
        correct_cases(&data, 2024, corrected);
    }
    let second = publish(&config, quarter);
    if !second.publication.new {
        return Ok(());
    }
    let monitor = monitor_of(&config, quarter);
    let v2 = check_version(
        dir.path(),
        &monitor.figures,
        &monitor,
        second.publication.version,
        threshold,
        Some(&v1),
        &HashMap::new(),
    );
    // The quarter published before still answers for the correction.
    if let Some(seen) = &seen {
        no_small_difference(&seen.shown, &v2, threshold);
    }
    if let Some((cells, m)) = &earlier {
        memos_together(&[(&v2, &monitor), (cells, m)], threshold);
    }
    // At most two registrations per corrected case changed (a category one's werksoort,
    // another's team). (Not where the quarter before was published between v1 and v2: v2
    // answers to its memo too, which may change what v2 withholds where nothing was
    // corrected; that memo is public, and says nothing about the correction.)
    if 2 * corrected < threshold as usize && other != Some(false) {
        no_cell_points_at_the_correction(&v1, &v2);
        // Nothing appears that v1 did not show: no new row, no new category.
        for mail in council_mails(
            &dir.path().join("output/noorderkwartier/outbox"),
            quarter,
            second.publication.version,
        ) {
            let body = mail_body(&mail);
            prop_assert!(
                !body.contains("(niet getoond) →"),
                "a cell appeared:\n{body}"
            );
        }
    }
    Ok(())
}

fn year_cases() -> u32 {
    std::env::var("PIPELINE_DISCLOSURE_YEAR_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: year_cases(), max_shrink_iters: 10, ..ProptestConfig::default() })]

    /// A year as it goes: three to five quarters' memos (last year's fourth among them),
    /// published in any order, with registrations corrected or entered late between them,
    /// so that the same period's counts may differ from one memo to the next; and, now and
    /// then, one of them corrected at the end (its v2 beside the others). After each
    /// publication the reader has every memo so far, every version of each.
    // Outside CI: a year of five memos with many withheld cells makes joint audits that ran
    // for over ten minutes there (linear programs over every memo's cells).
    #[test]
    #[ignore = "a campaign, minutes per year at worst: cargo test -- --ignored a_years"]
    fn a_years_memos_read_together_give_nobody_away(
        seed in 0u64..1_000_000,
        keep in prop_oneof![0.002f64..0.02, 0.02f64..0.2],
        threshold in 3u32..=6,
        order in Just(vec![(2023, 4), (2024, 1), (2024, 2), (2024, 3), (2024, 4)]).prop_shuffle(),
        count in 3usize..=5,
        late in proptest::collection::vec(prop_oneof![2 => Just(0usize), 2 => Just(1usize), 1 => Just(2usize)], 6),
        again in proptest::option::weighted(0.3, 0usize..5),
    ) {
        let mut quarters: Vec<_> = order[..count]
            .iter()
            .map(|&(y, q)| pipeline::Quarter::new(y, q).unwrap())
            .collect();
        let mut late = late;
        if let Some(i) = again.filter(|&i| i < count) {
            quarters.push(quarters[i]);
            late[count] = late[count].max(1);
        }
        one_year(seed, keep, threshold, &quarters, &late);
    }
}

/// One year a campaign printed, to run it again: `PIPELINE_DISCLOSURE_YEAR="337317
/// 0.06778004090723921 3 2024Q1,2024Q4,2024Q3,2023Q4,2024Q2 1,2,0,1,1"` (seed, keep,
/// threshold, the quarters in their order, the cases corrected before each).
#[test]
#[ignore = "a campaign's year: PIPELINE_DISCLOSURE_YEAR=... cargo test -- --ignored a_year_again"]
fn a_year_again() {
    let year = std::env::var("PIPELINE_DISCLOSURE_YEAR").expect("PIPELINE_DISCLOSURE_YEAR");
    let parts: Vec<&str> = year.split_whitespace().collect();
    let [seed, keep, threshold, order, late] = parts[..] else {
        panic!("expected seed, keep, threshold, quarters and late cases: {year}");
    };
    let quarters: Vec<pipeline::Quarter> = order.split(',').map(|q| q.parse().unwrap()).collect();
    let cases: Vec<usize> = late.split(',').map(|n| n.parse().unwrap()).collect();
    one_year(
        seed.parse().unwrap(),
        keep.parse().unwrap(),
        threshold.parse().unwrap(),
        &quarters,
        &cases,
    );
}

/// Years the campaign of `a_years_memos_read_together_give_nobody_away` found (2026-12-07):
/// the fourth publication of the first (2024Q1, beside three memos) spent 153 s in the
/// disclose stage before the audit reused its solutions; the fourth of the second (2024Q3,
/// two cases corrected before it) failed its run, since the other memos added up to a year
/// so far it withheld, and it had no cell near to withhold instead (now a count it knows);
/// the third's (2024Q3) failed likewise on a `<6` the other memos narrowed (now withheld);
/// in the fourth, 2024Q3's werksoort table, its rows fixed by the memo before, listed no
/// row for a werksoort of none, which its audit had taken for an `x` (now known as 0); in
/// the fifth, 2024Q2 (published last of five) gave away a `<3` of its own and one of Q1's
/// memo, which the other memos' own periods and their ties to each other pinned (the joint
/// audit read them under this run's periods only, then).
#[test]
fn years_an_earlier_campaign_found() {
    for (seed, keep, threshold, quarters, late) in [
        (
            648179,
            0.1395029400345444,
            4,
            vec![(2024, 3), (2024, 4), (2023, 4), (2024, 1), (2024, 2)],
            [0; 5],
        ),
        (
            104259,
            0.013490619844599379,
            3,
            vec![(2024, 4), (2024, 2), (2023, 4), (2024, 3)],
            [1, 0, 0, 2, 0],
        ),
        (
            161277,
            0.12745736371137195,
            6,
            vec![(2024, 4), (2024, 3), (2024, 2), (2024, 1)],
            [2, 0, 1, 0, 0],
        ),
        (
            631032,
            0.018793271226742028,
            5,
            vec![(2024, 1), (2024, 2), (2024, 3)],
            [0, 2, 2, 0, 0],
        ),
        (
            337317,
            0.06778004090723921,
            3,
            vec![(2024, 1), (2024, 4), (2024, 3), (2023, 4), (2024, 2)],
            [1, 2, 0, 1, 1],
        ),
    ] {
        let quarters: Vec<_> = quarters
            .iter()
            .map(|&(y, q)| pipeline::Quarter::new(y, q).unwrap())
            .collect();
        one_year(seed, keep, threshold, &quarters, &late);
    }
}

/// Publishes `quarters` in this order from one export, correcting `late[i]` cases before
/// the i-th (after the first), and reads every memo so far together after each. A quarter
/// that comes again is a correction (v2, if anything it shows changed).
fn one_year(seed: u64, keep: f64, threshold: u32, quarters: &[pipeline::Quarter], late: &[usize]) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("export");
    let latest = *quarters.iter().max().unwrap();
    small_export(&data, seed, keep, latest);
    let config = config(dir.path(), &data, threshold);
    let mut memos: Vec<(HashMap<FigureKey, Shown>, pipeline::monitor::Monitor, u32)> = Vec::new();
    let order: Vec<String> = quarters.iter().map(|q| q.to_string()).collect();
    eprintln!("year: seed {seed}, keep {keep}, threshold {threshold}, {order:?}, late {late:?}");
    for (i, &quarter) in quarters.iter().enumerate() {
        if i > 0 && late[i] > 0 {
            correct_cases(&data, 2024, late[i]);
        }
        eprintln!("{quarter} ({i}), {} late:", late[i]);
        let outcome = publish(&config, quarter);
        if let Some(d) = &outcome.delivery {
            assert!(d.complete(), "{d}");
        }
        let monitor = monitor_of(&config, quarter);
        let version = outcome.publication.version;
        // A quarter published before: its correction, read beside its v1 as well.
        let before = memos
            .iter()
            .rev()
            .find(|(_, m, _)| m.quarter == quarter)
            .map(|(cells, _, v)| (cells.clone(), *v));
        if before.as_ref().is_some_and(|(_, v)| *v == version) {
            eprintln!("  unchanged: v{version}");
            continue;
        }
        // The first memo alone; each later one with the memos before it, below (alone, it
        // may withhold what another memo shows, and its own numbers then pin down).
        let cells = if i == 0 {
            check_version(
                dir.path(),
                &monitor.figures,
                &monitor,
                version,
                threshold,
                None,
                &HashMap::new(),
            )
        } else {
            let cells = public_cells(dir.path(), quarter, version, threshold);
            let old = before.as_ref().map(|(cells, _)| cells);
            check_mails(dir.path(), quarter, version, threshold, &cells, old);
            for (earlier, _, _) in &memos {
                let seen = disclose::rekeyed(earlier.clone(), None, &monitor.spans);
                no_small_difference(&seen.shown, &cells, threshold);
            }
            cells
        };
        memos.push((cells, monitor, version));
        let together: Vec<_> = memos.iter().map(|(c, m, _)| (c, m)).collect();
        let started = std::time::Instant::now();
        memos_together(&together, threshold);
        eprintln!("  read together: {:.2} s", started.elapsed().as_secs_f64());
    }
}

/// Cases CI's random exports found, kept by their inputs (proptest's regression file keys
/// its cases by the generator's seed, which a changed strategy no longer maps to them).
#[test]
fn exports_an_earlier_run_failed_on() {
    // With the quarter before published too (2026-12-07, while building it): a small
    // correction gave a case a werksoort no case had, and v2 listed its row, since against
    // the older quarter's memo the period was larger (a row that came with the correction);
    // the first quarter, published after the second, withheld a count its year so far had
    // in common with the second quarter's memo, which shows the first quarter alone (the
    // run failed its audit); a first quarter published after last year's fourth listed the
    // ZRM domains of the fourth's memo without last year's cells to show for them (the run
    // failed to render); and a rerun of Q3 after Q4 showed a count that said Q4's withheld
    // one was at least that, narrowing Q4's `<6` beside it; and last year's fourth quarter
    // withheld this year's first as a whole, having counted none of it (CI's random export);
    // and a withheld count of nothing that last year's fourth quarter's zeros pinned down
    // failed the first quarter's audit (now shown as 0); and the reader of both memos as
    // one audit (`memos_together`) found Q2's IT + LS, each withheld, pinning Q1's
    // `<3` beside Q1's total, which no single bound says (2026-12-07, 150 random exports).
    for (seed, keep, threshold, q, correction, other) in [
        (949368, 0.06437773347179834, 6, 3, Some((1, true)), true),
        (32352, 0.12103123101247662, 6, 2, None, false),
        (107679, 0.012553530424978932, 5, 1, None, false),
        (501345, 0.7643454044911536, 6, 4, Some((1, true)), false),
        (206421, 0.002, 6, 1, Some((1, true)), true),
        (321611, 0.011295145644944722, 5, 1, None, true),
        (54120, 0.020960955158136656, 3, 2, Some((1, true)), true),
        (54120, 0.020960955158136656, 3, 2, Some((1, true)), false),
    ] {
        one_export(Case {
            seed,
            keep,
            threshold,
            q,
            correction,
            other: Some(other),
        })
        .unwrap();
    }
    // A tiny organisation, fifteen of its cases corrected: v1 listed no werksoort at all,
    // so its reader knows that last year's individual trajectories and leun- en
    // steuncontacten add up to nothing, while v2 still withheld them as `x`; the run failed
    // its audit with nothing left to withhold (CI, 2026-12-06).
    one_export(Case {
        seed: 534926,
        keep: 0.007577248514687969,
        threshold: 5,
        q: 4,
        correction: Some((15, false)),
        other: None,
    })
    .unwrap();
    // A larger correction moved the IT cases opgestart from 3 to 4 (threshold 3): withheld
    // as `x`, the numbers v1 showed that have not changed (4 IT cases in behandeling, 3
    // recidive) left it 3 or 4, and 3 it no longer is. Nothing else could be withheld to
    // hide it; the period's cases are withheld as a whole (CI campaign, 2026-12-06).
    one_export(Case {
        seed: 617768,
        keep: 0.01826134742635271,
        threshold: 3,
        q: 4,
        correction: Some((15, false)),
        other: None,
    })
    .unwrap();
}

/// What disclosure assumes a reader knows holds for the figures of a real run: every
/// declared relation, and every mean linked to a count is over exactly that many records
/// (over all of them) or at most that many (over some).
fn relations_hold(monitor: &pipeline::monitor::Monitor) {
    let f = &monitor.figures;
    for r in relations(f, &monitor.spans) {
        assert!(r.holds(f), "{}", r.name);
    }
    for link in pipeline::figures::records(f) {
        let n = f.get(&link.mean).unwrap().n.expect("a mean has its n");
        let count = f.count_of(&link.count).unwrap() as u64;
        if link.exact {
            assert_eq!(n, count, "{} is over all of {}", link.mean, link.count);
        } else {
            assert!(
                n <= count,
                "{} is over some of {}: {n} of {count}",
                link.mean,
                link.count
            );
        }
    }
}

/// The monitor of the tenant's export, as the run computed it.
pub(crate) fn monitor_of(
    config: &Config,
    quarter: pipeline::Quarter,
) -> pipeline::monitor::Monitor {
    let tenant = &config.tenants[0];
    let pipeline::pull::Source::Dir { path, .. } = &tenant.export else {
        unreachable!("a folder source")
    };
    let renames = pipeline::load::Renames {
        columns: &tenant.columns,
        values: &tenant.values,
    };
    let (mut export, quality) = pipeline::load::load_export(
        path,
        &Default::default(),
        &renames,
        tenant.export.csv(),
        &config.monitor.load(),
    )
    .unwrap();
    export.encode_keys().unwrap();
    pipeline::monitor::compute(&export, None, quarter, quality, &config.monitor.monitor()).unwrap()
}

/// One reader with every memo (each a quarter's latest public cells and its monitor), as
/// one audit: every cell of each under its own keys (tagged with the memo), each memo's
/// relations over its own figures, and what ties two memos together: a count of the same
/// period that is the same in both is one number; a year so far counts at most what a longer
/// one of the same year does. Where two such counts differ by 1 to T − 1, that difference is
/// a count of its own, and must not be worked out (it says what a handful of registrations
/// are). No `<T` of any memo may be narrowed. Written apart from the pipeline's own audit
/// (`versions::given_away`), so it checks that one.
fn memos_together(
    memos: &[(&HashMap<FigureKey, Shown>, &pipeline::monitor::Monitor)],
    threshold: u32,
) {
    use pipeline::figures::{Figure, Figures, Indicator, Kind, Relation, Value};
    let tag = |t: usize, k: &FigureKey| FigureKey {
        period: format!("m{t}|{}", k.period),
        ..k.clone()
    };
    let mut figures = Figures::default();
    let mut cells: HashMap<FigureKey, Shown> = HashMap::new();
    let mut all_relations: Vec<Relation> = Vec::new();
    let mut zeros = Vec::new();
    for (t, (shown, monitor)) in memos.iter().enumerate() {
        let own = View::from_cells(
            Audience::Openbaar,
            threshold,
            shown.iter().map(|(k, s)| (k.clone(), *s)),
        );
        let z = disclose::with_shown_zeros(&monitor.figures, &own).into_owned();
        for f in z.rows() {
            figures.push(Figure {
                key: tag(t, &f.key),
                ..f.clone()
            });
        }
        for mut r in relations(&z, &monitor.spans) {
            r.parts = r.parts.iter().map(|k| tag(t, k)).collect();
            r.whole = r.whole.iter().map(|k| tag(t, k)).collect();
            all_relations.push(r);
        }
        cells.extend(shown.iter().map(|(k, s)| (tag(t, k), *s)));
        zeros.push(z);
    }
    let end = |label: &str| label.rsplit('Q').next().and_then(|q| q.parse::<u8>().ok());
    let t = i64::from(threshold);
    let mut differences = 0;
    for (i, j) in (0..memos.len()).flat_map(|i| (i + 1..memos.len()).map(move |j| (i, j))) {
        let (a, b) = (memos[i], memos[j]);
        // The period of `a` a period of `b` answers to: the same, or `a`'s year so far of the
        // same year.
        let in_a = |label: &str| -> Option<String> {
            let spans = &a.1.spans;
            if spans
                .iter()
                .any(|s| s.label == label || s.quarters.iter().any(|q| q == label))
            {
                return Some(label.to_string());
            }
            let year = label.split_once("Q1-Q")?.0;
            spans
                .iter()
                .find(|s| s.label.split_once("Q1-Q").is_some_and(|(y, _)| y == year))
                .map(|s| s.label.clone())
        };
        for kb in b.0.keys() {
            if kb.indicator.kind() != Kind::Count || kb.indicator == Indicator::Wachtlijst {
                continue;
            }
            let Some(label) = in_a(&kb.period) else {
                continue;
            };
            let ka = FigureKey {
                period: label.clone(),
                ..kb.clone()
            };
            if !a.0.contains_key(&ka) {
                continue;
            }
            let (Some(va), Some(vb)) = (count_now(&zeros[i], &ka), count_now(&zeros[j], kb)) else {
                continue;
            };
            let (ta, tb) = (tag(i, &ka), tag(j, kb));
            // Shorter and longer (or either, for the same period).
            let ((s, vs), (l, vl)) = if label == kb.period {
                if va <= vb {
                    ((ta, va), (tb, vb))
                } else {
                    ((tb, vb), (ta, va))
                }
            } else if end(&label) < end(&kb.period) {
                ((ta, va), (tb, vb))
            } else {
                ((tb, vb), (ta, va))
            };
            if vs > vl || (label == kb.period && vl - vs >= t) {
                continue;
            }
            let mut parts = vec![s.clone()];
            if (1..t).contains(&(vl - vs)) {
                let d = FigureKey {
                    period: format!("d{differences}|{}", s.period),
                    ..s.clone()
                };
                differences += 1;
                figures.push(Figure {
                    key: d.clone(),
                    dimension: "",
                    value: Value::Count(vl - vs),
                    n: None,
                });
                cells.insert(d.clone(), Shown::Withheld);
                parts.push(d);
            }
            all_relations.push(Relation {
                name: format!("{s} and {l}, both shown"),
                exact: parts.len() == 2 || label == kb.period,
                parts,
                whole: vec![l],
            });
        }
    }
    let view = View::from_cells(Audience::Openbaar, threshold, cells);
    let report = disclose::audit(&view, &figures, &all_relations).unwrap();
    // A withheld cell of either memo that the other pins down is what the other shows:
    // only the `<T`s and the differences count.
    let leaks: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.shown == Shown::Small || f.cell.period.starts_with('d'))
        .collect();
    // What a person needs to see why: each leak's relations, with every cell of them as
    // shown and as counted.
    let why = |cell: &FigureKey| -> String {
        all_relations
            .iter()
            .filter(|r| r.keys().any(|k| k == cell))
            .map(|r| {
                let cells: Vec<String> = r
                    .keys()
                    .map(|k| {
                        let count = figures.get(k).map(|f| f.value.csv()).unwrap_or_default();
                        format!("{k} {:?} ({count})", view.shown(k).ok())
                    })
                    .collect();
                format!("  {}: {}", r.name, cells.join("; "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        leaks.is_empty(),
        "the memos together:\n{}",
        leaks
            .iter()
            .map(|f| format!(
                "{} {:?} between {}\n{}",
                f.cell,
                f.shown,
                f.range,
                why(&f.cell)
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
