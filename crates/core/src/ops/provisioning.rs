//! Provisioning a cloud tenant: create (or retry), follow its phases over the event stream
//! (polling when the stream goes quiet), then register it with its credentials, profile and
//! migrations.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::cloud::*;
use super::credentials::*;
use super::login::*;
use super::tenants::*;
use super::view::*;
use crate::audit;
use crate::cloud::sse::StreamEnd;
use crate::cloud::wire::{self};
use crate::cloud::{self, CloudClient};
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::name::TenantName;
use crate::project::Project;
use crate::secret::Secret;
use crate::tenant::{Tenant, TenantId, TenantType, parse_database_url};
/// How long a provisioning may take when followed by polling (the CLI's 60 × 2 s).
const POLL_INTERVAL: Duration = Duration::from_secs(2);

const POLL_ATTEMPTS: u32 = 60;

/// An event stream with no bytes for this long (heartbeats included) is taken as dropped.
const STREAM_IDLE: Duration = Duration::from_secs(30);

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

#[tracing::instrument(skip_all)]
pub async fn plans(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<wire::Plan>> {
    client(project, secrets)?.plans().await
}

/// Creates a cloud tenant: checkout (which the emulator completes at once; the real service
/// needs the browser), then the provisioning events until `tenant_ready` — or, when the stream
/// drops, the status every 2 s — then the credentials into the keychain, the tenant into
/// tenants.json with a profile, and the project's migrations against its database.
#[tracing::instrument(skip_all)]
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
    let stream = client.checkout_events(&checkout.checkout_session_id, STREAM_IDLE).await;
    let id = follow(&client, stream, None, Some(request.name.as_str()), started, on_progress).await?;
    finish(project, &client, &id, secrets, on_progress).await
}

/// Picks up a tenant whose provisioning failed (or whose last steps did not run here): asks the
/// API to retry when it failed, follows it to the end, and registers it.
#[tracing::instrument(skip_all, fields(tenant = id))]
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
        let stream = client.tenant_events(id, STREAM_IDLE).await;
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
            let event = match events.next().await {
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
pub(super) fn failed_at(id: String, status: wire::Status) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cloud_tenant_is_not_created_without_a_login_and_nothing_is_written() {
        let (_dir, project, keychain) = super::super::seed();
        let before = crate::testing::tree(project.root());
        let request = CloudCreate { name: TenantName::parse("new").expect("name"), region: "iad".to_owned(), plan: None };
        assert!(matches!(create_cloud_tenant(&project, &request, &keychain, &mut |_| {}).await, Err(Error::NotLoggedIn)));
        assert!(crate::testing::tree(project.root()) == before, "a file changed");
    }
}
