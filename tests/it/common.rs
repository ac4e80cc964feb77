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

/// An xs demo export through `until`, generated with `seed` into `dir` and thinned out to
/// `keep` (see [`thin_out`]).
pub fn small_export(dir: &Path, seed: u64, keep: f64, until: pipeline::Quarter) {
    pipeline::demo::generate(
        dir,
        &pipeline::demo::DemoOptions {
            seed,
            scale: pipeline::demo::Scale::Xs,
            until: until.last_day(),
        },
    )
    .unwrap();
    if keep < 1.0 {
        thin_out(dir, seed, keep);
    }
}

/// Keeps a random share (1 in `1/keep`) of the cases, trajectories, carers and volunteers
/// of the export in `data`, and the rows that refer to what is kept: an organisation small
/// enough for the counts that need hiding.
pub fn thin_out(data: &std::path::Path, seed: u64, keep: f64) {
    let mut state = seed | 1;
    let mut coin = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 / (1u64 << 53) as f64) < keep
    };
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(data.join(name))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let first = |line: &str| line.split(';').next().unwrap_or("").to_string();
    let write = |name: &str, rows: Vec<String>| {
        std::fs::write(data.join(name), rows.join("\n") + "\n").unwrap();
    };
    let mut keep_random = |name: &str| -> std::collections::BTreeSet<String> {
        let all = lines(name);
        let mut rows = vec![all[0].clone()];
        rows.extend(all.into_iter().skip(1).filter(|_| coin()));
        let kept = rows.iter().skip(1).map(|l| first(l)).collect();
        write(name, rows);
        kept
    };
    let cases = keep_random("casussen.csv");
    let trajectories = keep_random("collectieve_trajecten.csv");
    keep_random("mantelzorgers.csv");
    keep_random("vrijwilligers.csv");
    for (name, kept) in [
        ("contactmomenten.csv", &cases),
        ("zrm_metingen.csv", &cases),
        ("tevredenheid.csv", &cases),
        ("bijeenkomsten.csv", &trajectories),
    ] {
        let all = lines(name);
        let mut rows = vec![all[0].clone()];
        rows.extend(all.into_iter().skip(1).filter(|l| kept.contains(&first(l))));
        write(name, rows);
    }
}

/// A config like the demo's, with output and state in `dir` and the xs demo export.
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    write_config_reading(dir, extra, demo_data())
}

/// As `write_config`, with the tenant's export and budget read from `data`.
pub fn write_config_reading(dir: &Path, extra: &str, data: &Path) -> PathBuf {
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

/// The test server's password, given to `pipeline` as `SMTP_TEST_PASSWORD`.
pub const SMTP_PASSWORD: &str = "test-wachtwoord";

/// The messages the test SMTP server in `dir` has stored, in the order it stored them.
pub fn read_messages(dir: &Path) -> Vec<serde_json::Value> {
    let Ok(entries) = std::fs::read_dir(dir.join("messages")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect()
}

/// A real SMTP server on 127.0.0.1 (tests/it/smtp_server.py, aiosmtpd): STARTTLS required,
/// then AUTH; accepted messages land in `<dir>/messages` as `.eml` and decoded `.json`.
pub struct SmtpServer {
    pub dir: PathBuf,
    pub port: u16,
    pub user: &'static str,
    child: std::process::Child,
}

impl SmtpServer {
    pub fn start(dir: &Path) -> SmtpServer {
        std::fs::create_dir_all(dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Debian's python3-aiosmtpd belongs to the system interpreter, which a pyenv or venv
        // `python3` earlier on PATH would not see.
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let (user, password) = ("monitor", SMTP_PASSWORD);
        let child = Command::new(python)
            .arg(repo().join("tests/it/smtp_server.py"))
            .arg(dir)
            .arg(port.to_string())
            .args([user, password])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .expect("python3 runs tests/it/smtp_server.py");
        let mut server = SmtpServer {
            dir: dir.to_path_buf(),
            port,
            user,
            child,
        };
        let started = std::time::Instant::now();
        while !dir.join("ready").exists() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the SMTP test server stopped ({status}); is python3-aiosmtpd installed? {}",
                    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed().as_secs() < 30,
                "the SMTP test server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        server
    }

    /// The `[mail]` table for a config that sends to this server.
    pub fn mail_config(&self) -> String {
        format!(
            r#"[mail]
from = "Monitor Sociaal Domein <monitor@noorderkwartier.example>"
reply_to = "informatie@noorderkwartier.example"
max_attempts = 3
backoff_ms = 50
[mail.smtp]
host = "127.0.0.1"
port = {port}
tls = "starttls"
user = "{user}"
password_env = "SMTP_TEST_PASSWORD"
ca_file = "{ca}"
timeout_seconds = 20
"#,
            port = self.port,
            user = self.user,
            ca = self.dir.join("ca.pem").display(),
        )
    }

    /// See tests/it/smtp_server.py: `451-once`, `550`, `sleep N`.
    pub fn control(&self, what: &str) {
        std::fs::write(self.dir.join("control"), what).unwrap();
    }

    /// Every accepted message, in order, as decoded by the server.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        read_messages(&self.dir)
    }

    /// How many times a client got as far as sending DATA.
    pub fn data_attempts(&self) -> usize {
        std::fs::read_to_string(self.dir.join("attempts"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends mail recipients to a config written by `write_config`.
pub fn add_recipients(config: &Path, report: &str, memo: &str) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!(
        "[tenant.documents.kwartaalrapportage.mail]\n{report}\n[tenant.documents.raadsmemo.mail]\n{memo}\n"
    ));
    std::fs::write(config, text).unwrap();
}

/// `pipeline run --quarter Q --config C`, as an analyst types it.
pub fn run_quarter(config: &Path, quarter: &str) -> std::process::Output {
    pipeline()
        .args(["run", "--quarter", quarter, "--config"])
        .arg(config)
        .output()
        .unwrap()
}

/// `pipeline history [--quarter Q]`: the ledger as printed.
pub fn history(config: &Path, quarter: Option<&str>) -> String {
    let mut c = pipeline();
    c.args(["history", "--config"]).arg(config);
    if let Some(q) = quarter {
        c.args(["--quarter", q]);
    }
    String::from_utf8(c.output().unwrap().stdout).unwrap()
}

/// `pipeline --log-format json run --quarter Q --config C` logging at `level`, not started.
pub fn json_run(config: &Path, quarter: &str, level: &str) -> Command {
    let mut c = pipeline();
    c.args([
        "--log-format",
        "json",
        "run",
        "--quarter",
        quarter,
        "--config",
    ])
    .arg(config)
    .env("RUST_LOG", level);
    c
}

/// What a finished process did: exit code (-1 when killed by a signal), its stderr, and its
/// peak resident memory in MB as the kernel counted it.
pub struct Measured {
    pub code: i32,
    pub stderr: String,
    pub peak_mb: u64,
}

/// Forks, execs its arguments, waits, and reports the child's own peak memory the way
/// `/usr/bin/time -v` does. A process spawned straight from the test binary would inherit
/// the test binary's high-water mark at exec, so its peak would count the test's too.
const MEASURE: &str = "import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write('\\nPEAK_KB=%d\\n' % usage.ru_maxrss)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 255)";

/// Runs `cmd` to the end and measures its peak memory.
pub fn run_measured(cmd: Command) -> Measured {
    let mut measured = Command::new("python3");
    measured
        .args(["-c", MEASURE])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => measured.env(key, v),
            None => measured.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        measured.current_dir(dir);
    }
    let out = measured
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let (stderr, peak) = stderr
        .rsplit_once("\nPEAK_KB=")
        .expect("the measuring wrapper reports the peak");
    let code = out.status.code().unwrap_or(-1);
    Measured {
        code: if code == 255 { -1 } else { code },
        stderr: stderr.to_string(),
        peak_mb: peak.trim().parse::<u64>().unwrap() / 1024,
    }
}

/// The names in a folder, sorted; none when it does not exist.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
