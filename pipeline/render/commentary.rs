//! Analysts' commentary: Markdown per quarter and section, turned into plain data.
//!
//! The Markdown is parsed here and handed to the layout as text blocks, so whatever the
//! file holds (Typst markup, HTML, braces) can only ever appear as literal text.

use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

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

#[cfg(test)]
mod tests {
    use super::*;

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
