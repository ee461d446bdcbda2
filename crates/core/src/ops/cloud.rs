//! Use cases of SystemPrompt Cloud: log in and out, sync the registry with the account's tenants,
//! create a cloud tenant and follow its provisioning, and rotate, delete or cancel one.
//!
//! The API token and each tenant's database password live in the keychain; tenants.json gets the
//! tenant with its URL masked, as for local tenants. Nothing is registered until provisioning has
//! finished and the credentials are safely stored.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::local::{Rotated, password_key, split_password, update_marks};
use super::{CreatedTenant, DeletedTenant, Snapshot, check_name_free, register_tenant};
use crate::audit;
use crate::cloud::sse::StreamEnd;
use crate::cloud::wire::{self, TenantInfo};
use crate::cloud::{self, ClientOptions, CloudClient, DEFAULT_API_URL, login::Callback};
use crate::error::{Error, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore};
use crate::marks::{CloudLogin, TenantMarks};
use crate::name::TenantName;
use crate::project::Project;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType, parse_database_url};

/// How long a provisioning may take when followed by polling (the CLI's 60 × 2 s).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
const POLL_ATTEMPTS: u32 = 60;
/// An event stream with no bytes for this long (heartbeats included) is taken as dropped.
const STREAM_IDLE: Duration = Duration::from_secs(30);
const LOGIN_WAIT: Duration = Duration::from_secs(300);

/// The keychain entry of the project's API token.
pub fn token_key(project: &Project) -> SecretKey {
    SecretKey::new(format!("{}/cloud", project.key()), SecretKind::ApiToken)
}

/// The keychain entry of a cloud tenant's sync token.
pub fn sync_token_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::SyncToken)
}

/// The API's base URL: `TENANTDESK_CLOUD_URL`, else the one the project logged in to, else the
/// public API.
pub fn api_url(project: Option<&Project>) -> String {
    if let Some(url) = std::env::var("TENANTDESK_CLOUD_URL").ok().filter(|u| !u.trim().is_empty()) {
        return url.trim().trim_end_matches('/').to_owned();
    }
    project.and_then(|p| TenantMarks::load(&p.marks_file()).ok()).and_then(|m| m.cloud).map_or_else(|| DEFAULT_API_URL.to_owned(), |c| c.api_url)
}

/// Whether the project has logged in (from its record; the keychain is not asked).
pub fn logged_in(project: &Project) -> bool {
    login_record(project).is_some()
}

/// Who the project logged in as, and where (no network, no keychain).
pub fn login_record(project: &Project) -> Option<CloudLogin> {
    TenantMarks::load(&project.marks_file()).ok().and_then(|m| m.cloud)
}

/// A client logged in as the project's account.
pub fn client(project: &Project, secrets: &dyn SecretStore) -> Result<CloudClient> {
    // A project that never logged in is told so without a keychain round trip (and without a
    // keychain at all).
    if !logged_in(project) {
        return Err(Error::NotLoggedIn);
    }
    let token = secrets.get(&token_key(project))?.ok_or(Error::NotLoggedIn)?;
    CloudClient::new(&api_url(Some(project)), token, ClientOptions::from_env())
}

/// Who is logged in, where.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Account {
    pub email: String,
    pub name: Option<String>,
    pub api_url: String,
    pub cloud_tenants: u32,
}

/// What a sync with the account changed in tenants.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// Cloud tenants in the file that the account no longer lists (kept, as the CLI does).
    pub missing_in_cloud: Vec<String>,
    pub local_kept: u32,
    pub synced_at: String,
    /// Tenants the account has whose provisioning has not finished here.
    pub unfinished: Vec<Unfinished>,
    /// Cloud tenants whose external database access was switched on elsewhere: the account's
    /// list carries the flag but not the external URL, which switching it on here fetches.
    pub external_url_missing: Vec<ExternalUrlMissing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExternalUrlMissing {
    pub id: String,
    pub name: String,
}

impl SyncReport {
    /// What the sync changed and found, in a few sentences (the window's toast after Sync).
    pub fn summary(&self) -> String {
        let names = |names: Vec<&str>| names.join(", ");
        let mut changes = Vec::new();
        if !self.added.is_empty() {
            changes.push(format!("added {}", self.added.join(", ")));
        }
        if !self.updated.is_empty() {
            changes.push(format!("updated {}", self.updated.join(", ")));
        }
        let mut out = format!("Synced with SystemPrompt Cloud: {}.", if changes.is_empty() { "no changes".to_owned() } else { changes.join("; ") });
        if !self.missing_in_cloud.is_empty() {
            out += &format!(" No longer on the account, kept here: {}.", self.missing_in_cloud.join(", "));
        }
        if !self.unfinished.is_empty() {
            out += &format!(" Provisioning not finished: {}.", names(self.unfinished.iter().map(|t| t.name.as_str()).collect()));
        }
        if !self.external_url_missing.is_empty() {
            let switched = names(self.external_url_missing.iter().map(|t| t.name.as_str()).collect());
            out += &format!(" External database access was switched on elsewhere for {switched}; its URL is not fetched yet.");
        }
        out
    }
}

/// A cloud tenant the account has and tenants.json does not, still provisioning or failed: a
/// create that stopped before the end (the app or the CLI quit mid-way), or whose provisioning
/// failed. `retry_provision` follows it to the end and registers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Unfinished {
    pub id: String,
    pub name: String,
    pub region: Option<String>,
}

fn unfinished_in(registry: &Registry, infos: &[TenantInfo]) -> Vec<Unfinished> {
    infos
        .iter()
        .filter(|i| i.status.as_deref() == Some("pending") && !registry.tenants.iter().any(|t| t.id.as_str() == i.id))
        .map(|i| Unfinished { id: i.id.clone(), name: i.name.clone(), region: i.region.clone() })
        .collect()
}

/// The account's tenants whose provisioning has not finished here.
pub async fn unfinished(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<Unfinished>> {
    let me = client(project, secrets)?.me().await?;
    Ok(unfinished_in(&Registry::load(&project.tenants_file())?, &me.tenants))
}

/// An unfinished tenant and how it stands: still provisioning (follow it to the end), or failed
/// with this error (retrying it is the user's call).
#[derive(Debug)]
pub struct PickUp {
    pub tenant: Unfinished,
    pub failed: Option<Error>,
}

/// `unfinished`, each with its state from the API, for picking them up after a restart; a tenant
/// whose status cannot be read now is left for the next time.
pub async fn pick_ups(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<PickUp>> {
    let client = client(project, secrets)?;
    let mut out = Vec::new();
    for tenant in unfinished(project, secrets).await? {
        let Ok(status) = client.status(&tenant.id).await else { continue };
        let failed = (status.status == "failed").then(|| failed_at(tenant.id.clone(), status));
        out.push(PickUp { tenant, failed });
    }
    Ok(out)
}

/// Logs in with a token the user already has (stdin, CI): checks it with `/auth/me`, keeps it in
/// the keychain, records the account, and merges the account's tenants into tenants.json.
pub async fn login_with_token(project: &Project, api_url: Option<&str>, token: Secret, secrets: &dyn SecretStore) -> Result<Account> {
    let result = login(project, api_url, token, secrets).await;
    audit::record_in(project, None, "cloud login", &result);
    result
}

async fn login(project: &Project, api_url: Option<&str>, token: Secret, secrets: &dyn SecretStore) -> Result<Account> {
    let token = Secret::new(token.expose().trim());
    if token.is_empty() {
        return Err(Error::LoginFailed { reason: "the token is empty".to_owned() });
    }
    let base = api_url.map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_else(|| self::api_url(Some(project)));
    let client = CloudClient::new(&base, token.clone(), ClientOptions::from_env())?;
    let me = client.me().await?;
    let key = token_key(project);
    let previous = secrets.get(&key)?;
    secrets.set(&key, &token)?;
    let login = CloudLogin { api_url: base.clone(), user_email: me.user.email.clone(), authenticated_at: crate::clock::now_rfc3339() };
    let recorded = update_marks(project, |m| m.cloud = Some(login)).and_then(|()| merge(project, &me.tenants));
    if let Err(e) = recorded {
        let _ = match previous {
            Some(p) => secrets.set(&key, &p),
            None => secrets.delete(&key),
        };
        return Err(e);
    }
    Ok(Account { email: me.user.email, name: me.user.name, api_url: base, cloud_tenants: me.tenants.len() as u32 })
}

/// Browser login: listens on a loopback port, asks the API where to send the browser, hands that
/// URL to `open` (which opens a browser or prints it), and waits up to 5 minutes for the token.
pub async fn browser_login(project: &Project, api_url: Option<&str>, provider: &str, secrets: &dyn SecretStore, open: impl FnOnce(&str)) -> Result<Account> {
    let base = api_url.map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_else(|| self::api_url(Some(project)));
    let callback = Callback::bind().await?;
    let anonymous = CloudClient::anonymous(&base, ClientOptions::from_env())?;
    let authorize = anonymous.login_url(provider, &callback.redirect_uri).await?;
    open(&authorize);
    let token = callback.wait(LOGIN_WAIT).await?;
    login_with_token(project, Some(&base), token, secrets).await
}

/// Forgets the login: the token leaves the keychain and the account record goes. Unlike the
/// CLI, tenants.json stays (local tenants are never lost to a logout).
pub fn logout(project: &Project, secrets: &dyn SecretStore) -> Result<Option<String>> {
    let result = (|| {
        let was = TenantMarks::load(&project.marks_file())?.cloud.map(|c| c.user_email);
        secrets.delete(&token_key(project))?;
        update_marks(project, |m| m.cloud = None)?;
        Ok(was)
    })();
    audit::record_in(project, None, "cloud logout", &result);
    result
}

pub async fn whoami(project: &Project, secrets: &dyn SecretStore) -> Result<Account> {
    let client = client(project, secrets)?;
    let me = client.me().await?;
    Ok(Account { email: me.user.email, name: me.user.name, api_url: client.base_url().to_owned(), cloud_tenants: me.tenants.len() as u32 })
}

/// `tenant list` against the cloud: merges the account's tenants into tenants.json (the CLI's
/// rules: matched ids get name, app id, hostname, region and the external-access flag; new ones
/// are appended; nothing is removed) and sets `synced_at`. A cloud tenant's `database_url` is
/// its external URL only while external access is on, so access switched off elsewhere takes
/// the URL out too; switched on elsewhere, the report names it (the list has no external URL).
pub async fn sync(project: &Project, secrets: &dyn SecretStore) -> Result<SyncReport> {
    // What a snapshot killed half-way opened is closed first, so the list shows it closed.
    super::snapshots::close_access_left_open(project, secrets).await?;
    let me = client(project, secrets)?.me().await?;
    let report = merge(project, &me.tenants)?;
    super::secrets::follow_mode(project, secrets)?;
    Ok(report)
}

fn merge(project: &Project, infos: &[TenantInfo]) -> Result<SyncReport> {
    let path = project.tenants_file();
    let lock = store::lock(&path)?;
    let mut registry = Registry::load(&path)?;
    let mut report = SyncReport {
        added: Vec::new(),
        updated: Vec::new(),
        missing_in_cloud: Vec::new(),
        local_kept: 0,
        synced_at: String::new(),
        unfinished: Vec::new(),
        external_url_missing: Vec::new(),
    };
    // Deleted tenants are not listed; nor are pending ones (provisioning, or failed), which have
    // no credentials yet: they are registered when their provisioning finishes here.
    for info in infos.iter().filter(|i| !matches!(i.status.as_deref(), Some("deleted" | "pending"))) {
        let Ok(id) = TenantId::parse(&info.id) else { continue };
        match registry.tenants.iter_mut().find(|t| t.id == id) {
            // A self-managed record holding the same id stays as the user recorded it, as the
            // 0.75+ CLI's merge does.
            Some(existing) if existing.tenant_type == TenantType::SelfManaged => {}
            Some(existing) => {
                let before = existing.clone();
                existing.name = info.name.clone();
                existing.app_id = info.app_id.clone().or(existing.app_id.take());
                existing.hostname = info.hostname.clone().or(existing.hostname.take());
                existing.region = info.region.clone().or(existing.region.take());
                existing.external_db_access = info.external_db_access;
                if !info.external_db_access {
                    existing.database_url = None;
                }
                if *existing != before {
                    report.updated.push(info.name.clone());
                }
            }
            None => {
                let mut tenant = Tenant::new(id, info.name.clone(), TenantType::Cloud, None);
                tenant.internal_database_url = info.database_url.as_deref().map(crate::tenant::mask_database_url);
                tenant.app_id = info.app_id.clone();
                tenant.hostname = info.hostname.clone();
                tenant.region = info.region.clone();
                tenant.external_db_access = info.external_db_access;
                registry.tenants.push(tenant);
                report.added.push(info.name.clone());
            }
        }
    }
    for t in &registry.tenants {
        if t.tenant_type == TenantType::Cloud && t.external_db_access && t.database_url.is_none() {
            report.external_url_missing.push(ExternalUrlMissing { id: t.id.to_string(), name: t.name.clone() });
        }
        match t.tenant_type {
            TenantType::Local | TenantType::SelfManaged => report.local_kept += 1,
            TenantType::Cloud if !infos.iter().any(|i| i.id == t.id.as_str()) => report.missing_in_cloud.push(t.name.clone()),
            TenantType::Cloud => {}
        }
    }
    report.unfinished = unfinished_in(&registry, infos);
    let now = crate::clock::now_rfc3339();
    registry.synced_at = Some(now.clone());
    report.synced_at = now;
    registry.save(&lock, &path)?;
    Ok(report)
}

/// What the user is told while a cloud tenant is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CloudProgress {
    /// The checkout started; `url` needs a browser when `needs_browser`.
    Checkout { url: String, needs_browser: bool },
    /// A provisioning event, as the server sent it.
    Phase {
        tenant_id: String,
        event_type: String,
        message: Option<String>,
        /// Since the create began.
        elapsed_ms: u32,
        /// Server send time to arrival here, when the server says when it sent it.
        latency_ms: Option<i32>,
    },
    /// The event stream stopped; the status is polled every 2 s instead.
    StreamLost { reason: String },
    /// A polled status.
    Polled { status: String, message: Option<String>, elapsed_ms: u32 },
    /// After provisioning: credentials, profile, migrations.
    Finishing { step: String },
}

/// A cloud tenant to create.
#[derive(Debug, Clone)]
pub struct CloudCreate {
    pub name: TenantName,
    pub region: String,
    /// A plan id; the only plan, or the first, when none is given.
    pub plan: Option<String>,
}

/// A created cloud tenant: the registry side, and how the migrations went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CreatedCloudTenant {
    pub created: CreatedTenant,
    pub region: String,
    pub hostname: Option<String>,
    pub migrations: super::migrations::MigrationReport,
}

pub async fn plans(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<wire::Plan>> {
    client(project, secrets)?.plans().await
}

/// Creates a cloud tenant: checkout (which the emulator completes at once; the real service
/// needs the browser), then the provisioning events until `tenant_ready` — or, when the stream
/// drops, the status every 2 s — then the credentials into the keychain, the tenant into
/// tenants.json with a profile, and the project's migrations against its database.
pub async fn create_cloud_tenant(
    project: &Project,
    request: &CloudCreate,
    secrets: &dyn SecretStore,
    on_progress: &mut (dyn FnMut(CloudProgress) + Send),
) -> Result<CreatedCloudTenant> {
    let result = create(project, request, secrets, on_progress).await;
    let tenant = result.as_ref().ok().map(|c| c.created.tenant.id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("create cloud tenant {} in {}", request.name, request.region), &result);
    result
}

async fn create(project: &Project, request: &CloudCreate, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(CloudProgress) + Send)) -> Result<CreatedCloudTenant> {
    let region = cloud::region(&request.region).ok_or_else(|| Error::UnknownRegion { code: request.region.clone() })?;
    check_name_free(project, &request.name)?;
    let client = client(project, secrets)?;
    let plans = client.plans().await?;
    let plan = match &request.plan {
        Some(wanted) => plans.iter().find(|p| &p.id == wanted || p.name.eq_ignore_ascii_case(wanted)).ok_or_else(|| Error::CloudApi {
            status: 404,
            code: "plan_not_found".to_owned(),
            message: format!("no plan '{wanted}'; available: {}", plans.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")),
        })?,
        None => plans.first().ok_or_else(|| Error::CloudApi { status: 404, code: "no_plans".to_owned(), message: "No plans available. Please contact support.".to_owned() })?,
    };
    let started = Instant::now();
    let key = uuid::Uuid::new_v4().to_string();
    let checkout = client.checkout(&wire::CheckoutRequest { price_id: &plan.paddle_price_id, region: region.code, name: request.name.as_str() }, &key).await?;
    on_progress(CloudProgress::Checkout { url: checkout.checkout_url.clone(), needs_browser: checkout.status.as_deref() != Some("completed") });
    let stream = client.checkout_events(&checkout.checkout_session_id).await;
    let id = follow(&client, stream, None, Some(request.name.as_str()), started, on_progress).await?;
    finish(project, &client, &id, secrets, on_progress).await
}

/// Picks up a tenant whose provisioning failed (or whose last steps did not run here): asks the
/// API to retry when it failed, follows it to the end, and registers it.
pub async fn retry_provision(project: &Project, id: &str, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(CloudProgress) + Send)) -> Result<CreatedCloudTenant> {
    let result = retry(project, id, secrets, on_progress).await;
    audit::record_in(project, Some(id), "retry provisioning", &result);
    result
}

async fn retry(project: &Project, id: &str, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(CloudProgress) + Send)) -> Result<CreatedCloudTenant> {
    let client = client(project, secrets)?;
    let started = Instant::now();
    let status = client.status(id).await.map_err(|e| not_found(project, id, e))?;
    if status.status != "ready" {
        if status.status == "failed" {
            client.retry_provision(id).await?;
        }
        let stream = client.tenant_events(id).await;
        follow(&client, stream, Some(id.to_owned()), None, started, on_progress).await?;
    }
    finish(project, &client, id, secrets, on_progress).await
}

/// Follows provisioning to `tenant_ready`: the event stream while it lasts, then polling.
async fn follow(
    client: &CloudClient,
    stream: Result<crate::cloud::sse::EventStream>,
    mut tenant_id: Option<String>,
    name: Option<&str>,
    started: Instant,
    on_progress: &mut (dyn FnMut(CloudProgress) + Send),
) -> Result<String> {
    let elapsed = || u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let mut last_phase = None::<String>;
    let lost = match stream {
        Err(e @ Error::AccessDenied { .. }) => return Err(e),
        Err(e) => e.to_string(),
        Ok(mut events) => loop {
            let event = match events.next(STREAM_IDLE).await {
                Ok(e) => e,
                Err(StreamEnd::Closed) => break "the server closed the event stream".to_owned(),
                Err(StreamEnd::Idle) => break format!("no events for {} seconds", STREAM_IDLE.as_secs()),
                Err(StreamEnd::Broken(reason)) => break reason,
            };
            if event.event == "heartbeat" {
                continue;
            }
            let Ok(e) = serde_json::from_str::<wire::ProvisioningEvent>(&event.data) else { continue };
            tenant_id = Some(e.tenant_id.clone());
            let latency_ms = e.sent_at_ms.map(|sent| i32::try_from(crate::clock::now_ms() - sent).unwrap_or(i32::MAX));
            on_progress(CloudProgress::Phase { tenant_id: e.tenant_id.clone(), event_type: e.event_type.clone(), message: e.message.clone(), elapsed_ms: elapsed(), latency_ms });
            match e.event_type.as_str() {
                "tenant_ready" => return Ok(e.tenant_id),
                "provisioning_failed" => {
                    let phase = client.status(&e.tenant_id).await.ok().and_then(|s| s.phase).or(last_phase).unwrap_or_else(|| "an unknown phase".to_owned());
                    return Err(Error::ProvisioningFailed { id: e.tenant_id, phase, message: e.message.unwrap_or_default() });
                }
                other => last_phase = Some(other.to_owned()),
            }
        },
    };
    on_progress(CloudProgress::StreamLost { reason: lost });
    let id = match tenant_id {
        Some(id) => id,
        None => find_by_name(client, name.unwrap_or_default()).await?,
    };
    for _ in 0..POLL_ATTEMPTS {
        let status = client.status(&id).await?;
        on_progress(CloudProgress::Polled { status: status.status.clone(), message: status.message.clone(), elapsed_ms: elapsed() });
        match status.status.as_str() {
            "ready" => return Ok(id),
            "failed" => return Err(failed_at(id, status)),
            _ => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
    Err(Error::ProvisioningFailed { id, phase: "provisioning".to_owned(), message: "Provisioning timed out after 120 seconds".to_owned() })
}

/// "Provisioning failed" from a failed status: the phase it stopped at, and the API's message.
fn failed_at(id: String, status: wire::Status) -> Error {
    Error::ProvisioningFailed { id, phase: status.phase.unwrap_or_else(|| "an unknown phase".to_owned()), message: status.message.unwrap_or_default() }
}

/// The stream dropped before it named the tenant: find it on the account by name.
async fn find_by_name(client: &CloudClient, name: &str) -> Result<String> {
    for _ in 0..POLL_ATTEMPTS {
        if let Some(t) = client.me().await?.tenants.into_iter().find(|t| t.name == name) {
            return Ok(t.id);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Err(Error::CloudApi { status: 404, code: "tenant_not_found".to_owned(), message: "New tenant not found after checkout".to_owned() })
}

/// After `tenant_ready`: credentials into the keychain, the tenant and its profile into the
/// project's files, then migrations. A failure before the registry write leaves nothing behind.
async fn finish(project: &Project, client: &CloudClient, id: &str, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(CloudProgress) + Send)) -> Result<CreatedCloudTenant> {
    on_progress(CloudProgress::Finishing { step: "Fetching the database credentials".to_owned() });
    // Independent requests, in parallel: the account's view and the status → credentials chain.
    let (credentials, me) = tokio::join!(credentials(client, id), client.me());
    let (credentials, me) = (credentials?, me?);
    let info = me.tenants.into_iter().find(|t| t.id == id).ok_or_else(|| Error::CloudApi {
        status: 404,
        code: "tenant_not_found".to_owned(),
        message: "New tenant not found after checkout".to_owned(),
    })?;
    let tenant_id = TenantId::parse(id)?;
    let url = parse_database_url(credentials.database_url.expose())?;
    let (masked, password) = split_password(&url);
    let mut tenant = Tenant::new(tenant_id.clone(), info.name.clone(), TenantType::Cloud, None);
    tenant.database_url = info.external_db_access.then(|| masked.clone());
    tenant.internal_database_url = Some(masked);
    tenant.app_id = info.app_id.clone();
    tenant.hostname = info.hostname.clone();
    tenant.region = info.region.clone();
    tenant.external_db_access = info.external_db_access;
    on_progress(CloudProgress::Finishing { step: "Storing the credentials in the keychain".to_owned() });
    let key = password_key(project, &tenant_id);
    if let Some(p) = &password {
        secrets.set(&key, p)?;
    }
    on_progress(CloudProgress::Finishing { step: "Creating the tenant's profile".to_owned() });
    let created = register_tenant(project, &tenant, secrets).inspect_err(|_| {
        let _ = secrets.delete(&key);
    })?;
    // The provider keys the cloud holds for the tenant become its profile's secrets (the keychain
    // gets the values, secrets.json marks them ***), under secrets.json's key names.
    if let Some(profile) = &created.profile {
        let keys = [("anthropic", &credentials.anthropic_api_key), ("openai", &credentials.openai_api_key), ("gemini", &credentials.gemini_api_key)];
        for (key, value) in keys.iter().filter_map(|(k, v)| v.as_ref().map(|v| (*k, v))) {
            super::secrets::set_profile_secret(project, profile, key, value, secrets)?;
        }
    }
    on_progress(CloudProgress::Finishing { step: "Running migrations".to_owned() });
    let database = Secret::new(url.to_string());
    let migrations = super::migrations::run(project, &database).await;
    Ok(CreatedCloudTenant { created, region: info.region.unwrap_or_default(), hostname: info.hostname, migrations })
}

async fn credentials(client: &CloudClient, id: &str) -> Result<wire::Credentials> {
    let status = client.status(id).await?;
    let secrets_url =
        status.secrets_url.ok_or_else(|| Error::CloudApi { status: 200, code: "no_secrets_url".to_owned(), message: "Tenant is ready but secrets URL is missing".to_owned() })?;
    client.credentials(&secrets_url).await
}

/// A 404 from the API about a tenant becomes the seed's "Tenant not found".
fn not_found(project: &Project, id: &str, e: Error) -> Error {
    match e {
        Error::CloudApi { status: 404, .. } => Error::TenantNotFound { id: id.to_owned(), registry: project.tenants_file() },
        other => other,
    }
}

/// A registered cloud tenant, or the reason it cannot be acted on.
fn cloud_tenant(project: &Project, id: &str, operation: &'static str) -> Result<(Snapshot, Tenant)> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    if tenant.tenant_type != TenantType::Cloud {
        return Err(Error::WrongTenantType { kind: tenant.kind_label(), name: tenant.name, wanted: "cloud", operation });
    }
    Ok((snap, tenant))
}

/// The live side of a cloud tenant, for `show`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CloudStatus {
    pub id: String,
    pub name: Option<String>,
    pub status: String,
    pub phase: Option<String>,
    pub message: Option<String>,
    pub app_url: Option<String>,
    pub hostname: Option<String>,
    pub region: Option<String>,
    pub subscription_status: Option<String>,
    pub plan: Option<wire::PlanInfo>,
}

/// Asks the API how a cloud tenant is doing (registered here or not: a failed provisioning is
/// never registered, and this is how its state is seen).
pub async fn status(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<CloudStatus> {
    let client = client(project, secrets)?;
    let id = Registry::load(&project.tenants_file())?.find(id.trim()).map_or_else(|| id.trim().to_owned(), |t| t.id.to_string());
    let status = client.status(&id).await.map_err(|e| not_found(project, &id, e))?;
    let info = client.me().await?.tenants.into_iter().find(|t| t.id == id);
    Ok(CloudStatus {
        status: status.status,
        phase: status.phase,
        message: status.message,
        app_url: status.app_url,
        name: info.as_ref().map(|i| i.name.clone()),
        hostname: info.as_ref().and_then(|i| i.hostname.clone()),
        region: info.as_ref().and_then(|i| i.region.clone()),
        subscription_status: info.as_ref().and_then(|i| i.subscription_status.clone()),
        plan: info.and_then(|i| i.plan),
        id,
    })
}

/// Rotates a cloud tenant's database password through the API, then updates tenants.json and
/// the keychain together: if the keychain write fails, tenants.json is put back (the server has
/// already rotated, so the error says to rotate again).
pub async fn rotate_credentials(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Rotated> {
    let (snap, tenant) = cloud_tenant(project, id, "Credential rotation")?;
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    let client = client(project, secrets)?;
    // The keychain must take the new password once the server has made it: asked before the
    // rotation (writing back what it holds), a locked one stops it while the old password works.
    let key = password_key(project, &tenant.id);
    let stored = secrets.get(&key)?;
    if let Some(current) = &stored {
        secrets.set(&key, current)?;
    }
    let (internal, external) = match client.rotate_credentials(tenant.id.as_str()).await {
        Ok(rotated) => (rotated.internal_database_url, rotated.external_database_url),
        // The request may have rotated the password before its answer was lost (a 5xx, a timeout,
        // a dropped connection): the tenant's current credentials are fetched so the keychain
        // holds whichever password is live now.
        Err(e @ (Error::CloudApi { status: 500.., .. } | Error::CloudTimeout { .. } | Error::CloudUnreachable { .. })) => {
            let current = credentials(&client, tenant.id.as_str()).await.map_err(|_| Error::RotationUnconfirmed {
                name: tenant.name.clone(),
                id: tenant.id.to_string(),
                reason: e.to_string(),
            })?;
            let live = parse_database_url(current.database_url.expose())?.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned());
            if live.is_some() && live.as_deref() == stored.as_ref().map(Secret::expose) {
                // The password did not change: the rotation did not happen, and the error stands.
                return Err(e);
            }
            // As after provisioning: the secrets' `database_url` is the internal one; the external
            // URL in tenants.json keeps its host (its password is the same role's, masked).
            (current.database_url, None)
        }
        Err(e) => return Err(not_found(project, id, e)),
    };
    let internal = parse_database_url(internal.expose())?;
    let (masked, password) = split_password(&internal);
    let path = project.tenants_file();
    let lock = store::lock(&path)?;
    let mut registry = Registry::load(&path)?;
    let before = registry.clone();
    let entry = registry.tenants.iter_mut().find(|t| t.id == tenant.id).ok_or_else(|| Error::TenantNotFound { id: id.to_owned(), registry: path.clone() })?;
    entry.internal_database_url = Some(masked.clone());
    if entry.external_db_access && external.is_some() {
        entry.database_url = external.as_ref().and_then(|u| parse_database_url(u.expose()).ok()).map(|u| split_password(&u).0);
    }
    registry.save(&lock, &path)?;
    let kept = match &password {
        Some(p) => secrets.set(&key, p),
        None => Ok(()),
    };
    if let Err(e) = kept {
        let mut before = before;
        before.save(&lock, &path)?;
        return Err(e);
    }
    drop(lock);
    super::secrets::follow_mode(project, secrets)?;
    Ok(Rotated { tenant_id: tenant.id.to_string(), name: tenant.name, role: internal.username().to_owned(), database_url: masked })
}

/// What switching external database access did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExternalAccessChanged {
    pub tenant_id: String,
    pub name: String,
    pub enabled: bool,
    /// tenants.json's `database_url` now: the external URL, masked, when enabled.
    pub database_url: Option<String>,
}

/// Lets a cloud tenant's database accept connections from outside SystemPrompt Cloud, or stops
/// it. The API switches it, then tenants.json follows as the CLI keeps it: `external_db_access`,
/// and `database_url` set to the external URL (masked) only while enabled. The URL's password is
/// the tenant's own; the keychain gets it if it differs from the one it holds.
pub async fn set_external_db_access(project: &Project, id: &str, enabled: bool, secrets: &dyn SecretStore) -> Result<ExternalAccessChanged> {
    let result = async {
        let (_, tenant) = cloud_tenant(project, id, "External database access")?;
        let changed = client(project, secrets)?.set_external_db_access(tenant.id.as_str(), enabled).await.map_err(|e| not_found(project, id, e))?;
        let external = match &changed.database_url {
            Some(url) if changed.external_db_access => Some(parse_database_url(url.expose())?),
            _ => None,
        };
        let (masked, password) = external.as_ref().map(split_password).unzip();
        if let Some(password) = password.flatten() {
            let key = password_key(project, &tenant.id);
            if secrets.get(&key)?.as_ref().map(Secret::expose) != Some(password.expose()) {
                secrets.set(&key, &password)?;
            }
        }
        let path = project.tenants_file();
        let lock = store::lock(&path)?;
        let mut registry = Registry::load(&path)?;
        let entry = registry.tenants.iter_mut().find(|t| t.id == tenant.id).ok_or_else(|| Error::TenantNotFound { id: id.to_owned(), registry: path.clone() })?;
        entry.external_db_access = changed.external_db_access;
        entry.database_url = masked.clone();
        registry.save(&lock, &path)?;
        drop(lock);
        super::secrets::follow_mode(project, secrets)?;
        Ok(ExternalAccessChanged { tenant_id: tenant.id.to_string(), name: tenant.name, enabled: changed.external_db_access, database_url: masked })
    }
    .await;
    let action = if enabled { "enable external database access" } else { "disable external database access" };
    audit::record_in(project, Some(id), action, &result);
    result
}

/// What a sync-token rotation did (the token itself went to the keychain).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncTokenRotated {
    pub tenant_id: String,
    pub name: String,
}

/// Rotates a cloud tenant's sync token; the new one goes to the keychain only (the CLI's legacy
/// `sync_token` field in tenants.json is never written with a value).
pub async fn rotate_sync_token(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<SyncTokenRotated> {
    let result = async {
        let (snap, tenant) = cloud_tenant(project, id, "Sync-token rotation")?;
        snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
        let token = client(project, secrets)?.rotate_sync_token(tenant.id.as_str()).await.map_err(|e| not_found(project, id, e))?;
        secrets.set(&sync_token_key(project, &tenant.id), &token.sync_token)?;
        Ok(SyncTokenRotated { tenant_id: tenant.id.to_string(), name: tenant.name })
    }
    .await;
    audit::record_in(project, Some(id), "rotate sync token", &result);
    result
}

/// Deletes a cloud tenant through the API (which cancels its subscription and drops its data);
/// only when the API agrees is the registry entry removed and its keychain entries deleted.
pub(super) async fn delete_cloud_tenant(project: &Project, tenant: &Tenant, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<DeletedTenant> {
    let client = client(project, secrets)?;
    match client.delete_tenant(tenant.id.as_str()).await {
        Ok(()) | Err(Error::CloudApi { status: 404, .. }) => {}
        Err(e) => return Err(e),
    }
    // The keychain before the files: if it refuses, the tenant is still listed and a retry
    // (the cloud side already gone: 404) finishes the delete.
    secrets.delete(&password_key(project, &tenant.id))?;
    secrets.delete(&sync_token_key(project, &tenant.id))?;
    super::delete_tenant(project, tenant.id.as_str(), confirm_name)
}

/// What `cancel` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cancelled {
    pub tenant_id: String,
    pub name: String,
}

/// Cancels a cloud tenant's subscription; tenants.json is unchanged, as with the CLI.
pub async fn cancel_subscription(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Cancelled> {
    let result = async {
        let (_, tenant) = cloud_tenant(project, id, "Cancelling a subscription")?;
        if confirm_name.is_some_and(|c| c != tenant.name) {
            return Err(Error::ConfirmationRequired { name: tenant.name });
        }
        client(project, secrets)?.cancel_subscription(tenant.id.as_str()).await.map_err(|e| not_found(project, id, e))?;
        Ok(Cancelled { tenant_id: tenant.id.to_string(), name: tenant.name })
    }
    .await;
    audit::record_in(project, Some(id), "cancel subscription", &result);
    result
}

/// `doctor`'s check of a cloud tenant: the API knows it and its database connects.
pub(super) async fn check(project: &Project, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<String> {
    let status = client(project, secrets)?.status(tenant.id.as_str()).await.map_err(|e| not_found(project, tenant.id.as_str(), e))?;
    let url = super::local::database_url(project, tenant.id.as_str(), secrets)?;
    crate::postgres::verify(&url).await?;
    Ok(format!("{} in the cloud; database connects", status.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> SyncReport {
        SyncReport {
            added: Vec::new(),
            updated: Vec::new(),
            missing_in_cloud: Vec::new(),
            local_kept: 1,
            synced_at: "2026-11-28T10:00:00Z".to_owned(),
            unfinished: Vec::new(),
            external_url_missing: Vec::new(),
        }
    }

    #[test]
    fn a_sync_summary_says_what_changed_and_what_needs_a_look() {
        assert_eq!(report().summary(), "Synced with SystemPrompt Cloud: no changes.");
        let full = SyncReport {
            added: vec!["shop".to_owned(), "blog".to_owned()],
            updated: vec!["prod".to_owned()],
            missing_in_cloud: vec!["old".to_owned()],
            unfinished: vec![Unfinished { id: "t1".to_owned(), name: "wiki".to_owned(), region: None }],
            external_url_missing: vec![ExternalUrlMissing { id: "t2".to_owned(), name: "prod".to_owned() }],
            ..report()
        };
        assert_eq!(
            full.summary(),
            "Synced with SystemPrompt Cloud: added shop, blog; updated prod. No longer on the account, kept here: old. \
             Provisioning not finished: wiki. External database access was switched on elsewhere for prod; its URL is not fetched yet."
        );
    }
}
