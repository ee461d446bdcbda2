//! Merging the account's cloud tenants into `tenants.json` (local tenants are never dropped),
//! and the provisionings that did not finish here.

use serde::Serialize;

use super::login::*;
use super::provisioning::*;
use crate::cloud::wire::TenantInfo;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::project::Project;
use crate::registry::Registry;
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType};

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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExternalUrlMissing {
    pub id: String,
    pub name: String,
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

/// `tenant list` against the cloud: merges the account's tenants into tenants.json (the CLI's
/// rules: matched ids get name, app id, hostname, region and the external-access flag; new ones
/// are appended; nothing is removed) and sets `synced_at`. A cloud tenant's `database_url` is
/// its external URL only while external access is on, so access switched off elsewhere takes
/// the URL out too; switched on elsewhere, the report names it (the list has no external URL).
#[tracing::instrument(skip_all)]
pub async fn sync(project: &Project, secrets: &dyn SecretStore) -> Result<SyncReport> {
    // What a snapshot killed half-way opened is closed first, so the list shows it closed.
    super::cloud::close_access_left_open(project, secrets).await?;
    let me = client(project, secrets)?.me().await?;
    let report = merge(project, &me.tenants)?;
    super::secrets::follow_mode(project, secrets)?;
    Ok(report)
}

pub(super) fn merge(project: &Project, infos: &[TenantInfo]) -> Result<SyncReport> {
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
