//! Fixtures shared by the test suites of every crate (enabled by the `testing` feature, for
//! dev-dependencies only): the seed's project on disk, and a snapshot of a folder's files.

use std::fs;
use std::path::{Path, PathBuf};

/// `tests/fixtures` at the top of the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A temporary project holding the seed's registry, a seed-shaped `local` profile, a CLI-shaped
/// `staging` profile and a session for each tenant.
pub fn seed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join(".systemprompt");
    for sub in ["profiles/local", "profiles/staging", "sessions"] {
        fs::create_dir_all(state.join(sub)).expect("mkdir");
    }
    let f = fixtures();
    for (from, to) in [
        ("registry/seed.json", "tenants.json"),
        ("profiles/seed.yaml", "profiles/local/profile.yaml"),
        ("profiles/cli-current.yaml", "profiles/staging/profile.yaml"),
        ("sessions/index.json", "sessions/index.json"),
    ] {
        fs::copy(f.join(from), state.join(to)).expect("copy fixture");
    }
    dir
}

/// Every file below `root` with its bytes, sorted; advisory lock files are left out (taking a
/// lock is not a change).
pub fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".lock")) {
                out.push((path.clone(), fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// A free port for a test container to publish, outside the kernel's ephemeral range
/// (32768–60999 on Linux): a port picked by binding port 0 is an ephemeral one, and an outgoing
/// connection's source port can take it between the check and the container binding it. Distinct
/// within a process (a counter) and spread across processes (the pid).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    for _ in 0..SPAN {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(FIRST + (std::process::id().wrapping_mul(97).wrapping_add(step.wrapping_mul(13))) % SPAN).expect("below 32000");
        if crate::port::is_free(port) {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN)
}

/// A PostgreSQL server in a container of its own, from `TENANTDESK_POSTGRES_IMAGE` (built by
/// tests/docker/postgres-image.sh), removed with its volume on drop. Blocking: it may be started
/// from inside or outside an async runtime.
pub struct TestServer {
    pub container: String,
    /// The superuser URL.
    pub admin: crate::secret::Secret,
}

impl TestServer {
    pub fn start(tag: &str) -> Self {
        use crate::keychain::SecretStore;
        let image = std::env::var("TENANTDESK_POSTGRES_IMAGE")
            .unwrap_or_else(|_| panic!("set TENANTDESK_POSTGRES_IMAGE (built by tests/docker/postgres-image.sh); scripts/test.sh does it all"));
        let container = format!("td-{tag}-{}", std::process::id());
        let name = container.clone();
        let admin = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let store = crate::keychain::MemoryStore::default();
                let engine = crate::engine::connect(None).await.expect("a Docker engine");
                // Another program may still take the port after the check: try the next one.
                let mut attempts = 0;
                let cfg = loop {
                    let cfg = crate::shared_container::SharedConfig::new(&name, &image, free_port());
                    match crate::shared_container::up(&engine, &cfg, &store, &mut |_| {}).await {
                        Ok(_) => break cfg,
                        Err(crate::Error::PortTaken { .. }) if attempts < 3 => attempts += 1,
                        Err(e) => panic!("start the test PostgreSQL: {e:?}"),
                    }
                };
                let password = store.get(&cfg.secret_key()).expect("store").expect("superuser password");
                crate::shared_container::superuser_url(&cfg, &password, "postgres")
            })
        })
        .join()
        .expect("server thread");
        Self { container, admin }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args(["rm", "-f", "-v", &self.container]).output();
        let _ = std::process::Command::new("docker").args(["volume", "rm", "-f", &format!("{}-data", self.container)]).output();
    }
}
