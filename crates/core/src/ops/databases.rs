//! What databases really exist and whose they are: each local tenant's state, the orphans of
//! this project, and other projects' and other setups' databases (shown, never touched). An
//! orphan is dropped (after a snapshot) or adopted back as a tenant.

use serde::Serialize;

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
use crate::ownership::{self, Claim};
use crate::postgres::{self, TenantDatabase};
use crate::project::Project;
use crate::shared_container::{self, ContainerState, SharedConfig, SharedStatus};
use crate::snapshot;
use crate::tenant::{Tenant, TenantId, TenantType};
use crate::undo::Undo;

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
#[tracing::instrument(skip_all)]
pub async fn db_status(project: Option<&Project>, cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<DbStatus> {
    let engine = engine::connect(None).await?;
    let mut shared = shared_container::status_with_size(&engine, cfg).await?;
    let running = matches!(shared.state, ContainerState::Healthy | ContainerState::Starting | ContainerState::Unhealthy);
    let port_cfg = cfg.on_port(shared.port);
    let mut present: Option<Vec<(String, Option<String>)>> = None;
    if running && let Ok(mut admin) = shared_container::admin(&port_cfg, secrets).await {
        present = postgres::tenant_databases(&mut admin).await.ok();
        if shared.data_size.is_none() {
            shared.data_size = postgres::total_size(&mut admin).await;
        }
        postgres::close(admin).await;
    }
    let compose = compose::states(&engine).await?;
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
    let other_setups = shared_container::managed_containers(&engine).await?.into_iter().filter(|n| n != &cfg.container).collect();
    Ok(DbStatus { shared, tenants, orphan_databases, other_projects, other_setups })
}

/// The real state of one local tenant whose database Tenantdesk or the CLI made in Docker;
/// `None` for other tenants, whose databases Tenantdesk does not manage.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn tenant_health(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<Option<LocalHealth>> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?;
    if !snap.marks.databases.contains_key(&tenant.id) && tenant.docker_project.is_none() {
        return Ok(None);
    }
    let cfg = match snap.marks.databases.get(&tenant.id) {
        Some(db) => SharedConfig::holding(db),
        None => SharedConfig::from_env(),
    };
    let status = db_status(Some(project), &cfg, secrets).await?;
    Ok(status.tenants.into_iter().find(|t| t.tenant_id == tenant.id.as_str()))
}

/// Drops a Tenantdesk database that no tenant claims (see `db_status`).
#[tracing::instrument(skip_all)]
pub async fn drop_orphan_database(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str) -> Result<()> {
    let result = drop_orphan(project, cfg, secrets, database).await;
    audit::record_in(project, None, &format!("drop orphan database {database}"), &result);
    result
}

/// Refuses a database another project's tenant uses, naming that project and tenant.
fn refuse_claimed(others: &[Claim], database: &str) -> Result<()> {
    match others.iter().find(|c| c.database == database) {
        Some(claim) => Err(Error::ClaimedByAnotherProject { database: database.to_owned(), project: claim.project.clone(), tenant: claim.tenant_name.clone() }),
        None => Ok(()),
    }
}

async fn drop_orphan(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str) -> Result<()> {
    let status = db_status(Some(project), cfg, secrets).await?;
    refuse_claimed(&status.other_projects, database)?;
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

/// Takes an orphan database (see `db_status`) back as a tenant of this project: its role gets a
/// new password (kept in the keychain), and the tenant and its default profile are registered.
#[tracing::instrument(skip_all, fields(name = name.as_str()))]
pub async fn adopt_orphan_database(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str, name: &TenantName) -> Result<CreatedTenant> {
    let result = adopt(project, cfg, secrets, database, name).await;
    let tenant = result.as_ref().ok().map(|c| c.tenant.id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("adopt database {database}"), &result);
    result
}

async fn adopt(project: &Project, cfg: &SharedConfig, secrets: &dyn SecretStore, database: &str, name: &TenantName) -> Result<CreatedTenant> {
    check_name_free(project, name)?;
    let status = db_status(Some(project), cfg, secrets).await?;
    refuse_claimed(&status.other_projects, database)?;
    if !status.orphan_databases.iter().any(|d| d == database) {
        return Err(Error::Database { action: "adopt an orphan database", message: format!("'{database}' is not an orphan of this project") });
    }
    let cfg = cfg.on_port(status.shared.port);
    let id = TenantId::new_local();
    let key = password_key(project, &id);
    let password = generate_password()?;
    let mut admin = shared_container::admin(&cfg, secrets).await?;
    let role = postgres::database_owner(&mut admin, database).await?;
    let role = role
        .filter(|r| r != shared_container::SUPERUSER)
        .ok_or_else(|| Error::Database { action: "adopt an orphan database", message: format!("'{database}' has no role of its own to give a password; drop it instead") })?;
    let sql = postgres::alter_role_password(&role, &password)?;
    secrets.set(&key, &password)?;
    let mut undo = Undo::default();
    undo.then(super::local::forget(secrets, key));
    let mut altered = postgres::execute(&mut admin, &sql).await;
    if altered.is_ok() {
        altered = postgres::execute(&mut admin, &ownership::comment_sql(database, project, &id)).await;
    }
    undo.check(altered.map_err(|message| Error::Database { action: "set the adopted role's password", message })).await?;
    let tenant = Tenant::new_local(id.clone(), name.to_string(), format!("postgres://{role}:***@127.0.0.1:{}/{database}", cfg.port));
    let created = undo.check(register_tenant(project, &tenant, secrets)).await?;
    let mark = SharedDatabase { container: cfg.container.clone(), role, database: database.to_owned(), port: cfg.port };
    TenantMarks::update(&project.marks_file(), |m| {
        m.databases.insert(id, mark);
    })?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_projects_database_is_refused_with_its_project_and_tenant() {
        let claim = Claim { database: "td_x_1".to_owned(), project: "/other".to_owned(), tenant_id: "local_1".to_owned(), tenant_name: "theirs".to_owned() };
        let others = [claim];
        let refused = refuse_claimed(&others, "td_x_1");
        assert!(matches!(&refused, Err(Error::ClaimedByAnotherProject { project, tenant, .. }) if project == "/other" && tenant == "theirs"), "{refused:?}");
        refuse_claimed(&others, "td_y_2").expect("an orphan of this project");
    }
}
