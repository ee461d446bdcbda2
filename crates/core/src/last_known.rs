//! The project's local and self-managed tenants as Tenantdesk last saw them, kept in its data
//! folder (`last-known/<project key>.json`, 0600, passwords masked).
//!
//! The `systemprompt` CLI's `cloud auth logout` deletes `tenants.json` whole, local and
//! self-managed records with it, although only the cloud ones belong to the account. With this
//! copy those records can be put back; their passwords never left the keychain.
//!
//! The window reads this on every refresh, so the copy carries a stamp of the `tenants.json` it
//! was taken from (size and modification time): while the file keeps that stamp, nothing is
//! parsed or written.

use std::path::PathBuf;

use crate::project::{Project, data_dir};
use crate::registry::Registry;
use crate::store;
use crate::tenant::{Tenant, TenantType, mask_database_url};

fn file(project: &Project) -> PathBuf {
    data_dir().join("last-known").join(format!("{}.json", project.key()))
}

fn stamp_file(project: &Project) -> PathBuf {
    data_dir().join("last-known").join(format!("{}.stamp", project.key()))
}

/// The size and modification time of `tenants.json`; `None` when it is missing.
fn stamp(project: &Project) -> Option<String> {
    let meta = std::fs::metadata(project.tenants_file()).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{}:{}", meta.len(), modified.as_nanos()))
}

fn stored_stamp(project: &Project) -> Option<String> {
    store::read(&stamp_file(project)).ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned())
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

/// Updates the copy from the registry as it is now (best effort). Nothing changes when the file
/// lost every record the copy holds — deleted, or rewritten by a logout and a login since (the
/// 0.77 login writes the account's cloud tenants alone): that is when the copy is needed.
/// Records removed one by one (a delete) leave the copy too.
pub fn remember(project: &Project, registry: &Registry) {
    let Some(now) = stamp(project) else { return };
    if stored_stamp(project).as_deref() == Some(now.as_str()) {
        return;
    }
    let records = kept(registry);
    let wiped = records.is_empty() && !restorable(project, registry).is_empty();
    if !wiped {
        write(project, &records, &now);
    }
}

/// Sets the copy to what `tenants.json` holds now, whatever it lost: after Tenantdesk's own delete,
/// or when the user declines to restore what a logout removed.
pub fn forget(project: &Project) {
    let registry = Registry::load(&project.tenants_file()).unwrap_or_default();
    write(project, &kept(&registry), &stamp(project).unwrap_or_default());
}

fn write(project: &Project, records: &[Tenant], stamp: &str) {
    let text = serde_json::to_string_pretty(records).unwrap_or_default();
    for (path, bytes) in [(file(project), text.as_bytes()), (stamp_file(project), stamp.as_bytes())] {
        let Ok(lock) = store::lock(&path) else { return };
        let _ = store::write_atomic(&lock, &path, bytes, store::PRIVATE);
    }
}

/// The records that can be restored: those of the copy that `registry` (the project's
/// `tenants.json` now) does not hold.
pub fn restorable(project: &Project, registry: &Registry) -> Vec<Tenant> {
    if stamp(project).is_some() && stamp(project) == stored_stamp(project) {
        return Vec::new();
    }
    let Ok(Some(bytes)) = store::read(&file(project)) else { return Vec::new() };
    let records: Vec<Tenant> = serde_json::from_slice(&bytes).unwrap_or_default();
    records.into_iter().filter(|t| registry.get(&t.id).is_none()).collect()
}
