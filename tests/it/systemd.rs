//! The systemd unit: systemd accepts it and rates its exposure low.

use std::process::Command;

use crate::common::repo;

/// The committed unit with ExecStart pointing at the binary just built, so `verify` can
/// check that the command exists.
fn unit_here(dir: &std::path::Path) -> std::path::PathBuf {
    let unit = std::fs::read_to_string(repo().join("config/systemd/pipeline.service")).unwrap();
    let unit = unit.replace("/usr/bin/pipeline", env!("CARGO_BIN_EXE_pipeline"));
    let path = dir.join("pipeline.service");
    std::fs::write(&path, unit).unwrap();
    path
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(unit_here(dir.path()))
        .output()
        .expect("systemd-analyze (package systemd) is installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "verify: {stderr}"
    );
}

#[test]
fn the_unit_s_exposure_is_at_most_one_and_a_half() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit_here(dir.path()))
        .output()
        .expect("systemd-analyze (package systemd) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let level: f64 = text
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for pipeline.service:")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("an exposure level in: {text}"));
    assert!(level <= 1.5, "exposure {level}:\n{text}");
}
