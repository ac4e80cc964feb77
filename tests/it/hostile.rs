//! Hostile files: whatever arrives, the run stops with one clear line naming the file, and
//! nothing is published.

use std::path::Path;

use crate::common::{demo_data, run_quarter, write_config_reading};

/// The xs demo export in `dir/export`, with `name` replaced by `bytes`.
fn export_with(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let export = dir.join("export");
    std::fs::create_dir_all(&export).unwrap();
    for entry in std::fs::read_dir(demo_data()).unwrap().flatten() {
        std::fs::copy(entry.path(), export.join(entry.file_name())).unwrap();
    }
    std::fs::write(export.join(name), bytes).unwrap();
    write_config_reading(dir, "", &export)
}

fn assert_refused(dir: &Path, config: &Path, file: &str) -> String {
    let out = run_quarter(config, "2024Q4");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(file), "names {file}: {stderr}");
    assert!(
        !dir.join("output/noorderkwartier/2024Q4/current").exists(),
        "nothing published"
    );
    stderr
}

#[test]
fn binary_garbage_named_csv_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Deterministic noise, with NUL bytes and invalid UTF-8.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let config = export_with(dir.path(), "casussen.csv", &garbage);
    assert_refused(dir.path(), &config, "casussen.csv");
}

#[test]
fn a_zip_bomb_posing_as_the_budget_workbook_is_refused_without_unpacking() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bytes);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..300 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let bomb = bytes.into_inner();
    assert!(
        bomb.len() < 2 << 20,
        "300 MB packed into {} bytes",
        bomb.len()
    );
    let config = export_with(dir.path(), "begroting-2024.xlsx", &bomb);
    let err = assert_refused(dir.path(), &config, "begroting-2024.xlsx");
    assert!(err.contains("zip bomb"), "{err}");
}

#[test]
fn a_csv_with_one_100_mb_line_is_refused_or_loaded_but_never_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = std::fs::read(demo_data().join("casussen.csv")).unwrap();
    // A 100 MB line of one unquoted field at the end of the table.
    cases.extend(std::iter::repeat_n(b'x', 100 << 20));
    cases.push(b'\n');
    let config = export_with(dir.path(), "casussen.csv", &cases);
    let mut cmd = crate::common::pipeline();
    cmd.args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config);
    let run = crate::common::run_measured(cmd);
    if run.code == 0 {
        // Loaded: the line is one defective row among thousands, excluded and counted.
        let report = crate::common::pdf_text(
            &dir.path()
                .join("output/noorderkwartier/2024Q4/v1/intern/kwartaalrapportage.pdf"),
        );
        assert!(report.contains("Datakwaliteit"));
    } else {
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("casussen.csv"), "{}", run.stderr);
    }
    assert!(
        run.stderr.len() < 2_000,
        "the line is not echoed into the message"
    );
    // A few copies of the line at most: it is not split, copied per column or per thread.
    assert!(run.peak_mb < 1_500, "peak {} MB", run.peak_mb);
}

/// The demo budget workbook with 1,000,000 formatted but empty rows under its table, as a
/// workbook gets when someone formats whole columns down to the bottom of the sheet.
fn with_a_million_empty_rows(original: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(original)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let end = xml.find("</sheetData>").unwrap();
            let last: u32 = xml[..end]
                .rsplit("<row r=\"")
                .next()
                .and_then(|r| r.split('"').next())
                .unwrap()
                .parse()
                .unwrap();
            let mut rows = String::with_capacity(80 << 20);
            for r in last + 1..=last + 1_000_000 {
                rows.push_str(&format!(
                    "<row r=\"{r}\" spans=\"1:14\"><c r=\"A{r}\" s=\"2\"/><c r=\"N{r}\" s=\"2\"/></row>"
                ));
            }
            let xml = format!("{}{rows}{}", &xml[..end], &xml[end..]);
            let dimension = xml.find("<dimension ref=\"").unwrap();
            let close = dimension + xml[dimension..].find("/>").unwrap();
            bytes = format!(
                "{}<dimension ref=\"A1:N{}\"{}",
                &xml[..dimension],
                last + 1_000_000,
                &xml[close..]
            )
            .into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_budget_workbook_with_a_million_empty_rows_gives_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(demo_data().join("begroting-2024.xlsx")).unwrap();
    let workbook = with_a_million_empty_rows(&original);
    let config = export_with(dir.path(), "begroting-2024.xlsx", &workbook);
    let mut cmd = crate::common::pipeline();
    cmd.args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config);
    let run = crate::common::run_measured(cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 2_000, "peak {} MB", run.peak_mb);
    let figures = |root: &Path| {
        std::fs::read_to_string(root.join("output/noorderkwartier/2024Q4/v1/intern/figures.csv"))
            .unwrap()
    };
    let plain = tempfile::tempdir().unwrap();
    let config = export_with(plain.path(), "begroting-2024.xlsx", &original);
    assert!(run_quarter(&config, "2024Q4").status.success());
    assert_eq!(
        figures(dir.path()),
        figures(plain.path()),
        "empty rows change no figure"
    );
}

/// The demo's `casussen.csv` with `change` applied to some of its records.
fn cases_with(change: impl Fn(usize, &mut Vec<String>)) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(demo_data().join("casussen.csv"))
        .unwrap();
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    out.write_record(reader.headers().unwrap()).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        change(i, &mut fields);
        out.write_record(&fields).unwrap();
    }
    out.into_inner().unwrap()
}

/// Columns of `casussen.csv` (the contract's order).
const TEAM: usize = 4;
const WOONPLAATS: usize = 5;
const EINDDATUM: usize = 8;

#[test]
fn hostile_text_is_a_counted_row_defect_and_a_formula_is_neutralised_in_figures_csv() {
    const FORMULA: &str = "=HYPERLINK(\"http://kwaad.example\",\"klik\")";
    let cases = cases_with(|i, f| match i {
        3 => f[TEAM] = "Noord\u{0}kwartier".into(),
        5 => f[WOONPLAATS] = "Zand\u{1b}[2Jeweer".into(),
        7 => f[TEAM] = "Team \u{85}Oost".into(),
        9 => f[WOONPLAATS] = "x".repeat(10 << 20),
        11 => f[TEAM] = "y".repeat(201),
        // Direction controls: invisible, they would turn a mail's `12 → 13` after the
        // name around.
        13 => f[TEAM] = "Noord\u{202e}".into(),
        15 => f[WOONPLAATS] = "Zandeweer\u{200f}".into(),
        // Open cases in the quarter: the formula becomes a place the figures name.
        i if i % 40 == 0 && f[EINDDATUM].is_empty() => f[WOONPLAATS] = FORMULA.into(),
        _ => {}
    });
    let dir = tempfile::tempdir().unwrap();
    let config = export_with(dir.path(), "casussen.csv", &cases);
    let mut cmd = crate::common::pipeline();
    cmd.args(["run", "--quarter", "2024Q4", "--no-mail", "--config"])
        .arg(&config);
    let run = crate::common::run_measured(cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let version = dir.path().join("output/noorderkwartier/2024Q4/v1");
    let figures = std::fs::read(version.join("intern/figures.csv")).unwrap();
    assert!(
        figures.len() < 1 << 20,
        "the 10 MB value is not in the figures"
    );
    let text = String::from_utf8(figures).unwrap();
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' || pipeline::load::table::direction_control(c)),
        "no control character reaches figures.csv"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut neutralised = 0;
    for record in reader.records() {
        // Text is the category column; the others are codes and numbers (a negative amount
        // is a number to a spreadsheet, not a formula).
        let record = record.unwrap();
        let cell = &record[2];
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would run: {cell}"
        );
        neutralised += usize::from(cell == format!("'{FORMULA}"));
    }
    assert!(
        neutralised > 0,
        "the formula place is in the figures, neutralised"
    );

    // The internal appendix counts the rows and says why; no document carries the text.
    let report = crate::common::pdf_text(&version.join("intern/kwartaalrapportage.pdf"));
    let flat = report.split_whitespace().collect::<Vec<_>>().join(" ");
    for column in ["Team", "Woonplaats"] {
        assert!(
            flat.contains(&format!("onleesbare {column}")),
            "the appendix names {column}: {flat}"
        );
    }
    for pdf in [
        "intern/kwartaalrapportage.pdf",
        "openbaar/kwartaalrapportage/kwartaalrapportage.pdf",
        "openbaar/raadsmemo/raadsmemo.pdf",
    ] {
        let path = version.join(pdf);
        if path.exists() {
            let text = crate::common::pdf_text(&path);
            assert!(
                !text.contains("xxxxxxxxxx")
                    && !text.contains("[2J")
                    && !text.contains(['\u{202e}', '\u{200f}']),
                "{pdf}"
            );
        }
    }
}

#[test]
fn a_10_mb_text_value_costs_no_more_memory_than_the_field() {
    let measure = |cases: Vec<u8>| {
        let dir = tempfile::tempdir().unwrap();
        let config = export_with(dir.path(), "casussen.csv", &cases);
        let mut cmd = crate::common::pipeline();
        cmd.args(["run", "--quarter", "2024Q4", "--no-mail", "--config"])
            .arg(&config);
        let run = crate::common::run_measured(cmd);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.peak_mb
    };
    let normal = measure(cases_with(|_, _| {}));
    let huge = measure(cases_with(|i, f| {
        if i == 9 {
            f[WOONPLAATS] = "x".repeat(10 << 20);
        }
    }));
    // The file is read whole and parsed once: a few copies of 10 MB, not one per column,
    // thread or figure.
    eprintln!("peak memory: {normal} MB normally, {huge} MB with a 10 MB value");
    assert!(
        huge <= normal + 60,
        "a normal run peaks at {normal} MB, with one 10 MB value at {huge} MB"
    );
}
