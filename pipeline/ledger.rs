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
    /// A daemon's start finishing a version whose run stopped part-way.
    Recovery,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
            Trigger::Recovery => "recovery",
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
    /// The process ended (killed, power lost) while the run was going; found at the next
    /// start.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Published => "published",
            RunStatus::Unchanged => "unchanged",
            RunStatus::Failed => "failed",
            RunStatus::Abandoned => "abandoned",
            RunStatus::Interrupted => "interrupted",
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

/// Where one (version, document, recipient) mail is. It moves queued → sending →
/// unconfirmed → sent, or to retrying and failed; each step is committed before the next
/// begins, so after a crash the ledger says how far the mail got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Composed and stored with its message; not tried yet.
    Queued,
    /// An attempt started; the server has not had the whole message.
    Sending,
    /// The whole message went to the server (the final dot of DATA), without its answer
    /// recorded: it may have been stored. Sent again once, marked as possibly doubled.
    Unconfirmed,
    /// The server accepted it.
    Sent,
    /// A temporary failure; another attempt follows.
    Retrying,
    /// Given up: a permanent failure, or too many temporary ones.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Unconfirmed => "unconfirmed",
            MailState::Sent => "sent",
            MailState::Retrying => "retrying",
            MailState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> MailState {
        match s {
            "queued" => MailState::Queued,
            "unconfirmed" => MailState::Unconfirmed,
            "sent" => MailState::Sent,
            "retrying" => MailState::Retrying,
            "failed" => MailState::Failed,
            _ => MailState::Sending,
        }
    }

    /// Not done yet: the next run or daemon start finishes it.
    pub fn unfinished(self) -> bool {
        !matches!(self, MailState::Sent | MailState::Failed)
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
    /// The server may have stored an earlier attempt: the recipient may have it twice.
    pub doubtful: bool,
}

/// A stored mail that is not finished: what to send and where it got.
#[derive(Debug, Clone)]
pub struct PendingMail {
    pub key: MailKey,
    pub message_id: String,
    pub envelope_from: String,
    pub message: Vec<u8>,
    pub state: MailState,
    pub attempts: u32,
}

/// Which stored mails: of every tenant, or of one quarter of one tenant.
#[derive(Debug, Clone, Copy)]
pub enum MailScope<'a> {
    All,
    Quarter { tenant: &'a str, quarter: &'a str },
}

/// One mail as `pipeline history` lists it.
#[derive(Debug, Clone)]
pub struct MailRow {
    pub key: MailKey,
    pub state: MailState,
    pub attempts: u32,
    pub doubtful: bool,
    pub last_attempt: Option<String>,
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

/// Columns added to `deliveries` since the first ledgers: an existing ledger gets them.
const DELIVERY_COLUMNS: [(&str, &str); 4] = [
    ("message", "BLOB"),
    ("envelope_from", "TEXT"),
    ("queued", "TEXT"),
    ("doubtful", "INTEGER NOT NULL DEFAULT 0"),
];

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
        let existing: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('deliveries')")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(err)?;
        for (column, kind) in DELIVERY_COLUMNS {
            if !existing.iter().any(|c| c == column) {
                conn.execute_batch(&format!(
                    "ALTER TABLE deliveries ADD COLUMN {column} {kind}"
                ))
                .map_err(err)?;
            }
        }
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
        crate::failpoint!(
            "ledger::before_end_run",
            LedgerError::Folder {
                path: self.path.display().to_string(),
                source: std::io::Error::other(crate::failpoint::message("ledger::before_end_run")),
            }
        );
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
    /// loss) are marked interrupted, so the history does not show them running forever.
    /// `stale` says whether a run's process is gone (its lock can be taken).
    pub fn interrupt_stale(
        &self,
        stale: &dyn Fn(&str, &str) -> bool,
    ) -> Result<usize, LedgerError> {
        let running: Vec<(i64, String, String)> = self
            .conn
            .prepare("SELECT id, tenant, quarter FROM runs WHERE status = 'running'")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))?;
        let mut n = 0;
        for (id, tenant, quarter) in running {
            if stale(&tenant, &quarter) {
                n += self
                    .conn
                    .execute(
                        "UPDATE runs SET status = 'interrupted', ended = ?2,
                         error = 'the process ended during the run (killed or stopped); nothing of it was published unless a later run says so'
                         WHERE id = ?1 AND status = 'running'",
                        params![id, now()],
                    )
                    .map_err(|e| self.err(e))?;
            }
        }
        Ok(n)
    }

    /// Whether some run recorded its end with this version (published, or unchanged against
    /// it): a version folder without one was left by a run that stopped part-way.
    pub fn version_finished(
        &self,
        tenant: &str,
        quarter: Quarter,
        version: u32,
    ) -> Result<bool, LedgerError> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE tenant = ?1 AND quarter = ?2 AND version = ?3
                 AND status IN ('published', 'unchanged') LIMIT 1",
                params![tenant, quarter.to_string(), version],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(found.is_some())
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
                "SELECT status, attempts, message_id, error, doubtful FROM deliveries
                 WHERE tenant = ?1 AND quarter = ?2 AND version = ?3 AND document = ?4 AND recipient = ?5",
                params![key.tenant, key.quarter, key.version, key.document, key.recipient],
                |r| {
                    Ok(MailRecord {
                        state: MailState::parse(&r.get::<_, String>(0)?),
                        attempts: r.get(1)?,
                        message_id: r.get(2)?,
                        error: r.get(3)?,
                        doubtful: r.get::<_, i64>(4)? != 0,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Stores a composed mail, to be sent; a mail of the same key already stored (queued
    /// or sent by an earlier run) is left as it is. Returns whether it was new.
    pub fn queue_mail(
        &self,
        run: i64,
        key: &MailKey,
        message_id: &str,
        envelope_from: &str,
        message: &[u8],
    ) -> Result<bool, LedgerError> {
        let n = self
            .conn
            .execute(
                "INSERT INTO deliveries (run, tenant, quarter, version, document, recipient, message_id, status, attempts, queued, message, envelope_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?9, ?10)
                 ON CONFLICT (tenant, quarter, version, document, recipient) DO UPDATE SET
                    message = excluded.message, envelope_from = excluded.envelope_from,
                    message_id = COALESCE(deliveries.message_id, excluded.message_id)
                 WHERE deliveries.message IS NULL AND deliveries.status <> 'sent'",
                params![run, key.tenant, key.quarter, key.version, key.document, key.recipient, message_id, now(), message, envelope_from],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Stored mails not sent yet, oldest first. `failed` ones too when `retry_failed` (a
    /// run started by hand tries them again; the daemon does not).
    pub fn pending_mails(
        &self,
        scope: MailScope,
        retry_failed: bool,
    ) -> Result<Vec<PendingMail>, LedgerError> {
        let (tenant, quarter) = match scope {
            MailScope::All => (None, None),
            MailScope::Quarter { tenant, quarter } => (Some(tenant), Some(quarter)),
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT tenant, quarter, version, document, recipient, message_id, envelope_from, message, status, attempts
                 FROM deliveries
                 WHERE message IS NOT NULL
                   AND (status IN ('queued', 'sending', 'unconfirmed', 'retrying') OR (?3 AND status = 'failed'))
                   AND (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR quarter = ?2)
                 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![tenant, quarter, retry_failed], |r| {
                Ok(PendingMail {
                    key: MailKey {
                        tenant: r.get(0)?,
                        quarter: r.get(1)?,
                        version: r.get(2)?,
                        document: r.get(3)?,
                        recipient: r.get(4)?,
                    },
                    message_id: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    envelope_from: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    message: r.get(7)?,
                    state: MailState::parse(&r.get::<_, String>(8)?),
                    attempts: r.get(9)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Records that an attempt starts: committed before the connection is opened.
    pub fn mail_sending(&self, run: i64, key: &MailKey) -> Result<(), LedgerError> {
        self.set(
            "UPDATE deliveries SET run = ?6, status = 'sending', attempts = attempts + 1,
                first_attempt = COALESCE(first_attempt, ?7), last_attempt = ?7",
            key,
            params![run, now()],
        )
    }

    /// Records that the whole message went to the server: from here on it may be stored.
    pub fn mail_handed_over(&self, key: &MailKey) -> Result<(), LedgerError> {
        self.set(
            "UPDATE deliveries SET status = 'unconfirmed', last_attempt = ?6",
            key,
            params![now()],
        )
    }

    /// Marks a mail whose earlier copy the server may have stored.
    pub fn mail_doubtful(&self, key: &MailKey) -> Result<(), LedgerError> {
        self.set("UPDATE deliveries SET doubtful = 1", key, params![])
    }

    /// Records the outcome of an attempt. A sent mail's stored message is dropped: it is
    /// not needed again.
    pub fn mail_result(
        &self,
        key: &MailKey,
        state: MailState,
        error: Option<&str>,
    ) -> Result<(), LedgerError> {
        let message = if state == MailState::Sent {
            ", message = NULL"
        } else {
            ""
        };
        self.set(
            &format!("UPDATE deliveries SET status = ?6, error = ?7, last_attempt = ?8{message}"),
            key,
            params![state.as_str(), error, now()],
        )
    }

    /// Every mail of a quarter (or of all), newest version first, for `pipeline history`.
    pub fn mails(&self, quarter: Option<Quarter>) -> Result<Vec<MailRow>, LedgerError> {
        let q = quarter.map(|q| q.to_string());
        let mut stmt = self
            .conn
            .prepare(
                "SELECT tenant, quarter, version, document, recipient, status, attempts, doubtful, last_attempt, error
                 FROM deliveries WHERE (?1 IS NULL OR quarter = ?1)
                 ORDER BY tenant, quarter DESC, version DESC, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![q], |r| {
                Ok(MailRow {
                    key: MailKey {
                        tenant: r.get(0)?,
                        quarter: r.get(1)?,
                        version: r.get(2)?,
                        document: r.get(3)?,
                        recipient: r.get(4)?,
                    },
                    state: MailState::parse(&r.get::<_, String>(5)?),
                    attempts: r.get(6)?,
                    doubtful: r.get::<_, i64>(7)? != 0,
                    last_attempt: r.get(8)?,
                    error: r.get(9)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Runs `update` (an `UPDATE deliveries SET …` without its WHERE) on one mail; the
    /// key's five values are parameters 1 to 5, `more` the ones from 6.
    fn set(
        &self,
        update: &str,
        key: &MailKey,
        more: &[&dyn rusqlite::ToSql],
    ) -> Result<(), LedgerError> {
        let sql = format!(
            "{update} WHERE tenant = ?1 AND quarter = ?2 AND version = ?3 AND document = ?4 AND recipient = ?5"
        );
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![
            &key.tenant,
            &key.quarter,
            &key.version,
            &key.document,
            &key.recipient,
        ];
        values.extend_from_slice(more);
        self.conn
            .execute(&sql, values.as_slice())
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
            for (who, id) in [
                ("a@example.nl", "<1@pipeline>"),
                ("b@example.nl", "<2@pipeline>"),
            ] {
                assert!(
                    l.queue_mail(run, &key(who), id, "m@example.nl", b"message")
                        .unwrap()
                );
            }
            // Queued again by a rerun: left as it is.
            assert!(
                !l.queue_mail(
                    run,
                    &key("a@example.nl"),
                    "<9@pipeline>",
                    "m@example.nl",
                    b"x"
                )
                .unwrap()
            );
            l.mail_sending(run, &key("a@example.nl")).unwrap();
            l.mail_handed_over(&key("a@example.nl")).unwrap();
            l.mail_result(&key("a@example.nl"), MailState::Sent, None)
                .unwrap();
            l.mail_sending(run, &key("b@example.nl")).unwrap();
            l.mail_handed_over(&key("b@example.nl")).unwrap();
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
            (b.state, b.attempts, b.message_id.as_deref()),
            (MailState::Unconfirmed, 1, Some("<2@pipeline>")),
            "a mail handed over without an answer is unconfirmed"
        );
        let pending = l.pending_mails(MailScope::All, false).unwrap();
        assert_eq!(
            pending.len(),
            1,
            "the sent one is done, its message dropped"
        );
        assert_eq!(pending[0].message, b"message");
        // Only runs whose process is gone are interrupted.
        assert_eq!(l.interrupt_stale(&|_, q| q == "2024Q4").unwrap(), 0);
        assert_eq!(l.interrupt_stale(&|_, _| true).unwrap(), 1);
        let history = l.history(None, 10).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].status, "interrupted");
        assert_eq!(
            (
                history[1].status.as_str(),
                history[1].version,
                history[1].mails_sent
            ),
            ("published", Some(1), 1)
        );
        assert_eq!(l.history(Some(q), 10).unwrap().len(), 1);
        assert_eq!(l.mails(Some(q)).unwrap().len(), 2);
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
