//! The contract's indicators (contracts/figures.md), one variant per row, with what each
//! one is: its code in `figures.csv`, its kind of number, its breakdown and its Dutch name.
//!
//! This is the one place where figure codes are written as text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What kind of number an indicator is, which decides how it is written and disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count of people, cases, trajectories, meetings or attendances.
    Count,
    /// A mean over records (`n` is how many).
    Mean,
    /// A percentage of records (`n` is how many).
    Pct,
    /// Euros, never suppressed.
    Amount,
    /// A percentage of euro amounts, never suppressed.
    AmountPct,
}

macro_rules! indicators {
    ($($variant:ident => $code:literal, $kind:ident, $dimension:literal, $label:literal;)*) => {
        /// One row of the contract's tables of figures.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Indicator {
            $($variant,)*
        }

        impl Indicator {
            /// Every indicator, in the contract's order.
            pub const ALL: &'static [Indicator] = &[$(Indicator::$variant,)*];

            /// The code in `figures.csv`, e.g. `ind_in_behandeling`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Indicator::$variant => $code,)*
                }
            }

            pub fn kind(self) -> Kind {
                match self {
                    $(Indicator::$variant => Kind::$kind,)*
                }
            }

            /// The breakdown's name in `figures.csv` (empty for an indicator without one;
            /// the finance figures name theirs per row).
            pub fn dimension(self) -> &'static str {
                match self {
                    $(Indicator::$variant => $dimension,)*
                }
            }

            /// What a reader calls it, in Dutch.
            pub fn label(self) -> &'static str {
                match self {
                    $(Indicator::$variant => $label,)*
                }
            }
        }
    };
}

indicators! {
    // Individual support
    InBehandeling => "ind_in_behandeling", Count, "vorm", "Casussen in behandeling";
    Opgestart => "ind_opgestart", Count, "vorm", "Casussen opgestart";
    Afgesloten => "ind_afgesloten", Count, "vorm", "Casussen afgesloten";
    OpgestartKwartaal => "ind_opgestart_kwartaal", Count, "vorm", "Casussen opgestart in het kwartaal";
    Clienten => "ind_clienten", Count, "", "Inwoners met een casus in behandeling";
    Leeftijd => "ind_leeftijd", Count, "leeftijd", "Inwoners met een casus in behandeling naar leeftijd";
    Geslacht => "ind_geslacht", Count, "geslacht", "Inwoners met een casus in behandeling naar geslacht";
    Werksoort => "ind_werksoort", Count, "werksoort", "Individuele trajecten en leun- en steuncontacten per werksoort";
    Team => "ind_team", Count, "team", "Casussen in behandeling per team";
    Woonplaats => "ind_woonplaats", Count, "woonplaats", "Casussen in behandeling per woonplaats";
    ZrmHoofddomein => "ind_zrm_hoofddomein", Count, "vorm+domein", "Casussen in behandeling per ZRM-hoofddomein";
    ZrmGroei => "ind_zrm_groei", Mean, "domein", "Gemiddelde ZRM-groei bij afgesloten individuele trajecten";
    ZrmDoelBehaald => "ind_zrm_doel_behaald", Pct, "domein", "Afgesloten individuele trajecten met het ZRM-doel behaald (%)";
    Verwijzer => "ind_verwijzer", Count, "verwijzer", "Verwijzingen (casussen opgestart)";
    Samenwerking => "ind_samenwerking", Count, "partner", "Samenwerkingspartners bij afgesloten casussen";
    Afsluitreden => "ind_afsluitreden", Count, "reden", "Afgesloten casussen per afsluitreden";
    Recidive => "ind_recidive", Count, "soort", "Recidive bij individuele trajecten";
    Doorlooptijd => "ind_doorlooptijd", Mean, "vorm", "Gemiddelde doorlooptijd (dagen)";
    Contactmomenten => "ind_contactmomenten", Mean, "vorm", "Gemiddeld aantal contactmomenten";
    Wachtlijst => "ind_wachtlijst", Count, "", "Wachtenden aan het einde van de periode";
    Wachttijd => "ind_wachttijd", Mean, "", "Gemiddelde wachttijd tot de start (dagen)";
    Tevredenheid => "ind_tevredenheid", Mean, "", "Gemiddelde waardering door cliënten (1–10)";
    // Collective support
    ColTrajecten => "col_trajecten", Count, "categorie", "Collectieve trajecten";
    ColOpgestart => "col_opgestart", Count, "", "Nieuwe collectieve trajecten";
    ColBijeenkomsten => "col_bijeenkomsten", Count, "categorie", "Collectieve bijeenkomsten";
    ColDeelnemers => "col_deelnemers", Count, "categorie", "Deelnemers aan collectieve bijeenkomsten";
    ColKrachtGroei => "col_kracht_groei", Mean, "", "Groei kracht van de groep";
    ColDoelgroep => "col_doelgroep", Count, "doelgroep", "Collectieve trajecten per doelgroep";
    ColThuiskamers => "col_thuiskamers", Count, "", "Thuiskamers";
    ColThuiskamerBezoekWeek => "col_thuiskamer_bezoek_week", Mean, "", "Bezoekers van thuiskamers per week";
    // Informal support
    InfMantelzorgers => "inf_mantelzorgers", Count, "soort", "Geregistreerde mantelzorgers";
    InfVrijwilligers => "inf_vrijwilligers", Count, "", "Actieve vrijwilligers";
    // Finances
    FinLastenRealisatieVj => "fin_lasten_realisatie_vj", Amount, "", "Lasten: realisatie vorig jaar";
    FinBatenRealisatieVj => "fin_baten_realisatie_vj", Amount, "", "Baten: realisatie vorig jaar";
    FinLastenBegrotingPrimitief => "fin_lasten_begroting_primitief", Amount, "", "Lasten: begroting primitief";
    FinBatenBegrotingPrimitief => "fin_baten_begroting_primitief", Amount, "", "Baten: begroting primitief";
    FinLastenBegroting => "fin_lasten_begroting", Amount, "", "Lasten: begroting";
    FinBatenBegroting => "fin_baten_begroting", Amount, "", "Baten: begroting";
    FinLastenRealisatie => "fin_lasten_realisatie", Amount, "", "Lasten: realisatie";
    FinBatenRealisatie => "fin_baten_realisatie", Amount, "", "Baten: realisatie";
    FinLastenPrognose => "fin_lasten_prognose", Amount, "", "Lasten: prognose";
    FinBatenPrognose => "fin_baten_prognose", Amount, "", "Baten: prognose";
    FinVerschil => "fin_verschil", Amount, "", "Verschil (lasten en baten)";
    FinLastenVerschil => "fin_lasten_verschil", Amount, "", "Lasten: verschil";
    FinBatenVerschil => "fin_baten_verschil", Amount, "", "Baten: verschil";
    FinBesteedPct => "fin_besteed_pct", AmountPct, "", "Lasten: % besteed";
    FinBatenBesteedPct => "fin_baten_besteed_pct", AmountPct, "", "Baten: % ontvangen";
    FinSaldoBegroting => "fin_saldo_begroting", Amount, "domein", "Saldo lasten min baten: begroting";
    FinSaldoRealisatie => "fin_saldo_realisatie", Amount, "domein", "Saldo lasten min baten: realisatie";
    FinSaldoPrognose => "fin_saldo_prognose", Amount, "domein", "Saldo lasten min baten: prognose";
    FinTaakstelling => "fin_taakstelling", Amount, "", "Taakstelling";
    FinTaakstellingGerealiseerd => "fin_taakstelling_gerealiseerd", Amount, "", "Taakstelling gerealiseerd";
    FinClienten => "fin_clienten", Count, "domein+onderdeel", "Cliënten per begrotingsregel";
}

impl Indicator {
    pub fn from_code(code: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.code() == code)
    }

    /// Counts of people or cases are what disclosure protects; euros are never suppressed.
    pub fn is_count(self) -> bool {
        self.kind() == Kind::Count
    }

    pub fn is_financial(self) -> bool {
        matches!(self.kind(), Kind::Amount | Kind::AmountPct)
    }
}

impl std::fmt::Display for Indicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Indicator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Indicator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Indicator::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown indicator '{code}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_read_back() {
        let mut seen = std::collections::HashSet::new();
        for &i in Indicator::ALL {
            assert!(seen.insert(i.code()), "{} twice", i.code());
            assert_eq!(Indicator::from_code(i.code()), Some(i));
            assert!(
                ["ind_", "col_", "inf_", "fin_"]
                    .iter()
                    .any(|p| i.code().starts_with(p))
            );
        }
        assert_eq!(Indicator::from_code("ind_bestaat_niet"), None);
    }
}
