//! The audit log: an append-only, hash-chained record of every action that changes state
//! (create, select, rotate, delete, db up/down/reset), with time, project, tenant, action and
//! outcome — never a secret. Kept in an embedded SQLite file in Tenantdesk's data folder
//! (`$XDG_DATA_HOME/tenantdesk/audit.db`, or `TENANTDESK_DATA_DIR`).
//!
//! Each row's hash covers the previous row's hash and its own fields, so editing or deleting a
//! row breaks the chain from that row on, and `verify` says where.

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};
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
    /// The tenant's name when the entry was written, so a removed tenant is still named.
    pub tenant_name: Option<String>,
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
    let mut conn = crate::store::open_sqlite(&file(), "open the audit log").await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, project TEXT NOT NULL, \
         tenant TEXT, action TEXT NOT NULL, outcome TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)",
    )
    .execute(&mut conn)
    .await
    .map_err(fault("prepare the audit log"))?;
    // Logs written before tenants were named gain the column; their rows keep their hashes.
    let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('entries')").fetch_all(&mut conn).await.map_err(fault("prepare the audit log"))?;
    if !columns.iter().any(|c| c == "tenant_name") {
        sqlx::query("ALTER TABLE entries ADD COLUMN tenant_name TEXT").execute(&mut conn).await.map_err(fault("prepare the audit log"))?;
    }
    Ok(conn)
}

/// The hash of an entry. The name is covered when there is one; entries written before names
/// were recorded hash as they always did.
fn digest(prev: &str, seq: i64, at: &str, project: &str, subject: &Subject, action: &str, outcome: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, project, subject.id.as_deref().unwrap_or(""), action, outcome] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    if let Some(name) = &subject.name {
        h.update(name.as_bytes());
        h.update([0u8]);
    }
    crate::keychain::hex(&h.finalize())
}

/// The tenant an entry is about: its full id (a prefix the user typed is resolved) and its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl Subject {
    /// Resolves what the user typed against the project's registry; what does not resolve is
    /// kept as typed, without a name.
    pub fn of(project: &crate::project::Project, typed: Option<&str>) -> Self {
        let Some(typed) = typed else { return Self::default() };
        match crate::registry::Registry::load(&project.tenants_file()).ok().and_then(|r| r.find(typed.trim()).map(|t| (t.id.to_string(), t.name.clone()))) {
            Some((id, name)) => Self { id: Some(id), name: Some(name) },
            None => Self { id: Some(typed.to_owned()), name: None },
        }
    }
}

async fn append(project: &str, subject: &Subject, action: &str, outcome: &str) -> Result<()> {
    let mut conn = open().await?;
    // IMMEDIATE takes the write lock before reading the head, so concurrent writers chain in turn.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.map_err(fault("write the audit log"))?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetch_optional(&mut conn).await.map_err(fault("read the audit log"))?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = clock::now_rfc3339();
    let hash = digest(&prev, seq, &at, project, subject, action, outcome);
    sqlx::query("INSERT INTO entries (seq, at, project, tenant, action, outcome, prev, hash, tenant_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(seq)
        .bind(&at)
        .bind(project)
        .bind(&subject.id)
        .bind(action)
        .bind(outcome)
        .bind(&prev)
        .bind(&hash)
        .bind(&subject.name)
        .execute(&mut conn)
        .await
        .map_err(fault("write the audit log"))?;
    sqlx::query("COMMIT").execute(&mut conn).await.map_err(fault("write the audit log"))?;
    let _ = conn.close().await;
    Ok(())
}

/// One entry for the writer, and where to say how writing it went.
struct Job {
    project: String,
    subject: Subject,
    action: String,
    outcome: String,
    written: std::sync::mpsc::Sender<Result<()>>,
}

/// The one thread that writes the log, with its own small runtime: started on the first entry
/// and kept for the process, so `record` works the same from sync code and from inside another
/// runtime, without a thread and a runtime per entry.
fn writer() -> Option<&'static std::sync::mpsc::Sender<Job>> {
    static WRITER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Job>>> = std::sync::OnceLock::new();
    WRITER
        .get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("audit log".to_owned())
                .spawn(move || {
                    for job in rx {
                        let _ = job.written.send(rt.block_on(append(&job.project, &job.subject, &job.action, &job.outcome)));
                    }
                })
                .ok()?;
            Some(tx)
        })
        .as_ref()
}

/// Records an action and how it ended, before returning (so what a command did is in the log
/// when it exits). The action itself already happened: a log that cannot be written is
/// reported (a warning on the log's subscriber, the CLI's stderr), not fatal.
pub fn record<T>(project: &str, subject: Subject, action: &str, result: &Result<T>) {
    let outcome = match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    tracing::info!(project, tenant = subject.id.as_deref(), action, outcome = outcome.as_str(), "audit");
    let (written, done) = std::sync::mpsc::channel();
    let job = Job { project: project.to_owned(), subject, action: action.to_owned(), outcome, written };
    let result = match writer() {
        Some(tx) if tx.send(job).is_ok() => done.recv().unwrap_or_else(|_| Err(Error::Database { action: "write the audit log", message: "its writer stopped".to_owned() })),
        _ => Err(Error::Database { action: "write the audit log", message: "its writer could not start".to_owned() }),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "the audit log could not be written");
    }
}

/// `record` for an action on a project's tenants, named by the project's folder; the tenant is
/// resolved (full id and name) after the action, so use `record_for` when the action removes it.
pub fn record_in<T>(project: &crate::project::Project, tenant: Option<&str>, action: &str, result: &Result<T>) {
    record_for(project, Subject::of(project, tenant), action, result);
}

/// `record_in` with the subject resolved beforehand (by whoever removes the tenant).
pub fn record_for<T>(project: &crate::project::Project, subject: Subject, action: &str, result: &Result<T>) {
    record(&project.root().display().to_string(), subject, action, result);
}

/// The entries, oldest first: of one project (its folder) unless `project` is `None`, and of one
/// tenant (full id) when given.
pub async fn list(project: Option<&str>, tenant: Option<&str>) -> Result<Vec<Entry>> {
    let mut conn = open().await?;
    sqlx::query_as::<_, Entry>("SELECT * FROM entries WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR tenant = ?2) ORDER BY seq")
        .bind(project)
        .bind(tenant)
        .fetch_all(&mut conn)
        .await
        .map_err(fault("read the audit log"))
}

/// Walks the chain: every row's hash must match its fields and the previous row's hash, and the
/// sequence must have no gaps.
pub async fn verify() -> Result<Verification> {
    let entries = list(None, None).await?;
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
        let subject = Subject { id: e.tenant.clone(), name: e.tenant_name.clone() };
        if digest(&e.prev, e.seq, &e.at, &e.project, &subject, &e.action, &e.outcome) != e.hash {
            problems.push(format!("entry {} was edited after it was written", e.seq));
        }
        prev = e.hash.clone();
    }
    Ok(Verification { entries: entries.len() as i64, intact: problems.is_empty(), problems })
}
