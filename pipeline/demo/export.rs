//! The registration export: every table of `regas-export.md` as a `;`-separated UTF-8 CSV
//! with `dd-mm-jjjj` dates, like one fictional organisation ("Welzijn Noorderkwartier")
//! would deliver it.
//!
//! Clients (with their cases), trajectories, carers and volunteers are made in fixed-size
//! blocks, each on its own random stream. Blocks are generated in memory a few at a time
//! on worker threads and appended to the tables in block order, so memory stays flat at
//! any scale and the bytes do not depend on the number of threads.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::calendar::{self, DateText, Day};
use super::random::{Choice, Draw, Kind};
use super::{DemoError, DemoOptions, Scale, io_error};

// ------------------------------------------------------------------------------ tables

pub(super) const TABLES: [&str; 9] = [
    "casussen",
    "clienten",
    "contactmomenten",
    "zrm_metingen",
    "tevredenheid",
    "collectieve_trajecten",
    "bijeenkomsten",
    "mantelzorgers",
    "vrijwilligers",
];
const CASUSSEN: usize = 0;
const CLIENTEN: usize = 1;
const CONTACTMOMENTEN: usize = 2;
const ZRM_METINGEN: usize = 3;
const TEVREDENHEID: usize = 4;
const TRAJECTEN: usize = 5;
const BIJEENKOMSTEN: usize = 6;
const MANTELZORGERS: usize = 7;
const VRIJWILLIGERS: usize = 8;

pub(super) const HEADERS: [&str; 9] = [
    "Casusnummer;Clientnummer;Ondersteuningsvorm;Werksoort;Team;Woonplaats;Aanmelddatum;\
     Startdatum;Einddatum;Verwijzer;Hoofddomeinen;Afsluitreden;Samenwerkingspartners",
    "Clientnummer;Geboortedatum;Geslacht",
    "Casusnummer;Datum;Soort;Duur",
    "Casusnummer;Datum;Domein;Score;Type",
    "Casusnummer;Datum;Vraag;Score",
    "Trajectnummer;Naam;Categorie;Doelgroep;Startdatum;Einddatum;Kracht start;Kracht eind",
    "Trajectnummer;Datum;Deelnemers",
    "Relatienummer;Registratiedatum;Uitschrijfdatum;Jonge mantelzorger",
    "Relatienummer;Startdatum;Einddatum;Project",
];

// ------------------------------------------------------------------------------ sizes

/// Per scale s: one organisation over seven years.
const CLIENTS_PER_S: u64 = 10_000;
const TRAJECTORIES_PER_S: u64 = 600;
const CARERS_PER_S: u64 = 1_500;
const VOLUNTEERS_PER_S: u64 = 300;
/// 20k cases for 10k clients at s.
const CASES_PER_CLIENT: u64 = 2;

/// Entities per block: large enough that a block is worth a thread, small enough that a
/// few blocks in memory (about 10 MB for a block of clients) keep memory flat.
const CLIENT_BLOCK: u64 = 5_000;
const TRAJECTORY_BLOCK: u64 = 300;
const CARER_BLOCK: u64 = 1_500;
const VOLUNTEER_BLOCK: u64 = 300;

fn scaled(per_s: u64, scale: Scale) -> u64 {
    per_s * scale.tenths_of_s() / 10
}

// ------------------------------------------------------------------------------ vocabularies

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Ia = 0,
    Ls = 1,
    It = 2,
}

const FORMS: [(Form, f64); 3] = [(Form::Ia, 55.0), (Form::Ls, 15.0), (Form::It, 30.0)];
const FORM_LABEL: [&str; 3] = [
    "Informatie en advies",
    "Leun- en steuncontact",
    "Individueel traject",
];
/// A few exports write the support form in lower case.
const FORM_LABEL_LOWER: [&str; 3] = [
    "informatie en advies",
    "leun- en steuncontact",
    "individueel traject",
];
/// The contract's aliases; a few exports use them.
const FORM_ALIASES: [&[&str]; 3] = [
    &["Informatie & Advies", "I&A"],
    &["Leun & Steun", "Leun- en steun", "L&S"],
    &["IT"],
];

const WERKSOORTEN: [&str; 6] = [
    "Maatschappelijk werk",
    "Sociaal raadsliedenwerk",
    "Onafhankelijke cliëntondersteuning",
    "Aardbevingsproblematiek",
    "Schoolmaatschappelijk werk",
    "Mantelzorgondersteuning",
];
/// Weights of the work kinds per support form (in `Form` order).
const WERKSOORT_WEIGHTS: [[f64; 6]; 3] = [
    [25.0, 45.0, 10.0, 10.0, 3.0, 7.0],
    [40.0, 15.0, 5.0, 20.0, 5.0, 15.0],
    [45.0, 15.0, 8.0, 10.0, 14.0, 8.0],
];

/// Team, weight, the villages it serves.
const TEAMS: [(&str, f64, &[&str]); 5] = [
    (
        "Bedum en Uithuizen",
        30.0,
        &["Bedum", "Uithuizen", "Onderdendam", "Zandeweer"],
    ),
    (
        "Winsum en Baflo",
        25.0,
        &["Winsum", "Baflo", "Sauwerd", "Adorp", "Eenrum"],
    ),
    (
        "Warffum en Usquert",
        15.0,
        &["Warffum", "Usquert", "Roodeschool"],
    ),
    (
        "Leens en Zoutkamp",
        15.0,
        &["Leens", "Zoutkamp", "Ulrum", "Kloosterburen"],
    ),
    (
        "Uithuizermeeden",
        15.0,
        &["Uithuizermeeden", "Oudeschip", "Oosternieland"],
    ),
];

/// The referrers of seed 002, weighted by its 2024 column.
const VERWIJZERS: [(&str, f64); 15] = [
    ("Gemeente: WMO", 25.0),
    ("Gemeente: OGGZ", 9.0),
    ("Gemeente: Jeugd", 14.0),
    ("Gemeente: Werkplein", 11.0),
    ("Huisarts/POH", 53.0),
    ("Zorgaanbieders", 17.0),
    ("Overige Ketenpartners", 33.0),
    ("Gemeente: Integrale toegang", 8.0),
    ("GKB / VKB", 2.0),
    ("Onderwijs", 55.0),
    ("Woningbouw", 15.0),
    ("VNN", 2.0),
    ("NCG / IMG", 7.0),
    ("Veilig Thuis", 9.0),
    ("Overig", 14.0),
];
/// Most exports leave the referrer empty.
const VERWIJZER_SHARE: f64 = 0.25;

const ZRM_DOMAINS: [&str; 13] = [
    "Financiën",
    "Werk en opleiding",
    "Tijdsbesteding",
    "Huisvesting",
    "Huiselijke relaties",
    "Geestelijke gezondheid",
    "Lichamelijke gezondheid",
    "Middelengebruik",
    "Basale ADL",
    "Instrumentele ADL",
    "Sociaal netwerk",
    "Maatschappelijke participatie",
    "Justitie",
];
const DOMAIN_WEIGHTS: [f64; 13] = [
    30.0, 6.0, 4.0, 12.0, 11.0, 25.0, 6.0, 3.0, 1.0, 3.0, 8.0, 4.0, 2.0,
];
const N_DOMAINS: [(usize, f64); 3] = [(1, 45.0), (2, 35.0), (3, 20.0)];
const ZRM_FIRST_SCORE: [(i32, f64); 5] = [(1, 15.0), (2, 35.0), (3, 35.0), (4, 12.0), (5, 3.0)];
const ZRM_STEP: [(i32, f64); 4] = [(-1, 10.0), (0, 50.0), (1, 35.0), (2, 5.0)];
/// Measurements per domain of an individual trajectory.
const ZRM_MEASUREMENTS_IT: [(usize, f64); 7] = [
    (1, 8.0),
    (2, 12.0),
    (3, 15.0),
    (4, 18.0),
    (5, 18.0),
    (6, 15.0),
    (7, 14.0),
];
/// The goal (Doel) agreed at intake lies this far above the first score.
const ZRM_GOAL_STEP: [(i32, f64); 3] = [(1, 55.0), (2, 35.0), (3, 10.0)];
/// `Type` is optional; empty means Meting.
const METING: [(&str, f64); 2] = [("Meting", 90.0), ("", 10.0)];

const AFSLUITREDEN: [(&str, f64); 7] = [
    ("Doel bereikt", 45.0),
    ("Doorverwezen naar andere hulpverlening", 15.0),
    ("Lang geen contact", 12.0),
    ("Cliënt ziet af van verdere hulp", 10.0),
    ("Verhuisd", 4.0),
    ("Overleden", 1.0),
    ("Overig", 13.0),
];
const AFSLUITREDEN_IA: [(&str, f64); 2] = [
    ("Vraag beantwoord", 80.0),
    ("Doorverwezen naar andere hulpverlening", 20.0),
];
const PARTNERS: [(&str, f64); 10] = [
    ("Gemeente", 20.0),
    ("Huisarts/POH", 18.0),
    ("GGZ-aanbieder", 12.0),
    ("Woningcorporatie", 10.0),
    ("GKB / VKB", 8.0),
    ("Onderwijs", 10.0),
    ("Zorgaanbieders", 8.0),
    ("Werkplein", 6.0),
    ("Veilig Thuis", 3.0),
    ("Overige ketenpartners", 5.0),
];

/// Kind of contact with its duration range in minutes (steps of 5).
const CONTACTS: [((&str, u32, u32), f64); 4] = [
    (("Face-to-face", 30, 90), 45.0),
    (("Telefonisch", 5, 30), 30.0),
    (("Digitaal", 5, 20), 15.0),
    (("Huisbezoek", 45, 120), 10.0),
];
/// Mean extra contacts of an IT case: 10 contacts per case overall.
const CONTACTS_IT_EXTRA: f64 = 28.5;
const CONTACTS_LS_EXTRA: f64 = 7.0;

const GESLACHT: [(&str, f64); 5] = [
    ("Vrouw", 57.0),
    ("Man", 40.0),
    ("Anders", 1.0),
    ("Onbekend", 1.0),
    ("", 1.0),
];
const AGE_BANDS: [((i32, i32), f64); 8] = [
    ((0, 17), 7.0),
    ((18, 24), 9.0),
    ((25, 34), 17.0),
    ((35, 44), 19.0),
    ((45, 54), 16.0),
    ((55, 64), 14.0),
    ((65, 74), 10.0),
    ((75, 94), 8.0),
];
/// Returning clients: cases beyond the first.
const EXTRA_CASES: [(u64, f64); 7] = [
    (0, 50.0),
    (1, 25.0),
    (2, 13.0),
    (3, 7.0),
    (4, 3.0),
    (5, 1.5),
    (6, 0.5),
];

const SURVEY_QUESTIONS: [&str; 5] = [
    "Ik ben tevreden over de ondersteuning",
    "De medewerker nam mij serieus",
    "Ik kon de medewerker goed bereiken",
    "Mijn situatie is verbeterd",
    "Ik zou de organisatie aanbevelen",
];
const SURVEY_SCORE_WEIGHTS: [f64; 10] = [1.0, 1.0, 2.0, 3.0, 6.0, 12.0, 25.0, 28.0, 15.0, 7.0];
/// Share of closed IT/LS cases whose client answers the survey.
const SURVEY_SHARE: f64 = 0.15;

struct Category {
    name: &'static str,
    weight: f64,
    /// Mean duration in days.
    duration: f64,
    /// Days between meetings.
    interval: Day,
    /// Mean head count of a meeting.
    heads: f64,
    groups: &'static [&'static str],
    /// Share of trajectories without an end (a weekly walk-in, a youth club).
    open_share: f64,
}

const CATEGORIES: [Category; 9] = [
    Category {
        name: "Jongerenwerk",
        weight: 18.0,
        duration: 150.0,
        interval: 7,
        heads: 18.0,
        groups: &["12-18", "12-18|18-27", "18-27"],
        open_share: 0.0,
    },
    Category {
        name: "Jeugdsozen",
        weight: 12.0,
        duration: 1500.0,
        interval: 7,
        heads: 14.0,
        groups: &["12-18", "12-18|18-27"],
        open_share: 0.4,
    },
    Category {
        name: "Weerbaarheid",
        weight: 16.0,
        duration: 70.0,
        interval: 7,
        heads: 11.0,
        groups: &["4-12", "12-18"],
        open_share: 0.0,
    },
    Category {
        name: "Meidenwerk",
        weight: 9.0,
        duration: 200.0,
        interval: 7,
        heads: 9.0,
        groups: &["12-18", "4-12|12-18"],
        open_share: 0.0,
    },
    Category {
        name: "Jongenswerk",
        weight: 4.0,
        duration: 150.0,
        interval: 14,
        heads: 8.0,
        groups: &["12-18"],
        open_share: 0.0,
    },
    Category {
        name: "Mantelzorgondersteuning",
        weight: 7.0,
        duration: 300.0,
        interval: 21,
        heads: 12.0,
        groups: &["27-55|55-75", "4-12|12-18", "55-75|75+"],
        open_share: 0.0,
    },
    Category {
        name: "Aardbevingsproblematiek",
        weight: 10.0,
        duration: 200.0,
        interval: 21,
        heads: 16.0,
        groups: &["Alle leeftijden"],
        open_share: 0.0,
    },
    Category {
        name: "Thuiskamer",
        weight: 12.0,
        duration: 1800.0,
        interval: 7,
        heads: 11.0,
        groups: &["55-75|75+", "Alle leeftijden", "27-55|55-75|75+"],
        open_share: 0.5,
    },
    Category {
        name: "Overig",
        weight: 12.0,
        duration: 60.0,
        interval: 7,
        heads: 9.0,
        groups: &["Alle leeftijden", "18-27|27-55", "4-12", "0-4|4-12"],
        open_share: 0.0,
    },
];

const PROJECTS: [(&str, f64); 8] = [
    ("Thuiskamer", 25.0),
    ("Formulierenhulp", 20.0),
    ("Maatjesproject", 15.0),
    ("Taalmaatje", 10.0),
    ("Jeugdsoos", 10.0),
    ("Vervoersdienst", 8.0),
    ("Klussendienst", 7.0),
    ("", 5.0),
];

fn choice<T: Copy>(pairs: &[(T, f64)]) -> Choice<T> {
    Choice::new(pairs.iter().copied())
}

fn indexed(weights: &[f64]) -> Choice<usize> {
    Choice::new(weights.iter().copied().enumerate())
}

/// Everything the blocks draw from, built once and shared by the worker threads.
struct Context {
    dates: DateText,
    until: Day,
    export: Day,
    registration_day: Choice<Day>,
    trajectory_day: Choice<Day>,
    carer_day: Choice<Day>,
    volunteer_day: Choice<Day>,
    villages: Vec<&'static str>,
    form: Choice<Form>,
    werksoort: [Choice<usize>; 3],
    team: Choice<usize>,
    verwijzer: Choice<&'static str>,
    domain: Choice<usize>,
    n_domains: Choice<usize>,
    zrm_first_score: Choice<i32>,
    zrm_step: Choice<i32>,
    zrm_measurements_it: Choice<usize>,
    zrm_goal_step: Choice<i32>,
    meting: Choice<&'static str>,
    afsluitreden: Choice<&'static str>,
    afsluitreden_ia: Choice<&'static str>,
    partner: Choice<&'static str>,
    contact: Choice<(&'static str, u32, u32)>,
    geslacht: Choice<&'static str>,
    age_band: Choice<(i32, i32)>,
    extra_cases: Choice<u64>,
    survey_score: Choice<usize>,
    category: Choice<usize>,
    project: Choice<&'static str>,
}

impl Context {
    fn new(until: NaiveDate, export: NaiveDate) -> Self {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        // Births reach back 95 years before `until`; nothing printed lies after the export day.
        let dates = DateText::new(ymd(until.year() - 100, 1, 1), export);
        let first = calendar::first_registration();
        Self {
            dates,
            until: calendar::day(until),
            export: calendar::day(export),
            registration_day: calendar::day_choice(first, until, 0.15),
            trajectory_day: calendar::day_choice(first, until, 0.5),
            carer_day: calendar::day_choice(ymd(2012, 1, 1), until, 0.3),
            volunteer_day: calendar::day_choice(ymd(2014, 1, 1), until, 0.3),
            villages: TEAMS.iter().flat_map(|t| t.2.iter().copied()).collect(),
            form: choice(&FORMS),
            werksoort: WERKSOORT_WEIGHTS.map(|w| indexed(&w)),
            team: indexed(&TEAMS.map(|t| t.1)),
            verwijzer: choice(&VERWIJZERS),
            domain: indexed(&DOMAIN_WEIGHTS),
            n_domains: choice(&N_DOMAINS),
            zrm_first_score: choice(&ZRM_FIRST_SCORE),
            zrm_step: choice(&ZRM_STEP),
            zrm_measurements_it: choice(&ZRM_MEASUREMENTS_IT),
            zrm_goal_step: choice(&ZRM_GOAL_STEP),
            meting: choice(&METING),
            afsluitreden: choice(&AFSLUITREDEN),
            afsluitreden_ia: choice(&AFSLUITREDEN_IA),
            partner: choice(&PARTNERS),
            contact: choice(&CONTACTS),
            geslacht: choice(&GESLACHT),
            age_band: choice(&AGE_BANDS),
            extra_cases: choice(&EXTRA_CASES),
            survey_score: indexed(&SURVEY_SCORE_WEIGHTS),
            category: indexed(&CATEGORIES.map(|c| c.weight)),
            project: choice(&PROJECTS),
        }
    }

    fn date(&self, day: Day) -> &[u8] {
        self.dates.get(day)
    }
}

// ------------------------------------------------------------------------------ rows

/// Appending the fields of a CSV line to a block's buffer without `format!` per row.
trait Line {
    fn s(&mut self, text: &str) -> &mut Self;
    fn b(&mut self, bytes: &[u8]) -> &mut Self;
    fn sep(&mut self) -> &mut Self;
    fn n(&mut self, n: u64) -> &mut Self;
    /// An id such as `C00000042`: a letter and a zero-padded number.
    fn id(&mut self, prefix: u8, n: u64, width: usize) -> &mut Self;
    fn end(&mut self);
}

impl Line for Vec<u8> {
    #[inline]
    fn s(&mut self, text: &str) -> &mut Self {
        self.extend_from_slice(text.as_bytes());
        self
    }
    #[inline]
    fn b(&mut self, bytes: &[u8]) -> &mut Self {
        self.extend_from_slice(bytes);
        self
    }
    #[inline]
    fn sep(&mut self) -> &mut Self {
        self.push(b';');
        self
    }
    #[inline]
    fn n(&mut self, n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.extend_from_slice(&digits[i..]);
        self
    }
    #[inline]
    fn id(&mut self, prefix: u8, n: u64, width: usize) -> &mut Self {
        self.push(prefix);
        let digits = if n == 0 { 1 } else { n.ilog10() as usize + 1 };
        self.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits)));
        self.n(n)
    }
    #[inline]
    fn end(&mut self) {
        self.push(b'\n');
    }
}

/// The rows one block made, per table.
struct Block {
    text: [Vec<u8>; 9],
    rows: [u64; 9],
}

impl Block {
    fn new() -> Self {
        Self {
            text: Default::default(),
            rows: [0; 9],
        }
    }

    /// The buffer of `table`, counting one more row in it.
    #[inline]
    fn row(&mut self, table: usize) -> &mut Vec<u8> {
        self.rows[table] += 1;
        &mut self.text[table]
    }
}

/// `n` sorted days, uniform in [first, last], into `days`.
fn spread(draw: &mut Draw, first: Day, last: Day, n: usize, days: &mut Vec<Day>) {
    let span = f64::from(last - first + 1);
    days.clear();
    days.extend((0..n).map(|_| first + (draw.unit() * span) as Day));
    days.sort_unstable();
}

/// Cases per client: 1 plus a skewed number of returns, adjusted to exactly
/// `CASES_PER_CLIENT` per client on average, so case counts are exact per scale.
fn case_counts(draw: &mut Draw, cx: &Context, n_clients: usize) -> Vec<u64> {
    let mut counts: Vec<u64> = (0..n_clients)
        .map(|_| 1 + cx.extra_cases.pick(draw))
        .collect();
    let target = CASES_PER_CLIENT * n_clients as u64;
    let mut total: u64 = counts.iter().sum();
    while total < target {
        counts[draw.below(n_clients)] += 1;
        total += 1;
    }
    while total > target {
        let i = draw.below(n_clients);
        if counts[i] > 1 {
            counts[i] -= 1;
            total -= 1;
        }
    }
    counts
}

fn gen_cases(out: &mut Block, draw: &mut Draw, cx: &Context, first_client: u64, n_clients: u64) {
    let export = cx.export;
    let mut case_no = first_client * CASES_PER_CLIENT;
    // Scratch buffers, reused for every case.
    let mut registrations: Vec<Day> = Vec::new();
    let mut days: Vec<Day> = Vec::new();
    let mut domains: Vec<usize> = Vec::with_capacity(3);
    let mut measured: Vec<(usize, usize)> = Vec::with_capacity(4);
    let mut seen: Vec<usize> = Vec::with_capacity(4);

    for (i, n_cases) in case_counts(draw, cx, n_clients as usize)
        .into_iter()
        .enumerate()
    {
        let client = first_client + i as u64 + 1;
        let (lo, hi) = cx.age_band.pick(draw);
        let age_days = (f64::from(lo) + draw.unit() * f64::from(hi - lo + 1)) * 365.25;
        let birth = cx.until - age_days as Day;
        let u = draw.unit();
        let line = out.row(CLIENTEN);
        line.id(b'K', client, 7).sep();
        if u < 0.92 {
            line.b(cx.date(birth));
        } else if u < 0.97 {
            line.b(cx.dates.year(birth)); // some exports hold only the year of birth
        }
        line.sep().s(cx.geslacht.pick(draw)).end();

        let (team, _, villages) = TEAMS[cx.team.pick(draw)];
        let village = villages[draw.below(villages.len())];
        // A returning client tends to come back with the same question.
        let own_domain = cx.domain.pick(draw);

        registrations.clear();
        registrations.extend((0..n_cases).map(|_| cx.registration_day.pick(draw)));
        registrations.sort_unstable();
        for &registered in &registrations {
            case_no += 1;
            let form = cx.form.pick(draw);
            let f = form as usize;
            let u = draw.unit();
            let label = if u < 0.97 {
                FORM_LABEL[f]
            } else if u < 0.98 {
                FORM_LABEL_LOWER[f]
            } else {
                FORM_ALIASES[f][draw.below(FORM_ALIASES[f].len())]
            };

            let (start, end) = match form {
                Form::Ia => {
                    let start = registered
                        + if draw.chance(0.85) {
                            0
                        } else {
                            1 + draw.below(5) as Day
                        };
                    let end = start
                        + if draw.chance(0.6) {
                            0
                        } else {
                            1 + draw.below(14) as Day
                        };
                    (start, end)
                }
                Form::Ls => {
                    let start = registered + draw.exponential(7.0) as Day;
                    (start, start + draw.gamma(1.5, 80.0) as Day)
                }
                Form::It => {
                    let start = registered + draw.exponential(25.0) as Day;
                    (start, start + 7 + draw.gamma(2.0, 90.0) as Day)
                }
            };
            let started = start <= export;
            let closed = started && end <= export;

            domains.clear();
            domains.push(if draw.chance(0.55) {
                own_domain
            } else {
                cx.domain.pick(draw)
            });
            for _ in 1..cx.n_domains.pick(draw) {
                let d = cx.domain.pick(draw);
                if !domains.contains(&d) {
                    domains.push(d);
                }
            }

            let mut reason = "";
            let mut partners: [&str; 2] = ["", ""];
            if closed {
                if form == Form::Ia {
                    if draw.chance(0.7) {
                        reason = cx.afsluitreden_ia.pick(draw);
                    }
                } else {
                    if draw.chance(0.9) {
                        reason = cx.afsluitreden.pick(draw);
                    }
                    if draw.chance(0.45) {
                        let two = draw.chance(0.35);
                        partners[0] = cx.partner.pick(draw);
                        if two {
                            // A set, sorted: two draws of the same partner give one.
                            let other = cx.partner.pick(draw);
                            if other != partners[0] {
                                partners[1] = other;
                                partners.sort_unstable();
                            }
                        }
                    }
                }
            }
            let referrer = if draw.chance(VERWIJZER_SHARE) {
                cx.verwijzer.pick(draw)
            } else {
                ""
            };
            let werksoort = WERKSOORTEN[cx.werksoort[f].pick(draw)];

            let line = out.row(CASUSSEN);
            line.id(b'C', case_no, 8).sep().id(b'K', client, 7).sep();
            line.s(label)
                .sep()
                .s(werksoort)
                .sep()
                .s(team)
                .sep()
                .s(village)
                .sep();
            line.b(cx.date(registered)).sep();
            if started {
                line.b(cx.date(start));
            }
            line.sep();
            if closed {
                line.b(cx.date(end));
            }
            line.sep().s(referrer).sep();
            for (k, &d) in domains.iter().enumerate() {
                if k > 0 {
                    line.push(b'|');
                }
                line.s(ZRM_DOMAINS[d]);
            }
            line.sep().s(reason).sep();
            for (k, p) in partners.iter().filter(|p| !p.is_empty()).enumerate() {
                if k > 0 {
                    line.push(b'|');
                }
                line.s(p);
            }
            line.end();
            if !started {
                continue;
            }

            // Contacts, spread over the (planned) case; those after the export day are not there yet.
            let k = match form {
                Form::Ia => 1 + usize::from(draw.chance(0.35)) + usize::from(draw.chance(0.1)),
                Form::Ls => 1 + draw.exponential(CONTACTS_LS_EXTRA) as usize,
                Form::It => 1 + draw.gamma(2.0, CONTACTS_IT_EXTRA / 2.0) as usize,
            };
            spread(draw, start, end, k, &mut days);
            for &day in &days {
                if day > export {
                    break;
                }
                let (soort, lo, hi) = cx.contact.pick(draw);
                let line = out.row(CONTACTMOMENTEN);
                line.id(b'C', case_no, 8)
                    .sep()
                    .b(cx.date(day))
                    .sep()
                    .s(soort)
                    .sep();
                if draw.chance(0.95) {
                    let steps = (hi - lo) / 5 + 1;
                    line.n(u64::from(lo + 5 * draw.below(steps as usize) as u32));
                }
                line.end();
            }

            // ZRM: IT cases on their main domains (and sometimes one more), LS on some, IA rarely.
            measured.clear();
            match form {
                Form::It => {
                    measured.extend(
                        domains
                            .iter()
                            .map(|&d| (d, cx.zrm_measurements_it.pick(draw))),
                    );
                    if draw.chance(0.3) {
                        measured.push((cx.domain.pick(draw), cx.zrm_measurements_it.pick(draw)));
                    }
                }
                Form::Ls => {
                    for &d in &domains {
                        if draw.chance(0.5) {
                            measured.push((d, 1 + draw.below(3)));
                        }
                    }
                }
                Form::Ia => {
                    if draw.chance(0.1) {
                        measured.push((domains[0], 1));
                    }
                }
            }
            seen.clear();
            for &(domain, k) in &measured {
                if seen.contains(&domain) {
                    continue;
                }
                seen.push(domain);
                let mut score = cx.zrm_first_score.pick(draw);
                spread(draw, start, start.max(end - 3), k, &mut days);
                let goal = form == Form::It
                    && domains.contains(&domain)
                    && draw.chance(0.8)
                    && days[0] <= export;
                if goal {
                    let target = (score + cx.zrm_goal_step.pick(draw)).min(5);
                    let line = out.row(ZRM_METINGEN);
                    line.id(b'C', case_no, 8)
                        .sep()
                        .b(cx.date(days[0]))
                        .sep()
                        .s(ZRM_DOMAINS[domain])
                        .sep();
                    line.n(target as u64).s(";Doel").end();
                }
                for &day in &days {
                    if day > export {
                        break;
                    }
                    let line = out.row(ZRM_METINGEN);
                    line.id(b'C', case_no, 8)
                        .sep()
                        .b(cx.date(day))
                        .sep()
                        .s(ZRM_DOMAINS[domain])
                        .sep();
                    line.n(score as u64).sep().s(cx.meting.pick(draw)).end();
                    score = (score + cx.zrm_step.pick(draw)).clamp(1, 5);
                }
            }

            // The client survey, answered some days after closing.
            if closed && form != Form::Ia && draw.chance(SURVEY_SHARE) {
                let day = end + draw.below(21) as Day;
                if day <= export {
                    // Three to five of the questions, in random order (a partial shuffle).
                    let mut order = [0, 1, 2, 3, 4];
                    let asked = 3 + draw.below(3);
                    for q in 0..asked {
                        let pick = q + draw.below(order.len() - q);
                        order.swap(q, pick);
                        let line = out.row(TEVREDENHEID);
                        line.id(b'C', case_no, 8).sep().b(cx.date(day)).sep();
                        line.s(SURVEY_QUESTIONS[order[q]]).sep();
                        line.n(1 + cx.survey_score.pick(draw) as u64).end();
                    }
                }
            }
        }
    }
}

fn gen_collective(out: &mut Block, draw: &mut Draw, cx: &Context, first: u64, count: u64) {
    let export = cx.export;
    for i in 0..count {
        let number = first + i + 1;
        let category = &CATEGORIES[cx.category.pick(draw)];
        let start = cx.trajectory_day.pick(draw);
        let open_ended = draw.chance(category.open_share);
        let end = if open_ended {
            export + 1
        } else {
            start + 7 + draw.gamma(2.0, category.duration / 2.0) as Day
        };
        let closed = end <= export;
        let village = cx.villages[draw.below(cx.villages.len())];
        let group = category.groups[draw.below(category.groups.len())];
        // "Kracht van de groep", 1 to 5, not always scored.
        let kracht = if draw.chance(0.75) {
            Some(cx.zrm_first_score.pick(draw))
        } else {
            None
        };
        let kracht_end = match kracht {
            Some(k) if closed && draw.chance(0.85) => {
                Some((k + cx.zrm_step.pick(draw)).clamp(1, 5))
            }
            _ => None,
        };

        let line = out.row(TRAJECTEN);
        line.id(b'T', number, 6).sep();
        line.s(category.name)
            .s(" ")
            .s(village)
            .s(" ")
            .b(cx.dates.year(start))
            .sep();
        line.s(category.name)
            .sep()
            .s(group)
            .sep()
            .b(cx.date(start))
            .sep();
        if closed {
            line.b(cx.date(end));
        }
        line.sep();
        if let Some(k) = kracht {
            line.n(k as u64);
        }
        line.sep();
        if let Some(k) = kracht_end {
            line.n(k as u64);
        }
        line.end();

        let last = end.min(export);
        let mut day = start;
        while day <= last {
            if draw.chance(0.9) {
                // Holidays and cancelled evenings leave gaps.
                let heads = draw.gauss(category.heads, category.heads * 0.35).max(0.0) as u64;
                let line = out.row(BIJEENKOMSTEN);
                line.id(b'T', number, 6)
                    .sep()
                    .b(cx.date(day))
                    .sep()
                    .n(heads)
                    .end();
            }
            day += category.interval;
        }
    }
}

fn gen_carers(out: &mut Block, draw: &mut Draw, cx: &Context, first: u64, count: u64) {
    for i in 0..count {
        let registered = cx.carer_day.pick(draw);
        let left = if draw.chance(0.3) {
            registered + 30 + draw.gamma(2.0, 700.0) as Day
        } else {
            cx.export + 1
        };
        let young = if draw.chance(0.09) { "Ja" } else { "Nee" };
        let line = out.row(MANTELZORGERS);
        line.id(b'R', first + i + 1, 7)
            .sep()
            .b(cx.date(registered))
            .sep();
        if left <= cx.export {
            line.b(cx.date(left));
        }
        line.sep().s(young).end();
    }
}

fn gen_volunteers(out: &mut Block, draw: &mut Draw, cx: &Context, first: u64, count: u64) {
    // Some volunteers have two engagements: draw people from 80 % as many ids, skewed.
    let people = ((count as f64 * 0.8) as u64).max(1);
    for _ in 0..count {
        let person = first + 1 + (people as f64 * draw.unit().powf(1.3)) as u64;
        let start = cx.volunteer_day.pick(draw);
        let end = if draw.chance(0.45) {
            start + 30 + draw.gamma(1.5, 600.0) as Day
        } else {
            cx.export + 1
        };
        let line = out.row(VRIJWILLIGERS);
        line.id(b'V', person, 7).sep().b(cx.date(start)).sep();
        if end <= cx.export {
            line.b(cx.date(end));
        }
        line.sep().s(cx.project.pick(draw)).end();
    }
}

// ------------------------------------------------------------------------------ blocks

#[derive(Debug, Clone, Copy)]
struct Task {
    kind: Kind,
    /// Index of the block within its kind: part of the seed of its stream.
    block: u64,
    first: u64,
    count: u64,
}

fn tasks(kind: Kind, total: u64, size: u64, out: &mut Vec<Task>) {
    let mut first = 0;
    while first < total {
        let block = first / size;
        out.push(Task {
            kind,
            block,
            first,
            count: size.min(total - first),
        });
        first += size;
    }
}

fn run(task: &Task, seed: u64, cx: &Context) -> Block {
    let mut draw = Draw::stream(seed, task.kind, task.block);
    let mut out = Block::new();
    let generate = match task.kind {
        Kind::Cases => gen_cases,
        Kind::Collective => gen_collective,
        Kind::Carers => gen_carers,
        Kind::Volunteers => gen_volunteers,
        Kind::Budget => unreachable!("the budget workbook is not a block of the export"),
    };
    generate(&mut out, &mut draw, cx, task.first, task.count);
    out
}

/// One table being written: to a temporary name, renamed when complete, so that an
/// interrupted run never leaves a table that looks whole.
struct Sink {
    partial: PathBuf,
    path: PathBuf,
    file: BufWriter<File>,
    rows: u64,
}

fn append(sinks: &mut [Sink], blocks: &mut Vec<Block>) -> Result<(), DemoError> {
    for block in blocks.drain(..) {
        for (sink, (text, rows)) in sinks.iter_mut().zip(block.text.iter().zip(block.rows)) {
            sink.file.write_all(text).map_err(io_error(&sink.partial))?;
            sink.rows += rows;
        }
    }
    Ok(())
}

/// Writes every table into `out`; returns (file name, rows) per table.
pub(super) fn write_tables(
    out: &Path,
    opts: &DemoOptions,
    export: NaiveDate,
) -> Result<Vec<(String, u64)>, DemoError> {
    let cx = Context::new(opts.until, export);
    let mut todo = Vec::new();
    tasks(
        Kind::Cases,
        scaled(CLIENTS_PER_S, opts.scale),
        CLIENT_BLOCK,
        &mut todo,
    );
    tasks(
        Kind::Collective,
        scaled(TRAJECTORIES_PER_S, opts.scale),
        TRAJECTORY_BLOCK,
        &mut todo,
    );
    tasks(
        Kind::Carers,
        scaled(CARERS_PER_S, opts.scale),
        CARER_BLOCK,
        &mut todo,
    );
    tasks(
        Kind::Volunteers,
        scaled(VOLUNTEERS_PER_S, opts.scale),
        VOLUNTEER_BLOCK,
        &mut todo,
    );

    let mut sinks = Vec::with_capacity(TABLES.len());
    for (table, header) in TABLES.iter().zip(HEADERS) {
        let path = out.join(format!("{table}.csv"));
        let partial = out.join(format!(".{table}.csv.partial"));
        let file = File::create(&partial).map_err(io_error(&partial))?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        writeln!(file, "{header}").map_err(io_error(&partial))?;
        sinks.push(Sink {
            partial,
            path,
            file,
            rows: 0,
        });
    }

    // A chunk of blocks is generated on as many threads as there are cores while the main
    // thread appends the previous chunk: at most two chunks are in memory at once.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut ready: Vec<Block> = Vec::new();
    for chunk in todo.chunks(threads) {
        let cx = &cx;
        ready = std::thread::scope(|scope| {
            let workers: Vec<_> = chunk
                .iter()
                .map(|task| scope.spawn(move || run(task, opts.seed, cx)))
                .collect();
            let appended = append(&mut sinks, &mut ready);
            let done: Vec<Block> = workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            appended.map(|()| done)
        })?;
    }
    append(&mut sinks, &mut ready)?;

    let mut files = Vec::with_capacity(sinks.len());
    for sink in sinks {
        let file = sink
            .file
            .into_inner()
            .map_err(|e| io_error(&sink.partial)(e.into_error()))?;
        drop(file);
        fs::rename(&sink.partial, &sink.path).map_err(io_error(&sink.path))?;
        let name = sink
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, sink.rows));
    }
    Ok(files)
}
