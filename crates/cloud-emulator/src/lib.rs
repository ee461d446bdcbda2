//! The SystemPrompt Cloud API, emulated for tests and offline demos: browser login, account and
//! tenant endpoints with the real API's envelopes and auth tiers, checkout without payment,
//! provisioning with the documented phases streamed over SSE, and a real PostgreSQL database
//! behind every tenant. State lives in SQLite under the data folder and survives restarts.
//! Faults can be injected (`/__emulator/faults`) so clients can be tested against failure.
//!
//! It listens on 127.0.0.1 only; the `/__emulator` admin endpoints have no auth for that reason.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqlitePool;
use tokio::sync::{broadcast, oneshot};

mod api;
mod auth;
mod database;
mod events;
pub mod faults;
pub mod provision;
mod store;
pub mod tenants;

pub use database::PgServer;
pub use faults::{Fault, FaultKind};

/// The account every emulator has from its first start; its first API token is printed.
pub const DEMO_EMAIL: &str = "demo@tenantdesk.local";

#[derive(Debug, Clone)]
pub struct Settings {
    pub phase_delay: Duration,
    pub heartbeat: Duration,
    pub exchange_ttl_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self { phase_delay: provision::default_phase_delay(), heartbeat: Duration::from_secs(10), exchange_ttl_secs: 300 }
    }
}

pub struct Config {
    pub data_dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    pub postgres: PgServer,
    pub settings: Settings,
}

pub struct Inner {
    pool: SqlitePool,
    pg: PgServer,
    faults: faults::Faults,
    exchanged: Mutex<HashMap<String, (String, Instant)>>,
    events: broadcast::Sender<store::EventRow>,
    settings: Mutex<Settings>,
    base_url: String,
    /// The provisioning tasks under way; stopping the emulator stops them, so a restarted one
    /// (which resumes them) never runs a tenant's phases twice at once.
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

pub type Shared = Arc<Inner>;

impl Inner {
    fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn track(&self, task: tokio::task::AbortHandle) {
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|t| !t.is_finished());
            tasks.push(task);
        }
    }

    fn remember_exchanged(&self, token: &str, account: &str, ttl_secs: u64) {
        if let Ok(mut map) = self.exchanged.lock() {
            let now = Instant::now();
            map.retain(|_, (_, until)| *until > now);
            map.insert(token.to_owned(), (account.to_owned(), now + Duration::from_secs(ttl_secs)));
        }
    }

    fn exchanged_account(&self, token: &str) -> Option<String> {
        let map = self.exchanged.lock().ok()?;
        map.get(token).filter(|(_, until)| *until > Instant::now()).map(|(account, _)| account.clone())
    }
}

/// A running emulator; dropping it stops the server.
pub struct Running {
    pub url: String,
    /// An API token of the demo account.
    pub demo_token: String,
    shared: Shared,
    stop: Option<oneshot::Sender<()>>,
}

impl Running {
    pub fn faults(&self, faults: Vec<Fault>) {
        self.shared.faults.arm(faults);
    }

    pub fn set_phase_delay(&self, delay: Duration) {
        if let Ok(mut s) = self.shared.settings.lock() {
            s.phase_delay = delay;
        }
    }

    /// How long the emulator itself took to provision a tenant (first phase to `tenant_ready`).
    pub async fn provisioned_in(&self, id: &str) -> Option<Duration> {
        let t = store::tenant(&self.shared.pool, id).await.ok()??;
        t.provisioned_in_ms.map(|ms| Duration::from_millis(ms.max(0) as u64))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Ok(mut tasks) = self.shared.tasks.lock() {
            tasks.drain(..).for_each(|t| t.abort());
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the emulator's state could not be opened: {0}")]
    Storage(sqlx::Error),
    #[error("the emulator could not listen on 127.0.0.1: {0}")]
    Bind(std::io::Error),
}

/// Starts the emulator on 127.0.0.1 and resumes any provisioning a previous run left unfinished.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let pool = store::open(&config.data_dir).await.map_err(StartError::Storage)?;
    let demo = store::ensure_account(&pool, DEMO_EMAIL).await.map_err(StartError::Storage)?;
    let demo_token = match store::first_token(&pool, &demo).await.map_err(StartError::Storage)? {
        Some(t) => t,
        None => {
            let t = api::token("sp_op_");
            store::add_token(&pool, &t, &demo).await.map_err(StartError::Storage)?;
            t
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await.map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    let base_url = format!("http://{addr}");
    let shared: Shared = Arc::new(Inner {
        pool,
        pg: config.postgres,
        faults: faults::Faults::default(),
        exchanged: Mutex::new(HashMap::new()),
        events: broadcast::channel(1024).0,
        settings: Mutex::new(config.settings),
        base_url: base_url.clone(),
        tasks: Mutex::new(Vec::new()),
    });
    for t in store::provisioning(&shared.pool).await.map_err(StartError::Storage)? {
        provision::start(shared.clone(), t.id);
    }
    let app = router(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(Running { url: base_url, demo_token, shared, stop: Some(stop) })
}

fn router(shared: Shared) -> Router {
    let tenant = "/api/v1/tenants/{id}";
    Router::new()
        .route("/api/v1/auth/oauth/{provider}", get(auth::login_url))
        .route("/oauth/consent", get(auth::consent_page).post(auth::consent))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/core/oauth/token", post(auth::exchange))
        .route("/api/v1/tenants", get(auth::tenants))
        .route("/api/v1/checkout/plans", get(tenants::plans))
        .route("/api/v1/checkout", post(tenants::checkout))
        .route("/checkout/{session}", get(tenants::checkout_page))
        .route("/api/v1/checkout/{session}/events", get(events::checkout_events))
        .route("/api/v1/sync/verify", get(tenants::verify_sync_token))
        .route(tenant, delete(tenants::delete))
        .route(&format!("{tenant}/events"), get(events::tenant_events))
        .route(&format!("{tenant}/status"), get(tenants::status))
        .route(&format!("{tenant}/credentials"), get(tenants::credentials))
        .route(&format!("{tenant}/rotate-credentials"), post(tenants::rotate_credentials))
        .route(&format!("{tenant}/rotate-sync-token"), post(tenants::rotate_sync_token))
        .route(&format!("{tenant}/external-db-access"), put(tenants::external_db_access))
        .route(&format!("{tenant}/secrets"), get(tenants::secret_keys).put(tenants::set_secrets))
        .route(&format!("{tenant}/secrets/{{key}}"), delete(tenants::delete_secret))
        .route(&format!("{tenant}/subscription/cancel"), post(tenants::cancel))
        .route(&format!("{tenant}/retry-provision"), post(tenants::retry_provision))
        .route("/__emulator/faults", post(arm_faults).delete(clear_faults))
        .route("/__emulator/settings", put(change_settings))
        .route("/__emulator/tenants/{id}", get(inspect_tenant))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), faults::middleware))
        .with_state(shared)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Fault),
    Many(Vec<Fault>),
}

async fn arm_faults(State(shared): State<Shared>, Json(body): Json<OneOrMany>) -> StatusCode {
    shared.faults.arm(match body {
        OneOrMany::One(f) => vec![f],
        OneOrMany::Many(v) => v,
    });
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Shared>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct SettingsChange {
    phase_delay_ms: Option<u64>,
    heartbeat_ms: Option<u64>,
    exchange_ttl_secs: Option<u64>,
}

async fn change_settings(State(shared): State<Shared>, Json(change): Json<SettingsChange>) -> StatusCode {
    if let Ok(mut s) = shared.settings.lock() {
        if let Some(ms) = change.phase_delay_ms {
            s.phase_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = change.heartbeat_ms {
            s.heartbeat = Duration::from_millis(ms.max(10));
        }
        if let Some(secs) = change.exchange_ttl_secs {
            s.exchange_ttl_secs = secs;
        }
    }
    StatusCode::NO_CONTENT
}

/// What only the emulator knows (for tests): state, phase, timing, and whether a sync token is set.
async fn inspect_tenant(State(shared): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, api::ApiError> {
    let t = store::tenant(&shared.pool, &id).await?.ok_or_else(|| api::ApiError::not_found(&id))?;
    Ok(Json(json!({
        "status": t.status,
        "phase": t.phase,
        "subscription_status": t.subscription_status,
        "provisioned_in_ms": t.provisioned_in_ms,
        "db_role": t.db_role,
        "db_name": t.db_name,
        "has_sync_token": t.sync_token.is_some(),
        "external_db_access": t.external_db_access,
    })))
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
