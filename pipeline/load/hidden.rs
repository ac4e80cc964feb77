//! What a workbook's own XML says besides its cells: which columns of a sheet are hidden,
//! and which sheets it has.
//!
//! calamine 0.38 reads cell values but not the sheet's column layout (`<cols>`), so the
//! workbook's XML is read here. A budget workbook's hidden columns hold drafts and helper
//! figures, sometimes under the same header as the real column, and must be ignored.

use std::io::Read;
use std::path::Path;

/// Zero-based indexes of the hidden columns of sheet `name`; empty when the workbook says
/// nothing about it (a layout that cannot be read hides nothing: the cells stay readable).
pub fn hidden_columns(path: &Path, name: &str) -> Vec<u32> {
    read(path, name).unwrap_or_default()
}

fn read(path: &Path, name: &str) -> Option<Vec<u32>> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let mut text = |entry: &str| -> Option<String> {
        let mut out = Vec::new();
        // `<cols>` sits at the start of a sheet: a few megabytes are plenty, and a sheet
        // of a million rows is not read into memory for it.
        zip.by_name(entry)
            .ok()?
            .take(8 << 20)
            .read_to_end(&mut out)
            .ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    };
    let workbook = text("xl/workbook.xml")?;
    let id = elements(&workbook, "sheet")
        .find(|e| attr(e, "name").is_some_and(|n| unescape(n) == name))
        .and_then(|e| attr(e, "r:id"))?
        .to_string();
    let rels = text("xl/_rels/workbook.xml.rels")?;
    let target = elements(&rels, "Relationship")
        .find(|e| attr(e, "Id") == Some(id.as_str()))
        .and_then(|e| attr(e, "Target"))?;
    let entry = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let sheet = text(&entry)?;
    // `<cols>` comes before the cells; no need to look further.
    let layout = sheet.split("<sheetData").next().unwrap_or_default();
    let mut hidden = Vec::new();
    for col in elements(layout, "col") {
        if !matches!(attr(col, "hidden"), Some("1" | "true")) {
            continue;
        }
        let (Some(min), Some(max)) = (
            attr(col, "min").and_then(|v| v.parse::<u32>().ok()),
            attr(col, "max").and_then(|v| v.parse::<u32>().ok()),
        ) else {
            continue;
        };
        // Excel numbers columns from 1; a hidden block can reach the last column (16384).
        hidden.extend(min.max(1) - 1..max.min(16_384));
    }
    Some(hidden)
}

/// The names of a workbook's sheets, read from `xl/workbook.xml` alone (not its cells or
/// shared strings); empty for a file that is no readable workbook.
pub fn sheet_names(path: &Path) -> Vec<String> {
    let names = || -> Option<Vec<String>> {
        let file = std::fs::File::open(path).ok()?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        let mut out = Vec::new();
        zip.by_name("xl/workbook.xml")
            .ok()?
            .take(8 << 20)
            .read_to_end(&mut out)
            .ok()?;
        let xml = String::from_utf8_lossy(&out);
        Some(
            elements(&xml, "sheet")
                .filter_map(|e| attr(e, "name").map(unescape))
                .collect(),
        )
    };
    names().unwrap_or_default()
}

/// The attribute text of every `<tag …>` element.
fn elements<'a>(xml: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    xml.split('<').filter_map(move |part| {
        let rest = part.strip_prefix(tag)?;
        rest.starts_with([' ', '/', '>', '\t', '\n', '\r'])
            .then(|| rest.split('>').next().unwrap_or_default())
    })
}

fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    for quote in ['"', '\''] {
        let key = format!("{name}={quote}");
        let mut from = 0;
        while let Some(at) = element[from..].find(&key) {
            let start = from + at;
            // A whole attribute name, not the end of a longer one (`id` in `r:id`).
            let whole = start == 0 || element[..start].ends_with(char::is_whitespace);
            let value = &element[start + key.len()..];
            if whole {
                return value.find(quote).map(|end| &value[..end]);
            }
            from = start + key.len();
        }
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_elements() {
        let xml = r#"<sheets><sheet name="Q&amp;A" sheetId="1" r:id="rId2"/></sheets><cols><col min="2" max="3" hidden="1"/></cols>"#;
        let sheet: Vec<&str> = elements(xml, "sheet").collect();
        assert_eq!(sheet.len(), 1);
        assert_eq!(attr(sheet[0], "r:id"), Some("rId2"));
        assert_eq!(attr(sheet[0], "id"), None);
        assert_eq!(unescape(attr(sheet[0], "name").unwrap()), "Q&A");
        let col: Vec<&str> = elements(xml, "col").collect();
        assert_eq!(col.len(), 1);
        assert_eq!(attr(col[0], "hidden"), Some("1"));
    }
}
