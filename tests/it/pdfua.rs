//! Both documents, in both editions, pass an independent PDF/UA-1 checker: veraPDF's rules
//! as the `page-validation` package (PyPI) implements them. `.ci/run` installs it in a
//! virtual environment and names its Python in `PIPELINE_PDFUA_PYTHON`.

use std::process::Command;

use crate::common::{run_quarter, write_config};

const CHECK: &str = "import page, sys
bad = 0
for f in sys.argv[1:]:
    r = page.validate_pdf(f, profile='ua1')
    print(f, 'PASS' if r.is_compliant else 'FAIL', r.rules.passed, '/', r.rules.total)
    for x in r.failures:
        print('  ', x.rule_id, x.message)
    bad += not r.is_compliant
sys.exit(1 if bad else 0)";

#[test]
fn every_pdf_passes_an_independent_pdf_ua_checker() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[tenant.documents.kwartaalrapportage]",
        "[tenant.documents.kwartaalrapportage]\neditions = [\"intern\", \"openbaar\"]",
    );
    std::fs::write(&config, text).unwrap();
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v1 = dir.path().join("output/noorderkwartier/2024Q4/v1");
    let pdfs = [
        v1.join("intern/kwartaalrapportage.pdf"),
        v1.join("openbaar/kwartaalrapportage/kwartaalrapportage.pdf"),
        v1.join("openbaar/raadsmemo/raadsmemo.pdf"),
    ];
    let python = std::env::var("PIPELINE_PDFUA_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg("-c")
        .arg(CHECK)
        .args(&pdfs)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e} (pip install page-validation; .ci/run does)"));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}\n(page-validation is installed by .ci/run; set PIPELINE_PDFUA_PYTHON to its Python)",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report.matches("PASS").count(), 3, "{report}");
}
