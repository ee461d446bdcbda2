//! Snapshots of tenants' databases: `pg_dump` custom-format archives in Tenantdesk's data folder
//! (`snapshots/<id>.dump`), listed in a catalogue (`snapshots.db`, SQLite, beside the audit
//! log). A file is written under a temporary name, synced, checksummed and renamed before its row
//! is added, so a snapshot cut short is never listed; files no row names are swept later.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Connection, SqliteConnection};

use crate::error::{Error, Result};
use crate::keychain::hex;

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Manual,
    BeforeDelete,
    BeforeDropOrphan,
    BeforeRestore,
    BeforeReset,
    BeforeRecreate,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Manual => "manual",
            Reason::BeforeDelete => "before_delete",
            Reason::BeforeDropOrphan => "before_drop_orphan",
            Reason::BeforeRestore => "before_restore",
            Reason::BeforeReset => "before_reset",
            Reason::BeforeRecreate => "before_recreate",
        }
    }

    fn parse(text: &str) -> Reason {
        match text {
            "before_delete" => Reason::BeforeDelete,
            "before_drop_orphan" => Reason::BeforeDropOrphan,
            "before_restore" => Reason::BeforeRestore,
            "before_reset" => Reason::BeforeReset,
            "before_recreate" => Reason::BeforeRecreate,
            _ => Reason::Manual,
        }
    }

    /// Taken by Tenantdesk before a destructive action (and so subject to retention).
    pub fn automatic(self) -> bool {
        self != Reason::Manual
    }
}

/// One listed snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SnapshotInfo {
    pub id: String,
    /// The project folder it was taken in.
    pub project: String,
    pub tenant_id: Option<String>,
    /// The tenant's name when taken (or the database's, for an orphan).
    pub tenant_name: String,
    pub database: String,
    /// The server's PostgreSQL version, as `pg_dump --version` in its container says it.
    pub pg_version: String,
    /// Bytes (a float so the window's bindings can carry it).
    pub size: f64,
    pub sha256: String,
    pub reason: Reason,
    pub note: Option<String>,
    pub created_at: String,
}

pub fn dir() -> PathBuf {
    crate::project::data_dir().join("snapshots")
}

pub fn file(id: &str) -> PathBuf {
    dir().join(format!("{id}.dump"))
}

fn catalogue_file() -> PathBuf {
    crate::project::data_dir().join("snapshots.db")
}

fn fault(action: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::Database { action, message: format!("{e} (snapshot catalogue {})", catalogue_file().display()) }
}

async fn open() -> Result<SqliteConnection> {
    let mut conn = crate::store::open_sqlite(&catalogue_file(), "open the snapshot catalogue").await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, project TEXT NOT NULL, tenant_id TEXT, tenant_name TEXT NOT NULL, \
         database TEXT NOT NULL, pg_version TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, reason TEXT NOT NULL, \
         note TEXT, created_at TEXT NOT NULL)",
    )
    .execute(&mut conn)
    .await
    .map_err(fault("prepare the snapshot catalogue"))?;
    Ok(conn)
}

type Row = (String, String, Option<String>, String, String, String, i64, String, String, Option<String>, String);

fn from_row(r: Row) -> SnapshotInfo {
    SnapshotInfo {
        id: r.0,
        project: r.1,
        tenant_id: r.2,
        tenant_name: r.3,
        database: r.4,
        pg_version: r.5,
        size: r.6 as f64,
        sha256: r.7,
        reason: Reason::parse(&r.8),
        note: r.9,
        created_at: r.10,
    }
}

const COLUMNS: &str = "id, project, tenant_id, tenant_name, database, pg_version, size, sha256, reason, note, created_at";

pub async fn insert(info: &SnapshotInfo) -> Result<()> {
    let mut conn = open().await?;
    sqlx::query(&format!("INSERT INTO snapshots ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(&info.id)
        .bind(&info.project)
        .bind(&info.tenant_id)
        .bind(&info.tenant_name)
        .bind(&info.database)
        .bind(&info.pg_version)
        .bind(info.size as i64)
        .bind(&info.sha256)
        .bind(info.reason.as_str())
        .bind(&info.note)
        .bind(&info.created_at)
        .execute(&mut conn)
        .await
        .map_err(fault("list the snapshot"))?;
    let _ = conn.close().await;
    Ok(())
}

/// Snapshots, newest first: of one project (its folder) unless `None`, of one tenant when given.
pub async fn list(project: Option<&str>, tenant: Option<&str>) -> Result<Vec<SnapshotInfo>> {
    let mut conn = open().await?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM snapshots WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR tenant_id = ?2) ORDER BY created_at DESC, id DESC"))
            .bind(project)
            .bind(tenant)
            .fetch_all(&mut conn)
            .await
            .map_err(fault("read the snapshot catalogue"))?;
    let _ = conn.close().await;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The snapshot `id` names (its id or a unique start of it).
pub async fn find(id: &str) -> Result<SnapshotInfo> {
    let id = id.trim();
    let all = list(None, None).await?;
    let mut found = all.into_iter().filter(|s| !id.is_empty() && s.id.starts_with(id));
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (Some(_), Some(_)) => Err(Error::SnapshotNotFound { id: id.to_owned(), reason: "more than one snapshot starts with it; give more of its id".to_owned() }),
        (None, _) => Err(Error::SnapshotNotFound { id: id.to_owned(), reason: "no snapshot has that id".to_owned() }),
    }
}

/// Unlists a snapshot, then removes its file (a file left by a kill between the two is swept).
pub async fn remove(id: &str) -> Result<()> {
    let mut conn = open().await?;
    sqlx::query("DELETE FROM snapshots WHERE id = ?").bind(id).execute(&mut conn).await.map_err(fault("unlist the snapshot"))?;
    let _ = conn.close().await;
    let path = file(id);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", &path)(e)),
        _ => Ok(()),
    }
}

/// A snapshot file being written: bytes go to a temporary name and into the checksum; `finish`
/// syncs and renames it. Dropped unfinished, the temporary file goes.
pub struct Writer {
    tmp: PathBuf,
    target: PathBuf,
    file: Option<std::fs::File>,
    hash: Sha256,
    pub bytes: u64,
}

impl Writer {
    pub fn new(id: &str) -> Result<Self> {
        let dir = dir();
        std::fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
        let target = file(id);
        let tmp = dir.join(format!(".{id}.dump.partial-{}", std::process::id()));
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(Error::io("create", &tmp))?;
        Ok(Self { tmp, target, file: Some(file), hash: Sha256::new(), bytes: 0 })
    }

    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        if let Some(f) = self.file.as_mut() {
            f.write_all(chunk).map_err(Error::io("write", &self.tmp))?;
        }
        self.hash.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    /// Syncs, renames into place and returns the size and SHA-256.
    pub fn finish(mut self) -> Result<(u64, String)> {
        let file = self.file.take().ok_or_else(|| Error::io("write", &self.tmp)(std::io::Error::other("already finished")))?;
        file.sync_all().map_err(Error::io("sync", &self.tmp))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target).map_err(Error::io("rename", &self.tmp))?;
        if let Ok(d) = std::fs::File::open(dir()) {
            let _ = d.sync_all();
        }
        let digest = std::mem::take(&mut self.hash).finalize();
        Ok((self.bytes, hex(&digest)))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The SHA-256 of a snapshot's file, checked against its catalogue entry before any restore.
pub fn verify(info: &SnapshotInfo) -> Result<PathBuf> {
    let path = file(&info.id);
    let mut f = std::fs::File::open(&path).map_err(|e| Error::SnapshotCorrupt { id: info.id.clone(), reason: format!("its file {} cannot be read: {e}", path.display()) })?;
    let mut hash = Sha256::new();
    std::io::copy(&mut f, &mut hash).map_err(Error::io("read", &path))?;
    if hex(&hash.finalize()) != info.sha256 {
        return Err(Error::SnapshotCorrupt { id: info.id.clone(), reason: format!("{} does not match the checksum taken when it was made", path.display()) });
    }
    Ok(path)
}

/// The bytes every custom-format `pg_dump` archive starts with.
const ARCHIVE_MAGIC: &[u8] = b"PGDMP";

/// Copies a snapshot's archive to `target` (through a temporary file, renamed when complete) and
/// writes its manifest beside it.
pub fn export(info: &SnapshotInfo, source: &Path, target: &Path) -> Result<()> {
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    std::fs::copy(source, &tmp).map_err(Error::io("write", &tmp))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(Error::io("sync", &tmp))?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("rename", target)(e)
    })?;
    let manifest = manifest_file(target);
    let json = serde_json::to_string_pretty(info).unwrap_or_default();
    let lock = crate::store::lock(&manifest)?;
    crate::store::write_atomic(&lock, &manifest, json.as_bytes(), crate::store::SHARED)
}

fn manifest_file(archive: &Path) -> PathBuf {
    let mut name = archive.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".json");
    archive.with_file_name(name)
}

/// What an exported manifest says (every field optional: an archive made elsewhere has none).
#[derive(Debug, Default, serde::Deserialize)]
struct Manifest {
    tenant_id: Option<String>,
    tenant_name: Option<String>,
    database: Option<String>,
    pg_version: Option<String>,
    sha256: Option<String>,
    note: Option<String>,
}

/// Copies an archive into the snapshot folder and lists it as this project's. The archive must
/// be a custom-format dump; with a manifest, its checksum must match.
pub async fn import(project: &crate::Project, archive: &Path) -> Result<SnapshotInfo> {
    let bad = |reason: String| Error::SnapshotCorrupt { id: archive.display().to_string(), reason };
    let mut source = std::fs::File::open(archive).map_err(|e| bad(format!("it cannot be read: {e}")))?;
    let manifest: Manifest = match std::fs::read(manifest_file(archive)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::json(&manifest_file(archive), &e))?,
        Err(_) => Manifest::default(),
    };
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let mut writer = Writer::new(&id)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut source, &mut buf).map_err(Error::io("read", archive))?;
        if n == 0 {
            break;
        }
        if writer.bytes == 0 && !buf[..n].starts_with(ARCHIVE_MAGIC) {
            return Err(bad("it is not a pg_dump custom-format archive".to_owned()));
        }
        writer.write(&buf[..n])?;
    }
    let (size, sha256) = writer.finish()?;
    if manifest.sha256.as_deref().is_some_and(|m| m != sha256) {
        let _ = std::fs::remove_file(file(&id));
        return Err(bad("it does not match the checksum its manifest gives".to_owned()));
    }
    let stem = archive.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "imported".to_owned());
    let info = SnapshotInfo {
        id,
        project: project.root().display().to_string(),
        tenant_id: manifest.tenant_id,
        tenant_name: manifest.tenant_name.unwrap_or(stem),
        database: manifest.database.unwrap_or_default(),
        pg_version: manifest.pg_version.unwrap_or_else(|| "unknown".to_owned()),
        size: size as f64,
        sha256,
        reason: Reason::Manual,
        note: Some(manifest.note.map_or_else(|| format!("imported from {}", archive.display()), |n| format!("{n} (imported)"))),
        created_at: crate::clock::now_rfc3339(),
    };
    if let Err(e) = insert(&info).await {
        let _ = std::fs::remove_file(file(&info.id));
        return Err(e);
    }
    Ok(info)
}

/// Removes what a killed snapshot left: temporary files of processes that are gone, and files
/// the catalogue does not list (a kill between the rename and the row). Files younger than a
/// minute are left alone: they may belong to a snapshot being finished right now.
pub async fn sweep() -> Result<()> {
    let listed: std::collections::BTreeSet<String> = list(None, None).await?.into_iter().map(|s| s.id).collect();
    let Ok(entries) = std::fs::read_dir(dir()) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age.as_secs() > 60);
        let stale_partial = name.starts_with('.') && name.contains(".dump.partial-") && (old || !process_alive(&name));
        let unlisted = name.strip_suffix(".dump").is_some_and(|id| !listed.contains(id)) && old;
        if stale_partial || unlisted {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

fn process_alive(partial_name: &str) -> bool {
    partial_name.rsplit('-').next().and_then(|pid| pid.parse::<u32>().ok()).is_some_and(|pid| pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists())
}

/// The database a snapshot is taken of: where it is served and whose it is.
pub struct Source<'a> {
    pub container: &'a str,
    pub database: &'a str,
    pub tenant_id: Option<&'a str>,
    /// The tenant's name (an orphan database's own name when there is no tenant).
    pub tenant_name: &'a str,
    /// A snapshot retention must leave alone this time: the one about to be restored.
    pub spare: Option<&'a str>,
    /// A database reached over the network instead (a cloud tenant's): the image whose pg_dump
    /// runs, and the URL with its password.
    pub remote: Option<(&'a str, &'a crate::secret::Secret)>,
}

/// Dumps `source` with the server's own `pg_dump` into a new snapshot and lists it; automatic
/// ones are then pruned by the user's retention settings. Nothing is listed unless the whole
/// archive is on disk and synced.
pub async fn take(project: &Path, source: Source<'_>, reason: Reason, note: Option<&str>, on_step: &mut (dyn FnMut(crate::pg_tools::Step) + Send)) -> Result<SnapshotInfo> {
    let _ = sweep().await;
    let engine = crate::engine::connect(None).await?;
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let mut writer = Writer::new(&id)?;
    let pg_version = match source.remote {
        Some((image, url)) => crate::pg_tools::dump_remote(&engine, image, url, &mut |chunk| writer.write(chunk), on_step).await?,
        None => crate::pg_tools::dump(&engine, source.container, source.database, &mut |chunk| writer.write(chunk), on_step).await?,
    };
    let (size, sha256) = writer.finish()?;
    let info = SnapshotInfo {
        id,
        project: project.display().to_string(),
        tenant_id: source.tenant_id.map(str::to_owned),
        tenant_name: source.tenant_name.to_owned(),
        database: source.database.to_owned(),
        pg_version,
        size: size as f64,
        sha256,
        reason,
        note: note.map(str::to_owned).filter(|n| !n.trim().is_empty()),
        created_at: crate::clock::now_rfc3339(),
    };
    if let Err(e) = insert(&info).await {
        let _ = std::fs::remove_file(file(&info.id));
        return Err(e);
    }
    if reason.automatic() {
        let settings = crate::settings::Settings::load().unwrap_or_default();
        if let Ok(all) = list(Some(&info.project), None).await {
            for id in
                expired(&all, settings.snapshot_keep(), settings.snapshot_keep_days(), time::OffsetDateTime::now_utc()).into_iter().filter(|id| Some(id.as_str()) != source.spare)
            {
                let _ = remove(&id).await;
            }
        }
    }
    Ok(info)
}

/// Which snapshots retention removes: automatic ones beyond the newest `keep` of each tenant that
/// are also older than `days`. Manual snapshots stay until deleted.
pub fn expired(snapshots: &[SnapshotInfo], keep: usize, days: u32, now: time::OffsetDateTime) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<(String, String), usize> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    // Newest first, as `list` returns them.
    for s in snapshots.iter().filter(|s| s.reason.automatic()) {
        let n = seen.entry((s.project.clone(), s.tenant_id.clone().unwrap_or_else(|| s.database.clone()))).or_default();
        *n += 1;
        let age_days = crate::clock::parse_rfc3339(&s.created_at).map_or(0, |t| (now - t).whole_days());
        if *n > keep && age_days >= i64::from(days) {
            out.push(s.id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(id: &str, tenant: &str, reason: Reason, created_at: &str) -> SnapshotInfo {
        SnapshotInfo {
            id: id.to_owned(),
            project: "/p".to_owned(),
            tenant_id: Some(tenant.to_owned()),
            tenant_name: tenant.to_owned(),
            database: format!("td_{tenant}"),
            pg_version: "15".to_owned(),
            size: 1.0,
            sha256: String::new(),
            reason,
            note: None,
            created_at: created_at.to_owned(),
        }
    }

    #[test]
    fn retention_keeps_the_newest_automatic_snapshots_a_week_and_every_manual_one() {
        let now = crate::clock::parse_rfc3339("2026-12-20T00:00:00Z").expect("time");
        let list = vec![
            snap("a5", "a", Reason::BeforeDelete, "2026-12-19T00:00:00Z"),
            snap("a4", "a", Reason::BeforeRestore, "2026-12-18T00:00:00Z"),
            snap("a3", "a", Reason::Manual, "2026-12-01T00:00:00Z"),
            snap("a2", "a", Reason::BeforeRestore, "2026-12-10T00:00:00Z"),
            snap("a1", "a", Reason::BeforeRestore, "2026-12-01T00:00:00Z"),
            snap("b1", "b", Reason::BeforeDelete, "2026-11-01T00:00:00Z"),
        ];
        // Keep the newest 2 automatic ones of each tenant, and any younger than 7 days: a's third
        // and fourth (10 and 19 days old) go; its manual one and b's only one stay.
        assert_eq!(expired(&list, 2, 7, now), vec!["a2".to_owned(), "a1".to_owned()]);
        // A week's grace keeps a young third one.
        assert_eq!(expired(&list, 1, 30, now), Vec::<String>::new());
    }
}
