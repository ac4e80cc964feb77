//! A snapshot object changed in place (disk fault, a person, an attack) is noticed when it
//! is read and by `pipeline check`; the error names the object, the object is set aside,
//! and a fresh pull stores a good copy instead of reusing the damaged one.

use std::path::{Path, PathBuf};

use crate::common::{pipeline, run_quarter, write_config};

/// The one kept snapshot of the demo tenant: its id and folder.
fn snapshot(state: &Path) -> (String, PathBuf) {
    let tenant = state.join("snapshots/noorderkwartier");
    let entries: Vec<_> = std::fs::read_dir(&tenant)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(entries.len(), 1);
    (
        entries[0].file_name().to_string_lossy().into_owned(),
        entries[0].path(),
    )
}

/// Changes one byte of a file in place, as a disk fault or a person would: the snapshot's
/// link and the object are the same file.
fn tamper(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'7' { b'8' } else { b'7' };
    std::fs::write(file, bytes).unwrap();
}

fn rerun(config: &Path, id: &str) -> std::process::Output {
    pipeline()
        .args([
            "run",
            "--quarter",
            "2024Q4",
            "--no-mail",
            "--snapshot",
            id,
            "--config",
        ])
        .arg(config)
        .output()
        .unwrap()
}

fn quarantined(state: &Path) -> usize {
    std::fs::read_dir(state.join("quarantine"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn a_changed_snapshot_object_is_named_set_aside_and_replaced_by_a_fresh_pull() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let state = dir.path().join("state");
    assert!(run_quarter(&config, "2024Q4").status.success());
    let figures = || {
        std::fs::read(
            dir.path()
                .join("output/noorderkwartier/2024Q4/current/intern/figures.csv"),
        )
        .unwrap()
    };
    let published = figures();
    let (id, folder) = snapshot(&state);

    // Read again from the snapshot: the damaged object is named, set aside, nothing published.
    tamper(&folder.join("casussen.csv"));
    let out = rerun(&config, &id);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("objects/")
            && err.contains("does not match its hash")
            && err.contains("casussen.csv"),
        "{err}"
    );
    assert!(err.contains("pull again"), "says what to do: {err}");
    assert_eq!(quarantined(&state), 1);
    assert!(!dir.path().join("output/noorderkwartier/2024Q4/v2").exists());

    // A fresh pull stores a good copy; the same files make the same, unchanged version.
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged"));
    assert_eq!(figures(), published);
    assert!(
        rerun(&config, &id).status.success(),
        "the snapshot reads whole again"
    );

    // Damaged, then pulled fresh without anyone noticing first: the pull does not reuse it.
    tamper(&folder.join("clienten.csv"));
    let out = run_quarter(&config, "2024Q4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(figures(), published, "not the damaged bytes");
    assert_eq!(quarantined(&state), 2);
    assert!(rerun(&config, &id).status.success());

    // `pipeline check` reads every object.
    tamper(&folder.join("casussen.csv"));
    let out = pipeline()
        .args(["check", "--quarter", "2024Q4", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("damaged object") && text.contains("objects/"),
        "{text}"
    );
    assert_eq!(quarantined(&state), 3);
}
