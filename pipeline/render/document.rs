//! The data documents the Typst layouts read: one typed struct per document.
//!
//! Every number arrives here already formatted in Dutch notation; the layouts place text and
//! never compute. A sample of each, `layouts/<name>.sample.json`, lets a designer work on a
//! layout without running the pipeline.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub title: String,
    pub subtitle: String,
    pub quarter_label: String,
    pub period: String,
    pub compare_period: String,
    pub year: String,
    pub previous_year: String,
    pub date: String,
    pub organisation: String,
    pub municipality: String,
    /// E.g. "Gecorrigeerde versie (v2)".
    pub version_note: Option<String>,
    /// "Intern" or "Openbaar".
    pub classification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandData {
    pub name: String,
    pub primary: String,
    pub accent: String,
    pub light: String,
    pub font: String,
    /// A path inside the layout's file tree, or none.
    pub logo: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableColumn {
    pub label: String,
    pub align: Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStyle {
    Normal,
    /// A group heading spanning the table.
    Heading,
    Subtotal,
    Total,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub cells: Vec<String>,
    pub style: RowStyle,
    /// Marked for explanation (finance lines).
    pub flag: bool,
}

impl TableRow {
    pub fn new(cells: Vec<String>) -> Self {
        Self {
            cells,
            style: RowStyle::Normal,
            flag: false,
        }
    }
    pub fn styled(cells: Vec<String>, style: RowStyle) -> Self {
        Self {
            cells,
            style,
            flag: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub caption: String,
    pub note: Option<String>,
    pub columns: Vec<TableColumn>,
    pub rows: Vec<TableRow>,
    /// Per column, the widths of its widest text on one line and of its widest unbreakable
    /// word, in em ([`super::widths`]); the layout measures itself without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widths: Option<Vec<[f64; 2]>>,
}

impl Table {
    pub fn new(caption: impl Into<String>, columns: Vec<TableColumn>, rows: Vec<TableRow>) -> Self {
        Table {
            caption: caption.into(),
            note: None,
            columns,
            rows,
            widths: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// A column with its label on the left.
pub fn left(label: &str) -> TableColumn {
    TableColumn {
        label: label.into(),
        align: Align::Left,
    }
}

/// A column of figures, right-aligned.
pub fn right(label: &str) -> TableColumn {
    TableColumn {
        label: label.into(),
        align: Align::Right,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// Vertical grouped bars per category.
    Bar,
    /// Horizontal bars.
    Hbar,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    /// "primary", "accent" or "light": a brand colour.
    pub color: String,
    /// Bar heights; none for a cell the document does not show (no bar is drawn).
    pub values: Vec<Option<f64>>,
    /// The values as printed beside the bars.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Norm {
    pub value: f64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub chart: ChartKind,
    pub caption: String,
    /// What the chart shows, for readers who cannot see it.
    pub alt: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub norm: Option<Norm>,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callout {
    pub value: String,
    pub label: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    Table(Table),
    Chart(Chart),
    Callouts { items: Vec<Callout> },
    Changes { title: String, items: Vec<String> },
    Paragraph { text: String },
}

/// Inline text of commentary: plain text with emphasis, never markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inline {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bold: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub italic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TextBlock {
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    Paragraph {
        inlines: Vec<Inline>,
    },
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Quote {
        blocks: Vec<TextBlock>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub appendix: bool,
    pub intro: Vec<String>,
    pub commentary: Vec<TextBlock>,
    pub blocks: Vec<Block>,
}

/// The kwartaalrapportage's data document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDoc {
    pub meta: Meta,
    pub brand: BrandData,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoHeader {
    pub aan: String,
    pub van: String,
    pub portefeuillehouder: String,
    pub cc: String,
    pub datum: String,
    pub onderwerp: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureData {
    pub name: String,
    pub function: String,
}

/// The raadsmemo's data document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoDoc {
    pub meta: Meta,
    pub brand: BrandData,
    pub header: MemoHeader,
    pub salutation: String,
    pub context: Vec<String>,
    pub key_figures: TableBlock,
    pub changes: Vec<String>,
    pub finance: Option<TableBlock>,
    pub finance_note: Option<String>,
    pub bijlagen: Vec<String>,
    pub closing: String,
    pub signatory_body: String,
    pub signatures: Vec<SignatureData>,
}

/// A table standing alone (the memo's), tagged like a block so layouts can share code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename = "table")]
pub struct TableBlock {
    #[serde(flatten)]
    pub table: Table,
}

/// Every string of a data document, for the pass that makes text printable.
pub trait Texts {
    fn texts(&mut self) -> Vec<&mut String>;
    /// Every table, for the pass that measures column widths.
    fn tables(&mut self) -> Vec<&mut Table>;
}

impl Meta {
    fn texts(&mut self) -> Vec<&mut String> {
        let mut out = vec![
            &mut self.title,
            &mut self.subtitle,
            &mut self.quarter_label,
            &mut self.period,
            &mut self.compare_period,
            &mut self.year,
            &mut self.previous_year,
            &mut self.date,
            &mut self.organisation,
            &mut self.municipality,
            &mut self.classification,
        ];
        out.extend(self.version_note.as_mut());
        out
    }
}

impl BrandData {
    fn texts(&mut self) -> Vec<&mut String> {
        vec![&mut self.name, &mut self.font]
    }
}

impl Table {
    fn texts(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = vec![&mut self.caption];
        out.extend(self.note.as_mut());
        out.extend(self.columns.iter_mut().map(|c| &mut c.label));
        out.extend(self.rows.iter_mut().flat_map(|r| r.cells.iter_mut()));
        out
    }
}

fn inline_texts(inlines: &mut [Inline]) -> Vec<&mut String> {
    inlines.iter_mut().map(|i| &mut i.text).collect()
}

impl TextBlock {
    /// Every string of the block, for the pass that makes text printable.
    pub fn texts(&mut self) -> Vec<&mut String> {
        match self {
            TextBlock::Heading { inlines, .. } | TextBlock::Paragraph { inlines } => {
                inline_texts(inlines)
            }
            TextBlock::List { items, .. } => {
                items.iter_mut().flat_map(|i| inline_texts(i)).collect()
            }
            TextBlock::Quote { blocks } => blocks.iter_mut().flat_map(|b| b.texts()).collect(),
        }
    }
}

impl Block {
    fn texts(&mut self) -> Vec<&mut String> {
        match self {
            Block::Table(t) => t.texts(),
            Block::Chart(c) => {
                let mut out: Vec<&mut String> = vec![&mut c.caption, &mut c.alt, &mut c.unit];
                out.extend(c.categories.iter_mut());
                for s in &mut c.series {
                    out.push(&mut s.label);
                    out.extend(s.labels.iter_mut());
                }
                if let Some(n) = &mut c.norm {
                    out.push(&mut n.label);
                }
                out
            }
            Block::Callouts { items } => items
                .iter_mut()
                .flat_map(|c| [&mut c.value, &mut c.label, &mut c.detail])
                .collect(),
            Block::Changes { title, items } => {
                std::iter::once(title).chain(items.iter_mut()).collect()
            }
            Block::Paragraph { text } => vec![text],
        }
    }
}

impl Texts for ReportDoc {
    fn texts(&mut self) -> Vec<&mut String> {
        let mut out = self.meta.texts();
        out.extend(self.brand.texts());
        for s in &mut self.sections {
            out.push(&mut s.title);
            out.extend(s.intro.iter_mut());
            out.extend(s.commentary.iter_mut().flat_map(|b| b.texts()));
            out.extend(s.blocks.iter_mut().flat_map(|b| b.texts()));
        }
        out
    }

    fn tables(&mut self) -> Vec<&mut Table> {
        self.sections
            .iter_mut()
            .flat_map(|s| s.blocks.iter_mut())
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}

impl Texts for MemoDoc {
    fn texts(&mut self) -> Vec<&mut String> {
        let mut out = self.meta.texts();
        out.extend(self.brand.texts());
        let h = &mut self.header;
        out.extend([
            &mut h.aan,
            &mut h.van,
            &mut h.portefeuillehouder,
            &mut h.cc,
            &mut h.datum,
            &mut h.onderwerp,
        ]);
        out.push(&mut self.salutation);
        out.extend(self.context.iter_mut());
        out.extend(self.key_figures.table.texts());
        out.extend(self.changes.iter_mut());
        if let Some(f) = &mut self.finance {
            out.extend(f.table.texts());
        }
        out.extend(self.finance_note.as_mut());
        out.extend(self.bijlagen.iter_mut());
        out.push(&mut self.closing);
        out.push(&mut self.signatory_body);
        for s in &mut self.signatures {
            out.push(&mut s.name);
            out.push(&mut s.function);
        }
        out
    }

    fn tables(&mut self) -> Vec<&mut Table> {
        let mut out = vec![&mut self.key_figures.table];
        if let Some(f) = &mut self.finance {
            out.push(&mut f.table);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed samples are what designers work from: they must stay readable as the
    /// documents the pipeline produces.
    #[test]
    fn the_committed_samples_match_the_document_types() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts");
        let report = std::fs::read_to_string(root.join("kwartaalrapportage.sample.json")).unwrap();
        let _: ReportDoc = serde_json::from_str(&report).expect("kwartaalrapportage.sample.json");
        let memo = std::fs::read_to_string(root.join("raadsmemo.sample.json")).unwrap();
        let _: MemoDoc = serde_json::from_str(&memo).expect("raadsmemo.sample.json");
    }
}
