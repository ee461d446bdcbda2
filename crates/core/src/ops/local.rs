//! Use cases of local tenants that need the Docker engine or PostgreSQL: the shared container's
//! lifecycle, creating and deleting a tenant's database, and reconciling what the registry says
//! with what really exists.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder};
use serde::Serialize;
use sqlx::Connection;

use super::{CreatedTenant, DeletedTenant, Snapshot, check_name_free, register_tenant};
use crate::audit;
use crate::engine::{self, Engine, failed};
use crate::error::{Error, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore, generate_password};
use crate::marks::{SharedDatabase, TenantMarks};
use crate::name::TenantName;
use crate::ownership::{self, Claim};
use crate::postgres::{self, TenantDatabase};
use crate::project::Project;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::shared_container::{self, ContainerState, Progress, Pulled, SharedConfig, SharedStatus};
use crate::snapshot;
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType, parse_database_url};

/// Where a new local tenant's database comes from.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// A new role and database in the shared container (started if needed), optionally on
    /// another port than the configured one.
    Shared { port: Option<u16> },
    /// An existing database; verified with a real connection unless `verify` is false.
    External { url: String, verify: bool },
}

/// The keychain entry of a tenant's database password.
pub fn password_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::DatabasePassword)
}

/// Where a rotation keeps the new password while it sets it.
fn pending_password_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::PendingDatabasePassword)
}

/// Finishes or undoes a rotation that was killed (SIGKILL, Ctrl-C, a lost keychain) after it
/// journalled its new password: whichever password the role takes now is kept, the other is
/// dropped. A server that cannot be reached decides nothing; the journal stays for next time.
pub async fn settle_rotation(project: &Project, id: &TenantId, secrets: &dyn SecretStore) -> Result<bool> {
    let pending_key = pending_password_key(project, id);
    let Some(pending) = secrets.get(&pending_key)? else { return Ok(false) };
    let current = database_url(project, id.as_str(), secrets)?;
    if postgres::verify(&current).await.is_err() {
        let mut url = parse_database_url(current.expose())?;
        let _ = url.set_password(Some(pending.expose()));
        postgres::verify(&Secret::new(url.to_string())).await?;
        secrets.set(&password_key(project, id), &pending)?;
    }
    secrets.delete(&pending_key)?;
    Ok(true)
}

/// The tenant's real connection URL: the registry's masked URL with the keychain's password.
pub fn database_url(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<Secret> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?;
    let url = tenant.effective_database_url().ok_or_else(|| Error::DatabaseConnection { reason: format!("tenant '{}' has no database URL", tenant.name) })?;
    let mut parsed = parse_database_url(url)?;
    if parsed.password() == Some("***") {
        let password = secrets.get(&password_key(project, &tenant.id))?.ok_or_else(|| Error::PasswordMissing {
            name: tenant.name.clone(),
            id: tenant.id.to_string(),
            cloud: tenant.tenant_type == TenantType::Cloud,
        })?;
        let _ = parsed.set_password(Some(password.expose()));
    }
    Ok(Secret::new(parsed.to_string()))
}

/// Splits a URL the user typed into the masked form for files and the password for the keychain.
pub(super) fn split_password(url: &url::Url) -> (String, Option<Secret>) {
    let password = url.password().filter(|p| !p.is_empty() && *p != "***").map(|p| Secret::new(percent_decode(p)));
    let mut masked = url.clone();
    if password.is_some() {
        let _ = masked.set_password(Some("***"));
    }
    (masked.to_string(), password)
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

pub async fn db_up(cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    let result = up(cfg, secrets, on_progress).await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), "db up", &result);
    result
}

async fn up(cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    let engine = engine::connect(None).await?;
    shared_container::up(&engine, cfg, secrets, on_progress).await?;
    shared_container::status_with_size(&engine, cfg).await
}

pub async fn db_down(cfg: &SharedConfig) -> Result<SharedStatus> {
    let result = down(cfg).await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), "db down", &result);
    result
}

async fn down(cfg: &SharedConfig) -> Result<SharedStatus> {
    let engine = engine::connect(None).await?;
    shared_container::down(&engine, cfg).await?;
    shared_container::status_with_size(&engine, cfg).await
}

/// Pulls the shared container's image again (a newer build under the same tag), with progress.
pub async fn db_pull(cfg: &SharedConfig, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<Pulled> {
    let result = async { shared_container::pull(&engine::connect(None).await?, cfg, on_progress).await }.await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), &format!("db pull {}", cfg.image), &result);
    result
}

/// Snapshots every Tenantdesk database in the shared container, each under the project and
/// tenant its comment names, before an action that could lose them all. Any failure stops the
/// action before it starts; the error says how to go ahead without snapshots.
async fn snapshot_container(cfg: &SharedConfig, secrets: &dyn SecretStore, reason: snapshot::Reason) -> Result<Vec<snapshot::SnapshotInfo>> {
    let fail = |e: Error| Error::SnapshotFailed {
        action: "keep a snapshot of every database first",
        reason: format!("{e} (go ahead without snapshots: --no-snapshot, or untick the box)"),
    };
    let mut admin = shared_container::admin(cfg, secrets).await.map_err(fail)?;
    let databases = postgres::tenant_databases(&mut admin).await.map_err(fail)?;
    let _ = admin.close().await;
    let mut kept = Vec::new();
    for (database, comment) in databases.into_iter().filter(|(d, _)| !d.starts_with("td_restore_") && !d.starts_with("td_replaced_")) {
        let owner = comment.as_deref().and_then(ownership::owner);
        let name = owner
            .as_ref()
            .and_then(|(root, id)| Registry::load(&Project::open(root).ok()?.tenants_file()).ok()?.get(&TenantId::parse(id).ok()?).map(|t| t.name.clone()))
            .unwrap_or_else(|| database.clone());
        let root = owner.as_ref().map(|(root, _)| root.clone()).unwrap_or_default();
        let source = snapshot::Source {
            container: &cfg.container,
            database: &database,
            tenant_id: owner.as_ref().map(|(_, id)| id.as_str()),
            tenant_name: &name,
            spare: None,
            remote: None,
        };
        let note = format!("kept before the {} of container {}", if reason == snapshot::Reason::BeforeReset { "reset" } else { "recreate" }, cfg.container);
        kept.push(snapshot::take(&root, source, reason, Some(&note), &mut |_| {}).await.map_err(fail)?);
    }
    Ok(kept)
}

/// Moves the shared container onto the image its tag names now, keeping every tenant's data
/// (snapshotted first with `keep_snapshots`).
pub async fn db_recreate(cfg: &SharedConfig, keep_snapshots: bool, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    let result = async {
        let engine = engine::connect(None).await?;
        if keep_snapshots {
            snapshot_container(cfg, secrets, snapshot::Reason::BeforeRecreate).await?;
        }
        shared_container::recreate(&engine, cfg, secrets, on_progress).await?;
        shared_container::status_with_size(&engine, cfg).await
    }
    .await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), &format!("db recreate on {}", cfg.image), &result);
    result
}

/// Deletes the shared container and all its data, then brings up a fresh one. Local tenants
/// that had databases there lose them; their registry entries stay and show as missing. With
/// `keep_snapshots`, every database in it is snapshotted first (restorable as new tenants).
pub async fn db_reset(cfg: &SharedConfig, keep_snapshots: bool, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    let result = async {
        if keep_snapshots {
            snapshot_container(cfg, secrets, snapshot::Reason::BeforeReset).await?;
        }
        reset(cfg, secrets, on_progress).await
    }
    .await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), "db reset", &result);
    result
}

async fn reset(cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    let engine = engine::connect(None).await?;
    shared_container::remove(&engine, cfg, secrets).await?;
    shared_container::up(&engine, cfg, secrets, on_progress).await?;
    shared_container::status_with_size(&engine, cfg).await
}

/// Stops and starts the shared container again (its data stays).
pub async fn db_restart(cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<SharedStatus> {
    db_down(cfg).await?;
    db_up(cfg, secrets, on_progress).await
}

/// The pre-flight of the port a new shared container would bind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PortCheck {
    pub port: u16,
    /// The container exists already: its port is fixed and the one asked for does not matter.
    pub existing: bool,
    pub free: bool,
    /// Who holds the port, when it is taken.
    pub message: Option<String>,
    /// A free port to use instead.
    pub suggestion: Option<u16>,
}

/// Checks the port a new tenant's shared container would bind (`port`, else the configured
/// one): when the container exists its own port is what counts; when the port is taken, who
/// holds it and a free one to use.
pub async fn port_check(cfg: &SharedConfig, port: Option<u16>) -> Result<PortCheck> {
    let cfg = cfg.on_port(port);
    let engine = engine::connect(None).await?;
    let status = shared_container::status(&engine, &cfg).await?;
    if status.state != ContainerState::Missing {
        return Ok(PortCheck { port: status.port.unwrap_or(cfg.port), existing: true, free: true, message: None, suggestion: None });
    }
    match crate::port::preflight(Some(&engine), cfg.port).await {
        Ok(()) => Ok(PortCheck { port: cfg.port, existing: false, free: true, message: None, suggestion: None }),
        Err(e @ Error::PortTaken { free, .. }) => Ok(PortCheck { port: cfg.port, existing: false, free: false, message: Some(e.to_string()), suggestion: free }),
        Err(e) => Err(e),
    }
}

/// One local tenant's real state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LocalHealth {
    pub tenant_id: String,
    pub name: String,
    /// Where its database lives: "shared container", "compose project <p>", "external".
    pub location: String,
    /// None when it could not be checked (container down, no password).
    pub database_present: Option<bool>,
    pub container: Option<ContainerState>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DbStatus {
    pub shared: SharedStatus,
    pub tenants: Vec<LocalHealth>,
    /// Tenantdesk databases in the shared container that no tenant of this project claims.
    pub orphan_databases: Vec<String>,
    /// Databases in the shared container that other projects' tenants use: never orphans,
    /// shown read-only with their project and tenant.
    pub other_projects: Vec<Claim>,
    /// Shared containers of other Tenantdesk setups on this engine (another container name or
    /// data folder): theirs, not this setup's orphans.
    pub other_setups: Vec<String>,
}

/// The shared container's state and, for a project, each local tenant's real state and the
/// orphans: Tenantdesk databases and containers nothing in the registry refers to.
pub async fn db_status(project: Option<&Project>, cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<DbStatus> {
    let engine = engine::connect(None).await?;
    let mut shared = shared_container::status_with_size(&engine, cfg).await?;
    let running = matches!(shared.state, ContainerState::Healthy | ContainerState::Starting | ContainerState::Unhealthy);
    let port_cfg = cfg.on_port(shared.port);
    let mut present: Option<Vec<(String, Option<String>)>> = None;
    if running && let Ok(mut admin) = shared_container::admin(&port_cfg, secrets).await {
        present = postgres::tenant_databases(&mut admin).await.ok();
        if shared.data_size.is_none() {
            shared.data_size = sqlx::query_scalar::<_, i64>("SELECT sum(pg_database_size(datname))::bigint FROM pg_database").fetch_one(&mut admin).await.ok().map(|s| s as f64);
        }
        let _ = admin.close().await;
    }
    let compose = compose_states(&engine).await?;
    let mut tenants = Vec::new();
    let mut claimed = Vec::new();
    if let Some(project) = project {
        let snap = Snapshot::load(project)?;
        for t in snap.registry.tenants.iter().filter(|t| t.tenant_type == TenantType::Local) {
            let health = if let Some(db) = snap.marks.databases.get(&t.id) {
                claimed.push(db.database.clone());
                LocalHealth {
                    tenant_id: t.id.to_string(),
                    name: t.name.clone(),
                    location: format!("shared container '{}'", db.container),
                    database_present: present.as_ref().map(|p| p.iter().any(|(d, _)| d == &db.database)),
                    container: Some(shared.state),
                }
            } else if let Some(p) = &t.docker_project {
                LocalHealth {
                    tenant_id: t.id.to_string(),
                    name: t.name.clone(),
                    location: format!("compose project '{p}'"),
                    database_present: None,
                    container: Some(compose.get(p).copied().unwrap_or(ContainerState::Missing)),
                }
            } else {
                LocalHealth { tenant_id: t.id.to_string(), name: t.name.clone(), location: "external".to_owned(), database_present: None, container: None }
            };
            tenants.push(health);
        }
    }
    let mut orphan_databases = Vec::new();
    let mut other_projects = Vec::new();
    if let (Some(project), Some(present)) = (project, present) {
        ownership::remember(project);
        for (database, comment) in present.into_iter().filter(|(d, _)| !claimed.contains(d)) {
            match ownership::claimant(&database, &cfg.container, project, &ownership::candidates(comment.as_deref()))? {
                Some(claim) => other_projects.push(claim),
                None => orphan_databases.push(database),
            }
        }
    }
    let other_setups = managed_containers(&engine).await?.into_iter().filter(|n| n != &cfg.container).collect();
    Ok(DbStatus { shared, tenants, orphan_databases, other_projects, other_setups })
}

/// The real state of one local tenant whose database Tenantdesk or the CLI made in Docker;
/// `None` for other tenants, whose databases Tenantdesk does not manage.
pub async fn tenant_health(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<Option<LocalHealth>> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?;
    if !snap.marks.databases.contains_key(&tenant.id) && tenant.docker_project.is_none() {
        return Ok(None);
    }
    let cfg = match snap.marks.databases.get(&tenant.id) {
        Some(db) => SharedConfig::new(&db.container, &SharedConfig::from_env().image, db.port),
        None => SharedConfig::from_env(),
    };
    let status = db_status(Some(project), &cfg, secrets).await?;
    Ok(status.tenants.into_iter().find(|t| t.tenant_id == tenant.id.as_str()))
}

async fn managed_containers(engine: &Engine) -> Result<Vec<String>> {
    // Shared containers only (an older one, or another configuration's): not the emulator's server.
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![format!("{}=true", shared_container::LABEL_MANAGED), format!("{}={}", shared_container::LABEL_ROLE, shared_container::ROLE_SHARED)],
    )]);
    let list = engine.docker.list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build())).await.map_err(failed("list containers"))?;
    Ok(list.into_iter().filter_map(|c| c.names.and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_owned()))).collect())
}

/// The state of each compose project's postgres container (the CLI's per-tenant databases).
async fn compose_states(engine: &Engine) -> Result<HashMap<String, ContainerState>> {
    let filters = HashMap::from([("label".to_owned(), vec!["com.docker.compose.project".to_owned()])]);
    let list = engine.docker.list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build())).await.map_err(failed("list containers"))?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let project = c.labels.as_ref()?.get("com.docker.compose.project")?.clone();
            let status = c.status.unwrap_or_default();
            let state = match c.state.map(|s| s.to_string()).as_deref() {
                Some("running") if status.contains("(unhealthy)") => ContainerState::Unhealthy,
                Some("running") if status.contains("(health: starting)") => ContainerState::Starting,
                Some("running") => ContainerState::Healthy,
                Some("created") => ContainerState::Created,
                _ => ContainerState::Stopped,
            };
            Some((project, state))
        })
        .collect())
}

/// Drops a Tenantdesk database that no tenant claims (see `db_status`).
pub async fn drop_orphan_database(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str) -> Result<()> {
    let result = drop_orphan(project, cfg, secrets, database).await;
    audit::record_in(project, None, &format!("drop orphan database {database}"), &result);
    result
}

/// Refuses a database another project's tenant uses, naming that project and tenant.
fn refuse_claimed(status: &DbStatus, database: &str) -> Result<()> {
    match status.other_projects.iter().find(|c| c.database == database) {
        Some(claim) => Err(Error::ClaimedByAnotherProject { database: database.to_owned(), project: claim.project.clone(), tenant: claim.tenant_name.clone() }),
        None => Ok(()),
    }
}

async fn drop_orphan(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str) -> Result<()> {
    let status = db_status(Some(project), cfg, secrets).await?;
    refuse_claimed(&status, database)?;
    if !status.orphan_databases.iter().any(|d| d == database) {
        return Err(Error::Database { action: "drop an orphan database", message: format!("'{database}' is not an orphan of this project") });
    }
    let cfg = cfg.on_port(status.shared.port);
    let mut admin = shared_container::admin(&cfg, secrets).await?;
    // Whatever is in it is kept first: an orphan may still be someone's only copy.
    let source = snapshot::Source { container: &cfg.container, database, tenant_id: None, tenant_name: database, spare: None, remote: None };
    snapshot::take(project.root(), source, snapshot::Reason::BeforeDropOrphan, Some("kept when the orphan database was dropped"), &mut |_| {}).await?;
    postgres::drop_tenant_database(&mut admin, &TenantDatabase { role: database.to_owned(), database: database.to_owned() }).await
}

/// What a rotation changed; never the password itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rotated {
    pub tenant_id: String,
    pub name: String,
    pub role: String,
    /// The masked URL (for a local tenant unchanged: only the password behind it changed).
    pub database_url: String,
}

/// Gives a local tenant's role a new CSPRNG password: sets it with the old credentials, proves the
/// new one connects and the old one no longer does, then stores it in the keychain. If storing
/// fails, the old password is put back, so nothing is lost at any step. Production tenants need
/// their name typed.
pub async fn rotate_credentials(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Rotated> {
    let result = rotate(project, id, confirm_name, secrets).await;
    audit::record_in(project, Some(id), "rotate credentials", &result);
    result
}

async fn rotate(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Rotated> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    if tenant.tenant_type == TenantType::Cloud {
        return super::cloud::rotate_credentials(project, id, confirm_name, secrets).await;
    }
    tenant.refuse_self_managed("rotating credentials")?;
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    settle_rotation(project, &tenant.id, secrets).await?;
    let old = database_url(project, tenant.id.as_str(), secrets)?;
    let old_url = parse_database_url(old.expose())?;
    let role = percent_decode(old_url.username());
    let fresh = generate_password()?;
    let set_password = |url: Secret, password: Secret| {
        let role = role.clone();
        async move {
            let mut conn = postgres::connect(&url).await?;
            let sql = postgres::alter_role_password(&role, &password)?;
            let result = sqlx::Executor::execute(&mut conn, sql.as_str()).await;
            let _ = conn.close().await;
            result.map(drop).map_err(|e| Error::Database { action: "set the new password", message: e.to_string() })
        }
    };
    let mut new_url = old_url.clone();
    let _ = new_url.set_password(Some(fresh.expose()));
    let new = Secret::new(new_url.to_string());
    // Journalled before the role changes: from here on a kill at any instant leaves one of the two
    // passwords in the keychain that the role takes, and `settle_rotation` finds which.
    let pending = pending_password_key(project, &tenant.id);
    secrets.set(&pending, &fresh)?;
    if let Err(e) = set_password(old.clone(), fresh.clone()).await {
        secrets.delete(&pending)?;
        return Err(e);
    }
    let proven = async {
        postgres::verify(&new).await?;
        match postgres::verify(&old).await {
            Err(Error::DatabaseConnection { .. }) => Ok(()),
            _ => Err(Error::Database { action: "retire the old password", message: "the old password still connects".to_owned() }),
        }
    }
    .await;
    let stored = match proven {
        Ok(()) => secrets.set(&password_key(project, &tenant.id), &fresh),
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        let old_password = Secret::new(percent_decode(old_url.password().unwrap_or_default()));
        set_password(new, old_password).await?;
        secrets.delete(&pending)?;
        return Err(e);
    }
    secrets.delete(&pending)?;
    super::secrets::follow_mode(project, secrets)?;
    Ok(Rotated { tenant_id: tenant.id.to_string(), name: tenant.name.clone(), role, database_url: tenant.effective_database_url().unwrap_or_default().to_owned() })
}

/// Takes an orphan database (see `db_status`) back as a tenant of this project: its role gets a
/// new password (kept in the keychain), and the tenant and its default profile are registered.
pub async fn adopt_orphan_database(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str, name: &TenantName) -> Result<CreatedTenant> {
    let result = adopt(project, cfg, secrets, database, name).await;
    let tenant = result.as_ref().ok().map(|c| c.tenant.id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("adopt database {database}"), &result);
    result
}

async fn adopt(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str, name: &TenantName) -> Result<CreatedTenant> {
    check_name_free(project, name)?;
    let status = db_status(Some(project), cfg, secrets).await?;
    refuse_claimed(&status, database)?;
    if !status.orphan_databases.iter().any(|d| d == database) {
        return Err(Error::Database { action: "adopt an orphan database", message: format!("'{database}' is not an orphan of this project") });
    }
    let cfg = cfg.on_port(status.shared.port);
    let id = TenantId::new_local();
    let key = password_key(project, &id);
    let password = generate_password()?;
    let mut admin = shared_container::admin(&cfg, secrets).await?;
    let role: Option<String> = sqlx::query_scalar("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1")
        .bind(database)
        .fetch_optional(&mut admin)
        .await
        .map_err(|e| Error::Database { action: "find the database's owner", message: e.to_string() })?;
    let role = role.filter(|r| r != shared_container::SUPERUSER).ok_or_else(|| Error::Database {
        action: "adopt an orphan database",
        message: format!("'{database}' has no role of its own; drop it with 'tenantdesk db drop-orphan {database} -y'"),
    })?;
    let sql = postgres::alter_role_password(&role, &password)?;
    secrets.set(&key, &password)?;
    let mut altered = sqlx::Executor::execute(&mut admin, sql.as_str()).await;
    if altered.is_ok() {
        altered = sqlx::Executor::execute(&mut admin, ownership::comment_sql(database, project, &id).as_str()).await;
    }
    if let Err(e) = altered {
        let _ = secrets.delete(&key);
        return Err(Error::Database { action: "set the adopted role's password", message: e.to_string() });
    }
    let tenant = Tenant::new_local(id.clone(), name.to_string(), format!("postgres://{role}:***@127.0.0.1:{}/{database}", cfg.port));
    let created = register_tenant(project, &tenant, secrets).inspect_err(|_| {
        let _ = secrets.delete(&key);
    })?;
    let mark = SharedDatabase { container: cfg.container.clone(), role, database: database.to_owned(), port: cfg.port };
    update_marks(project, |m| {
        m.databases.insert(id, mark);
    })?;
    Ok(created)
}

/// Creates a local tenant. On the shared container: makes sure it is up and healthy, creates the
/// tenant's own role and database, keeps the password in the keychain and the masked URL in
/// tenants.json, and gives it a default profile. With an external URL: verifies it first. Any
/// failure part-way undoes every step already taken (database, role, container, secret, entry).
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
            if let Some(p) = &password {
                secrets.set(&key, p)?;
            }
            let tenant = Tenant::new_local(id, name.to_string(), masked);
            register_tenant(project, &tenant, secrets).inspect_err(|_| {
                let _ = secrets.delete(&key);
            })
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
    let mut admin = match shared_container::admin(cfg, secrets).await {
        Ok(a) => a,
        Err(e) => {
            let _ = secrets.delete(&key);
            return Err(e);
        }
    };
    if let Err(e) = postgres::create_tenant_database(&mut admin, &db, &password).await {
        let _ = secrets.delete(&key);
        return Err(e);
    }
    // Whose it is, recorded where the data is: another project's `db status` reads it.
    ownership::remember(project);
    if let Err(e) = sqlx::Executor::execute(&mut admin, ownership::comment_sql(&db.database, project, id).as_str()).await {
        let _ = postgres::drop_tenant_database(&mut admin, &db).await;
        let _ = secrets.delete(&key);
        return Err(Error::Database { action: "record the database's project", message: postgres::describe(&e) });
    }
    let masked = format!("postgres://{}:***@127.0.0.1:{}/{}", db.role, cfg.port, db.database);
    let tenant = Tenant::new_local(id.clone(), name.to_string(), masked);
    let created = match register_tenant(project, &tenant, secrets) {
        Ok(c) => c,
        Err(e) => {
            let _ = postgres::drop_tenant_database(&mut admin, &db).await;
            let _ = secrets.delete(&key);
            return Err(e);
        }
    };
    let mark = SharedDatabase { container: cfg.container.clone(), role: db.role.clone(), database: db.database.clone(), port: cfg.port };
    if let Err(e) = update_marks(project, |m| {
        m.databases.insert(id.clone(), mark);
    }) {
        let _ = super::delete_tenant(project, id.as_str(), Some(name.as_str()));
        let _ = postgres::drop_tenant_database(&mut admin, &db).await;
        let _ = secrets.delete(&key);
        return Err(e);
    }
    let _ = admin.close().await;
    Ok(created)
}

pub(super) fn update_marks(project: &Project, change: impl FnOnce(&mut TenantMarks)) -> Result<()> {
    let path = project.marks_file();
    let lock = store::lock(&path)?;
    let mut marks = TenantMarks::load(&path)?;
    change(&mut marks);
    marks.save(&lock, &path)
}

/// Deletes a local or cloud tenant's registry side and, for local tenants, what Tenantdesk or the
/// CLI made for it: its role and database in the shared container, or its compose project's
/// containers and volumes (found by label), and its password in the keychain. If the database
/// cannot be dropped (Docker down), nothing is changed.
///
/// With `keep_snapshot`, a database Tenantdesk made is snapshotted first (the delete is refused if
/// that fails), so the delete can be undone; the snapshot is in the answer.
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
    if tenant.tenant_type == TenantType::Cloud {
        return super::cloud::delete_cloud_tenant(project, &tenant, confirm_name, secrets).await;
    }
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
        let _ = admin.close().await;
    }
    if let Some(compose) = &tenant.docker_project {
        remove_compose_project(compose).await?;
    }
    secrets.delete(&key)?;
    let mut deleted = super::delete_tenant(project, tenant.id.as_str(), confirm_name)?;
    update_marks(project, |m| {
        m.databases.remove(&tenant.id);
    })?;
    deleted.snapshot = kept;
    Ok(deleted)
}

/// Removes a CLI-made compose project's containers and volumes, found by its label.
async fn remove_compose_project(project: &str) -> Result<()> {
    let engine = engine::connect(None).await?;
    let label = format!("com.docker.compose.project={project}");
    let filters = HashMap::from([("label".to_owned(), vec![label.clone()])]);
    let containers = engine
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build()))
        .await
        .map_err(failed("list the compose project's containers"))?;
    for c in containers {
        if let Some(id) = c.id {
            engine
                .docker
                .remove_container(&id, Some(RemoveContainerOptionsBuilder::default().force(true).v(true).build()))
                .await
                .map_err(failed("remove the compose project's container"))?;
        }
    }
    let volumes = engine.docker.list_volumes(Some(ListVolumesOptionsBuilder::default().filters(&filters).build())).await.map_err(failed("list the compose project's volumes"))?;
    for v in volumes.volumes.unwrap_or_default() {
        engine.docker.remove_volume(&v.name, None::<bollard::query_parameters::RemoveVolumeOptions>).await.map_err(failed("remove the compose project's volume"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_leave_the_url_for_the_keychain() {
        let url = url::Url::parse("postgres://app:p%40ss@localhost:5432/app").expect("url");
        let (masked, password) = super::split_password(&url);
        assert_eq!(masked, "postgres://app:***@localhost:5432/app");
        assert_eq!(password.expect("password").expose(), "p@ss");
        let (masked, password) = super::split_password(&url::Url::parse("postgres://app@h/db").expect("url"));
        assert_eq!((masked.as_str(), password), ("postgres://app@h/db", None));
    }
}

/// One check of `doctor`: what was checked, whether it passed, and what to do if not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn from(what: String, result: Result<String>) -> Self {
        match result {
            Ok(detail) => Self { what, ok: true, detail, fix: None },
            Err(e) => Self::failed(what, &e),
        }
    }

    fn failed(what: String, e: &Error) -> Self {
        Self { what, ok: false, fix: e.hint(), detail: e.to_string() }
    }
}

/// The seed's troubleshooting table, made executable: the keychain (reachable, unlocked,
/// writable), the Docker engine, and each tenant's database. Never changes anything but a
/// probe entry in the keychain, removed again.
pub async fn doctor(project: Option<&Project>, secrets: &dyn SecretStore) -> Vec<Check> {
    let mut checks = Vec::new();
    let probe = SecretKey::new("doctor", SecretKind::DatabasePassword);
    let keychain = (|| {
        let value = generate_password()?;
        secrets.set(&probe, &value)?;
        let back = secrets.get(&probe)?;
        secrets.delete(&probe)?;
        match back {
            Some(v) if v == value => Ok("reachable, unlocked and writable".to_owned()),
            _ => Err(Error::KeychainUnavailable { reason: "a value written could not be read back".to_owned() }),
        }
    })();
    checks.push(Check::from("OS keychain".to_owned(), keychain));
    checks.push(match engine::connect(None).await {
        Ok(e) => Check::from("Docker engine".to_owned(), Ok(format!("Docker {} at {} ({})", e.version, e.endpoint.uri, e.endpoint.source))),
        Err(e) => Check::failed("Docker engine".to_owned(), &e),
    });
    let Some(project) = project else { return checks };
    let snap = match Snapshot::load(project) {
        Ok(s) => s,
        Err(e) => {
            checks.push(Check::from("Project files".to_owned(), Err(e)));
            return checks;
        }
    };
    checks.push(Check::from("systemprompt CLI".to_owned(), Ok(crate::cli_version::ProjectCli::from_parts(&snap.marks, || snap.registry.dialect).summary(snap.registry.dialect))));
    if snap.selected().is_none() {
        checks.push(Check::from("Selected tenant".to_owned(), Err(snap.no_selection())));
    }
    for tenant in &snap.registry.tenants {
        let what = format!("Database of '{}'", tenant.name);
        let result = match tenant.tenant_type {
            TenantType::Cloud => super::cloud::check(project, tenant, secrets).await,
            TenantType::Local => match settle_rotation(project, &tenant.id, secrets).await.and_then(|_| database_url(project, tenant.id.as_str(), secrets)) {
                Ok(url) => postgres::verify(&url).await.map(|()| "connects".to_owned()),
                Err(e) => Err(e),
            },
            TenantType::SelfManaged => Ok(format!("{}: hosted at {}, not checked from here", tenant.kind_label(), tenant.hostname.as_deref().unwrap_or("an unknown host"))),
        };
        checks.push(Check::from(what, result));
    }
    checks
}
