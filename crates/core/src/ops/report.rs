//! A tenant as the user asks to see it: its record, profiles and session with its live state —
//! a cloud tenant's from SystemPrompt Cloud, a local one's from Docker — and the tenant list with
//! the account's cloud tenants merged in first. Assembled here once; shells only render.

use super::cloud::CloudStatus;
use super::databases::LocalHealth;
use super::sync::SyncReport;
use super::view::{TenantDetails, TenantList};
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::project::Project;
use crate::tenant::TenantType;

/// What `tenant show` shows.
#[derive(Debug)]
pub enum TenantReport {
    /// A tenant of the registry; `live` is its state where there is one to check (`None` for a
    /// tenant whose database Tenantdesk does not manage), or why it could not be read.
    Registered { details: Box<TenantDetails>, live: Option<Result<Live>> },
    /// A cloud tenant the registry does not hold (its provisioning failed), as the API knows it.
    Unregistered(CloudStatus),
}

#[derive(Debug)]
pub enum Live {
    Cloud(CloudStatus),
    Local(LocalHealth),
}

/// Tenant `id` (the selected one when `None`) with its live state.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn tenant_report(project: &Project, id: Option<&str>, secrets: &dyn SecretStore) -> Result<TenantReport> {
    let details = match super::tenants::show_tenant(project, id) {
        Ok(d) => d,
        Err(Error::TenantNotFound { .. }) if let Some(id) = id.filter(|_| super::login::logged_in(project)) => {
            return Ok(TenantReport::Unregistered(super::cloud::status(project, id, secrets).await?));
        }
        Err(e) => return Err(e),
    };
    let live = if details.tenant.tenant_type == TenantType::Cloud {
        Some(super::cloud::status(project, &details.tenant.id, secrets).await.map(Live::Cloud))
    } else {
        super::databases::tenant_health(project, &details.tenant.id, secrets).await.transpose().map(|h| h.map(Live::Local))
    };
    Ok(TenantReport::Registered { details: Box::new(details), live })
}

/// The tenant list, with the account's cloud tenants merged in first when `sync` and logged in
/// (local tenants are never dropped). A sync that fails leaves the list as the files hold it,
/// and says why.
#[tracing::instrument(skip_all)]
pub async fn list_with_sync(project: &Project, sync: bool, secrets: &dyn SecretStore) -> Result<(TenantList, Option<Result<SyncReport>>)> {
    let synced = if sync && super::login::logged_in(project) { Some(super::sync::sync(project, secrets).await) } else { None };
    Ok((super::tenants::list_tenants(project)?, synced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn offline_the_list_is_the_files_and_a_tenant_not_logged_in_is_not_looked_up_in_the_cloud() {
        let (_dir, project, keychain) = super::super::seed();
        let (list, synced) = list_with_sync(&project, true, &keychain).await.expect("list");
        assert!(synced.is_none(), "not logged in: no sync");
        assert_eq!(list.tenants.len(), 2);
        assert!(matches!(tenant_report(&project, Some("nope"), &keychain).await, Err(Error::TenantNotFound { .. })));
        let TenantReport::Registered { details, live } = tenant_report(&project, Some("my-project-prod"), &keychain).await.expect("report") else { panic!("registered") };
        assert_eq!(details.tenant.name, "my-project-prod");
        assert!(matches!(live, Some(Err(Error::NotLoggedIn))), "{live:?}");
    }
}
