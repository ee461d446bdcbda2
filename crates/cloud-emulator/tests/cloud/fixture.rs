//! One PostgreSQL container for the whole binary (started by the first test, removed by the last
//! one out), and per test: an emulator with its own data folder, a project, and a keychain
//! wrapper that deletes every entry the test wrote.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use tenantdesk_cloud_emulator::{Config, Fault, PgServer, Running, Settings, start};
use tenantdesk_core::keychain::{Keychain, SecretKey, SecretStore};
use tenantdesk_core::ops::provisioning::{CloudCreate, CloudProgress, CreatedCloudTenant};
use tenantdesk_core::secret::Secret;
use tenantdesk_core::testing::TestServer;
pub use tenantdesk_core::testing::free_port;
use tenantdesk_core::{Project, name::TenantName};

/// The test server, shared by the tests running at the same time.
struct Shared {
    users: usize,
    server: Option<TestServer>,
}

static SERVER: Mutex<Shared> = Mutex::new(Shared { users: 0, server: None });

fn acquire_server() -> Secret {
    let mut shared = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    shared.users += 1;
    shared.server.get_or_insert_with(|| TestServer::start("cloud-test")).admin.clone()
}

/// The last test out removes the server (a later test starts a new one).
fn release_server() {
    let mut shared = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    shared.users -= 1;
    if shared.users == 0 {
        shared.server = None;
    }
}

/// The real keychain, under a test service name; every entry written is deleted on drop.
pub struct TestKeychain {
    inner: Keychain,
    written: Mutex<HashSet<String>>,
    keys: Mutex<Vec<SecretKey>>,
}

impl TestKeychain {
    fn new() -> Self {
        Self { inner: Keychain::with_service(&format!("tenantdesk-test-cloud-{}", std::process::id())), written: Mutex::default(), keys: Mutex::default() }
    }
}

impl SecretStore for TestKeychain {
    fn get(&self, key: &SecretKey) -> tenantdesk_core::Result<Option<Secret>> {
        self.inner.get(key)
    }
    fn set(&self, key: &SecretKey, value: &Secret) -> tenantdesk_core::Result<()> {
        if self.written.lock().expect("lock").insert(key.account()) {
            self.keys.lock().expect("lock").push(key.clone());
        }
        self.inner.set(key, value)
    }
    fn delete(&self, key: &SecretKey) -> tenantdesk_core::Result<()> {
        self.inner.delete(key)
    }
}

impl Drop for TestKeychain {
    fn drop(&mut self) {
        for key in self.keys.lock().map(|k| k.clone()).unwrap_or_default() {
            let _ = self.inner.delete(&key);
        }
    }
}

pub struct Cloud {
    pub emulator: Option<Running>,
    pub admin: Secret,
    pub data: tempfile::TempDir,
    _dir: tempfile::TempDir,
    pub project: Project,
    pub keychain: TestKeychain,
}

impl Cloud {
    /// An emulator with no delay between phases, and a project logged in to it.
    pub async fn logged_in() -> Self {
        let cloud = Self::new().await;
        tenantdesk_core::ops::account::login_with_token(&cloud.project, Some(&cloud.url()), Secret::new(cloud.token()), &cloud.keychain).await.expect("login with the demo token");
        cloud
    }

    pub async fn new() -> Self {
        let admin = tokio::task::spawn_blocking(acquire_server).await.expect("server");
        let data = tempfile::tempdir().expect("tempdir");
        let emulator = launch(&admin, &data, Duration::ZERO).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        Self { emulator: Some(emulator), admin, data, _dir: dir, project, keychain: TestKeychain::new() }
    }

    pub fn emulator(&self) -> &Running {
        self.emulator.as_ref().expect("emulator running")
    }

    pub fn url(&self) -> String {
        self.emulator().url.clone()
    }

    pub fn token(&self) -> String {
        self.emulator().demo_token.clone()
    }

    pub fn faults(&self, faults: Vec<Fault>) {
        self.emulator().faults(faults);
    }

    /// Stops the emulator (its server and its provisioning tasks).
    pub fn stop(&mut self) {
        drop(self.emulator.take());
    }

    /// Stops the emulator and starts it again on the same data folder (a different port), with
    /// `phase_delay` between the phases of the provisionings it resumes.
    pub async fn restart(&mut self, phase_delay: Duration) {
        self.stop();
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.emulator = Some(launch(&self.admin, &self.data, phase_delay).await);
    }

    pub async fn create(&self, name: &str, region: &str) -> (tenantdesk_core::Result<CreatedCloudTenant>, Vec<CloudProgress>) {
        let mut seen = Vec::new();
        let request = CloudCreate { name: TenantName::parse(name).expect("name"), region: region.to_owned(), plan: None };
        let result = tenantdesk_core::ops::provisioning::create_cloud_tenant(&self.project, &request, &self.keychain, &mut |p| seen.push(p)).await;
        (result, seen)
    }

    /// The emulator's own view of a tenant (`/__emulator/tenants/{id}`).
    pub async fn inspect(&self, id: &str) -> serde_json::Value {
        http().get(format!("{}/__emulator/tenants/{id}", self.url())).send().await.expect("inspect").json().await.expect("json")
    }
}

async fn launch(admin: &Secret, data: &tempfile::TempDir, phase_delay: Duration) -> Running {
    let settings = Settings { phase_delay, heartbeat: Duration::from_millis(500), ..Settings::default() };
    start(Config { data_dir: data.path().to_owned(), port: 0, postgres: PgServer::new(admin.clone()).expect("admin url"), settings }).await.expect("start the emulator")
}

impl Drop for Cloud {
    fn drop(&mut self) {
        drop(self.emulator.take());
        release_server();
    }
}

/// The event types a progress callback saw, in order.
pub fn phases(seen: &[CloudProgress]) -> Vec<String> {
    seen.iter()
        .filter_map(|p| match p {
            CloudProgress::Phase { event_type, .. } => Some(event_type.clone()),
            _ => None,
        })
        .collect()
}

/// A plain HTTP client for talking to the emulator directly.
pub fn http() -> reqwest::Client {
    tenantdesk_core::cloud::install_crypto_provider();
    reqwest::Client::new()
}

pub async fn connects(url: &Secret) -> bool {
    tenantdesk_core::postgres::verify(url).await.is_ok()
}
