//! Reading an export table's bytes: encoding, delimiter and header line.
//!
//! Exports arrive as UTF-8 (with or without BOM) or Windows-1252, with `;` or `,`. The
//! header is read here so columns can be mapped before the body is read: by the short road
//! for a plain file (`load/plain.rs`), by Polars otherwise.

use std::io::Read;
use std::path::Path;

use crate::pull::Encoding;

/// Whether the whole file is valid UTF-8. The file is mapped, not read: it is already in
/// the page cache from the pull, and copying 1.4 GB of a national export through a buffer
/// only to look at it cost more than the vectorised check itself.
pub fn is_utf8(path: &Path) -> std::io::Result<bool> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    // SAFETY: the loader reads files of the snapshot store, which are written once, synced
    // and never changed or truncated afterwards; the map lives only for this check.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(simdutf8::basic::from_utf8(&map).is_ok())
}

pub fn detect_encoding(path: &Path) -> std::io::Result<Encoding> {
    Ok(if is_utf8(path)? {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    })
}

/// The file as UTF-8 text bytes (BOM kept; Polars skips it).
pub fn transcode_1252(bytes: &[u8]) -> Vec<u8> {
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    text.into_owned().into_bytes()
}

/// The first line of the file, decoded, without BOM or line end.
pub fn header_line(path: &Path, encoding: Encoding) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = file.read(&mut chunk)?;
        head.extend_from_slice(&chunk[..n]);
        if n == 0 || head.contains(&b'\n') || head.len() > 1 << 20 {
            break;
        }
    }
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let mut line = &head[..end];
    if let Some(rest) = line.strip_prefix(b"\xef\xbb\xbf") {
        line = rest;
    }
    let text = match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(line).into_owned(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252.decode(line).0.into_owned(),
    };
    Ok(text.trim_end_matches('\r').to_string())
}

/// `;` unless the header line has more commas than semicolons outside quotes.
pub fn sniff_delimiter(header: &str) -> u8 {
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if comma > semi { b',' } else { b';' }
}

/// The header's fields, unquoted, as written (not yet trimmed).
pub fn split_header(header: &str, delimiter: u8) -> Vec<String> {
    let delimiter = delimiter as char;
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = header.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("one field").push('"');
            }
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// Where a file stops inside its last row. `None` for a file that ends with a line end or
/// whose last row is whole.
///
/// An exporter that is still writing, or paused, leaves a file cut at any byte. Polars
/// would read a row cut short as a row with its last fields empty, and a cut inside a
/// field as a shorter value (`Uithu` for `Uithuizen`): the row would be excluded or,
/// worse, counted under a place that does not exist. A file without a line end after its
/// last row is where this shows; only such a file is scanned, so a whole export costs one
/// byte read. A last row with every field and no line end cannot be told from a whole
/// one and is taken as it is.
pub fn cut_off_row(path: &Path, delimiter: u8, fields: usize) -> std::io::Result<Option<Cut>> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    // SAFETY: as in `is_utf8`, a file of the snapshot store, never changed once stored.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(last_row_cut(&map, delimiter, fields))
}

/// See [`cut_off_row`]; the bytes of a file that does not end with a line end.
fn last_row_cut(bytes: &[u8], delimiter: u8, fields: usize) -> Option<Cut> {
    let (mut line, mut quoted) = (1u64, false);
    // The last row: where it starts, its line, its fields so far.
    let (mut start, mut row_line, mut row_fields) = (0usize, 1u64, 1usize);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                line += 1;
                (start, row_line, row_fields) = (i + 1, line, 1);
            }
            b'\n' => line += 1,
            b if b == delimiter && !quoted => row_fields += 1,
            _ => {}
        }
    }
    // A file cut between a CR and its LF still has its last row whole.
    let blank = !quoted && bytes[start..].iter().all(|&b| b == b'\r');
    (row_line > 1 && !blank && (quoted || row_fields < fields)).then_some(Cut {
        line: row_line,
        fields: row_fields,
        in_quotes: quoted,
    })
}

/// A last row cut off: the line it starts on, the fields it has (begun), and whether it
/// stops inside a quoted value.
#[derive(Debug, PartialEq, Eq)]
pub struct Cut {
    pub line: u64,
    pub fields: usize,
    pub in_quotes: bool,
}

/// Header text compared the way the contract says: case-insensitive, spaces trimmed.
pub fn header_key(text: &str) -> String {
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sniffs_the_delimiter() {
        assert_eq!(sniff_delimiter("Casusnummer;Clientnummer;Team"), b';');
        assert_eq!(sniff_delimiter("Casusnummer,Clientnummer,Team"), b',');
        assert_eq!(sniff_delimiter("\"Nummer, oud\";Team"), b';');
        assert_eq!(sniff_delimiter("Casusnummer"), b';');
    }

    #[test]
    fn splits_quoted_headers() {
        assert_eq!(
            split_header("a;\"b;c\";\"d\"\"e\"", b';'),
            vec!["a", "b;c", "d\"e"]
        );
        assert_eq!(
            split_header(" Casusnummer ,Team", b','),
            vec![" Casusnummer ", "Team"]
        );
    }

    #[test]
    fn utf8_detection_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, "Woonplaats\nFinsterwolde\nCliëntondersteuning\n").unwrap();
        assert!(is_utf8(&p).unwrap());
        std::fs::write(&p, b"Woonplaats\nCli\xebntondersteuning\n").unwrap();
        assert!(!is_utf8(&p).unwrap());
        assert_eq!(transcode_1252(b"Cli\xebnt \x80"), "Cliënt €".as_bytes());
    }

    #[test]
    fn a_last_row_cut_off_is_found_and_a_whole_one_is_not() {
        let cut = |text: &str| last_row_cut(text.as_bytes(), b';', 3);
        let at = |line, fields, in_quotes| {
            Some(Cut {
                line,
                fields,
                in_quotes,
            })
        };
        assert_eq!(cut("a;b;c\n1;2;3"), None, "whole, without a line end");
        assert_eq!(cut("a;b;c\n1;2"), at(2, 2, false));
        assert_eq!(cut("a;b;c\r\n1;2;3\r\n4"), at(3, 1, false));
        assert_eq!(cut("a;b;c\n1;\"x\ny\";3\n4;\"op"), at(4, 2, true));
        assert_eq!(cut("a;b;c\n1;\"x;\"\"y\"\"\";3"), None, "escaped quotes");
        assert_eq!(cut("a;b;c\r\n1;2;3\r"), None, "cut between CR and LF");
        assert_eq!(cut("a;b;c\n1;2;3\n  "), at(3, 1, false), "a row of spaces");
        assert_eq!(cut("a;b;c"), None, "only a header");
        assert_eq!(cut("a;b;c\n\"1"), at(2, 1, true));
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 ]{0,6}",
            "[a-z;\n\"]{0,6}".prop_map(|v| format!("\"{}\"", v.replace('"', "\"\""))),
        ]
    }

    proptest! {
        /// A file of whole rows is never taken for a cut one, with or without its last
        /// line end, and every cut before the last row's last field is found, on the
        /// line that row starts on.
        #[test]
        fn cuts_are_found_wherever_they_fall(
            rows in proptest::collection::vec(proptest::collection::vec(field(), 3), 1..5),
            crlf: bool,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("a;b;c{end}");
            let mut line = 2;
            let mut last = (0, 0);
            for row in &rows {
                last = (text.len(), line);
                let joined = row.join(";");
                line += joined.matches('\n').count() + 1;
                text.push_str(&joined);
                text.push_str(end);
            }
            let whole = text.trim_end_matches(end);
            prop_assert_eq!(last_row_cut(whole.as_bytes(), b';', 3), None);
            let last_row = rows.last().unwrap();
            let last_field = last.0 + last_row[0].len() + 1 + last_row[1].len();
            for stop in last.0 + 1..=last_field {
                let found = last_row_cut(&whole.as_bytes()[..stop], b';', 3);
                prop_assert_eq!(found.map(|c| c.line), Some(last.1 as u64), "{:?}", &whole[..stop]);
            }
        }
    }

    #[test]
    fn header_without_bom_and_cr() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, b"\xef\xbb\xbfCasusnummer;Team\r\nC1;A\r\n").unwrap();
        assert_eq!(header_line(&p, Encoding::Utf8).unwrap(), "Casusnummer;Team");
    }
}
