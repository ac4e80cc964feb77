//! Finances: per budget line, per Thema and per Domein (the `fin_*` figures).
//!
//! A budget workbook has tens of lines, not millions: plain Rust over the loaded lines is
//! clearer here than a frame, and the rules read like the contract.

use serde::Serialize;

use super::Settings;
use crate::figures::Value;
use crate::figures::{Figure, FigureKey, Figures, Indicator};
use crate::load::{Budget, BudgetLine, Soort};
use crate::quarter::Quarter;

/// The amounts of one line or total, for one Soort (or combined for Verschil).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Amounts {
    pub realisatie_vj: Option<f64>,
    pub begroting_primitief: f64,
    pub begroting: f64,
    /// Realisatie t/m the report quarter.
    pub realisatie: f64,
    /// As given on a line; on a total, lines without one count as on budget.
    pub prognose: Option<f64>,
}

impl Amounts {
    /// Realisatie t/m ÷ Begroting gewijzigd × 100.
    pub fn besteed_pct(&self) -> Option<f64> {
        (self.begroting != 0.0).then(|| self.realisatie / self.begroting * 100.0)
    }

    /// Prognose, a total's lines without one counted as on budget.
    pub fn expected(&self) -> f64 {
        self.prognose.unwrap_or(self.begroting)
    }
}

/// A row of the finance tables: a line, a Thema or a Domein.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinanceRow {
    pub domein: String,
    pub thema: String,
    /// Empty for totals.
    pub onderdeel: String,
    pub lasten: Option<Amounts>,
    pub baten: Option<Amounts>,
    /// Positive = voordeel; None for a line without Prognose.
    pub verschil: Option<f64>,
    /// Lines only: |Verschil| reaches a threshold.
    pub flagged: bool,
}

impl FinanceRow {
    /// The figures.csv dimension and category of this row.
    pub fn key(&self) -> (&'static str, String) {
        if !self.onderdeel.is_empty() {
            (
                "domein+thema+onderdeel",
                format!("{}+{}+{}", self.domein, self.thema, self.onderdeel),
            )
        } else if !self.thema.is_empty() {
            ("domein+thema", format!("{}+{}", self.domein, self.thema))
        } else {
            ("domein", self.domein.clone())
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Finance {
    /// In workbook order: per Domein, its Thema's lines, then the Thema total; the Domein total last.
    pub domeinen: Vec<DomeinFinance>,
    pub taakstellingen: Vec<(String, String, f64, Option<f64>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomeinFinance {
    pub total: FinanceRow,
    pub themas: Vec<(FinanceRow, Vec<FinanceRow>)>,
}

impl Finance {
    pub fn flagged_lines(&self) -> Vec<&FinanceRow> {
        self.domeinen
            .iter()
            .flat_map(|d| d.themas.iter().flat_map(|(_, lines)| lines.iter()))
            .filter(|l| l.flagged)
            .collect()
    }
}

fn line_amounts(line: &BudgetLine, q: u8) -> Amounts {
    Amounts {
        realisatie_vj: line.realisatie_vj,
        begroting_primitief: line.begroting_primitief,
        begroting: line.begroting(),
        realisatie: line.realisatie[..usize::from(q)]
            .iter()
            .map(|v| v.unwrap_or(0.0))
            .sum(),
        prognose: line.prognose,
    }
}

/// Verschil of one Soort: Lasten Begroting − Prognose, Baten Prognose − Begroting.
fn verschil(soort: Soort, begroting: f64, prognose: f64) -> f64 {
    match soort {
        Soort::Lasten => begroting - prognose,
        Soort::Baten => prognose - begroting,
    }
}

fn sum_amounts(lines: &[(&BudgetLine, Amounts)], soort: Soort) -> Option<Amounts> {
    let of: Vec<&Amounts> = lines
        .iter()
        .filter(|(l, _)| l.soort == soort)
        .map(|(_, a)| a)
        .collect();
    if of.is_empty() {
        return None;
    }
    let vj: Vec<f64> = of.iter().filter_map(|a| a.realisatie_vj).collect();
    Some(Amounts {
        realisatie_vj: (!vj.is_empty()).then(|| vj.iter().sum()),
        begroting_primitief: of.iter().map(|a| a.begroting_primitief).sum(),
        begroting: of.iter().map(|a| a.begroting).sum(),
        realisatie: of.iter().map(|a| a.realisatie).sum(),
        // A line without Prognose is taken as on budget, so Verschil = Begroting − Prognose holds.
        prognose: Some(of.iter().map(|a| a.prognose.unwrap_or(a.begroting)).sum()),
    })
}

fn total_row(domein: &str, thema: &str, lines: &[(&BudgetLine, Amounts)]) -> FinanceRow {
    let verschil_sum = lines
        .iter()
        .map(|(l, a)| verschil(l.soort, a.begroting, a.prognose.unwrap_or(a.begroting)))
        .sum();
    FinanceRow {
        domein: domein.into(),
        thema: thema.into(),
        onderdeel: String::new(),
        lasten: sum_amounts(lines, Soort::Lasten),
        baten: sum_amounts(lines, Soort::Baten),
        verschil: Some(verschil_sum),
        flagged: false,
    }
}

/// The finance view and its figures for the report quarter's year to date.
pub fn compute(f: &mut Figures, budget: &Budget, quarter: Quarter, settings: &Settings) -> Finance {
    let period = quarter.year_to_date().label;
    let mut finance = view(budget, quarter.number(), settings);
    push_rows(f, &finance, &period);
    push_saldi(f, &finance, &period);
    push_taakstellingen(f, &mut finance, budget, &period);
    push_volumes(f, budget, quarter);
    finance
}

/// The tables: per Domein its Thema's with their lines, in the workbook's order, through
/// quarter `q`.
fn view(budget: &Budget, q: u8, settings: &Settings) -> Finance {
    let mut finance = Finance::default();
    let mut domeinen: Vec<String> = Vec::new();
    for l in &budget.lines {
        if !domeinen.contains(&l.domein) {
            domeinen.push(l.domein.clone());
        }
    }
    for domein in &domeinen {
        let of_domein: Vec<(&BudgetLine, Amounts)> = budget
            .lines
            .iter()
            .filter(|l| &l.domein == domein)
            .map(|l| (l, line_amounts(l, q)))
            .collect();
        let mut themas: Vec<String> = Vec::new();
        for (l, _) in &of_domein {
            if !themas.contains(&l.thema) {
                themas.push(l.thema.clone());
            }
        }
        let mut out = Vec::new();
        for thema in &themas {
            let of_thema: Vec<(&BudgetLine, Amounts)> = of_domein
                .iter()
                .filter(|(l, _)| &l.thema == thema)
                .cloned()
                .collect();
            let rows: Vec<FinanceRow> = of_thema
                .iter()
                .map(|(l, a)| {
                    let v = a.prognose.map(|p| verschil(l.soort, a.begroting, p));
                    let flagged = v.is_some_and(|v| {
                        v.abs() >= settings.flag_amount
                            || a.begroting != 0.0
                                && v.abs() >= settings.flag_share * a.begroting.abs()
                    });
                    let (lasten, baten) = match l.soort {
                        Soort::Lasten => (Some(a.clone()), None),
                        Soort::Baten => (None, Some(a.clone())),
                    };
                    FinanceRow {
                        domein: domein.clone(),
                        thema: thema.clone(),
                        onderdeel: l.onderdeel.clone(),
                        lasten,
                        baten,
                        verschil: v,
                        flagged,
                    }
                })
                .collect();
            out.push((total_row(domein, thema, &of_thema), rows));
        }
        finance.domeinen.push(DomeinFinance {
            total: total_row(domein, "", &of_domein),
            themas: out,
        });
    }

    finance
}

/// The amounts of every row as figures: lines, then Thema totals, then Domein totals.
fn push_rows(f: &mut Figures, finance: &Finance, period: &str) {
    let period = period.to_string();
    let levels: Vec<Vec<&FinanceRow>> = vec![
        finance
            .domeinen
            .iter()
            .flat_map(|d| d.themas.iter().flat_map(|(_, l)| l.iter()))
            .collect(),
        finance
            .domeinen
            .iter()
            .flat_map(|d| d.themas.iter().map(|(t, _)| t))
            .collect(),
        finance.domeinen.iter().map(|d| &d.total).collect(),
    ];
    for (level, rows) in levels.iter().enumerate() {
        for soort in [Soort::Lasten, Soort::Baten] {
            for row in rows {
                let Some(a) = row.amounts(soort) else {
                    continue;
                };
                for (indicator, value) in amount_indicators(soort, a) {
                    push_amount(f, indicator, row, &period, value);
                }
            }
        }
        for row in rows {
            push_amount(f, Indicator::FinVerschil, row, &period, row.verschil);
        }
        // A Thema's or Domein's Verschil per Soort, as its subtotal row in a table shows it.
        if level > 0 {
            for row in rows {
                for (soort, indicator) in [
                    (Soort::Lasten, Indicator::FinLastenVerschil),
                    (Soort::Baten, Indicator::FinBatenVerschil),
                ] {
                    if let Some(a) = row.amounts(soort) {
                        let v = verschil(soort, a.begroting, a.expected());
                        push_amount(f, indicator, row, &period, Some(v));
                    }
                }
            }
        }
        for row in rows {
            for (soort, indicator) in [
                (Soort::Lasten, Indicator::FinBesteedPct),
                (Soort::Baten, Indicator::FinBatenBesteedPct),
            ] {
                if let Some(a) = row.amounts(soort) {
                    let (dimension, category) = row.key();
                    f.push(Figure {
                        key: FigureKey::new(indicator, category, period.clone()),
                        dimension,
                        value: a.besteed_pct().map_or(Value::Missing, Value::Pct),
                        n: Some(count_lines(finance, row, soort)),
                    });
                }
            }
        }
    }
}

/// The saldo per Domein: lasten min baten.
fn push_saldi(f: &mut Figures, finance: &Finance, period: &str) {
    let period = period.to_string();
    for d in &finance.domeinen {
        let (l, b) = (
            d.total.lasten.clone().unwrap_or_default(),
            d.total.baten.clone().unwrap_or_default(),
        );
        for (indicator, value) in [
            (Indicator::FinSaldoBegroting, l.begroting - b.begroting),
            (Indicator::FinSaldoRealisatie, l.realisatie - b.realisatie),
            (Indicator::FinSaldoPrognose, l.expected() - b.expected()),
        ] {
            push_amount(f, indicator, &d.total, &period, Some(value));
        }
    }
}

/// The taakstellingen, each and per Domein.
fn push_taakstellingen(f: &mut Figures, finance: &mut Finance, budget: &Budget, period: &str) {
    let period = period.to_string();
    let mut per_domein: Vec<(String, f64, Option<f64>)> = Vec::new();
    for t in &budget.taakstellingen {
        finance.taakstellingen.push((
            t.domein.clone(),
            t.omschrijving.clone(),
            t.bedrag,
            t.gerealiseerd,
        ));
        for (indicator, value) in [
            (Indicator::FinTaakstelling, Some(t.bedrag)),
            (Indicator::FinTaakstellingGerealiseerd, t.gerealiseerd),
        ] {
            f.push(Figure {
                key: FigureKey::new(indicator, t.omschrijving.clone(), period.clone()),
                dimension: "omschrijving",
                value: value.map_or(Value::Missing, Value::Amount),
                n: None,
            });
        }
        match per_domein.iter_mut().find(|(d, _, _)| *d == t.domein) {
            Some((_, b, g)) => {
                *b += t.bedrag;
                if let Some(v) = t.gerealiseerd {
                    *g = Some(g.unwrap_or(0.0) + v);
                }
            }
            None => per_domein.push((t.domein.clone(), t.bedrag, t.gerealiseerd)),
        }
    }
    for (domein, bedrag, gerealiseerd) in per_domein {
        for (indicator, value) in [
            (Indicator::FinTaakstelling, Some(bedrag)),
            (Indicator::FinTaakstellingGerealiseerd, gerealiseerd),
        ] {
            f.push(Figure {
                key: FigureKey::new(indicator, domein.clone(), period.clone()),
                dimension: "domein",
                value: value.map_or(Value::Missing, Value::Amount),
                n: None,
            });
        }
    }
}

/// The clients per Domein and onderdeel, per quarter of the year so far.
fn push_volumes(f: &mut Figures, budget: &Budget, quarter: Quarter) {
    for q in quarter.quarters_of_year_so_far() {
        let label = q.to_string();
        for v in budget.volumes.iter().filter(|v| v.kwartaal == label) {
            f.count(
                FigureKey::new(
                    Indicator::FinClienten,
                    format!("{}+{}", v.domein, v.onderdeel),
                    label.clone(),
                ),
                v.clienten,
            );
        }
    }
}

/// The five amounts of one Soort, each with its indicator.
fn amount_indicators(soort: Soort, a: &Amounts) -> [(Indicator, Option<f64>); 5] {
    use Indicator::*;
    let [vj, primitief, begroting, realisatie, prognose] = match soort {
        Soort::Lasten => [
            FinLastenRealisatieVj,
            FinLastenBegrotingPrimitief,
            FinLastenBegroting,
            FinLastenRealisatie,
            FinLastenPrognose,
        ],
        Soort::Baten => [
            FinBatenRealisatieVj,
            FinBatenBegrotingPrimitief,
            FinBatenBegroting,
            FinBatenRealisatie,
            FinBatenPrognose,
        ],
    };
    [
        (vj, a.realisatie_vj),
        (primitief, Some(a.begroting_primitief)),
        (begroting, Some(a.begroting)),
        (realisatie, Some(a.realisatie)),
        (prognose, a.prognose),
    ]
}

impl FinanceRow {
    pub fn amounts(&self, soort: Soort) -> Option<&Amounts> {
        match soort {
            Soort::Lasten => self.lasten.as_ref(),
            Soort::Baten => self.baten.as_ref(),
        }
    }
}

/// The lines of one Soort that make up `row` (the `n` of its percentage).
fn count_lines(finance: &Finance, row: &FinanceRow, soort: Soort) -> u64 {
    finance
        .domeinen
        .iter()
        .flat_map(|d| d.themas.iter().flat_map(|(_, l)| l.iter()))
        .filter(|l| {
            l.amounts(soort).is_some()
                && l.domein == row.domein
                && (row.thema.is_empty() || l.thema == row.thema)
                && (row.onderdeel.is_empty() || l.onderdeel == row.onderdeel)
        })
        .count() as u64
}

fn push_amount(
    f: &mut Figures,
    indicator: Indicator,
    row: &FinanceRow,
    period: &str,
    value: Option<f64>,
) {
    let (dimension, category) = row.key();
    f.push(Figure {
        key: FigureKey::new(indicator, category, period),
        dimension,
        value: value.map_or(Value::Missing, Value::Amount),
        n: None,
    });
}
