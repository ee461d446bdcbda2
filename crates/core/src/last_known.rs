//! The project's local and self-managed tenants as Tenantdesk last saw them, kept in its data
//! folder (`last-known/<project key>.json`, 0600, passwords masked).
//!
//! The `systemprompt` CLI's `cloud auth logout` deletes `tenants.json` whole, local and
//! self-managed records with it, although only the cloud ones belong to the account. With this
//! copy those records can be put back; their passwords never left the keychain.

use std::path::PathBuf;

use crate::project::{Project, data_dir};
use crate::registry::Registry;
use crate::store;
use crate::tenant::{Tenant, TenantType, mask_database_url};

fn file(project: &Project) -> PathBuf {
    data_dir().join("last-known").join(format!("{}.json", project.key()))
}

/// The records a logout would take with it that the account cannot give back.
fn kept(registry: &Registry) -> Vec<Tenant> {
    registry
        .tenants
        .iter()
        .filter(|t| t.tenant_type != TenantType::Cloud)
        .cloned()
        .map(|mut t| {
            t.database_url = t.database_url.as_deref().map(mask_database_url);
            t.internal_database_url = t.internal_database_url.as_deref().map(mask_database_url);
            t
        })
        .collect()
}

/// Updates the copy from the registry as it is now (best effort, and only when it differs).
/// Nothing changes when the file lost every record the copy holds — deleted, or rewritten by a
/// logout and a login since (the 0.77 login writes the account's cloud tenants alone): that is
/// when the copy is needed. Records removed one by one (a delete) leave the copy too.
pub fn remember(project: &Project, registry: &Registry) {
    if !project.tenants_file().exists() {
        return;
    }
    let records = kept(registry);
    let wiped = records.is_empty() && !restorable(project).is_empty();
    if !wiped {
        write(project, &records);
    }
}

/// Sets the copy to what `tenants.json` holds now, whatever it lost: after Tenantdesk's own delete,
/// or when the user declines to restore what a logout removed.
pub fn forget(project: &Project) {
    let registry = Registry::load(&project.tenants_file()).unwrap_or_default();
    write(project, &kept(&registry));
}

fn write(project: &Project, records: &[Tenant]) {
    let path = file(project);
    let text = serde_json::to_string_pretty(records).unwrap_or_default();
    if store::read(&path).ok().flatten().as_deref() == Some(text.as_bytes()) {
        return;
    }
    let Ok(lock) = store::lock(&path) else { return };
    let _ = store::write_atomic(&lock, &path, text.as_bytes(), store::PRIVATE);
}

/// The records that can be restored: those of the copy, when `tenants.json` is gone or holds none
/// of them.
pub fn restorable(project: &Project) -> Vec<Tenant> {
    let Ok(Some(bytes)) = store::read(&file(project)) else { return Vec::new() };
    let records: Vec<Tenant> = serde_json::from_slice(&bytes).unwrap_or_default();
    let current = Registry::load(&project.tenants_file()).unwrap_or_default();
    records.into_iter().filter(|t| current.get(&t.id).is_none()).collect()
}
