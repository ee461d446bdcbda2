//! Snapshots from the window: list, take, restore in place or as a new tenant (undo of a
//! delete), delete, and clone a tenant. Progress goes out as `snapshot-progress` events.

use tauri::State;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::snapshots::{self, Restored};
use tenantdesk_core::ops::{CreatedTenant, Overview};
use tenantdesk_core::pg_tools::Step;
use tenantdesk_core::snapshot::SnapshotInfo;

use super::then_overview;
use crate::error::UiError;
use crate::events::SnapshotProgress;
use crate::state::AppState;

/// Sends each step of the work on `tenant_id` to the window.
fn reporter(state: &AppState, tenant_id: &str, verb: &'static str) -> impl FnMut(Step) + Send + use<> {
    let shell = state.shell();
    let tenant_id = tenant_id.to_owned();
    move |step| shell.snapshot_progress(SnapshotProgress { tenant_id: tenant_id.clone(), verb: verb.to_owned(), step })
}

#[tauri::command]
#[specta::specta]
pub async fn snapshots(state: State<'_, AppState>, id: String) -> Result<Vec<SnapshotInfo>, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(snapshots::list_snapshots(&project, Some(&id), false).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_snapshot(state: State<'_, AppState>, id: String, note: Option<String>, open_external_access: bool) -> Result<SnapshotInfo, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let mut report = reporter(&state, &id, "Dumping");
    let secrets = state.secrets();
    Ok(snapshots::create_snapshot(&project, &id, note.as_deref(), open_external_access, secrets.as_ref(), &mut report).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn restore_snapshot_in_place(state: State<'_, AppState>, snapshot: String, confirm_name: Option<String>) -> Result<Restored, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let info = tenantdesk_core::snapshot::find(&snapshot).await?;
    let mut report = reporter(&state, info.tenant_id.as_deref().unwrap_or_default(), "Restoring");
    let secrets = state.secrets();
    Ok(snapshots::restore_in_place(&project, &info.id, confirm_name.as_deref(), secrets.as_ref(), &mut report).await?)
}

/// A new tenant from a snapshot; under the deleted tenant's name, the delete's undo.
#[tauri::command]
#[specta::specta]
pub async fn restore_snapshot_as(state: State<'_, AppState>, snapshot: String, name: String) -> Result<Overview, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let name = TenantName::parse(&name)?;
    let info = tenantdesk_core::snapshot::find(&snapshot).await?;
    let mut report = reporter(&state, info.tenant_id.as_deref().unwrap_or_default(), "Restoring");
    let secrets = state.secrets();
    snapshots::restore_as(&project, &info.id, &name, secrets.as_ref(), &mut report).await?;
    then_overview(&state, |_| Ok(())).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_snapshot(state: State<'_, AppState>, snapshot: String) -> Result<SnapshotInfo, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(snapshots::delete_snapshot(&project, &snapshot).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn clone_tenant(state: State<'_, AppState>, id: String, name: String, mask: Vec<String>) -> Result<CreatedTenant, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let name = TenantName::parse(&name)?;
    let mask = mask.iter().filter(|m| !m.trim().is_empty()).map(|m| m.parse()).collect::<Result<Vec<tenantdesk_core::ops::clones::MaskedColumn>, _>>()?;
    let mut report = reporter(&state, &id, "Copying");
    let secrets = state.secrets();
    Ok(tenantdesk_core::ops::clones::clone_tenant(&project, &id, &name, &mask, secrets.as_ref(), &mut report).await?)
}

/// What snapshots use on disk and what retention keeps; `keep` / `days` change it.
#[tauri::command]
#[specta::specta]
pub async fn snapshot_retention(keep: Option<u32>, days: Option<u32>) -> Result<snapshots::Retention, UiError> {
    Ok(snapshots::retention(keep, days).await?)
}

/// Writes a snapshot and its manifest to `file` (a path the user typed; `~` is their home).
#[tauri::command]
#[specta::specta]
pub async fn export_snapshot(state: State<'_, AppState>, snapshot: String, file: String) -> Result<SnapshotInfo, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(snapshots::export_snapshot(&project, &snapshot, &expand_home(&file)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn import_snapshot(state: State<'_, AppState>, file: String) -> Result<SnapshotInfo, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(snapshots::import_snapshot(&project, &expand_home(&file)).await?)
}

fn expand_home(path: &str) -> std::path::PathBuf {
    let path = path.trim();
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// Every snapshot of the project, also of deleted tenants, orphan databases and imports.
#[tauri::command]
#[specta::specta]
pub async fn project_snapshots(state: State<'_, AppState>) -> Result<Vec<SnapshotInfo>, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(snapshots::list_snapshots(&project, None, false).await?)
}
