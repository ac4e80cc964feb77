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
    pub values: Vec<f64>,
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
