//! Keeping tenants' data recoverable: snapshots taken by hand, restored in place (the tenant
//! keeps its URL, role and password) or as a new tenant, and an undo for a delete (clones are in [`super::clones`]).

use super::cloud::*;
use super::credentials::*;
use super::local::create_shared;
use super::view::{CreatedTenant, Snapshot};
use crate::audit;
use crate::engine;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::marks::{SharedDatabase, TenantMarks};
use crate::name::TenantName;
use crate::ownership;
use crate::pg_tools::{self, Step};
use crate::postgres::{self, quote_ident, quote_literal};
use crate::project::Project;
use crate::shared_container::{self, SharedConfig};
use crate::snapshot::{self, Reason, SnapshotInfo, Source};
use crate::tenant::{Tenant, TenantId, TenantType};
/// A tenant and its database in the shared container: what snapshots are taken of.
pub(super) fn target(project: &Project, id: &str) -> Result<(Tenant, SharedDatabase)> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    let refuse = |reason: &str| Error::SnapshotUnsupported { name: tenant.name.clone(), reason: reason.to_owned() };
    match (tenant.tenant_type, snap.marks.databases.get(&tenant.id)) {
        (TenantType::Local, Some(db)) => Ok((tenant.clone(), db.clone())),
        (TenantType::Local, None) => Err(refuse("its database is one Tenantdesk did not make (an existing database it was given, or the CLI's compose project holds it)")),
        (TenantType::Cloud, _) => Err(refuse("it is a cloud tenant; snapshots are of local tenants' databases for now")),
        (TenantType::SelfManaged, _) => Err(refuse("its database is managed where it runs")),
    }
}

fn source<'a>(tenant: &'a Tenant, db: &'a SharedDatabase) -> Source<'a> {
    Source { container: &db.container, database: &db.database, tenant_id: Some(tenant.id.as_str()), tenant_name: &tenant.name, spare: None, remote: None }
}

/// Snapshots a tenant's database (`tenantdesk snapshot create`): a local one in the container
/// that serves it; a cloud one over its external database access — which, when it is off, is
/// switched on for the dump only if `open_external_access` allows it, and off again afterwards.
#[tracing::instrument(skip_all)]
pub async fn create_snapshot(
    project: &Project,
    id: &str,
    note: Option<&str>,
    open_external_access: bool,
    secrets: &dyn SecretStore,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<SnapshotInfo> {
    let subject = audit::Subject::of(project, Some(id));
    let result = async {
        let tenant = Snapshot::load(project)?.find(project, id)?.clone();
        if tenant.tenant_type == TenantType::Cloud {
            return snapshot_cloud(project, &tenant, Reason::Manual, note, open_external_access, secrets, on_step).await;
        }
        let (tenant, db) = target(project, id)?;
        snapshot::take(project.root(), source(&tenant, &db), Reason::Manual, note, on_step).await
    }
    .await;
    audit::record_for(project, subject, "snapshot", &result);
    result
}

/// A cloud tenant's database, dumped through its external access by the shared container's
/// image's pg_dump. External access switched on here is switched off again, whatever happened.
pub(super) async fn snapshot_cloud(
    project: &Project,
    tenant: &Tenant,
    reason: Reason,
    note: Option<&str>,
    open_external_access: bool,
    secrets: &dyn SecretStore,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<SnapshotInfo> {
    let was_open = tenant.external_db_access && tenant.effective_database_url().is_some();
    if !was_open {
        if !open_external_access {
            return Err(Error::ExternalAccessOff { name: tenant.name.clone() });
        }
        // Marked first: a kill after the switch leaves the mark, and the next sync closes it.
        TenantMarks::update(&project.marks_file(), |m| {
            m.opened_for_snapshot.insert(tenant.id.clone());
        })?;
        super::cloud::set_external_db_access(project, tenant.id.as_str(), true, secrets).await?;
    }
    let dumped = async {
        let url = database_url(project, tenant.id.as_str(), secrets)?;
        let database = url::Url::parse(url.expose()).ok().map(|u| u.path().trim_start_matches('/').to_owned()).unwrap_or_default();
        let image = SharedConfig::from_env().image;
        let source = Source { container: "", database: &database, tenant_id: Some(tenant.id.as_str()), tenant_name: &tenant.name, spare: None, remote: Some((&image, &url)) };
        snapshot::take(project.root(), source, reason, note, on_step).await
    }
    .await;
    if !was_open {
        let closed = close_opened(project, &tenant.id, secrets).await;
        if let (Ok(_), Err(e)) = (&dumped, closed) {
            return Err(Error::SnapshotFailed {
                action: "switch external database access off again",
                reason: format!("{e}; the snapshot was kept. Switch the tenant's external database access off again"),
            });
        }
    }
    dumped
}

/// This project's snapshots (of one tenant: its name, id or id prefix, also of a deleted one),
/// or every project's with `all`. Newest first.
#[tracing::instrument(skip_all)]
pub async fn list_snapshots(project: &Project, tenant: Option<&str>, all: bool) -> Result<Vec<SnapshotInfo>> {
    let root = project.root().display().to_string();
    let mut found = snapshot::list((!all).then_some(root.as_str()), None).await?;
    if let Some(wanted) = tenant.map(str::trim) {
        let id = Snapshot::load(project)?.find(project, wanted).ok().map(|t| t.id.to_string());
        found.retain(|s| match &id {
            Some(id) => s.tenant_id.as_deref() == Some(id.as_str()),
            None => s.tenant_name == wanted || s.tenant_id.as_deref().is_some_and(|t| t.starts_with(wanted)),
        });
    }
    Ok(found)
}

#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn delete_snapshot(project: &Project, id: &str) -> Result<SnapshotInfo> {
    let result = async {
        let info = snapshot::find(id).await?;
        snapshot::remove(&info.id).await?;
        Ok(info)
    }
    .await;
    audit::record_in(project, result.as_ref().ok().and_then(|s| s.tenant_id.as_deref()), &format!("delete snapshot {id}"), &result);
    result
}

/// What an in-place restore did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Restored {
    pub tenant_id: String,
    pub name: String,
    pub snapshot: SnapshotInfo,
    /// The tenant's data as it was just before, kept in case the restore was a mistake.
    pub kept: SnapshotInfo,
}

/// Puts a snapshot back into the tenant it was taken of, keeping its URL, role and password
/// (Neon's reset). The checksum is verified before anything changes; the current data is
/// snapshotted; the archive is restored into a new database, and only when that succeeded is it
/// swapped in by rename, in one transaction — so a failure or a kill at any point leaves the
/// original serving. A production tenant needs its name.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn restore_in_place(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<Restored> {
    let result = in_place(project, id, confirm_name, secrets, on_step).await;
    let tenant = result.as_ref().ok().map(|r| r.tenant_id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("restore snapshot {id} in place"), &result);
    result
}

async fn in_place(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<Restored> {
    let info = snapshot::find(id).await?;
    let tenant_id = info.tenant_id.clone().ok_or_else(|| Error::SnapshotUnsupported {
        name: info.tenant_name.clone(),
        reason: "it is of an orphan database, which has no tenant to restore into; restore it as a new tenant".to_owned(),
    })?;
    let snap = Snapshot::load(project)?;
    if snap.registry.get(&TenantId::parse(&tenant_id)?).is_none() {
        return Err(Error::SnapshotUnsupported {
            name: info.tenant_name.clone(),
            reason: "the tenant it was taken of no longer exists; restore it as a new tenant, or undo the delete".to_owned(),
        });
    }
    let (tenant, db) = target(project, &tenant_id)?;
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    let file = snapshot::verify(&info)?;
    let kept = snapshot::take(
        project.root(),
        Source { spare: Some(&info.id), ..source(&tenant, &db) },
        Reason::BeforeRestore,
        Some(&format!("before restoring snapshot {}", info.id)),
        &mut |_| {},
    )
    .await?;
    let engine = engine::connect(None).await?;
    let cfg = SharedConfig::holding(&db);
    let mut admin = shared_container::admin(&cfg, secrets).await?;
    let comment = ownership::comment_sql("{}", project, &tenant.id);
    let comment_text = comment.split_once(" IS ").map(|(_, t)| t.to_owned()).unwrap_or_default();
    sweep_leftovers(&mut admin, &comment_text).await;
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let (fresh, replaced) = (format!("td_restore_{suffix}"), format!("td_replaced_{suffix}"));
    let setup = async {
        exec(&mut admin, &format!("CREATE DATABASE {} OWNER {}", quote_ident(&fresh), quote_ident(&db.role))).await?;
        exec(&mut admin, &format!("REVOKE ALL ON DATABASE {} FROM PUBLIC", quote_ident(&fresh))).await?;
        exec(&mut admin, &format!("COMMENT ON DATABASE {} IS {comment_text}", quote_ident(&fresh))).await
    };
    let restored = match setup.await {
        Ok(()) => pg_tools::restore(&engine, &db.container, &fresh, &db.role, &file, on_step).await,
        Err(e) => Err(e),
    };
    if let Err(e) = restored {
        let _ = exec(&mut admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&fresh))).await;
        return Err(e);
    }
    if let Err(e) = swap(&mut admin, &db.database, &fresh, &replaced).await {
        let _ = exec(&mut admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&fresh))).await;
        return Err(e);
    }
    // The data it replaced is in `kept`; a drop that fails here is swept by the next restore.
    let _ = exec(&mut admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&replaced))).await;
    postgres::close(admin).await;
    Ok(Restored { tenant_id: tenant.id.to_string(), name: tenant.name.clone(), snapshot: info, kept })
}

async fn exec(admin: &mut postgres::PgConnection, sql: &str) -> Result<()> {
    postgres::execute(admin, sql).await.map_err(|reason| Error::SnapshotFailed { action: "restore the snapshot", reason })
}

/// Renames the restored database into the tenant's name in one transaction, closing the
/// tenant's connections first; a connection that slips in between makes the rename fail and the
/// transaction roll back, so it is tried again.
async fn swap(admin: &mut postgres::PgConnection, live: &str, fresh: &str, replaced: &str) -> Result<()> {
    let mut last = None;
    for _ in 0..20 {
        let attempt = async {
            exec(admin, "BEGIN").await?;
            exec(admin, &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid()", quote_literal(live))).await?;
            exec(admin, &format!("ALTER DATABASE {} RENAME TO {}", quote_ident(live), quote_ident(replaced))).await?;
            exec(admin, &format!("ALTER DATABASE {} RENAME TO {}", quote_ident(fresh), quote_ident(live))).await?;
            exec(admin, "COMMIT").await
        };
        match attempt.await {
            Ok(()) => return Ok(()),
            Err(e) => {
                let _ = exec(admin, "ROLLBACK").await;
                last = Some(e);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    Err(last.unwrap_or(Error::SnapshotFailed { action: "restore the snapshot", reason: "the database stayed in use".to_owned() }))
}

/// Drops what an earlier restore of this tenant left when it was killed: a half-restored
/// database, or the replaced one it had not dropped yet. Both carry the tenant's comment; the
/// live database never has these names.
async fn sweep_leftovers(admin: &mut postgres::PgConnection, comment_literal: &str) {
    let names = postgres::restore_leftovers(admin, comment_literal).await;
    for name in names {
        let _ = exec(admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&name))).await;
    }
}

/// Makes a new local tenant from a snapshot: its own role, database, password and profile. Under
/// the name the snapshot's tenant had, it also takes that tenant's id where it is free — which is
/// how a delete is undone. If the restore fails, the new tenant is removed again.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn restore_as(project: &Project, id: &str, name: &TenantName, secrets: &dyn SecretStore, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<CreatedTenant> {
    let result = restore_new(project, id, name, secrets, on_step).await;
    let tenant = result.as_ref().ok().map(|c| c.tenant.id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("restore snapshot {id} as {name}"), &result);
    result
}

pub(super) async fn restore_new(project: &Project, id: &str, name: &TenantName, secrets: &dyn SecretStore, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<CreatedTenant> {
    let info = snapshot::find(id).await?;
    let keep_id = info.tenant_name == name.as_str();
    let file = snapshot::verify(&info)?;
    let snap = Snapshot::load(project)?;
    let reused = info.tenant_id.as_deref().filter(|_| keep_id).and_then(|t| TenantId::parse(t).ok()).filter(|t| t.as_str().starts_with("local_") && snap.registry.get(t).is_none());
    let new_id = reused.unwrap_or_else(TenantId::new_local);
    let created = create_shared(project, name, &new_id, &SharedConfig::from_env(), secrets, &mut |_| {}).await?;
    let filled = async {
        let db = new_database(project, &created)?;
        pg_tools::restore(&engine::connect(None).await?, &db.container, &db.database, &db.role, &file, on_step).await
    };
    let filled = filled.await;
    undo_on_error(project, created, filled, secrets).await
}

/// The database a just-made tenant got.
pub(super) fn new_database(project: &Project, created: &CreatedTenant) -> Result<SharedDatabase> {
    let marks = Snapshot::load(project)?.marks;
    marks
        .databases
        .get(&TenantId::parse(&created.tenant.id)?)
        .cloned()
        .ok_or_else(|| Error::SnapshotFailed { action: "fill the new tenant", reason: "its database was not recorded".to_owned() })
}

/// A tenant made to be filled is removed again when filling it failed.
pub(super) async fn undo_on_error(project: &Project, created: CreatedTenant, filled: Result<()>, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
    match filled {
        Ok(()) => Ok(created),
        Err(e) => {
            let _ = super::deletion::delete_tenant(project, &created.tenant.id, Some(&created.tenant.name), false, secrets).await;
            Err(e)
        }
    }
}

/// How many snapshots there are (of every project: they share the disk) and what retention keeps.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Retention {
    /// Automatic snapshots kept of each tenant at least.
    pub keep: u32,
    /// Automatic snapshots younger than this are kept whatever their number.
    pub days: u32,
    pub count: u32,
    /// Bytes on disk (a float so the window's bindings can carry it).
    pub bytes: f64,
    pub folder: String,
}

/// Reads the retention settings and the disk snapshots use; `keep` / `days` change them first.
#[tracing::instrument(skip_all)]
pub async fn retention(keep: Option<u32>, days: Option<u32>) -> Result<Retention> {
    let settings = if keep.is_some() || days.is_some() {
        crate::settings::Settings::update(|s| {
            s.snapshot_keep = keep.or(s.snapshot_keep);
            s.snapshot_keep_days = days.or(s.snapshot_keep_days);
        })?
    } else {
        crate::settings::Settings::load()?
    };
    let all = snapshot::list(None, None).await?;
    Ok(Retention {
        keep: settings.snapshot_keep() as u32,
        days: settings.snapshot_keep_days(),
        count: all.len() as u32,
        bytes: all.iter().map(|s| s.size).sum(),
        folder: snapshot::dir().display().to_string(),
    })
}

/// Writes a snapshot to `file` (a standard `pg_restore` archive) and its manifest beside it
/// (`<file>.json`: tenant, database, PostgreSQL version, SHA-256), for another machine's import.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn export_snapshot(project: &Project, id: &str, file: &std::path::Path) -> Result<SnapshotInfo> {
    let result = async {
        let info = snapshot::find(id).await?;
        let source = snapshot::verify(&info)?;
        snapshot::export(&info, &source, file)?;
        Ok(info)
    }
    .await;
    audit::record_in(project, result.as_ref().ok().and_then(|s| s.tenant_id.as_deref()), &format!("export snapshot {id}"), &result);
    result
}

/// Lists a `pg_restore` archive (with its manifest when there is one beside it) as a snapshot of
/// this project, ready to restore as a new tenant.
#[tracing::instrument(skip_all)]
pub async fn import_snapshot(project: &Project, file: &std::path::Path) -> Result<SnapshotInfo> {
    let result = snapshot::import(project, file).await;
    audit::record_in(project, None, &format!("import snapshot {}", file.display()), &result);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_databases_tenantdesk_made_can_be_snapshotted() {
        let (_dir, project, _) = super::super::seed();
        assert!(matches!(target(&project, "my-project-prod"), Err(Error::SnapshotUnsupported { .. })));
        assert!(matches!(target(&project, "my-project"), Err(Error::SnapshotUnsupported { .. })));
    }
}
