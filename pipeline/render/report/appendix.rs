//! The appendix. The internal edition accounts for the data: the files read, the rows left
//! out and why, the snapshot. The public edition explains what its `<5`, `x` and `n<5`
//! mean and how many cells it withholds; row numbers, file hashes and snapshot ids are
//! for the organisation's analysts and stay in the internal edition.

use super::Input;
use crate::notation;
use crate::render::document::*;

pub fn title(input: &Input) -> &'static str {
    if input.public() {
        "Verantwoording"
    } else {
        "Datakwaliteit"
    }
}

pub fn intro(input: &Input) -> Vec<String> {
    if input.public() {
        return Vec::new();
    }
    vec!["Deze bijlage verantwoordt welke bestanden zijn gebruikt en welke regels niet zijn meegeteld, met de reden.".into()]
}

pub fn blocks(input: &Input) -> Vec<Block> {
    if input.public() {
        public(input)
    } else {
        internal(input)
    }
}

/// What a reader of the public edition needs to read its tables.
pub fn disclosure_note(threshold: u32) -> String {
    format!(
        "Aantallen kleiner dan {threshold} (maar niet nul) worden ter bescherming van de privacy getoond als <{threshold}; x is een aantal dat niet wordt getoond omdat een klein aantal anders uit andere cijfers is af te leiden; n<{threshold} is een gemiddelde of percentage over minder dan {threshold} registraties."
    )
}

fn public(input: &Input) -> Vec<Block> {
    let t = input.cells.view.threshold;
    let withheld = input.cells.withheld();
    let mut blocks = vec![
        Block::Paragraph {
            text: "Deze openbare uitgave beschermt de privacy van inwoners: geen cijfer maakt een inwoner herkenbaar.".into(),
        },
        Block::Paragraph {
            text: disclosure_note(t),
        },
        Block::Paragraph {
            text: format!(
                "Een afgeschermd aantal is overal in dit document hetzelfde afgeschermd, in tabellen, grafieken en tekst; een grafiek toont voor zo'n aantal geen staaf. In deze uitgave {} afgeschermd (getoond als <{t} of x).",
                match withheld {
                    1 => "is 1 aantal".to_string(),
                    n => format!("zijn {} aantallen", notation::int(n as i64)),
                }
            ),
        },
        Block::Paragraph {
            text: "De cijfers zoals dit document ze toont staan ook in cijfers-openbaar.csv, naast dit document gepubliceerd. Bedragen in euro's worden niet afgeschermd.".into(),
        },
    ];
    if input.meta.version_note.is_some() {
        blocks.push(Block::Paragraph {
            text: format!(
                "Dit is een gecorrigeerde versie. Zijn in een periode minder dan {t} registraties gecorrigeerd, dan worden alle aantallen, gemiddelden en percentages van die periode uit dezelfde bron als x getoond, ook de onveranderde: welke cijfers veranderden, zou anders iets zeggen over de gecorrigeerde registraties. Bij een grotere correctie wordt een aantal dat ten opzichte van een eerdere versie met minder dan {t} is veranderd als x getoond, en een gemiddelde of percentage waarvan minder dan {t} registraties zijn veranderd als n<{t}. Een cijfer dat een eerdere versie als x toonde, blijft x; een aantal dat een eerdere versie als <{t} toonde, wordt als x getoond zolang niet is uit te sluiten dat het minder dan {t} is veranderd."
            ),
        });
    }
    blocks
}

fn internal(input: &Input) -> Vec<Block> {
    let q = &input.monitor.quality;
    let mut blocks = Vec::new();
    let rows: Vec<TableRow> = if q.exclusions.is_empty() {
        vec![TableRow::new(vec![
            "Alle tabellen".into(),
            "geen regels uitgesloten".into(),
            "0".into(),
            String::new(),
        ])]
    } else {
        q.exclusions
            .iter()
            .map(|e| {
                let examples: Vec<String> = e
                    .examples
                    .iter()
                    .map(|r| notation::int(*r as i64))
                    .collect();
                TableRow::new(vec![
                    e.table.clone(),
                    e.kind.clone(),
                    notation::int(e.rows as i64),
                    format!("rij {}", examples.join(", ")),
                ])
            })
            .collect()
    };
    blocks.push(Block::Table(
        Table::new(
            "Uitgesloten regels per soort",
            vec![
                left("Tabel"),
                left("Soort"),
                right("Regels"),
                left("Voorbeelden"),
            ],
            rows,
        )
        .with_note("Een regel met een gebrek telt in geen enkel cijfer mee. Rijnummers zoals in het bestand (de kopregel is rij 1)."),
    ));
    let mut files: Vec<TableRow> = q
        .files
        .iter()
        .map(|f| {
            TableRow::new(vec![
                f.file.clone(),
                notation::int(f.rows as i64),
                f.sha256.get(..16).unwrap_or(&f.sha256).to_string(),
            ])
        })
        .collect();
    if let Some(budget) = input.budget_file.as_ref() {
        files.push(TableRow::new(vec![
            budget.0.clone(),
            String::new(),
            budget.1.get(..16).unwrap_or(&budget.1).to_string(),
        ]));
    }
    blocks.push(Block::Table(
        Table::new(
            "Gebruikte bestanden",
            vec![left("Bestand"), right("Regels"), left("SHA-256")],
            files,
        )
        .with_note("SHA-256 (eerste 16 tekens) van het bestand zoals het is opgehaald; de volledige waarde staat in het manifest."),
    ));
    for note in &q.notes {
        blocks.push(Block::Paragraph { text: note.clone() });
    }
    blocks.push(Block::Paragraph {
        text: format!("Gegenereerd uit momentopname {}.", input.snapshot),
    });
    blocks
}
