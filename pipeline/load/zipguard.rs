//! A workbook is a zip archive; a small file can unpack to gigabytes (a zip bomb). Before
//! calamine unpacks anything, the sizes the archive declares are checked against a limit.
//! The zip reader stops at an entry's declared size, so a lying header cannot get past it.

use std::path::Path;

/// No real budget workbook or export sheet comes near this once unpacked.
pub const MAX_UNPACKED: u64 = 2 << 30;

/// An entry declaring more than this per byte stored is no spreadsheet (real XLSX XML
/// compresses to 5–20×).
const MAX_RATIO: u64 = 1_000;

/// `Err` with the reason when the workbook would unpack to more than `limit` bytes.
pub fn check(path: &Path, limit: u64) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
        let (size, stored) = (entry.size(), entry.compressed_size().max(1));
        if size / stored > MAX_RATIO && size > 16 << 20 {
            return Err(format!(
                "part {} would unpack from {stored} to {size} bytes: refused as a zip bomb, not a workbook",
                entry.name().map(|n| n.into_owned()).unwrap_or_default()
            ));
        }
        total = total.saturating_add(size);
    }
    if total > limit {
        return Err(format!(
            "it would unpack to {total} bytes, more than the limit of {limit}: refused"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn archive(dir: &Path, entries: &[(&str, usize)]) -> std::path::PathBuf {
        let path = dir.join("book.xlsx");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, size) in entries {
            zip.start_file(*name, options).unwrap();
            let chunk = vec![b'0'; 1 << 20];
            let mut left = *size;
            while left > 0 {
                let n = left.min(chunk.len());
                zip.write_all(&chunk[..n]).unwrap();
                left -= n;
            }
        }
        zip.finish().unwrap();
        path
    }

    #[test]
    fn a_zip_bomb_is_refused_before_anything_is_unpacked() {
        let dir = tempfile::tempdir().unwrap();
        // 200 MB of zeros packs into a few hundred kilobytes.
        let bomb = archive(dir.path(), &[("xl/worksheets/sheet1.xml", 200 << 20)]);
        assert!(std::fs::metadata(&bomb).unwrap().len() < 2 << 20);
        let err = check(&bomb, MAX_UNPACKED).unwrap_err();
        assert!(
            err.contains("zip bomb") && err.contains("sheet1.xml"),
            "{err}"
        );
        // Over the total limit.
        let big = archive(dir.path(), &[("a.xml", 3 << 20), ("b.xml", 3 << 20)]);
        assert!(
            check(&big, 5 << 20)
                .unwrap_err()
                .contains("more than the limit")
        );
        let fine = archive(dir.path(), &[("a.xml", 1 << 20)]);
        check(&fine, MAX_UNPACKED).unwrap();
    }
}
