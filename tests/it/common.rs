//! Shared helpers: a demo installation in a temporary folder, and reading PDFs back.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo export at scale xs, generated once per test binary.
pub fn demo_data() -> &'static Path {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pipeline-it-demo-{}", std::process::id()));
        let until = pipeline::Quarter::new(2024, 4).unwrap().last_day();
        pipeline::demo::generate(
            &dir,
            &pipeline::demo::DemoOptions {
                seed: 2024,
                scale: pipeline::demo::Scale::Xs,
                until,
            },
        )
        .expect("demo data");
        dir
    })
}

/// A config like the demo's, with output and state in `dir` and the xs demo export.
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let data = demo_data();
    let layouts = repo().join("layouts");
    // A test that writes its own commentary puts it in <dir>/commentary.
    let own = dir.join("commentary");
    let commentary = if own.is_dir() {
        own
    } else {
        repo().join("config/commentary")
    };
    let text = format!(
        r##"state_dir = "{state}"
output_dir = "{output}"
layouts_dir = "{layouts}"
commentary_dir = "{commentary}"
{extra}
[[tenant]]
id = "noorderkwartier"
organisation = "Welzijn Noorderkwartier"
municipality = "Gemeente Noorderkwartier"
export = {{ kind = "dir", path = "{data}" }}
[tenant.budget]
source = {{ kind = "dir", path = "{data}" }}
[tenant.brands.gemeente]
name = "Gemeente Noorderkwartier"
logo = "{layouts}/brand/noorderkwartier.svg"
primary = "#00626f"
accent = "#e8862a"
[tenant.documents.kwartaalrapportage]
brand = "gemeente"
[tenant.documents.raadsmemo]
brand = "gemeente"
portefeuillehouder = "A. de Vries"
signatures = [{{ name = "J. Jansen", function = "burgemeester" }}, {{ name = "P. Pietersen", function = "secretaris" }}]
"##,
        state = dir.join("state").display(),
        output = dir.join("output").display(),
        layouts = layouts.display(),
        commentary = commentary.display(),
        data = data.display(),
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub fn pipeline() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pipeline"));
    c.env_remove("JOURNAL_STREAM")
        .env_remove("INVOCATION_ID")
        .env("RUST_LOG", "warn");
    c
}

/// The text a reader sees, laid out as on the page.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn tool(name: &str, pdf: &Path) -> String {
    let out = Command::new(name)
        .arg(pdf)
        .output()
        .unwrap_or_else(|_| panic!("{name} (poppler-utils) is installed"));
    assert!(out.status.success(), "{name} failed on {}", pdf.display());
    String::from_utf8(out.stdout).unwrap()
}
