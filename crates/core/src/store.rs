//! Safe writes to the user's files.
//!
//! The `systemprompt` CLI rewrites whole files with no locking, so two writers can lose each
//! other's changes and a crash mid-write can leave half a file. Tenantdesk instead:
//! - takes an advisory lock on a sidecar `.<file>.lock` (not the file itself: the file is
//!   replaced by rename, and a lock on the old inode would protect nothing);
//! - re-reads the file *inside* the lock, so it applies its change to the latest content;
//! - writes a temp file in the same folder, fsyncs it, renames it over the target and fsyncs the
//!   folder, so readers see either the old file or the new one, never a mix.
//!
//! Readers take no lock: a rename is atomic, so a reader always sees a whole file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File modes: files that may hold secrets are owner-only, as the CLI writes them.
pub const PRIVATE: u32 = 0o600;
pub const SHARED: u32 = 0o644;

/// Held while a read-modify-write of one file is in progress; dropping it releases the lock.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

fn sidecar(target: &Path, suffix: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}{suffix}"))
}

/// Blocks until this process is the only Tenantdesk writer of `target`.
pub fn lock(target: &Path) -> Result<WriteLock> {
    let dir = parent(target);
    fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    let path = sidecar(target, ".lock");
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    set_mode(&mut options, PRIVATE);
    let file = options.open(&path).map_err(Error::io("open lock file", &path))?;
    file.lock().map_err(Error::io("lock", &path))?;
    sweep_temp_files(target);
    Ok(WriteLock { _file: file })
}

/// The largest file Tenantdesk reads: the CLI's files are a few kilobytes; a bigger one is a
/// mistake (or `/dev/zero`), not a registry.
pub const MAX_FILE: u64 = 8 << 20;

/// Reads a whole file; `None` when it does not exist. Only a regular file is read, and at most
/// [`MAX_FILE`] bytes of it: a FIFO, a device or a socket in a file's place is refused at once
/// instead of blocking or reading without end.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>> {
    let mut options = OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading blocks until a writer comes; non-blocking it returns at once
    // and the type check below refuses it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path)(e)),
    };
    let meta = file.metadata().map_err(Error::io("read", path))?;
    if !meta.is_file() {
        return Err(Error::Invalid { path: path.to_owned(), message: "it is not a regular file (a FIFO, device or folder is in its place); move it away".to_owned() });
    }
    if meta.len() > MAX_FILE {
        return Err(Error::Invalid { path: path.to_owned(), message: format!("it is {} bytes, more than the {MAX_FILE} a SystemPrompt file can be", meta.len()) });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE + 1), &mut bytes).map_err(Error::io("read", path))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(Error::Invalid { path: path.to_owned(), message: format!("it grew past {MAX_FILE} bytes while being read") });
    }
    Ok(Some(bytes))
}

/// Refuses a folder that is a link leading out of `base` (a profile folder linked elsewhere on
/// the disk): Tenantdesk writes only inside the project's `.systemprompt/`.
pub fn within(dir: &Path, base: &Path) -> Result<()> {
    let (Ok(real), Ok(base)) = (fs::canonicalize(dir), fs::canonicalize(base)) else { return Ok(()) };
    if real.starts_with(&base) {
        return Ok(());
    }
    Err(Error::Invalid { path: dir.to_owned(), message: format!("it links outside the project, to {}; Tenantdesk writes only inside .systemprompt/", real.display()) })
}

/// How many times a write over a lock-free writer starts again before it gives up.
const REWRITES: usize = 5;

/// A read-modify-write beside a program that takes no lock (the `systemprompt` CLI): `render`
/// gets the file as it is now and returns what to write; the result replaces the file only if it
/// still holds what `render` saw right before the rename, else the round starts again with the
/// other program's version. Returns the bytes written.
pub fn write_over_lockfree(lock: &WriteLock, target: &Path, mode: u32, mut render: impl FnMut(Option<&[u8]>) -> Result<Vec<u8>>) -> Result<Vec<u8>> {
    for _ in 0..REWRITES {
        let on_disk = read(target)?;
        let bytes = render(on_disk.as_deref())?;
        let expected = on_disk.as_deref();
        if write_checked(lock, target, &bytes, mode, &|| Ok(read(target)?.as_deref() == expected))? {
            return Ok(bytes);
        }
    }
    Err(Error::Invalid { path: target.to_owned(), message: format!("another program rewrote it {REWRITES} times while Tenantdesk was saving; try again") })
}

/// Replaces `target` with `bytes` atomically. Call it while holding [`lock`] for `target`. A
/// target that is a symbolic link keeps being one: the file it points to is replaced.
pub fn write_atomic(lock: &WriteLock, target: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    write_checked(lock, target, bytes, mode, &|| Ok(true)).map(drop)
}

fn write_checked(_lock: &WriteLock, target: &Path, bytes: &[u8], mode: u32, still_current: &dyn Fn() -> Result<bool>) -> Result<bool> {
    let linked;
    let target = match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            linked = fs::canonicalize(target).map_err(Error::io("follow the link", target))?;
            linked.as_path()
        }
        _ => target,
    };
    let dir = parent(target);
    let tmp = sidecar(target, &format!(".tmp-{}-{}", std::process::id(), random_suffix()));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.create_new(true).write(true);
        set_mode(&mut options, mode);
        let mut file = options.open(&tmp).map_err(Error::io("create", &tmp))?;
        file.write_all(bytes).map_err(Error::io("write", &tmp))?;
        file.sync_all().map_err(Error::io("flush", &tmp))?;
        // The last look before the rename: a lock-free writer may have replaced the file.
        if !still_current()? {
            return Ok(false);
        }
        fs::rename(&tmp, target).map_err(Error::io("replace", target))?;
        // The rename is durable only once the folder entry is on disk.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(true)
    })();
    if !matches!(result, Ok(true)) {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A temp file of Tenantdesk's (`.<name>.tmp-<pid>-<hex>`) or of the `systemprompt` CLI
/// (`.<name>.<pid>.<nonce>.tmp`), which writes beside its target and renames.
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with('.') && (name.contains(".tmp-") || name.ends_with(".tmp"))
}

/// A writer killed mid-write leaves its temp file behind; the next lock holder removes it.
fn sweep_temp_files(target: &Path) {
    let prefix = sidecar(target, ".tmp-");
    let (Some(dir), Some(prefix)) = (prefix.parent(), prefix.file_name()) else { return };
    let prefix = prefix.to_string_lossy();
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix.as_ref()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn parent(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    crate::keychain::hex(&bytes)
}

#[cfg(unix)]
fn set_mode(options: &mut OpenOptions, mode: u32) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(mode);
}

#[cfg(not(unix))]
fn set_mode(_options: &mut OpenOptions, _mode: u32) {}

/// Opens (creating it and its folder when missing) one of Tenantdesk's own SQLite files — the
/// audit log, the snapshot catalogue — in WAL mode, waiting up to 10 s for another process's
/// write to finish. `action` says what failed ("open the audit log").
pub async fn open_sqlite(path: &Path, action: &'static str) -> Result<sqlx::SqliteConnection> {
    use sqlx::Connection as _;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    }
    let fault = |e: sqlx::Error| Error::Database { action, message: format!("{e} ({})", path.display()) };
    let options: sqlx::sqlite::SqliteConnectOptions = std::str::FromStr::from_str(&format!("sqlite://{}", path.display())).map_err(fault)?;
    let options = options.create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal).busy_timeout(std::time::Duration::from_secs(10));
    sqlx::SqliteConnection::connect_with(&options).await.map_err(fault)
}

/// A JSON file whose top level is an object (a profile's `secrets.json`, `credentials.json`), for
/// editing key by key; a missing file is an error.
pub fn read_json_object(path: &Path) -> Result<serde_json::Map<String, serde_json::Value>> {
    let bytes = read(path)?.ok_or_else(|| Error::io("read", path)(std::io::ErrorKind::NotFound.into()))?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| Error::json(path, &e))? {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(Error::Invalid { path: path.to_owned(), message: "the top level must be an object".to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_sweeps_stale_temp_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("tenants.json");
        let stale = dir.path().join(".tenants.json.tmp-1-abc");
        fs::write(&stale, "half").expect("write stale");
        let guard = lock(&target).expect("lock");
        assert!(!stale.exists(), "stale temp file survived");
        write_atomic(&guard, &target, b"one", PRIVATE).expect("write");
        write_atomic(&guard, &target, b"two", PRIVATE).expect("write");
        assert_eq!(fs::read(&target).expect("read"), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
