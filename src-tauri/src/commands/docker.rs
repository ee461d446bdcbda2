//! The Docker panel: the engine and the shared container (state, health, port, image, volume
//! size), start / stop / restart / reset with pull progress, the log, and orphans.

use tauri::State;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::Overview;
use tenantdesk_core::ops::container::PortCheck;
use tenantdesk_core::ops::container::{self as container, Pulled};
use tenantdesk_core::ops::databases::DbStatus;

use super::then_overview;
use crate::error::UiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum DockerAction {
    Start,
    Stop,
    Restart,
    /// Onto the image the tag names now, keeping the data.
    Recreate,
    Reset,
}

#[tauri::command]
#[specta::specta]
pub async fn docker_status(state: State<'_, AppState>) -> Result<DbStatus, UiError> {
    let project = state.project();
    Ok(tenantdesk_core::ops::databases::db_status(project.as_ref(), &state.container(), state.secrets().as_ref()).await?)
}

/// Start, stop, restart or reset the shared container. Reset deletes every local tenant's data
/// in it, so it needs the container's name typed.
#[tauri::command]
#[specta::specta]
pub async fn docker_action(state: State<'_, AppState>, action: DockerAction, confirm_name: Option<String>, keep_snapshots: bool) -> Result<DbStatus, UiError> {
    let cfg = state.container();
    let secrets = state.secrets();
    let shell = state.shell();
    let emitter = shell.clone();
    let mut progress = move |p| emitter.docker_progress(p);
    match action {
        DockerAction::Start => {
            tenantdesk_core::ops::container::db_up(&cfg, secrets.as_ref(), &mut progress).await?;
        }
        DockerAction::Stop => {
            tenantdesk_core::ops::container::db_down(&cfg).await?;
        }
        DockerAction::Restart => {
            tenantdesk_core::ops::container::db_restart(&cfg, secrets.as_ref(), &mut progress).await?;
        }
        DockerAction::Recreate => {
            tenantdesk_core::ops::container::db_recreate(&cfg, keep_snapshots, secrets.as_ref(), &mut progress).await?;
        }
        DockerAction::Reset => {
            tenantdesk_core::ops::confirmation::for_container_reset(&cfg.container, keep_snapshots).check(false, confirm_name.as_deref())?;
            tenantdesk_core::ops::container::db_reset(&cfg, keep_snapshots, secrets.as_ref(), &mut progress).await?;
        }
    }
    shell.check_health().await;
    let project = state.project();
    Ok(tenantdesk_core::ops::databases::db_status(project.as_ref(), &cfg, secrets.as_ref()).await?)
}

/// Pulls the shared container's image again, with per-layer progress as `docker-progress` events.
#[tauri::command]
#[specta::specta]
pub async fn docker_pull(state: State<'_, AppState>) -> Result<Pulled, UiError> {
    let shell = state.shell();
    Ok(tenantdesk_core::ops::container::db_pull(&state.container(), &mut |p| shell.docker_progress(p)).await?)
}

/// The pre-flight of the port a new shared container would bind, for the New tenant dialog.
#[tauri::command]
#[specta::specta]
pub async fn port_check(state: State<'_, AppState>, port: Option<u16>) -> Result<PortCheck, UiError> {
    Ok(tenantdesk_core::ops::container::port_check(&state.container(), port).await?)
}

/// The last `tail` lines of the shared container's log.
#[tauri::command]
#[specta::specta]
pub async fn docker_logs(state: State<'_, AppState>, tail: u32) -> Result<String, UiError> {
    let mut out = String::new();
    container::read_logs(&state.container(), false, tail as usize, &mut |text| {
        out.push_str(&text);
        true
    })
    .await?;
    Ok(out)
}

/// Follows the log (new lines arrive as `docker-log` events) until called with `follow: false`.
#[tauri::command]
#[specta::specta]
pub fn follow_docker_logs(state: State<'_, AppState>, follow: bool) {
    let shell = state.shell();
    let mut slot = state.log_follower.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(task) = slot.take() {
        task.abort();
    }
    if !follow {
        return;
    }
    let cfg = state.container();
    *slot = Some(tauri::async_runtime::spawn(async move {
        let _ = container::read_logs(&cfg, true, 0, &mut |text| shell.docker_log(text)).await;
    }));
}

/// Makes an orphan database a tenant of the open project again.
#[tauri::command]
#[specta::specta]
pub async fn adopt_orphan(state: State<'_, AppState>, database: String, name: String) -> Result<Overview, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let name = TenantName::parse(name.trim())?;
    tenantdesk_core::ops::databases::adopt_orphan_database(&project, &state.container(), state.secrets().as_ref(), &database, &name).await?;
    then_overview(&state, |_| Ok(())).await
}

/// Drops an orphan database; its name must be typed.
#[tauri::command]
#[specta::specta]
pub async fn drop_orphan(state: State<'_, AppState>, database: String, confirm_name: String) -> Result<DbStatus, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    tenantdesk_core::ops::confirmation::for_orphan_drop(&database).check(false, Some(&confirm_name))?;
    let cfg = state.container();
    tenantdesk_core::ops::databases::drop_orphan_database(&project, &cfg, state.secrets().as_ref(), &database).await?;
    Ok(tenantdesk_core::ops::databases::db_status(Some(&project), &cfg, state.secrets().as_ref()).await?)
}
