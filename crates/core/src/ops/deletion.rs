//! Deleting a tenant: the kind of tenant decides what goes (a cloud deployment, a local
//! database, or only a self-managed record); the confirmation and the audit entry are the same
//! for all.

use super::view::{DeletedTenant, Snapshot};
use crate::audit;
use crate::error::Result;
use crate::keychain::SecretStore;
use crate::project::Project;
use crate::tenant::TenantType;

/// Deletes a tenant and what Tenantdesk keeps for it (see [`super::local::delete_local`] and
/// [`super::cloud::delete_cloud_tenant`]). A production tenant needs `confirm_name`.
///
/// With `keep_snapshot`, a database Tenantdesk made is snapshotted first (the delete is refused if
/// that fails), so the delete can be undone; the snapshot is in the answer.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn delete_tenant(project: &Project, id: &str, confirm_name: Option<&str>, keep_snapshot: bool, secrets: &dyn SecretStore) -> Result<DeletedTenant> {
    let subject = audit::Subject::of(project, Some(id));
    let result = delete(project, id, confirm_name, keep_snapshot, secrets).await;
    audit::record_for(project, subject, "delete tenant", &result);
    result
}

async fn delete(project: &Project, id: &str, confirm_name: Option<&str>, keep_snapshot: bool, secrets: &dyn SecretStore) -> Result<DeletedTenant> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    match tenant.tenant_type {
        TenantType::Cloud => super::cloud::delete_cloud_tenant(project, &tenant, confirm_name, secrets).await,
        TenantType::Local | TenantType::SelfManaged => super::local::delete_local(project, &snap, &tenant, confirm_name, keep_snapshot, secrets).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_locked_keychain_stops_a_delete_before_anything_changes() {
        let (_dir, project, keychain) = super::super::seed();
        let before = crate::testing::tree(project.root());
        keychain.locked.store(true, std::sync::atomic::Ordering::Relaxed);
        let refused = delete_tenant(&project, "my-project", None, false, &keychain).await;
        assert!(matches!(refused, Err(crate::Error::KeychainUnavailable { .. })), "{refused:?}");
        assert!(crate::testing::tree(project.root()) == before, "a file changed");
    }
}
