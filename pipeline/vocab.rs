//! The contract's vocabulary (contracts/regas-export.md, contracts/figures.md): the tables
//! of the export, the support forms, the age bands, genders and ZRM domains, and the
//! breakdown values the figures use, each with its Dutch name. Every stage may use it; it
//! uses nothing of theirs.

/// The export's tables as the contract names them, with whether a delivery must have it.
pub const TABLES: [(&str, bool); 9] = [
    ("casussen", true),
    ("clienten", true),
    ("contactmomenten", true),
    ("zrm_metingen", false),
    ("tevredenheid", false),
    ("collectieve_trajecten", false),
    ("bijeenkomsten", false),
    ("mantelzorgers", false),
    ("vrijwilligers", false),
];

/// A support form (`Ondersteuningsvorm`), by its contract code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// Informatie en advies.
    Ia,
    /// Leun- en steuncontact.
    Ls,
    /// Individueel traject.
    It,
}

impl Form {
    /// In the order the figures list them.
    pub const ALL: [Form; 3] = [Form::Ia, Form::Ls, Form::It];
    /// The forms whose duration, contacts, werksoort and reason are counted.
    pub const GUIDED: [Form; 2] = [Form::It, Form::Ls];

    pub const fn code(self) -> &'static str {
        match self {
            Form::Ia => "IA",
            Form::Ls => "LS",
            Form::It => "IT",
        }
    }

    pub fn from_code(code: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The plural a table row uses, as the seeds write it.
    pub fn name(self) -> &'static str {
        match self {
            Form::Ia => "Informatie en advies",
            Form::Ls => "Leun- en steuncontacten",
            Form::It => "Individuele trajecten",
        }
    }

    /// As a sentence names cases of this form.
    pub fn in_words(self) -> &'static str {
        match self {
            Form::Ia => "informatie- en adviesvragen",
            Form::Ls => "leun- en steuncontacten",
            Form::It => "individuele trajecten",
        }
    }

    /// How exports spell the form; matched ignoring case.
    pub const SPELLINGS: &'static [(&'static str, &'static str)] = &[
        ("Informatie en advies", "IA"),
        ("Informatie & Advies", "IA"),
        ("I&A", "IA"),
        ("IA", "IA"),
        ("Leun- en steuncontact", "LS"),
        ("Leun & Steun", "LS"),
        ("Leun- en steun", "LS"),
        ("L&S", "LS"),
        ("LS", "LS"),
        ("Individueel traject", "IT"),
        ("IT", "IT"),
    ];
}

pub const AGE_BANDS: [&str; 9] = [
    "0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Onbekend",
];

pub const GENDERS: [&str; 4] = ["Man", "Vrouw", "Anders", "Onbekend"];

/// What a missing breakdown value is counted as.
pub const UNKNOWN: &str = "Onbekend";

pub const ZRM_DOMAINS: [&str; 13] = [
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

/// The rows of `ind_recidive`: recidive = gelijke vraag + alleen nieuwe vragen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recidive {
    Opgestart,
    Recidive,
    MeerdereVoorgaande,
    GelijkeVraag,
    AlleenNieuweVragen,
}

impl Recidive {
    pub const ALL: [Recidive; 5] = [
        Recidive::Opgestart,
        Recidive::Recidive,
        Recidive::MeerdereVoorgaande,
        Recidive::AlleenNieuweVragen,
        Recidive::GelijkeVraag,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Recidive::Opgestart => "opgestart",
            Recidive::Recidive => "recidive",
            Recidive::MeerdereVoorgaande => "meerdere_voorgaande",
            Recidive::GelijkeVraag => "gelijke_vraag",
            Recidive::AlleenNieuweVragen => "alleen_nieuwe_vragen",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Recidive::Opgestart => "Individuele trajecten opgestart",
            Recidive::Recidive => "Recidive casussen",
            Recidive::MeerdereVoorgaande => "waarvan met meerdere voorgaande casussen",
            Recidive::AlleenNieuweVragen => "recidive met alleen nieuwe vragen",
            Recidive::GelijkeVraag => "recidive met een gelijke vraag",
        }
    }
}

/// The rows of `inf_mantelzorgers`.
pub const CARERS_ALL: &str = "totaal";
pub const CARERS_YOUNG: &str = "jong";

/// The collective category whose trajectories are thuiskamers (matched ignoring case).
pub const THUISKAMER: &str = "thuiskamer";

/// How a report names a breakdown value of `dimension` (`vorm` codes become names; other
/// values are written as the export spells them).
pub fn category_name(dimension: &str, category: &str) -> String {
    match dimension {
        "vorm" => Form::from_code(category).map_or(category.to_string(), |f| f.name().into()),
        "soort" => Recidive::ALL
            .into_iter()
            .find(|r| r.code() == category)
            .map(|r| r.name().to_string())
            .unwrap_or_else(|| match category {
                CARERS_ALL => "totaal".into(),
                CARERS_YOUNG => "jonge mantelzorgers".into(),
                other => other.to_string(),
            }),
        "vorm+domein" => match category.split_once('+') {
            Some((form, domain)) => format!("{}, {domain}", category_name("vorm", form)),
            None => category.to_string(),
        },
        // A two-part breakdown (`domein+thema`) names both parts; a value itself may hold a
        // `+` (`75+`).
        d if d.contains('+') => category.replace('+', ", "),
        _ => category.to_string(),
    }
}
