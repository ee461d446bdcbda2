//! `tenantdesk-cloud-emulator --port N --data DIR`: the emulated SystemPrompt Cloud API on
//! 127.0.0.1. Without `--postgres-url` it runs its own PostgreSQL container (through the Docker
//! engine, like Tenantdesk's local tenants) and keeps that server's superuser password in the data
//! folder: it plays the cloud's infrastructure, not the user's machine.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use tenantdesk_cloud_emulator::{Config, PgServer, Settings, start};
use tenantdesk_core::keychain::{SecretKey, SecretStore};
use tenantdesk_core::secret::Secret;
use tenantdesk_core::shared_container::{self, SharedConfig};
use tenantdesk_core::{Error, engine};

#[derive(Parser)]
#[command(name = "tenantdesk-cloud-emulator", about = "The SystemPrompt Cloud API, emulated on 127.0.0.1")]
struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Folder for the emulator's state (created if missing).
    #[arg(long)]
    data: PathBuf,
    /// A PostgreSQL superuser URL to create tenant databases on, instead of a container of its own.
    #[arg(long, env = "TENANTDESK_EMULATOR_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Milliseconds between provisioning phases (0 for benchmarks).
    #[arg(long, default_value_t = 400)]
    phase_delay_ms: u64,
}

/// The emulator's own server secrets, in a 0600 file in its data folder.
struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    fn read(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    fn write(&self, map: &BTreeMap<String, String>) -> tenantdesk_core::Result<()> {
        let lock = tenantdesk_core::store::lock(&self.path)?;
        let text = serde_json::to_string_pretty(map).unwrap_or_default();
        tenantdesk_core::store::write_atomic(&lock, &self.path, text.as_bytes(), tenantdesk_core::store::PRIVATE)
    }
}

impl SecretStore for FileStore {
    fn get(&self, key: &SecretKey) -> tenantdesk_core::Result<Option<Secret>> {
        let _g = self.lock.lock();
        Ok(self.read().get(&key.account()).map(Secret::new))
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> tenantdesk_core::Result<()> {
        let _g = self.lock.lock();
        let mut map = self.read();
        map.insert(key.account(), value.expose().to_owned());
        self.write(&map)
    }

    fn delete(&self, key: &SecretKey) -> tenantdesk_core::Result<()> {
        let _g = self.lock.lock();
        let mut map = self.read();
        map.remove(&key.account());
        self.write(&map)
    }
}

/// Starts (or reuses) the emulator's own PostgreSQL container and returns its superuser URL.
async fn own_postgres(data: &Path) -> Result<Secret, Error> {
    let store = FileStore { path: data.join("server-secrets.json"), lock: Mutex::new(()) };
    let defaults = SharedConfig::from_env();
    // Below the kernel's ephemeral range, so no outgoing connection takes it before the container
    // binds it; the next free one when something else already listens there.
    const PORT: u16 = 25432;
    let port = if tenantdesk_core::port::is_free(PORT) { PORT } else { tenantdesk_core::port::next_free(PORT).unwrap_or(PORT) };
    // Its own role, so the Docker panel does not offer it as an orphan of the shared container.
    let cfg = SharedConfig::new("tenantdesk-cloud-emulator-postgres", &defaults.image, port).with_role(shared_container::ROLE_EMULATOR);
    let engine = engine::connect(None).await?;
    eprintln!("Starting the emulator's PostgreSQL container ({})…", cfg.image);
    shared_container::up(&engine, &cfg, &store, &mut |_| {}).await?;
    let cfg = cfg.on_port(shared_container::status(&engine, &cfg).await?.port);
    let password = store.get(&cfg.secret_key())?.ok_or_else(|| Error::KeychainUnavailable { reason: "the container's password is missing from the data folder".to_owned() })?;
    Ok(shared_container::superuser_url(&cfg, &password, "postgres"))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let admin_url = match args.postgres_url {
        Some(url) => Secret::new(url),
        None => match own_postgres(&args.data).await {
            Ok(url) => url,
            Err(e) => {
                eprintln!("error: {e}");
                if let Some(hint) = e.advice() {
                    eprintln!("hint: {hint}");
                }
                std::process::exit(1);
            }
        },
    };
    let postgres = match PgServer::new(admin_url) {
        Ok(pg) => pg,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let settings = Settings { phase_delay: Duration::from_millis(args.phase_delay_ms), ..Settings::default() };
    let running = match start(Config { data_dir: args.data, port: args.port, postgres, settings }).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    // A reader that stopped listening (a closed pipe) must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "SystemPrompt Cloud emulator listening on {}", running.url);
    let _ = writeln!(out, "Demo account: {}", tenantdesk_cloud_emulator::DEMO_EMAIL);
    let _ = writeln!(out, "Use it with: TENANTDESK_CLOUD_URL={} tenantdesk cloud auth login", running.url);
    let _ = writeln!(out, "API token: {}", running.demo_token);
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    drop(running);
}
