//! The shared PostgreSQL container's lifecycle: up, down, pull, recreate, reset, restart, the
//! port a new one would bind. Resetting and recreating keep a snapshot of every database first.

use futures_util::StreamExt;
use serde::Serialize;

use crate::audit;
use crate::engine;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::ownership;
use crate::postgres;
use crate::project::Project;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::shared_container;
pub use crate::shared_container::{ContainerState, HealthEvent, Progress, Pulled, SharedConfig, SharedStatus};
use crate::snapshot;
use crate::tenant::TenantId;

#[tracing::instrument(skip_all)]
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

#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn db_pull(cfg: &SharedConfig, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<Pulled> {
    let result = async { shared_container::pull(&engine::connect(None).await?, cfg, on_progress).await }.await;
    audit::record(&format!("container {}", cfg.container), audit::Subject::default(), &format!("db pull {}", cfg.image), &result);
    result
}

/// Snapshots every Tenantdesk database in the shared container, each under the project and
/// tenant its comment names, before an action that could lose them all. Any failure stops the
/// action before it starts; the error says how to go ahead without snapshots.
async fn snapshot_container(cfg: &SharedConfig, secrets: &dyn SecretStore, reason: snapshot::Reason) -> Result<Vec<snapshot::SnapshotInfo>> {
    let fail = |e: Error| Error::SnapshotFailed { action: "keep a snapshot of every database first", reason: format!("{e} (go ahead without snapshots only if the data can go)") };
    let mut admin = shared_container::admin(cfg, secrets).await.map_err(fail)?;
    let databases = postgres::tenant_databases(&mut admin).await.map_err(fail)?;
    postgres::close(admin).await;
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

/// Reads the shared container's log (the last `tail` lines, then new ones with `follow`):
/// `on_text` gets each piece until it returns false or the log ends.
#[tracing::instrument(skip_all)]
pub async fn read_logs(cfg: &SharedConfig, follow: bool, tail: usize, on_text: &mut (dyn FnMut(String) -> bool + Send)) -> Result<()> {
    let engine = engine::connect(None).await?;
    let mut lines = std::pin::pin!(shared_container::logs(&engine, cfg, follow, tail));
    while let Some(text) = lines.next().await {
        if !on_text(text?) {
            break;
        }
    }
    Ok(())
}

/// Follows the engine's start, die and health events for Tenantdesk's containers: `on_event`
/// gets each until it returns false; an error when the engine cannot be reached or goes away.
#[tracing::instrument(skip_all)]
pub async fn watch_health(on_event: &mut (dyn FnMut(HealthEvent) -> bool + Send)) -> Result<()> {
    let engine = engine::connect(None).await?;
    let mut events = std::pin::pin!(shared_container::health_events(&engine));
    while let Some(event) = events.next().await {
        if !on_event(event?) {
            break;
        }
    }
    Ok(())
}

/// A superuser URL of the shared container's `postgres` database (for the demo's cloud
/// emulator, which makes its tenants' databases there).
#[tracing::instrument(skip_all)]
pub fn superuser_url(cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<Secret> {
    let password = secrets.get(&cfg.secret_key())?.ok_or_else(|| Error::KeychainUnavailable { reason: "the shared container's password is missing".to_owned() })?;
    Ok(shared_container::superuser_url(cfg, &password, "postgres"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_superuser_url_needs_the_password_from_the_keychain() {
        let keychain = crate::keychain::MemoryStore::default();
        let cfg = SharedConfig::new("td-test", "postgres:15", 5999);
        assert!(matches!(superuser_url(&cfg, &keychain), Err(Error::KeychainUnavailable { .. })));
        keychain.set(&cfg.secret_key(), &Secret::new("pw")).expect("set");
        let url = superuser_url(&cfg, &keychain).expect("url");
        assert!(url.expose().contains(":5999/postgres"), "the URL names the port and database");
    }
}
