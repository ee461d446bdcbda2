//! A cloud tenant's life after provisioning: its live status, credentials and sync token
//! rotation, external database access, cancelling and deleting. Never called for local or
//! self-managed tenants.

use serde::Serialize;

use super::credentials::*;
use super::login::*;
use super::tenants::*;
use super::view::*;
use crate::audit;
use crate::cloud::wire::{self};
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::marks::TenantMarks;
use crate::project::Project;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType, parse_database_url};

/// A 404 from the API about a tenant becomes the seed's "Tenant not found".
pub(super) fn not_found(project: &Project, id: &str, e: Error) -> Error {
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
#[tracing::instrument(skip_all, fields(tenant = id))]
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
#[tracing::instrument(skip_all, fields(tenant = id))]
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
#[tracing::instrument(skip_all, fields(tenant = id))]
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
#[tracing::instrument(skip_all, fields(tenant = id))]
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
    remove_record(project, tenant.id.as_str(), confirm_name)
}

/// What `cancel` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cancelled {
    pub tenant_id: String,
    pub name: String,
}

/// Cancels a cloud tenant's subscription; tenants.json is unchanged, as with the CLI.
#[tracing::instrument(skip_all, fields(tenant = id))]
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
    let url = super::credentials::tenant_url(project, tenant, secrets)?;
    crate::postgres::verify(&url).await?;
    Ok(format!("{} in the cloud; database connects", status.status))
}

/// Switches off external access Tenantdesk opened for a snapshot, and forgets the mark once it is
/// off. A tenant no longer in the registry has nothing left to close.
pub(super) async fn close_opened(project: &Project, id: &TenantId, secrets: &dyn SecretStore) -> Result<()> {
    match super::cloud::set_external_db_access(project, id.as_str(), false, secrets).await {
        Ok(_) | Err(Error::TenantNotFound { .. }) => TenantMarks::update(&project.marks_file(), |m| {
            m.opened_for_snapshot.remove(id);
        }),
        Err(e) => Err(e),
    }
}

/// Closes the external access a snapshot killed half-way left open (called by every sync).
#[tracing::instrument(skip_all)]
pub async fn close_access_left_open(project: &Project, secrets: &dyn SecretStore) -> Result<()> {
    let left = crate::marks::TenantMarks::load(&project.marks_file())?.opened_for_snapshot;
    for id in left {
        close_opened(project, &id, secrets).await?;
    }
    Ok(())
}

pub(super) async fn credentials(client: &crate::cloud::CloudClient, id: &str) -> Result<wire::Credentials> {
    let status = client.status(id).await?;
    let secrets_url =
        status.secrets_url.ok_or_else(|| Error::CloudApi { status: 200, code: "no_secrets_url".to_owned(), message: "Tenant is ready but secrets URL is missing".to_owned() })?;
    client.credentials(&secrets_url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_tenant_is_refused_by_the_cloud_operations() {
        let (_dir, project, keychain) = super::super::seed();
        let refused = rotate_sync_token(&project, "my-project", None, &keychain).await;
        assert!(matches!(refused, Err(Error::WrongTenantType { .. }) | Err(Error::NotLoggedIn)), "{refused:?}");
        assert!(matches!(cancel_subscription(&project, "nope", None, &keychain).await, Err(Error::TenantNotFound { .. })));
    }
}
