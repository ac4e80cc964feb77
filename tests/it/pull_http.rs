//! Pulling over HTTP from a real server on 127.0.0.1, started by the test, that misbehaves
//! on purpose: every fault ends as described, and no half-written file stays behind.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pipeline::config::Config;
use pipeline::pull::{self, SnapshotStore};

use crate::common::{demo_data, pipeline as pipeline_cmd, repo};

/// What the server does for one request to a path.
#[derive(Clone)]
pub enum Reply {
    Ok(Vec<u8>),
    Status(u16, Vec<(String, String)>),
    /// Promises `len` bytes, sends the first few, then closes.
    ResetMidBody(usize),
    /// The body without a length, ended by closing the connection (HTTP/1.0 style).
    Unframed(Vec<u8>),
    /// The body in chunks; with `false`, the connection closes before the last chunk.
    Chunked(Vec<u8>, bool),
    Html,
    /// Waits before answering.
    Slow(Duration),
}

#[derive(Default)]
pub struct Script {
    /// Per path: replies in order; the last one repeats.
    replies: HashMap<String, Vec<Reply>>,
    /// Every request: path and Authorization header.
    pub seen: Vec<(String, Option<String>)>,
}

pub struct Server {
    pub base: String,
    pub script: Arc<Mutex<Script>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = script.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Server { base, script }
    }

    pub fn on(&self, path: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .replies
            .insert(path.to_string(), replies);
    }

    /// Serves every table of the xs demo export, unchanged.
    pub fn serve_demo(&self) {
        for entry in std::fs::read_dir(demo_data()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            self.on(
                &format!("/{name}"),
                vec![Reply::Ok(std::fs::read(entry.path()).unwrap())],
            );
        }
    }

    pub fn hits(&self, path: &str) -> usize {
        self.script
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }
}

fn serve(mut stream: TcpStream, script: &Mutex<Script>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut auth = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            auth = Some(v.trim().to_string());
        }
    }
    let reply = {
        let mut s = script.lock().unwrap();
        s.seen.push((path.clone(), auth));
        match s.replies.get_mut(&path) {
            Some(list) if list.len() > 1 => list.remove(0),
            Some(list) => list[0].clone(),
            None => Reply::Status(404, Vec::new()),
        }
    };
    let head = |status: &str, extra: &str, len: usize| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n{extra}\r\n")
    };
    let _ = match reply {
        Reply::Ok(body) => stream
            .write_all(head("200 OK", "Content-Type: text/csv\r\n", body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body)),
        Reply::Status(code, headers) => {
            let extra: String = headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\r\n"))
                .collect();
            stream.write_all(head(&format!("{code} X"), &extra, 0).as_bytes())
        }
        Reply::ResetMidBody(len) => {
            let _ = stream.write_all(head("200 OK", "", len).as_bytes());
            let _ = stream.write_all(b"Casusnummer;Clientnummer\nC0001;K0001\n");
            let _ = stream.flush();
            stream.shutdown(std::net::Shutdown::Both)
        }
        Reply::Unframed(body) => stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n")
            .and_then(|_| stream.write_all(&body))
            .and_then(|_| stream.shutdown(std::net::Shutdown::Both)),
        Reply::Chunked(body, whole) => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .to_vec();
            let chunks: Vec<&[u8]> = body.chunks(4096).collect();
            let sent = if whole {
                chunks.len()
            } else {
                chunks.len() / 2
            };
            for chunk in &chunks[..sent] {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            if whole {
                out.extend_from_slice(b"0\r\n\r\n");
            }
            stream
                .write_all(&out)
                .and_then(|_| stream.shutdown(std::net::Shutdown::Both))
        }
        Reply::Html => {
            let body = b"<!DOCTYPE html><html><body><form>Inloggen</form></body></html>";
            stream
                .write_all(
                    head(
                        "200 OK",
                        "Content-Type: text/html; charset=utf-8\r\n",
                        body.len(),
                    )
                    .as_bytes(),
                )
                .and_then(|_| stream.write_all(body))
        }
        Reply::Slow(wait) => {
            std::thread::sleep(wait);
            stream.write_all(head("200 OK", "", 0).as_bytes())
        }
    };
    let _ = stream.flush();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}

fn config(dir: &Path, base: &str, extra: &str) -> Config {
    let text = format!(
        r##"state_dir = "{state}"
output_dir = "{output}"
layouts_dir = "{layouts}"
[[tenant]]
id = "t"
organisation = "Welzijn Noorderkwartier"
municipality = "Gemeente Noorderkwartier"
[tenant.export]
kind = "https"
url = "{base}"
auth = {{ kind = "bearer", token_env = "PIPELINE_TEST_TOKEN" }}
retries = 2
backoff_ms = 50
timeout_seconds = 2
connect_timeout_seconds = 2
{extra}
[tenant.budget]
source = {{ kind = "https", url = "{base}begroting-{{year}}.xlsx", timeout_seconds = 5 }}
[tenant.brands.g]
name = "Gemeente Noorderkwartier"
primary = "#00626f"
accent = "#e8862a"
[tenant.documents.kwartaalrapportage]
brand = "g"
[tenant.documents.raadsmemo]
brand = "g"
portefeuillehouder = "A. de Vries"
signatures = []
"##,
        state = dir.join("state").display(),
        output = dir.join("output").display(),
        layouts = repo().join("layouts").display(),
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap()
}

const TOKEN: &str = "s3cr3t-token-do-not-log";

fn pull_with(
    server: &Server,
    extra: &str,
) -> (tempfile::TempDir, Result<pull::Snapshot, pull::PullError>) {
    // SAFETY: tests set this variable to the same value; nothing else reads it concurrently.
    unsafe { std::env::set_var("PIPELINE_TEST_TOKEN", TOKEN) };
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.base, extra);
    let store = SnapshotStore::open(&config.state_dir).unwrap();
    let tenant = &config.tenants[0];
    let origin = pull::Origin {
        tenant: &tenant.id,
        export: &tenant.export,
        budget: tenant.budget.as_ref(),
    };
    let result = pull::pull(&store, origin, "2024Q4".parse().unwrap());
    (dir, result)
}

/// Nothing half-written: every object is whole (its name is its hash) and tmp/ is empty.
fn assert_no_partial_files(state: &Path) {
    let tmp: Vec<_> = std::fs::read_dir(state.join("tmp"))
        .unwrap()
        .flatten()
        .collect();
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
    for entry in std::fs::read_dir(state.join("objects")).unwrap().flatten() {
        use sha2::Digest;
        let bytes = std::fs::read(entry.path()).unwrap();
        assert_eq!(
            hex::encode(sha2::Sha256::digest(&bytes)),
            entry.file_name().to_string_lossy(),
            "an object is exactly its content"
        );
    }
    let building: Vec<_> = std::fs::read_dir(state.join("snapshots/t"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        building.is_empty(),
        "half-built snapshots left: {building:?}"
    );
}

#[test]
fn pulls_every_table_with_the_token_and_retries_a_500() {
    let server = Server::start();
    server.serve_demo();
    let casussen = std::fs::read(demo_data().join("casussen.csv")).unwrap();
    server.on(
        "/casussen.csv",
        vec![Reply::Status(500, Vec::new()), Reply::Ok(casussen.clone())],
    );
    let (dir, result) = pull_with(&server, "");
    let snapshot = result.unwrap();
    assert_eq!(
        server.hits("/casussen.csv"),
        2,
        "500 then 200: retried once"
    );
    assert_eq!(
        std::fs::read(snapshot.dir.join("casussen.csv")).unwrap(),
        casussen
    );
    assert!(
        snapshot.file("budget").is_some(),
        "the budget workbook of 2024 came along"
    );
    let seen = server.script.lock().unwrap().seen.clone();
    let (budget, export): (Vec<_>, Vec<_>) = seen
        .iter()
        .partition(|(path, _)| path.starts_with("/begroting-"));
    assert!(
        export
            .iter()
            .all(|(_, auth)| auth.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "every export request carries the token"
    );
    assert!(
        !budget.is_empty() && budget.iter().all(|(_, auth)| auth.is_none()),
        "the budget source has no auth configured: no token sent there"
    );
    let snapshots: Vec<_> = std::fs::read_dir(dir.path().join("state/snapshots/t"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(snapshots.len(), 1, "one snapshot");
    let manifest = std::fs::read_to_string(snapshot.dir.join("manifest.json")).unwrap();
    assert!(!manifest.contains(TOKEN));
    assert_no_partial_files(&dir.path().join("state"));
}

#[test]
fn honours_retry_after_on_429() {
    let server = Server::start();
    server.serve_demo();
    let clienten = std::fs::read(demo_data().join("clienten.csv")).unwrap();
    server.on(
        "/clienten.csv",
        vec![
            Reply::Status(429, vec![("Retry-After".into(), "1".into())]),
            Reply::Ok(clienten),
        ],
    );
    let started = Instant::now();
    let (_dir, result) = pull_with(&server, "");
    result.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as Retry-After asked"
    );
    assert_eq!(server.hits("/clienten.csv"), 2);
}

#[test]
fn a_404_on_a_required_table_is_final_and_clear() {
    let server = Server::start();
    server.serve_demo();
    server.on("/casussen.csv", vec![Reply::Status(404, Vec::new())]);
    let (dir, result) = pull_with(&server, "");
    let err = result.unwrap_err().to_string();
    assert!(err.contains("casussen.csv") && err.contains("404"), "{err}");
    assert_eq!(server.hits("/casussen.csv"), 1, "no retry on 404");
    assert!(!err.contains(TOKEN));
    assert_no_partial_files(&dir.path().join("state"));
}

#[test]
fn a_404_on_an_optional_table_leaves_it_out() {
    let server = Server::start();
    server.serve_demo();
    server.on("/tevredenheid.csv", vec![Reply::Status(404, Vec::new())]);
    let (_dir, result) = pull_with(&server, "");
    let snapshot = result.unwrap();
    assert!(snapshot.files.iter().all(|f| f.name != "tevredenheid.csv"));
}

#[test]
fn a_connection_reset_mid_body_is_retried_and_leaves_no_partial_file() {
    let server = Server::start();
    server.serve_demo();
    server.on("/casussen.csv", vec![Reply::ResetMidBody(1_000_000)]);
    let (dir, result) = pull_with(&server, "");
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("casussen.csv") && err.contains("gave up after 3 attempts"),
        "{err}"
    );
    assert_eq!(server.hits("/casussen.csv"), 3);
    assert_no_partial_files(&dir.path().join("state"));
}

/// A server that ends the file by closing the connection cannot be told from one whose
/// connection broke off after whole lines: such a body is refused, whole or not, and
/// nothing of it is stored.
#[test]
fn a_body_without_a_length_is_refused_whole_or_cut_off() {
    let casussen = std::fs::read(demo_data().join("casussen.csv")).unwrap();
    let lines = casussen.iter().filter(|b| **b == b'\n').count();
    let cut = casussen
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(lines / 2)
        .map(|(i, _)| &casussen[..=i])
        .unwrap()
        .to_vec();
    for body in [casussen.clone(), cut] {
        let server = Server::start();
        server.serve_demo();
        server.on("/casussen.csv", vec![Reply::Unframed(body)]);
        let (dir, result) = pull_with(&server, "");
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("casussen.csv") && err.contains("did not say where the file ends"),
            "{err}"
        );
        assert_eq!(
            server.hits("/casussen.csv"),
            1,
            "not retried: the server does it again"
        );
        assert_no_partial_files(&dir.path().join("state"));
    }
}

#[test]
fn a_chunked_body_is_read_whole_and_one_cut_before_its_last_chunk_is_retried() {
    let casussen = std::fs::read(demo_data().join("casussen.csv")).unwrap();
    let server = Server::start();
    server.serve_demo();
    server.on(
        "/casussen.csv",
        vec![
            Reply::Chunked(casussen.clone(), false),
            Reply::Chunked(casussen.clone(), true),
        ],
    );
    let (dir, result) = pull_with(&server, "");
    let snapshot = result.unwrap();
    assert_eq!(
        server.hits("/casussen.csv"),
        2,
        "the cut-off body is retried"
    );
    let file = snapshot
        .files
        .iter()
        .find(|f| f.name == "casussen.csv")
        .unwrap();
    use sha2::Digest;
    assert_eq!(file.sha256, hex::encode(sha2::Sha256::digest(&casussen)));
    assert_no_partial_files(&dir.path().join("state"));
}

#[test]
fn a_body_over_the_size_limit_is_refused() {
    let server = Server::start();
    server.serve_demo();
    server.on(
        "/contactmomenten.csv",
        vec![Reply::Ok(vec![b'x'; 2 * 1024 * 1024])],
    );
    let (dir, result) = pull_with(&server, "max_size_mb = 1");
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("contactmomenten.csv") && err.contains("limit of 1 MB"),
        "{err}"
    );
    assert_no_partial_files(&dir.path().join("state"));
}

#[test]
fn an_html_login_page_is_not_data() {
    let server = Server::start();
    server.serve_demo();
    server.on("/casussen.csv", vec![Reply::Html]);
    let (_dir, result) = pull_with(&server, "");
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("HTML page") && err.contains("casussen.csv"),
        "{err}"
    );
    assert_eq!(
        server.hits("/casussen.csv"),
        1,
        "a login page is not retried"
    );
}

#[test]
fn a_server_slower_than_the_timeout_fails_after_the_retries() {
    let server = Server::start();
    server.serve_demo();
    server.on("/clienten.csv", vec![Reply::Slow(Duration::from_secs(4))]);
    let (dir, result) = pull_with(&server, "");
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("clienten.csv") && err.contains("did not answer in time"),
        "{err}"
    );
    assert_no_partial_files(&dir.path().join("state"));
}

#[test]
fn a_whole_run_over_http_never_logs_the_token() {
    let server = Server::start();
    server.serve_demo();
    let dir = tempfile::tempdir().unwrap();
    let _ = config(dir.path(), &server.base, "");
    let out = pipeline_cmd()
        .args(["run", "--quarter", "2024Q4", "--config"])
        .arg(dir.path().join("pipeline.toml"))
        .env("PIPELINE_TEST_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains(TOKEN) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN),
        "the token was logged"
    );
    assert!(
        dir.path()
            .join("output/t/2024Q4/v1/intern/kwartaalrapportage.pdf")
            .is_file()
    );
}
