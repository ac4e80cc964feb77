//! Fetching source files over HTTPS into the snapshot store.
//!
//! Connection errors, 5xx and 429 are retried with exponential backoff and jitter (429
//! honours Retry-After); other 4xx are final. The body streams into the store with a size
//! limit, and an HTML page where a table was expected (a login page served with 200) is an
//! error, not data. Credentials go in a header only: never in a log line, manifest or error.

use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};

use super::PullError;
use super::config::{Auth, HttpOptions};
use super::snapshot::{SnapshotFile, SnapshotStore};
use crate::secrets;

/// A URL as it may be shown: without user info and query (either may hold a secret).
pub fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => "(an invalid URL)".into(),
    }
}

fn auth_header(auth: &Auth) -> Result<HeaderValue, PullError> {
    let value = match auth {
        Auth::Bearer {
            token_env,
            token_credential,
        } => {
            format!(
                "Bearer {}",
                secrets::read(
                    token_env.as_deref(),
                    token_credential.as_deref(),
                    "bearer token"
                )?
            )
        }
        Auth::Basic {
            user,
            password_env,
            password_credential,
        } => {
            use base64::Engine;
            let password = secrets::read(
                password_env.as_deref(),
                password_credential.as_deref(),
                "password",
            )?;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        }
    };
    let mut header = HeaderValue::from_str(&value).map_err(|_| {
        PullError::Secret(secrets::SecretError(
            "the secret holds characters a header cannot carry".into(),
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

pub struct Fetcher {
    client: reqwest::Client,
    auth: Option<HeaderValue>,
    options: HttpOptions,
}

/// What one GET gave.
pub enum Fetched {
    Stored(SnapshotFile),
    NotFound,
}

enum Attempt {
    Done(Fetched),
    /// Worth another try, after at least this long.
    Retry(String, Option<Duration>),
    Fail(String),
}

impl Fetcher {
    pub fn new(options: &HttpOptions) -> Result<Self, PullError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(options.connect_timeout_seconds))
            .timeout(Duration::from_secs(options.timeout_seconds))
            .user_agent(concat!("pipeline/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &options.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| PullError::Setup(format!("CA file {}: {e}", ca.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| PullError::Setup(format!("CA file {}: {e}", ca.display())))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| PullError::Setup(format!("HTTP client: {e}")))?;
        let auth = options.auth.as_ref().map(auth_header).transpose()?;
        Ok(Self {
            client,
            auth,
            options: options.clone(),
        })
    }

    /// GETs `url` into the store, retrying what is worth retrying.
    pub async fn fetch(
        &self,
        store: &SnapshotStore,
        source: &str,
        name: &str,
        url: &str,
    ) -> Result<Fetched, PullError> {
        let shown = shown_url(url);
        let mut attempt = 0u32;
        loop {
            let outcome = self.try_once(store, source, name, url, &shown).await;
            match outcome {
                Attempt::Done(f) => return Ok(f),
                Attempt::Fail(reason) => {
                    return Err(PullError::Source {
                        source_name: source.into(),
                        path: shown,
                        reason,
                    });
                }
                Attempt::Retry(reason, _) if attempt >= self.options.retries => {
                    return Err(PullError::Source {
                        source_name: source.into(),
                        path: shown,
                        reason: format!("{reason} (gave up after {} attempts)", attempt + 1),
                    });
                }
                Attempt::Retry(reason, after) => {
                    let base = self.options.backoff_ms as f64 * 2f64.powi(attempt as i32);
                    let jitter = rand::rng().random_range(0.0..=base * 0.5);
                    let wait = Duration::from_millis((base + jitter).min(60_000.0) as u64)
                        .max(after.unwrap_or_default());
                    tracing::warn!(url = %shown, attempt = attempt + 1, wait_ms = wait.as_millis() as u64, reason = %reason, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn try_once(
        &self,
        store: &SnapshotStore,
        source: &str,
        name: &str,
        url: &str,
        shown: &str,
    ) -> Attempt {
        let mut request = self.client.get(url);
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Attempt::Retry("the server did not answer in time".into(), None);
            }
            Err(e) if e.is_connect() => {
                return Attempt::Retry(format!("cannot connect: {}", root_cause(&e)), None);
            }
            Err(e) => return Attempt::Retry(format!("request failed: {}", root_cause(&e)), None),
        };
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Attempt::Done(Fetched::NotFound);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s.min(300)));
            return Attempt::Retry(format!("the server answered {status}"), after);
        }
        if !status.is_success() {
            let hint = match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    ": check the configured credentials"
                }
                _ => "",
            };
            return Attempt::Fail(format!("the server answered {status}{hint}"));
        }
        let html = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
        if html {
            return Attempt::Fail(format!(
                "an HTML page came back where {name} was expected (a login page?)"
            ));
        }
        if !framed(&response) {
            return Attempt::Fail(
                "the server did not say where the file ends (no Content-Length, not chunked): \
                 a connection that broke off could not be told from the end of the file"
                    .into(),
            );
        }
        if let Some(len) = response.content_length()
            && len > self.options.max_size_mb * 1024 * 1024
        {
            return Attempt::Fail(format!(
                "the file is {len} bytes, more than the limit of {} MB",
                self.options.max_size_mb
            ));
        }
        let validator = |h: reqwest::header::HeaderName| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let (etag, last_modified) = (
            validator(reqwest::header::ETAG),
            validator(reqwest::header::LAST_MODIFIED),
        );
        let mut writer = match store.writer() {
            Ok(w) => w,
            Err(e) => return Attempt::Fail(e.to_string()),
        };
        let limit = self.options.max_size_mb * 1024 * 1024;
        let mut stream = response.bytes_stream();
        let mut first = true;
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                // The partial file is a temporary one: dropped here, never in the store.
                Err(e) => {
                    return Attempt::Retry(
                        format!("the transfer broke off: {}", root_cause(&e)),
                        None,
                    );
                }
            };
            if first {
                first = false;
                if looks_like_html(&chunk) {
                    return Attempt::Fail(format!(
                        "an HTML page came back where {name} was expected (a login page?)"
                    ));
                }
            }
            if writer.size() + chunk.len() as u64 > limit {
                return Attempt::Fail(format!(
                    "the file is larger than the limit of {} MB",
                    self.options.max_size_mb
                ));
            }
            if let Err(e) = writer.write(&chunk) {
                return Attempt::Fail(e.to_string());
            }
        }
        match writer.finish(name, source, shown) {
            Ok(f) => Attempt::Done(Fetched::Stored(SnapshotFile {
                etag,
                last_modified,
                ..f
            })),
            Err(e) => Attempt::Fail(e.to_string()),
        }
    }
}

/// Whether the response says where its body ends, so that a connection that breaks off is
/// an error and not a shorter file: a Content-Length, chunked transfer (ended by a chunk of
/// size 0), or HTTP/2 and later (every stream ends explicitly). An HTTP/1 body that ends when
/// the connection closes would let a cut-off export pass as whole and its figures be
/// published short.
fn framed(response: &reqwest::Response) -> bool {
    let chunked = response
        .headers()
        .get_all(reqwest::header::TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    response.version() >= reqwest::Version::HTTP_2 || response.content_length().is_some() || chunked
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn looks_like_html(start: &[u8]) -> bool {
    let text: String = String::from_utf8_lossy(&start[..start.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_lowercase();
    text.starts_with("<!doctype html")
        || text.starts_with("<html")
        || text.starts_with("<head")
        || text.starts_with("<!--") && text.contains("<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            shown_url("https://user:secret@regas.example.nl/export/casussen.csv?token=abc"),
            "https://regas.example.nl/export/casussen.csv"
        );
    }

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<html><body>Inloggen</body></html>"));
        assert!(!looks_like_html(b"Casusnummer;Clientnummer\n"));
        assert!(!looks_like_html(b"PK\x03\x04"));
    }
}
