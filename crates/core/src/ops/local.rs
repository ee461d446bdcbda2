//! Creating a local tenant (a role and database of its own in the shared container, or an
//! existing database), and removing what Tenantdesk made for one when it is deleted.

use super::credentials::*;
use super::tenants::*;
use super::view::*;
use crate::audit;
use crate::compose;
use crate::engine;
use crate::error::{Error, Result};
use crate::keychain::{SecretStore, generate_password};
use crate::marks::{SharedDatabase, TenantMarks};
use crate::name::TenantName;
use crate::ownership::{self};
use crate::postgres::{self, TenantDatabase};
use crate::project::Project;
use crate::secret::Secret;
use crate::shared_container::{self, Progress, SharedConfig};
use crate::snapshot;
use crate::tenant::{Tenant, TenantId, parse_database_url};
use crate::undo::Undo;

/// Where a new local tenant's database comes from.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// A new role and database in the shared container (started if needed), optionally on
    /// another port than the configured one.
    Shared { port: Option<u16> },
    /// An existing database; verified with a real connection unless `verify` is false.
    External { url: String, verify: bool },
}

/// Creates a local tenant. On the shared container: makes sure it is up and healthy, creates the
/// tenant's own role and database, keeps the password in the keychain and the masked URL in
/// tenants.json, and gives it a default profile. With an external URL: verifies it first. Any
/// failure part-way undoes every step already taken (database, role, container, secret, entry).
#[tracing::instrument(skip_all)]
pub async fn create_local_tenant(
    project: &Project,
    name: &TenantName,
    source: DatabaseSource,
    cfg: &SharedConfig,
    secrets: &dyn SecretStore,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<CreatedTenant> {
    let result = create(project, name, source, cfg, secrets, on_progress).await;
    let tenant = result.as_ref().ok().map(|c| c.tenant.id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("create local tenant {name}"), &result);
    result
}

async fn create(
    project: &Project,
    name: &TenantName,
    source: DatabaseSource,
    cfg: &SharedConfig,
    secrets: &dyn SecretStore,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<CreatedTenant> {
    check_name_free(project, name)?;
    let id = TenantId::new_local();
    match source {
        DatabaseSource::External { url, verify } => {
            let parsed = parse_database_url(&url)?;
            if verify {
                postgres::verify(&Secret::new(parsed.to_string())).await?;
            }
            let (masked, password) = split_password(&parsed);
            let key = password_key(project, &id);
            let mut undo = Undo::default();
            if let Some(p) = &password {
                secrets.set(&key, p)?;
                undo.then(forget(secrets, key));
            }
            let tenant = Tenant::new_local(id, name.to_string(), masked);
            undo.check(register_tenant(project, &tenant, secrets)).await
        }
        DatabaseSource::Shared { port } => create_shared(project, name, &id, &cfg.on_port(port), secrets, on_progress).await,
    }
}

/// A tenant with a role and database of its own in the shared container (brought up first if
/// needed, and taken down again if this was its first use and the tenant could not be made).
pub(super) async fn create_shared(
    project: &Project,
    name: &TenantName,
    id: &TenantId,
    cfg: &SharedConfig,
    secrets: &dyn SecretStore,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<CreatedTenant> {
    let engine = engine::connect(None).await?;
    let started = shared_container::up(&engine, cfg, secrets, on_progress).await?;
    let cfg = cfg.on_port(shared_container::status(&engine, cfg).await?.port);
    let result = create_on_shared(project, name, id, &cfg, secrets).await;
    if result.is_err() {
        shared_container::undo(&engine, &cfg, started, secrets).await;
    }
    result
}

async fn create_on_shared(project: &Project, name: &TenantName, id: &TenantId, cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
    let db = TenantDatabase::for_tenant(name.as_str(), id);
    let password = generate_password()?;
    let key = password_key(project, id);
    secrets.set(&key, &password)?;
    let mut undo = Undo::default();
    undo.then(forget(secrets, key));
    let mut admin = undo.check(shared_container::admin(cfg, secrets).await).await?;
    undo.check(postgres::create_tenant_database(&mut admin, &db, &password).await).await?;
    undo.then(drop_database(cfg, secrets, db.clone()));
    // Whose it is, recorded where the data is: another project's `db status` reads it.
    ownership::remember(project);
    let commented = postgres::execute(&mut admin, &ownership::comment_sql(&db.database, project, id)).await;
    undo.check(commented.map_err(|message| Error::Database { action: "record the database's project", message })).await?;
    let masked = format!("postgres://{}:***@127.0.0.1:{}/{}", db.role, cfg.port, db.database);
    let tenant = Tenant::new_local(id.clone(), name.to_string(), masked);
    let created = undo.check(register_tenant(project, &tenant, secrets)).await?;
    undo.then(async move {
        let _ = remove_record(project, id.as_str(), Some(name.as_str()));
    });
    let mark = SharedDatabase { container: cfg.container.clone(), role: db.role.clone(), database: db.database.clone(), port: cfg.port };
    let marked = TenantMarks::update(&project.marks_file(), |m| {
        m.databases.insert(id.clone(), mark);
    });
    undo.check(marked).await?;
    postgres::close(admin).await;
    Ok(created)
}

/// Undo step: a keychain entry goes again.
pub(super) async fn forget(secrets: &dyn SecretStore, key: crate::keychain::SecretKey) {
    let _ = secrets.delete(&key);
}

/// Undo step: a database and role just made go again (over a connection of its own).
async fn drop_database(cfg: &SharedConfig, secrets: &dyn SecretStore, db: TenantDatabase) {
    if let Ok(mut admin) = shared_container::admin(cfg, secrets).await {
        let _ = postgres::drop_tenant_database(&mut admin, &db).await;
        postgres::close(admin).await;
    }
}

/// Removes what Tenantdesk or the CLI made for a local or self-managed tenant: its role and
/// database in the shared container (snapshotted first with `keep_snapshot`), or its compose
/// project's containers and volumes (found by label), its password in the keychain, then its
/// record. If the database cannot be dropped (Docker down), nothing is changed.
pub(super) async fn delete_local(
    project: &Project,
    snap: &Snapshot,
    tenant: &Tenant,
    confirm_name: Option<&str>,
    keep_snapshot: bool,
    secrets: &dyn SecretStore,
) -> Result<DeletedTenant> {
    // Each step can be repeated, and the files change last: a locked or absent keychain, a dead
    // engine or a kill at any point leaves the tenant listed, and deleting it again finishes the
    // job. The keychain is asked first so that a locked one stops the delete before any data goes.
    let key = password_key(project, &tenant.id);
    secrets.get(&key)?;
    let mut kept = None;
    if let Some(db) = snap.marks.databases.get(&tenant.id) {
        if keep_snapshot {
            let source =
                snapshot::Source { container: &db.container, database: &db.database, tenant_id: Some(tenant.id.as_str()), tenant_name: &tenant.name, spare: None, remote: None };
            let note = format!("kept when {} was deleted", tenant.name);
            kept = Some(snapshot::take(project.root(), source, snapshot::Reason::BeforeDelete, Some(&note), &mut |_| {}).await?);
        }
        let cfg = SharedConfig::from_env();
        let cfg = SharedConfig::new(&db.container, &cfg.image, db.port);
        engine::connect(None).await?;
        let mut admin = shared_container::admin(&cfg, secrets).await?;
        postgres::drop_tenant_database(&mut admin, &TenantDatabase { role: db.role.clone(), database: db.database.clone() }).await?;
        postgres::close(admin).await;
    }
    if let Some(compose) = &tenant.docker_project {
        compose::remove(&engine::connect(None).await?, compose).await?;
    }
    secrets.delete(&key)?;
    let mut deleted = remove_record(project, tenant.id.as_str(), confirm_name)?;
    TenantMarks::update(&project.marks_file(), |m| {
        m.databases.remove(&tenant.id);
    })?;
    deleted.snapshot = kept;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_existing_database_is_registered_with_its_password_in_the_keychain_only() {
        let (_dir, project, keychain) = super::super::seed();
        let source = DatabaseSource::External { url: "postgres://app:s3cret@db.example:5432/app".to_owned(), verify: false };
        let name = TenantName::parse("external").expect("name");
        let created = create_local_tenant(&project, &name, source, &SharedConfig::from_env(), &keychain, &mut |_| {}).await.expect("create");
        assert_eq!(created.tenant.database_url.as_deref(), Some("postgres://app:***@db.example:5432/app"));
        let id = TenantId::parse(&created.tenant.id).expect("id");
        assert_eq!(keychain.get(&password_key(&project, &id)).expect("get").expect("stored").expose(), "s3cret");
        assert!(!std::fs::read_to_string(project.tenants_file()).expect("registry").contains("s3cret"));
        let again =
            create_local_tenant(&project, &name, DatabaseSource::External { url: "postgres://a@h/d".to_owned(), verify: false }, &SharedConfig::from_env(), &keychain, &mut |_| {})
                .await;
        assert!(matches!(again, Err(Error::TenantNameTaken { .. })), "{again:?}");
    }
}
