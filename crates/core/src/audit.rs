//! The audit log: an append-only, hash-chained record of every action that changes state
//! (create, select, rotate, delete, db up/down/reset), with time, project, tenant, action and
//! outcome — never a secret. Kept in an embedded SQLite file in Tenantdesk's data folder
//! (`$XDG_DATA_HOME/tenantdesk/audit.db`, or `TENANTDESK_DATA_DIR`).
//!
//! Each row's hash covers the previous row's hash and its own fields, so editing or deleting a
//! row breaks the chain from that row on, and `verify` says where.

use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

use crate::clock;
use crate::error::{Error, Result};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub project: String,
    pub tenant: Option<String>,
    pub action: String,
    pub outcome: String,
    pub prev: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Verification {
    pub entries: i64,
    pub intact: bool,
    pub problems: Vec<String>,
}

pub fn file() -> PathBuf {
    crate::project::data_dir().join("audit.db")
}

fn fault(action: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::Database { action, message: format!("{e} (audit log {})", file().display()) }
}

async fn open() -> Result<SqliteConnection> {
    let path = file();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(fault("open the audit log"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(std::time::Duration::from_secs(10));
    let mut conn = SqliteConnection::connect_with(&options).await.map_err(fault("open the audit log"))?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, project TEXT NOT NULL, \
         tenant TEXT, action TEXT NOT NULL, outcome TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)",
    )
    .execute(&mut conn)
    .await
    .map_err(fault("prepare the audit log"))?;
    Ok(conn)
}

fn digest(prev: &str, seq: i64, at: &str, project: &str, tenant: Option<&str>, action: &str, outcome: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, project, tenant.unwrap_or(""), action, outcome] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

async fn append(project: &str, tenant: Option<&str>, action: &str, outcome: &str) -> Result<()> {
    let mut conn = open().await?;
    // IMMEDIATE takes the write lock before reading the head, so concurrent writers chain in turn.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.map_err(fault("write the audit log"))?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetch_optional(&mut conn).await.map_err(fault("read the audit log"))?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = clock::now_rfc3339();
    let hash = digest(&prev, seq, &at, project, tenant, action, outcome);
    sqlx::query("INSERT INTO entries (seq, at, project, tenant, action, outcome, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(seq)
        .bind(&at)
        .bind(project)
        .bind(tenant)
        .bind(action)
        .bind(outcome)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut conn)
        .await
        .map_err(fault("write the audit log"))?;
    sqlx::query("COMMIT").execute(&mut conn).await.map_err(fault("write the audit log"))?;
    let _ = conn.close().await;
    Ok(())
}

/// Records an action and how it ended. Usable from sync and async code alike: the write runs on
/// a thread of its own, so it never nests one async runtime inside another.
pub fn record<T>(project: &str, tenant: Option<&str>, action: &str, result: &Result<T>) {
    let outcome = match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    let (project, tenant, action) = (project.to_owned(), tenant.map(str::to_owned), action.to_owned());
    let writer = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
        rt.block_on(append(&project, tenant.as_deref(), &action, &outcome)).err()
    });
    // The action itself already happened; a log that cannot be written is reported, not fatal.
    if let Ok(Some(e)) = writer.join() {
        eprintln!("warning: the audit log could not be written: {e}");
    }
}

/// `record` for an action on a project's tenants, named by the project's folder.
pub fn record_in<T>(project: &crate::project::Project, tenant: Option<&str>, action: &str, result: &Result<T>) {
    record(&project.root().display().to_string(), tenant, action, result);
}

pub async fn list(tenant: Option<&str>) -> Result<Vec<Entry>> {
    let mut conn = open().await?;
    let rows = match tenant {
        Some(t) => sqlx::query_as::<_, Entry>("SELECT * FROM entries WHERE tenant = ? ORDER BY seq").bind(t).fetch_all(&mut conn).await,
        None => sqlx::query_as::<_, Entry>("SELECT * FROM entries ORDER BY seq").fetch_all(&mut conn).await,
    };
    rows.map_err(fault("read the audit log"))
}

/// Walks the chain: every row's hash must match its fields and the previous row's hash, and the
/// sequence must have no gaps.
pub async fn verify() -> Result<Verification> {
    let entries = list(None).await?;
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            problems.push(format!("entry {expected_seq} is missing (next is {})", e.seq));
        }
        if e.prev != prev {
            problems.push(format!("entry {} does not follow the entry before it (a row was deleted or edited)", e.seq));
        }
        if digest(&e.prev, e.seq, &e.at, &e.project, e.tenant.as_deref(), &e.action, &e.outcome) != e.hash {
            problems.push(format!("entry {} was edited after it was written", e.seq));
        }
        prev = e.hash.clone();
    }
    Ok(Verification { entries: entries.len() as i64, intact: problems.is_empty(), problems })
}
