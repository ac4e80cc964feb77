//! Bad command-line input: exit non-zero with one clear line naming the problem.

use crate::common::{pipeline, write_config};

fn fails_with(args: &[&str], expected: &[&str]) {
    let out = pipeline().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    for e in expected {
        assert!(err.contains(e), "{args:?}: expected {e:?} in {err}");
    }
    assert!(
        lines.len() <= 3,
        "{args:?}: the problem should be one clear line, got:\n{err}"
    );
}

#[test]
fn an_impossible_quarter_is_refused() {
    fails_with(
        &["run", "--quarter", "2024Q5"],
        &["2024Q5", "expected a year and quarter number like 2024Q4"],
    );
}

#[test]
fn a_missing_config_file_is_named() {
    fails_with(
        &[
            "run",
            "--quarter",
            "2024Q4",
            "--config",
            "/nonexistent/pipeline.toml",
        ],
        &["/nonexistent/pipeline.toml", "cannot read"],
    );
}

/// A path or a name from a hostile file can be quoted in the message: an escape sequence
/// or a direction control in it is written out, not acted on by the terminal.
#[test]
fn a_hostile_name_in_the_message_is_written_out_not_acted_on() {
    let path = "/nonexistent/\u{1b}[2J\u{202e}lmot.enilepip";
    let out = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config", path])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(
        err.contains("/nonexistent/\\u{1b}[2J\\u{202e}lmot.enilepip"),
        "{err:?}"
    );
}

#[test]
fn a_mistyped_config_key_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("organisation =", "organisatie =");
    std::fs::write(&config, text).unwrap();
    fails_with(
        &[
            "run",
            "--quarter",
            "2024Q4",
            "--config",
            config.to_str().unwrap(),
        ],
        &["pipeline.toml: line", "organisatie"],
    );
}

#[test]
fn the_committed_configs_parse() {
    for name in ["pipeline.toml", "pipeline.example.toml"] {
        let path = crate::common::repo().join("config").join(name);
        if let Err(e) = pipeline::config::Config::load(&path) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn credentials_in_a_source_url_are_refused_as_inline_secrets_are() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen(
        "export = { kind = \"dir\", path = ",
        "export = { kind = \"https\", url = \"https://analist:geheim@export.example.nl/regas/\" }\n# was: ",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let out = pipeline()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("tenant.noorderkwartier.export.url") && err.contains("credentials"),
        "{err}"
    );
    assert!(!err.contains("geheim"), "the secret is not repeated: {err}");
}

#[test]
fn snapshot_takes_an_id_not_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    for given in ["../../../../etc", "/tmp", "0123456789abcdeg"] {
        fails_with(
            &[
                "run",
                "--quarter",
                "2024Q4",
                "--snapshot",
                given,
                "--config",
                config.to_str().unwrap(),
            ],
            &[given, "is not a snapshot id"],
        );
    }
    assert!(!dir.path().join("output/noorderkwartier/2024Q4").exists());
}
