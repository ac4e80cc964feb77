//! How the figures tie together, declared once: each breakdown adds up to its total, and
//! tables add up to figures shown in other tables (werksoorten to the IT and LS cases in
//! behandeling, the quarters to the year so far, recidive = gelijke vraag + alleen nieuwe
//! vragen, …). Disclosure (the `disclose` stage) protects small counts across all of them,
//! because a reader who knows them can add and subtract across every table of a document.

use super::indicator::Indicator::{self, *};
use super::store::{FigureKey, Figures};
use crate::vocab::{CARERS_ALL, CARERS_YOUNG, Form, Recidive as R, THUISKAMER};

/// `Σ parts = Σ whole`, or `Σ parts ≤ Σ whole` when not `exact` (the difference is a
/// count no document shows, such as the clients' cases beyond their first).
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// What the relation says, for error messages.
    pub name: String,
    pub parts: Vec<FigureKey>,
    pub whole: Vec<FigureKey>,
    pub exact: bool,
}

impl Relation {
    pub fn keys(&self) -> impl Iterator<Item = &FigureKey> {
        self.parts.iter().chain(self.whole.iter())
    }

    /// Whether the relation holds for `figures` (a relation over a figure that was not
    /// computed does not hold).
    pub fn holds(&self, figures: &Figures) -> bool {
        let sum = |keys: &[FigureKey]| -> Option<i64> {
            keys.iter().map(|k| figures.count_of(k).ok()).sum()
        };
        match (sum(&self.parts), sum(&self.whole)) {
            (Some(p), Some(w)) if self.exact => p == w,
            (Some(p), Some(w)) => p <= w,
            _ => false,
        }
    }
}

/// A year-to-date period and the single quarters it is made of.
#[derive(Debug, Clone)]
pub struct Span {
    pub label: String,
    pub quarters: Vec<String>,
}

impl Span {
    /// The periods a quarter's monitor shows: last year up to the same quarter, then this
    /// year so far.
    pub fn of(quarter: crate::quarter::Quarter) -> Vec<Span> {
        [quarter.year_before(), quarter]
            .into_iter()
            .map(|q| Span {
                label: q.year_to_date().label,
                quarters: q
                    .quarters_of_year_so_far()
                    .iter()
                    .map(|q| q.to_string())
                    .collect(),
            })
            .collect()
    }
}

fn key(indicator: Indicator, category: &str, period: &str) -> FigureKey {
    FigureKey::new(indicator, category, period)
}

fn total(indicator: Indicator, period: &str) -> FigureKey {
    FigureKey::total(indicator, period)
}

fn forms(indicator: Indicator, period: &str) -> Vec<FigureKey> {
    Form::ALL
        .iter()
        .map(|f| key(indicator, f.code(), period))
        .collect()
}

struct Builder<'a> {
    figures: &'a Figures,
    out: Vec<Relation>,
    /// The wholes of breakdowns that list no row ([`relations_and_nothing`]).
    nothing: Vec<FigureKey>,
}

impl Builder<'_> {
    /// Adds a relation when every figure it names was computed (a table that was not
    /// delivered has no figures, and then nothing to relate).
    fn add(&mut self, name: String, parts: Vec<FigureKey>, whole: Vec<FigureKey>, exact: bool) {
        if parts.is_empty() || whole.is_empty() {
            return;
        }
        if parts
            .iter()
            .chain(&whole)
            .all(|k| self.figures.get(k).is_some())
        {
            self.out.push(Relation {
                name,
                parts,
                whole,
                exact,
            });
        }
    }

    /// The categories of a breakdown.
    fn cells(&self, indicator: Indicator, period: &str) -> Vec<FigureKey> {
        self.figures
            .categories(indicator, period)
            .into_iter()
            .map(|f| f.key.clone())
            .collect()
    }

    /// Every category of `indicator` adds up to `whole`.
    fn breakdown(&mut self, indicator: Indicator, period: &str, whole: Vec<FigureKey>) {
        let name = format!(
            "{} ({period}) adds up to {}",
            indicator.code(),
            whole
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        );
        let parts = self.cells(indicator, period);
        // A table that lists no row for the period tells its reader that the whole counts
        // nothing there. Where the whole does count something, the breakdown was not
        // delivered and says nothing.
        if parts.is_empty()
            && whole
                .iter()
                .all(|k| self.figures.count_of(k).ok() == Some(0))
        {
            self.nothing.extend(whole.iter().cloned());
        }
        self.add(name, parts, whole, true);
    }

    /// Each category of `indicator` is at most `whole`.
    fn each_at_most(&mut self, indicator: Indicator, period: &str, whole: &FigureKey) {
        for part in self.cells(indicator, period) {
            let name = format!("{part} is at most {whole}");
            self.add(name, vec![part], vec![whole.clone()], false);
        }
    }

    fn at_most(&mut self, part: FigureKey, whole: FigureKey) {
        let name = format!("{part} is at most {whole}");
        self.add(name, vec![part], vec![whole], false);
    }

    fn equal(&mut self, parts: Vec<FigureKey>, whole: FigureKey) {
        let name = format!(
            "{} equals {whole}",
            parts
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        );
        self.add(name, parts, vec![whole], true);
    }
}

/// Every relation among `figures` for the year-to-date periods in `spans`.
pub fn relations(figures: &Figures, spans: &[Span]) -> Vec<Relation> {
    build(figures, spans).out
}

/// [`relations`], and the counts a breakdown that lists no row in a period says are 0:
/// its whole (the IT and LS cases in behandeling where no werksoort is listed), from one
/// pass over the declarations. The latter are not a relation the audit holds a document
/// to, because the document may not show that table; disclosure never withholds such a
/// count to protect another (a reader who sees the empty table knows it).
pub fn relations_and_nothing(figures: &Figures, spans: &[Span]) -> (Vec<Relation>, Vec<FigureKey>) {
    let Builder {
        out, mut nothing, ..
    } = build(figures, spans);
    nothing.sort();
    nothing.dedup();
    (out, nothing)
}

/// The single quarters `quarters` adding up to the year so far `whole`, per form and in
/// all: what a memo of another quarter, whose year so far `whole` was, says beside this
/// run's quarters.
pub fn quarters_add_up(quarters: &[String], whole: &str) -> Vec<Relation> {
    Form::ALL
        .iter()
        .map(|f| f.code())
        .chain([""])
        .map(|category| {
            let parts: Vec<FigureKey> = quarters
                .iter()
                .map(|q| key(OpgestartKwartaal, category, q))
                .collect();
            let whole = key(Opgestart, category, whole);
            Relation {
                name: format!(
                    "{} equals {whole}",
                    parts
                        .iter()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
                parts,
                whole: vec![whole],
                exact: true,
            }
        })
        .collect()
}

fn build<'a>(figures: &'a Figures, spans: &[Span]) -> Builder<'a> {
    let mut b = Builder {
        figures,
        out: Vec::new(),
        nothing: Vec::new(),
    };
    for span in spans {
        let p = span.label.as_str();
        for indicator in [InBehandeling, Opgestart, Afgesloten] {
            b.equal(forms(indicator, p), total(indicator, p));
        }
        for q in &span.quarters {
            b.equal(forms(OpgestartKwartaal, q), total(OpgestartKwartaal, q));
        }
        // The quarters add up to the year so far, per form and in all.
        for category in Form::ALL.iter().map(|f| f.code()).chain([""]) {
            let quarters = span
                .quarters
                .iter()
                .map(|q| key(OpgestartKwartaal, category, q))
                .collect();
            b.equal(quarters, key(Opgestart, category, p));
        }
        b.breakdown(Leeftijd, p, vec![total(Clienten, p)]);
        b.breakdown(Geslacht, p, vec![total(Clienten, p)]);
        b.at_most(total(Clienten, p), total(InBehandeling, p));
        // A case opgestart in the period is in behandeling in it (its Einddatum is not
        // before its Startdatum). Not so for afgesloten: a case can close while waiting.
        for category in Form::ALL.iter().map(|f| f.code()).chain([""]) {
            b.at_most(key(Opgestart, category, p), key(InBehandeling, category, p));
        }
        b.breakdown(
            Werksoort,
            p,
            Form::GUIDED
                .iter()
                .map(|f| key(InBehandeling, f.code(), p))
                .collect(),
        );
        b.breakdown(Team, p, vec![total(InBehandeling, p)]);
        b.breakdown(Woonplaats, p, vec![total(InBehandeling, p)]);
        for f in Form::ALL {
            let whole = key(InBehandeling, f.code(), p);
            for part in b.cells(ZrmHoofddomein, p) {
                if part.category.split_once('+').map(|(v, _)| v) == Some(f.code()) {
                    b.at_most(part, whole.clone());
                }
            }
        }
        b.breakdown(Verwijzer, p, vec![total(Verwijzer, p)]);
        b.at_most(total(Verwijzer, p), total(Opgestart, p));
        b.each_at_most(Samenwerking, p, &total(Afgesloten, p));
        let reasons = b.cells(Afsluitreden, p);
        b.add(
            format!(
                "{} ({p}) is at most the IT and LS cases afgesloten",
                Afsluitreden.code()
            ),
            reasons,
            Form::GUIDED
                .iter()
                .map(|f| key(Afgesloten, f.code(), p))
                .collect(),
            false,
        );
        let soort = |r: R| key(Recidive, r.code(), p);
        b.equal(
            vec![soort(R::Opgestart)],
            key(Opgestart, Form::It.code(), p),
        );
        b.equal(
            vec![soort(R::GelijkeVraag), soort(R::AlleenNieuweVragen)],
            soort(R::Recidive),
        );
        b.at_most(soort(R::MeerdereVoorgaande), soort(R::Recidive));
        b.at_most(soort(R::Recidive), soort(R::Opgestart));

        for indicator in [ColTrajecten, ColBijeenkomsten, ColDeelnemers] {
            b.breakdown(indicator, p, vec![total(indicator, p)]);
        }
        let thuiskamers: Vec<FigureKey> = b
            .cells(ColTrajecten, p)
            .into_iter()
            .filter(|k| k.category.to_lowercase() == THUISKAMER)
            .collect();
        b.add(
            format!(
                "{} ({p}) equals the Thuiskamer trajectories",
                ColThuiskamers.code()
            ),
            thuiskamers,
            vec![total(ColThuiskamers, p)],
            true,
        );
        b.at_most(total(ColOpgestart, p), total(ColTrajecten, p));
        b.each_at_most(ColDoelgroep, p, &total(ColTrajecten, p));
        b.at_most(
            key(InfMantelzorgers, CARERS_YOUNG, p),
            key(InfMantelzorgers, CARERS_ALL, p),
        );
    }
    b
}

/// A mean (or percentage) over records that a count figure counts: all of them (`exact`)
/// or some of them. A reader who sees the mean as a number knows that count is at least T
/// (a mean over fewer is `n<T`); who sees `n<T`, that it is at least 1 and, when `exact`,
/// at most T − 1; who sees `–` beside an `exact` count, that it is 0. The audit takes that
/// into account (contracts/disclosure.md, "Derived values"), and a mean beside a withheld
/// count is withheld with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    pub mean: FigureKey,
    pub count: FigureKey,
    pub exact: bool,
}

/// Every mean among `figures` tied to a count figure whose records it is over: the
/// contacts (all of them) and the duration (those with a Startdatum) of the IT and LS cases
/// afgesloten, per form, the duration also over some of the cases in behandeling (a case
/// that started and closed in the period was in behandeling in it; one closed while waiting
/// was not, so afgesloten is no part of in behandeling); the wait of the cases opgestart;
/// per ZRM domain, the growth and the goals reached of the IT cases afgesloten with a
/// series on it; the growth in Kracht of the trajectories afgesloten with both scores,
/// which were in behandeling in the period (their Einddatum is not before their
/// Startdatum, load checks). A mean may be tied to more than one count.
pub fn records(figures: &Figures) -> Vec<Records> {
    let mut links = Vec::new();
    for figure in figures.rows() {
        let k = &figure.key;
        let counts = match k.indicator {
            Contactmomenten => vec![(key(Afgesloten, &k.category, &k.period), true)],
            Doorlooptijd => vec![
                (key(Afgesloten, &k.category, &k.period), false),
                (key(InBehandeling, &k.category, &k.period), false),
            ],
            Wachttijd => vec![(total(Opgestart, &k.period), true)],
            ZrmGroei | ZrmDoelBehaald => vec![(key(Afgesloten, Form::It.code(), &k.period), false)],
            ColKrachtGroei => vec![(total(ColTrajecten, &k.period), false)],
            _ => Vec::new(),
        };
        for (count, exact) in counts {
            if figures.get(&count).is_some() {
                links.push(Records {
                    mean: k.clone(),
                    count,
                    exact,
                });
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span {
            label: "2024Q1-Q4".into(),
            quarters: vec!["2024Q1".into(), "2024Q2".into()],
        }
    }

    /// The IT and LS cases in behandeling, as figures.
    fn guided(it: i64, ls: i64) -> Figures {
        let mut f = Figures::default();
        f.count(key(InBehandeling, Form::It.code(), "2024Q1-Q4"), it);
        f.count(key(InBehandeling, Form::Ls.code(), "2024Q1-Q4"), ls);
        f
    }

    fn werksoorten(relations: &[Relation]) -> Vec<&Relation> {
        relations
            .iter()
            .filter(|r| r.name.starts_with(Werksoort.code()))
            .collect()
    }

    /// Each mean is tied to the count whose records it is over: all of them, or some.
    #[test]
    fn means_are_tied_to_the_counts_they_are_over() {
        let p = "2024Q1-Q4";
        let mut f = Figures::default();
        f.count(key(Afgesloten, Form::It.code(), p), 7);
        f.count(key(InBehandeling, Form::It.code(), p), 11);
        f.count(total(Opgestart, p), 9);
        f.count(total(ColTrajecten, p), 12);
        let means = [
            (
                key(Contactmomenten, Form::It.code(), p),
                key(Afgesloten, Form::It.code(), p),
                true,
            ),
            (
                key(Doorlooptijd, Form::It.code(), p),
                key(Afgesloten, Form::It.code(), p),
                false,
            ),
            (
                key(Doorlooptijd, Form::It.code(), p),
                key(InBehandeling, Form::It.code(), p),
                false,
            ),
            (total(Wachttijd, p), total(Opgestart, p), true),
            (
                key(ZrmGroei, "Financiën", p),
                key(Afgesloten, Form::It.code(), p),
                false,
            ),
            (
                key(ZrmDoelBehaald, "Werk", p),
                key(Afgesloten, Form::It.code(), p),
                false,
            ),
            (total(ColKrachtGroei, p), total(ColTrajecten, p), false),
        ];
        for (mean, _, _) in means.iter().filter(|m| m.1.indicator != InBehandeling) {
            f.push(crate::figures::Figure {
                key: mean.clone(),
                dimension: "",
                value: crate::figures::Value::Mean(1.0),
                n: Some(5),
            });
        }
        // A mean over a count not computed (LS afgesloten) is tied to nothing.
        f.push(crate::figures::Figure {
            key: key(Doorlooptijd, Form::Ls.code(), p),
            dimension: "",
            value: crate::figures::Value::Mean(1.0),
            n: Some(5),
        });
        let mut found: Vec<(FigureKey, FigureKey, bool)> = records(&f)
            .into_iter()
            .map(|r| (r.mean, r.count, r.exact))
            .collect();
        let mut expected = means.to_vec();
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    /// A werksoort table without a row tells its reader that no case was IT or LS.
    #[test]
    fn a_breakdown_without_rows_says_its_whole_counts_nothing() {
        let f = guided(0, 0);
        assert!(werksoorten(&relations(&f, &[span()])).is_empty());
        let mut expected = vec![
            key(InBehandeling, Form::It.code(), "2024Q1-Q4"),
            key(InBehandeling, Form::Ls.code(), "2024Q1-Q4"),
        ];
        expected.sort();
        assert_eq!(relations_and_nothing(&f, &[span()]).1, expected);
    }

    /// Where the whole counts cases, a breakdown without rows was not delivered: it says
    /// nothing. One with rows is a relation.
    #[test]
    fn a_breakdown_not_delivered_says_nothing() {
        for (it, ls) in [(2, 0), (0, 7)] {
            let f = guided(it, ls);
            assert!(werksoorten(&relations(&f, &[span()])).is_empty());
            assert!(relations_and_nothing(&f, &[span()]).1.is_empty());
        }
        let mut f = guided(2, 0);
        f.count(key(Werksoort, "Maatschappelijk werk", "2024Q1-Q4"), 2);
        let all = relations(&f, &[span()]);
        let found = werksoorten(&all);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].parts.len(), 1);
        assert!(found[0].holds(&f));
        assert!(relations_and_nothing(&f, &[span()]).1.is_empty());
    }
}
