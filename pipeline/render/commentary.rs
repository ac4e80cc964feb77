//! Analysts' commentary: Markdown per quarter and section, turned into plain data.
//!
//! The Markdown is parsed here and handed to the layout as text blocks, so whatever the
//! file holds (Typst markup, HTML, braces) can only ever appear as literal text.

use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use regex::Regex;

use super::document::{Inline, TextBlock};

/// Reads `<dir>/<quarter>/<section>.md`; a missing file means no commentary.
pub fn read(dir: &Path, quarter: &str, section: &str) -> std::io::Result<Vec<TextBlock>> {
    let path = dir.join(quarter).join(format!("{section}.md"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        )),
    }
}

#[derive(Default)]
struct Builder {
    /// Open containers: quotes and lists collect blocks or items.
    stack: Vec<Container>,
    done: Vec<TextBlock>,
    inlines: Vec<Inline>,
    bold: u32,
    italic: u32,
}

enum Container {
    Quote(Vec<TextBlock>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
}

impl Builder {
    fn emit(&mut self, block: TextBlock) {
        match self.stack.last_mut() {
            Some(Container::Quote(blocks)) => blocks.push(block),
            Some(Container::List { items, .. }) => {
                // Nested blocks inside a list item are flattened into the item's text.
                if let TextBlock::Paragraph { inlines } = block
                    && let Some(item) = items.last_mut()
                {
                    if !item.is_empty() {
                        item.push(Inline {
                            text: " ".into(),
                            bold: false,
                            italic: false,
                        });
                    }
                    item.extend(inlines);
                }
            }
            None => self.done.push(block),
        }
    }

    fn text(&mut self, text: &str) {
        let (bold, italic) = (self.bold > 0, self.italic > 0);
        match self.inlines.last_mut() {
            Some(last) if last.bold == bold && last.italic == italic => last.text.push_str(text),
            _ => self.inlines.push(Inline {
                text: text.to_string(),
                bold,
                italic,
            }),
        }
    }

    fn take_inlines(&mut self) -> Vec<Inline> {
        std::mem::take(&mut self.inlines)
    }
}

/// Headings, paragraphs, lists, bold, italic and quotes; anything else becomes text.
pub fn parse(markdown: &str) -> Vec<TextBlock> {
    let mut b = Builder::default();
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Strong) => b.bold += 1,
            Event::End(TagEnd::Strong) => b.bold = b.bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => b.italic += 1,
            Event::End(TagEnd::Emphasis) => b.italic = b.italic.saturating_sub(1),
            Event::Start(Tag::BlockQuote(_)) => b.stack.push(Container::Quote(Vec::new())),
            Event::End(TagEnd::BlockQuote(_)) => {
                if let Some(Container::Quote(blocks)) = b.stack.pop() {
                    b.emit(TextBlock::Quote { blocks });
                }
            }
            Event::Start(Tag::List(first)) => b.stack.push(Container::List {
                ordered: first.is_some(),
                items: Vec::new(),
            }),
            Event::End(TagEnd::List(_)) => {
                if let Some(Container::List { ordered, items }) = b.stack.pop() {
                    b.emit(TextBlock::List { ordered, items });
                }
            }
            Event::Start(Tag::Item) => {
                if let Some(Container::List { items, .. }) = b.stack.last_mut() {
                    items.push(Vec::new());
                }
            }
            Event::End(TagEnd::Item) => {
                // Tight list items carry their text without a paragraph.
                let inlines = b.take_inlines();
                if !inlines.is_empty()
                    && let Some(Container::List { items, .. }) = b.stack.last_mut()
                    && let Some(item) = items.last_mut()
                {
                    item.extend(inlines);
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                let inlines = b.take_inlines();
                // A heading without text (`#` alone) is no heading; PDF/UA forbids an
                // empty one (found by fuzzing).
                if inlines.iter().any(|i| !i.text.trim().is_empty()) {
                    b.emit(TextBlock::Heading {
                        level: level as u8,
                        inlines,
                    });
                }
            }
            Event::End(TagEnd::Paragraph) => {
                let inlines = b.take_inlines();
                if !inlines.is_empty() {
                    b.emit(TextBlock::Paragraph { inlines });
                }
            }
            Event::Text(t)
            | Event::Code(t)
            | Event::Html(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => b.text(&t),
            Event::SoftBreak | Event::HardBreak => b.text(" "),
            Event::End(TagEnd::CodeBlock) | Event::End(TagEnd::HtmlBlock) => {
                let inlines = b.take_inlines();
                if !inlines.is_empty() {
                    b.emit(TextBlock::Paragraph { inlines });
                }
            }
            _ => {}
        }
    }
    let rest = b.take_inlines();
    if !rest.is_empty() {
        b.emit(TextBlock::Paragraph { inlines: rest });
    }
    b.done
}

/// A number in commentary a public edition would print: analysts write with every figure
/// unsuppressed in front of them, and nothing else checks their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberInCommentary {
    pub file: String,
    pub number: String,
    /// The words around it, to find it in the file.
    pub context: String,
}

/// Checks every commentary file of `quarter` that a public edition prints: none may hold a
/// number other than a year (1900–2099) or a quarter (`Q1`–`Q4`), in digits or in words
/// (`drie vrouwen`). A count or mean written in commentary would bypass the disclosure
/// view, which decides every number a public document shows. An unreadable file is no commentary (as [`read`] treats it).
pub fn check_public(dir: &Path, quarter: &str) -> Result<(), NumberInCommentary> {
    let folder = dir.join(quarter);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(());
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for mut block in parse(&text) {
            let joined: String = block.texts().iter().map(|t| t.as_str()).collect();
            if let Some((number, context)) =
                first_number(&joined).or_else(|| first_number_word(&joined))
            {
                return Err(NumberInCommentary {
                    file: path.display().to_string(),
                    number,
                    context,
                });
            }
        }
    }
    Ok(())
}

/// The first number in `text` that is no year or quarter, with the words around it. Any
/// numeric character counts, not only 0–9: a full-width ３, an Arabic-Indic ٣, a ½ or a
/// Roman Ⅻ tells a reader a number as well.
fn first_number(text: &str) -> Option<(String, String)> {
    first_run(
        text,
        |c| c.is_numeric(),
        // Digits with Dutch separators inside: 1.234 or 12,5.
        |chars, i| {
            chars[i].is_numeric()
                || (matches!(chars[i], '.' | ',')
                    && chars.get(i + 1).is_some_and(|c| c.is_numeric()))
        },
        |chars, start, number| {
            let year = number.len() == 4
                && number
                    .parse::<u32>()
                    .is_ok_and(|y| (1900..2100).contains(&y));
            let quarter =
                matches!(number, "1" | "2" | "3" | "4") && start > 0 && chars[start - 1] == 'Q';
            !year && !quarter
        },
    )
}

/// A Dutch count written out, as one word: `drie`, `één`, `vierentwintig`,
/// `tweeëntwintig`, `honderdtwee`, `tweeduizend`, a group of so many (`drietal`) and two as
/// `beide` or `allebei`. Not `een` alone, the article of nearly every sentence ("een
/// vrouw"); nor ordinals (`tweede`: the second half of a year is no count) or fractions.
static NUMBER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    let unit = "(?:een|één|eén|éen|twee|drie|vier|vijf|zes|zeven|acht|negen)";
    let teen = "(?:tien|elf|twaalf|dertien|veertien|vijftien|zestien|zeventien|achttien|negentien)";
    let tens = "(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)";
    let below100 = format!("(?:{unit}(?:en|ën){tens}|{tens}|{teen}|{unit})");
    let below1000 = format!("(?:{unit}?honderd(?:{below100})?|{below100})");
    let number =
        format!("(?:(?:{below1000})?(?:duizend|miljoen|miljard)(?:{below1000})?|{below1000})");
    Regex::new(&format!(
        "^(?:{number}(?:tal|tallen)?|beide|beiden|allebei)$"
    ))
    .expect("a valid pattern")
});

/// The first count written out in `text` ([`NUMBER_WORD`]), with the words around it.
fn first_number_word(text: &str) -> Option<(String, String)> {
    first_run(
        text,
        char::is_alphabetic,
        |chars, i| chars[i].is_alphabetic(),
        |_, _, word| {
            let word = word.to_lowercase();
            word != "een" && NUMBER_WORD.is_match(&word)
        },
    )
}

/// The first run of characters in `text` that `starts` and `continues` make and `is_number`
/// takes (given the text, where the run starts and the run), with 30 characters around it.
fn first_run(
    text: &str,
    starts: impl Fn(char) -> bool,
    continues: impl Fn(&[char], usize) -> bool,
    is_number: impl Fn(&[char], usize, &str) -> bool,
) -> Option<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !starts(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && continues(&chars, i) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        if is_number(&chars, start, &run) {
            let from = start.saturating_sub(30);
            let to = (i + 30).min(chars.len());
            let context: String = chars[from..to].iter().collect();
            return Some((run, context.trim().to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_written_out_is_a_number_too() {
        for (text, word) in [
            ("In Zandeweer kregen drie vrouwen hulp.", "drie"),
            ("Eén cliënt stopte.", "Eén"),
            ("één cliënt", "één"),
            ("Twee vrouwen", "Twee"),
            ("het zijn er vierentwintig", "vierentwintig"),
            ("tweeëntwintig gezinnen", "tweeëntwintig"),
            ("eenentwintig", "eenentwintig"),
            ("honderdtwee contacten", "honderdtwee"),
            ("tweeduizend contacten", "tweeduizend"),
            ("een drietal jongeren", "drietal"),
            ("beide mannen", "beide"),
            ("zij waren allebei", "allebei"),
            ("ELF meldingen", "ELF"),
            ("(zeven)", "zeven"),
        ] {
            assert_eq!(
                first_number_word(text).map(|(w, _)| w),
                Some(word.to_string()),
                "{text}"
            );
        }
        for text in [
            "Een vrouw en een man kregen hulp.",
            "In de tweede helft van het jaar vieren we het achten van elkaar.",
            "Enkele cliënten, een paar weken, een enkele keer; de eerste keer.",
            "Zeventiende eeuw; tienduizenden; eenmaal; tweedehands; driehoek.",
        ] {
            assert_eq!(first_number_word(text), None, "{text}");
        }
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("2024Q4");
        std::fs::create_dir_all(&q).unwrap();
        std::fs::write(
            q.join("individueel.md"),
            "De wachtlijst.\n\n- In Zandeweer kregen *twee* vrouwen hulp.\n",
        )
        .unwrap();
        let err = check_public(dir.path(), "2024Q4").unwrap_err();
        assert_eq!(err.number, "twee");
        assert!(
            err.context.contains("Zandeweer kregen twee vrouwen"),
            "{err:?}"
        );
    }

    #[test]
    fn a_public_edition_refuses_commentary_with_a_number_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("2024Q4");
        std::fs::create_dir_all(&q).unwrap();
        std::fs::write(
            q.join("samenvatting.md"),
            "Het jaar 2024 sloot af; in 2024Q4 en Q3 groeide de vraag.\n\n1. eerst\n2. dan\n",
        )
        .unwrap();
        assert_eq!(check_public(dir.path(), "2024Q4"), Ok(()));
        std::fs::write(
            q.join("individueel.md"),
            "De wachtlijst.\n\n- In Zandeweer kregen **3** vrouwen van 63 hulp.\n",
        )
        .unwrap();
        let err = check_public(dir.path(), "2024Q4").unwrap_err();
        assert!(err.file.ends_with("individueel.md"), "{err:?}");
        assert_eq!(err.number, "3");
        assert!(
            err.context.contains("Zandeweer kregen 3 vrouwen"),
            "{err:?}"
        );
        for (text, number) in [
            ("gemiddeld 12,5 dagen", "12,5"),
            ("1.234 contacten", "1.234"),
            ("in 1850", "1850"),
            ("Q5", "5"),
            ("３ vrouwen", "３"),
            ("٣ vrouwen", "٣"),
            ("Q٤", "٤"),
            ("½ jaar", "½"),
            ("team Ⅻ", "Ⅻ"),
        ] {
            assert_eq!(
                first_number(text).map(|(n, _)| n),
                Some(number.to_string()),
                "{text}"
            );
        }
        assert_eq!(first_number("kwartaal Q4 van 2024, zie 2023."), None);
    }

    fn plain(text: &str) -> Inline {
        Inline {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }

    #[test]
    fn headings_paragraphs_lists_emphasis_quotes() {
        let blocks = parse(
            "## Wachtlijst\n\nDe wachtlijst is **kleiner** en *korter*.\n\n- een\n- twee\n\n> Citaat van team Uithuizen\n",
        );
        assert_eq!(blocks.len(), 4);
        assert_eq!(
            blocks[0],
            TextBlock::Heading {
                level: 2,
                inlines: vec![plain("Wachtlijst")]
            }
        );
        let TextBlock::Paragraph { inlines } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert!(inlines.iter().any(|i| i.bold && i.text == "kleiner"));
        assert!(inlines.iter().any(|i| i.italic && i.text == "korter"));
        assert_eq!(
            blocks[2],
            TextBlock::List {
                ordered: false,
                items: vec![vec![plain("een")], vec![plain("twee")]]
            }
        );
        let TextBlock::Quote { blocks: inner } = &blocks[3] else {
            panic!("{blocks:?}")
        };
        assert_eq!(
            inner[0],
            TextBlock::Paragraph {
                inlines: vec![plain("Citaat van team Uithuizen")]
            }
        );
    }

    #[test]
    fn markup_stays_text() {
        let blocks = parse(
            "#import \"/etc/passwd\"\n\n#read(\"/etc/passwd\") ] $x$ <script>alert(1)</script>\n",
        );
        let all: String = format!("{blocks:?}");
        assert!(all.contains("#read(\\\"/etc/passwd\\\")"), "{all}");
        assert!(all.contains("<script>"), "{all}");
    }

    #[test]
    fn a_missing_file_is_no_commentary() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read(dir.path(), "2024Q4", "individueel")
                .unwrap()
                .is_empty()
        );
    }
}
