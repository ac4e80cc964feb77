//! The run ledger: every run and every mail, in SQLite under the state folder.
//!
//! The ledger is what makes a restart safe: the daemon's catch-up asks it which
//! publications are due and missing, and delivery asks it which (version, recipient)
//! pairs were already handed to the mail server, so that nothing is mailed twice.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::Quarter;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("run ledger {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("run ledger {path}: the folder cannot be created: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    CatchUp,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    /// A new version was published.
    Published,
    /// The same content was already published.
    Unchanged,
    Failed,
    /// Stopped by a shutdown before it published.
    Abandoned,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Published => "published",
            RunStatus::Unchanged => "unchanged",
            RunStatus::Failed => "failed",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// What a finished run recorded.
#[derive(Debug, Default, Clone)]
pub struct RunEnd {
    pub snapshot: Option<String>,
    pub version: Option<u32>,
    /// sha256 of the kwartaalrapportage and raadsmemo PDFs.
    pub pdf_hashes: Option<(String, String)>,
    pub error: Option<String>,
}

/// One row of `pipeline history`.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: i64,
    pub tenant: String,
    pub quarter: String,
    pub trigger: String,
    pub started: String,
    pub ended: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub snapshot: Option<String>,
    pub version: Option<u32>,
    pub mails_sent: i64,
    pub mails_failed: i64,
}

/// The state of one (version, document, recipient) mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Handed to the server; the outcome was not recorded (the process stopped). It may have
    /// been accepted, so it is never sent again automatically.
    Sending,
    Sent,
    /// A temporary failure; another attempt may follow.
    Retrying,
    /// Given up: a permanent failure, or too many temporary ones.
    Failed,
}

impl MailState {
    fn as_str(self) -> &'static str {
        match self {
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Retrying => "retrying",
            MailState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> MailState {
        match s {
            "sent" => MailState::Sent,
            "retrying" => MailState::Retrying,
            "failed" => MailState::Failed,
            _ => MailState::Sending,
        }
    }
}

/// Identifies one mail: a version of a tenant's quarter, one document, one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailKey {
    pub tenant: String,
    pub quarter: String,
    pub version: u32,
    pub document: String,
    pub recipient: String,
}

#[derive(Debug, Clone)]
pub struct MailRecord {
    pub state: MailState,
    pub attempts: u32,
    pub message_id: Option<String>,
    pub error: Option<String>,
}

pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    quarter TEXT NOT NULL,
    trigger TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    status TEXT NOT NULL,
    error TEXT,
    snapshot TEXT,
    version INTEGER,
    report_sha256 TEXT,
    memo_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_quarter ON runs (tenant, quarter);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id),
    tenant TEXT NOT NULL,
    quarter TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt TEXT,
    last_attempt TEXT,
    error TEXT,
    UNIQUE (tenant, quarter, version, document, recipient)
);
";

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Ledger {
    /// Opens (and creates) `<state>/ledger.sqlite`. Another process holding a write lock is
    /// waited for up to `busy`, then reported.
    pub fn open(state_dir: &Path, busy: Duration) -> Result<Ledger, LedgerError> {
        std::fs::create_dir_all(state_dir).map_err(|source| LedgerError::Folder {
            path: state_dir.display().to_string(),
            source,
        })?;
        let path = state_dir.join("ledger.sqlite");
        let err = |source| LedgerError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(&path).map_err(err)?;
        conn.busy_timeout(busy).map_err(err)?;
        // WAL: `pipeline history` can read while the daemon writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Ledger { conn, path })
    }

    fn err(&self, source: rusqlite::Error) -> LedgerError {
        LedgerError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a run's start; returns its id.
    pub fn start_run(
        &self,
        tenant: &str,
        quarter: Quarter,
        trigger: Trigger,
    ) -> Result<i64, LedgerError> {
        self.conn
            .execute(
                "INSERT INTO runs (tenant, quarter, trigger, started, status) VALUES (?1, ?2, ?3, ?4, 'running')",
                params![tenant, quarter.to_string(), trigger.as_str(), now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn end_run(&self, run: i64, status: RunStatus, end: &RunEnd) -> Result<(), LedgerError> {
        let (report, memo) = end.pdf_hashes.clone().unzip();
        self.conn
            .execute(
                "UPDATE runs SET ended = ?2, status = ?3, error = ?4, snapshot = ?5, version = ?6,
                 report_sha256 = ?7, memo_sha256 = ?8 WHERE id = ?1",
                params![
                    run,
                    now(),
                    status.as_str(),
                    end.error,
                    end.snapshot,
                    end.version,
                    report,
                    memo
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Runs left `running` by a process that stopped without ending them (killed, power
    /// loss) are marked abandoned, so the history does not show them running forever.
    pub fn abandon_stale(&self) -> Result<usize, LedgerError> {
        self.conn
            .execute(
                "UPDATE runs SET status = 'abandoned', ended = ?1, error = 'the process stopped during the run'
                 WHERE status = 'running'",
                params![now()],
            )
            .map_err(|e| self.err(e))
    }

    /// Whether a publication of this quarter exists (published, or unchanged against one).
    pub fn has_publication(&self, tenant: &str, quarter: Quarter) -> Result<bool, LedgerError> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE tenant = ?1 AND quarter = ?2 AND status IN ('published', 'unchanged') LIMIT 1",
                params![tenant, quarter.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(found.is_some())
    }

    /// The most recent runs first, optionally of one quarter.
    pub fn history(
        &self,
        quarter: Option<Quarter>,
        limit: usize,
    ) -> Result<Vec<RunRow>, LedgerError> {
        let q = quarter.map(|q| q.to_string());
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.tenant, r.quarter, r.trigger, r.started, r.ended, r.status, r.error, r.snapshot, r.version,
                        (SELECT COUNT(*) FROM deliveries d WHERE d.run = r.id AND d.status = 'sent'),
                        (SELECT COUNT(*) FROM deliveries d WHERE d.run = r.id AND d.status = 'failed')
                 FROM runs r WHERE (?1 IS NULL OR r.quarter = ?1) ORDER BY r.id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![q, limit as i64], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    tenant: r.get(1)?,
                    quarter: r.get(2)?,
                    trigger: r.get(3)?,
                    started: r.get(4)?,
                    ended: r.get(5)?,
                    status: r.get(6)?,
                    error: r.get(7)?,
                    snapshot: r.get(8)?,
                    version: r.get(9)?,
                    mails_sent: r.get(10)?,
                    mails_failed: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    pub fn mail(&self, key: &MailKey) -> Result<Option<MailRecord>, LedgerError> {
        self.conn
            .query_row(
                "SELECT status, attempts, message_id, error FROM deliveries
                 WHERE tenant = ?1 AND quarter = ?2 AND version = ?3 AND document = ?4 AND recipient = ?5",
                params![key.tenant, key.quarter, key.version, key.document, key.recipient],
                |r| {
                    Ok(MailRecord {
                        state: MailState::parse(&r.get::<_, String>(0)?),
                        attempts: r.get(1)?,
                        message_id: r.get(2)?,
                        error: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records that a mail is about to be handed to the server; committed before the SMTP
    /// transaction starts, so a crash during it leaves a `sending` row behind.
    pub fn mail_sending(
        &self,
        run: i64,
        key: &MailKey,
        message_id: &str,
    ) -> Result<(), LedgerError> {
        let t = now();
        self.conn
            .execute(
                "INSERT INTO deliveries (run, tenant, quarter, version, document, recipient, message_id, status, attempts, first_attempt, last_attempt)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'sending', 1, ?8, ?8)
                 ON CONFLICT (tenant, quarter, version, document, recipient) DO UPDATE SET
                    run = excluded.run, message_id = excluded.message_id, status = 'sending',
                    attempts = attempts + 1, last_attempt = excluded.last_attempt",
                params![run, key.tenant, key.quarter, key.version, key.document, key.recipient, message_id, t],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records the outcome of the attempt that `mail_sending` announced.
    pub fn mail_result(
        &self,
        key: &MailKey,
        state: MailState,
        error: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE deliveries SET status = ?6, error = ?7, last_attempt = ?8
                 WHERE tenant = ?1 AND quarter = ?2 AND version = ?3 AND document = ?4 AND recipient = ?5",
                params![key.tenant, key.quarter, key.version, key.document, key.recipient, state.as_str(), error, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(recipient: &str) -> MailKey {
        MailKey {
            tenant: "t".into(),
            quarter: "2024Q4".into(),
            version: 1,
            document: "raadsmemo".into(),
            recipient: recipient.into(),
        }
    }

    #[test]
    fn runs_and_mails_are_recorded_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let q: Quarter = "2024Q4".parse().unwrap();
        {
            let l = Ledger::open(dir.path(), Duration::from_secs(1)).unwrap();
            assert!(!l.has_publication("t", q).unwrap());
            let run = l.start_run("t", q, Trigger::Manual).unwrap();
            l.mail_sending(run, &key("a@example.nl"), "<1@pipeline>")
                .unwrap();
            l.mail_result(&key("a@example.nl"), MailState::Sent, None)
                .unwrap();
            l.mail_sending(run, &key("b@example.nl"), "<2@pipeline>")
                .unwrap();
            let end = RunEnd {
                snapshot: Some("abc".into()),
                version: Some(1),
                ..Default::default()
            };
            l.end_run(run, RunStatus::Published, &end).unwrap();
            // A run that never ended: the process was killed.
            l.start_run("t", "2025Q1".parse().unwrap(), Trigger::Schedule)
                .unwrap();
        }
        let l = Ledger::open(dir.path(), Duration::from_secs(1)).unwrap();
        assert!(l.has_publication("t", q).unwrap());
        assert_eq!(
            l.mail(&key("a@example.nl")).unwrap().unwrap().state,
            MailState::Sent
        );
        let b = l.mail(&key("b@example.nl")).unwrap().unwrap();
        assert_eq!(
            (b.state, b.attempts),
            (MailState::Sending, 1),
            "a mail whose outcome is unknown stays `sending`"
        );
        assert_eq!(l.abandon_stale().unwrap(), 1);
        let history = l.history(None, 10).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].status, "abandoned");
        assert_eq!(
            (
                history[1].status.as_str(),
                history[1].version,
                history[1].mails_sent
            ),
            ("published", Some(1), 1)
        );
        assert_eq!(l.history(Some(q), 10).unwrap().len(), 1);
    }

    #[test]
    fn a_ledger_locked_by_another_writer_is_waited_for_then_reported() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), Duration::from_millis(100)).unwrap();
        let other = Connection::open(dir.path().join("ledger.sqlite")).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        let err = l
            .start_run("t", "2024Q4".parse().unwrap(), Trigger::Manual)
            .unwrap_err();
        assert!(
            err.to_string().contains("ledger.sqlite") && err.to_string().contains("locked"),
            "{err}"
        );
        other.execute_batch("COMMIT;").unwrap();
        l.start_run("t", "2024Q4".parse().unwrap(), Trigger::Manual)
            .unwrap();
    }
}
