//! Reading an export table's bytes: encoding, delimiter and header line.
//!
//! Exports arrive as UTF-8 (with or without BOM) or Windows-1252, with `;` or `,`. The
//! header is read here so columns can be mapped before Polars reads the body; the body
//! itself is parsed by Polars.

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

/// Header text compared the way the contract says: case-insensitive, spaces trimmed.
pub fn header_key(text: &str) -> String {
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn header_without_bom_and_cr() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, b"\xef\xbb\xbfCasusnummer;Team\r\nC1;A\r\n").unwrap();
        assert_eq!(header_line(&p, Encoding::Utf8).unwrap(), "Casusnummer;Team");
    }
}
