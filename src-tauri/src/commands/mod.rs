//! The window's commands. Each one takes its arguments, runs one `core::ops` use case off the
//! main thread, and maps the error; none holds domain logic. Commands that change files return
//! the fresh [`Overview`], so the window updates at once; the watcher then brings the tray and
//! the title up to date.

use std::path::PathBuf;

use tauri::State;
use tenantdesk_core::Project;
use tenantdesk_core::appearance::{Colour, Icon};
use tenantdesk_core::name::{ProfileName, TenantName};
use tenantdesk_core::ops::databases::LocalHealth;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::ops::{self, Overview, Selection, TenantDetails};

use crate::error::UiError;
use crate::events::{Level, Notice};
use crate::state::AppState;

pub mod cloud;
pub mod credentials;
pub mod docker;
pub mod snapshots;

/// Runs blocking file work on the blocking pool, with the open project.
pub(crate) async fn with_project<T: Send + 'static>(state: &AppState, work: impl FnOnce(&Project) -> Result<T, UiError> + Send + 'static) -> Result<T, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    tauri::async_runtime::spawn_blocking(move || work(&project)).await.map_err(|_| UiError::internal("The operation"))?
}

pub(crate) async fn then_overview(state: &AppState, work: impl FnOnce(&Project) -> Result<(), UiError> + Send + 'static) -> Result<Overview, UiError> {
    let overview = with_project(state, move |p| {
        work(p)?;
        Ok(ops::overview(p)?)
    })
    .await?;
    state.show(&overview);
    Ok(overview)
}

#[tauri::command]
#[specta::specta]
pub async fn overview(state: State<'_, AppState>) -> Result<Overview, UiError> {
    then_overview(&state, |_| Ok(())).await
}

/// The OS folder chooser, for "Browse…" in the project picker: the folder picked, or None on
/// Cancel.
#[tauri::command]
#[specta::specta]
pub async fn choose_folder(state: State<'_, AppState>) -> Result<Option<String>, UiError> {
    Ok(state.shell().choose_folder().await.map(|p| p.display().to_string()))
}

/// Opens a project folder; with `create`, makes `.systemprompt/` in it first.
#[tauri::command]
#[specta::specta]
pub async fn open_project(state: State<'_, AppState>, path: String, create: bool) -> Result<Overview, UiError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = tenantdesk_core::project::typed_folder(&path, home.as_deref());
    let (project, overview) = tauri::async_runtime::spawn_blocking(move || -> Result<_, UiError> {
        let project = if create { Project::init(&dir)? } else { Project::discover(&dir)? };
        let overview = ops::overview(&project)?;
        Ok((project, overview))
    })
    .await
    .map_err(|_| UiError::internal("Opening the project"))??;
    state.show(&overview);
    state.set_project(project);
    cloud::resume_unfinished(&state);
    Ok(overview)
}

#[tauri::command]
#[specta::specta]
pub fn recent_projects(state: State<'_, AppState>) -> Vec<String> {
    state.recent()
}

/// Selects a tenant. Returns only the selection, so the window can mark it at once; the full
/// state follows through the watcher's `overview-changed` event.
#[tauri::command]
#[specta::specta]
pub async fn select_tenant(state: State<'_, AppState>, id: String) -> Result<Selection, UiError> {
    with_project(&state, move |p| Ok(ops::select_tenant(p, &id)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn tenant_details(state: State<'_, AppState>, id: String) -> Result<TenantDetails, UiError> {
    with_project(&state, move |p| Ok(ops::show_tenant(p, Some(&id))?)).await
}

/// Creates a local tenant: with a URL, on that existing database (verified with a real connection
/// first); without one, on a new role and database in the shared container, which is started
/// (and created) when needed. The password goes to the keychain, the registry keeps the masked URL.
#[tauri::command]
#[specta::specta]
pub async fn create_local_tenant(state: State<'_, AppState>, name: String, database_url: Option<String>, port: Option<u16>) -> Result<Overview, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let name = TenantName::parse(name.trim())?;
    let source = match database_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()) {
        Some(url) => DatabaseSource::External { url, verify: true },
        None => DatabaseSource::Shared { port },
    };
    let secrets = state.secrets();
    let shell = state.shell();
    local::create_local_tenant(&project, &name, source, &state.container(), secrets.as_ref(), &mut |p| shell.docker_progress(p)).await?;
    then_overview(&state, |_| Ok(())).await
}

/// Deletes a tenant, with its database when Tenantdesk made it (snapshotted first with
/// `keep_snapshot`: the answer names the snapshot, which undoes the delete).
#[tauri::command]
#[specta::specta]
pub async fn delete_tenant(state: State<'_, AppState>, id: String, confirm_name: Option<String>, keep_snapshot: bool) -> Result<ops::DeletedTenant, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let secrets = state.secrets();
    Ok(tenantdesk_core::ops::delete_tenant(&project, &id, confirm_name.as_deref(), keep_snapshot, secrets.as_ref()).await?)
}

/// The live state of a local tenant's database in Docker (None for tenants Tenantdesk does not
/// manage there); "Docker is not running" comes back as an error with its hint.
#[tauri::command]
#[specta::specta]
pub async fn tenant_health(state: State<'_, AppState>, id: String) -> Result<Option<LocalHealth>, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let secrets = state.secrets();
    Ok(tenantdesk_core::ops::databases::tenant_health(&project, &id, secrets.as_ref()).await?)
}

/// Gives a local tenant's role a new password; production tenants need `confirm_name`.
#[tauri::command]
#[specta::specta]
pub async fn rotate_credentials(state: State<'_, AppState>, id: String, confirm_name: Option<String>) -> Result<Overview, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let secrets = state.secrets();
    let rotated = tenantdesk_core::ops::rotation::rotate_credentials(&project, &id, confirm_name.as_deref(), secrets.as_ref()).await?;
    state.shell().notify(Notice {
        level: Level::Success,
        title: "Credentials rotated".into(),
        body: format!("{}: the role {} has a new password in the keychain; the old one no longer works", rotated.name, rotated.role),
    });
    then_overview(&state, |_| Ok(())).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_production(state: State<'_, AppState>, id: String, production: bool) -> Result<Overview, UiError> {
    then_overview(&state, move |p| ops::set_production(p, &id, production).map(drop).map_err(Into::into)).await
}

/// What the About box shows: the version, where Tenantdesk keeps its data, and whether it starts
/// at login.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct About {
    pub version: String,
    pub data_dir: String,
    pub settings_file: String,
    pub autostart: tenantdesk_core::autostart::Autostart,
}

#[tauri::command]
#[specta::specta]
pub fn about() -> Result<About, UiError> {
    Ok(About {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: tenantdesk_core::project::data_dir().display().to_string(),
        settings_file: tenantdesk_core::settings::file().display().to_string(),
        autostart: tenantdesk_core::autostart::status()?,
    })
}

/// Starts this app at login, hidden in the tray, or stops doing so.
#[tauri::command]
#[specta::specta]
pub fn set_autostart(enabled: bool) -> Result<tenantdesk_core::autostart::Autostart, UiError> {
    let app = std::env::current_exe().map_err(|_| UiError::internal("Finding the app's own program"))?;
    Ok(tenantdesk_core::autostart::set(enabled, &app)?)
}

/// Gives a tenant a colour (none: its own default) and an icon (none: no icon); red is
/// production's.
#[tauri::command]
#[specta::specta]
pub async fn set_appearance(state: State<'_, AppState>, id: String, colour: Option<Colour>, icon: Option<Icon>) -> Result<Overview, UiError> {
    let change = ops::AppearanceChange { colour: Some(colour), icon: Some(icon) };
    then_overview(&state, move |p| ops::set_appearance(p, &id, change).map(drop).map_err(Into::into)).await
}

/// Opens the user's terminal in the tenant (its environment, its coloured prompt); a production
/// tenant needs `confirm_name`. Nothing in the project changes.
#[tauri::command]
#[specta::specta]
pub async fn open_terminal(state: State<'_, AppState>, id: String, confirm_name: Option<String>) -> Result<ops::environment::OpenedTerminal, UiError> {
    let secrets = state.secrets();
    with_project(&state, move |p| Ok(ops::environment::open_terminal(p, &id, None, confirm_name.as_deref(), secrets.as_ref())?)).await
}

/// The terminal setting and what it leads to; `change` sets it (empty: find it as the desktop does).
#[tauri::command]
#[specta::specta]
pub async fn terminal_setting(change: Option<String>) -> Result<ops::environment::TerminalSetting, UiError> {
    tauri::async_runtime::spawn_blocking(move || Ok(ops::environment::terminal_setting(change.as_deref())?)).await.map_err(|_| UiError::internal("The terminal setting"))?
}

/// A profile with every value and the file it comes from (`base.yaml` or its own).
#[tauri::command]
#[specta::specta]
pub async fn profile_details(state: State<'_, AppState>, name: String) -> Result<ops::ProfileDetails, UiError> {
    with_project(&state, move |p| Ok(ops::show_profile(p, &name)?)).await
}

/// What upgrading a profile to the 0.73 layout would change; nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn preview_profile_upgrade(state: State<'_, AppState>, name: String) -> Result<ops::ProfileUpgrade, UiError> {
    with_project(&state, move |p| Ok(ops::upgrade_profile(p, &name, true)?)).await
}

/// Upgrades a profile to the 0.73 layout (a 0600 backup of the file is kept).
#[tauri::command]
#[specta::specta]
pub async fn upgrade_profile(state: State<'_, AppState>, name: String) -> Result<Overview, UiError> {
    then_overview(&state, move |p| ops::upgrade_profile(p, &name, false).map(drop).map_err(Into::into)).await
}

/// Where the project's secrets live: the keychain only, or also the CLI's plaintext files.
#[tauri::command]
#[specta::specta]
pub async fn set_secrets_mode(state: State<'_, AppState>, mode: tenantdesk_core::marks::SecretsMode) -> Result<Overview, UiError> {
    let secrets = state.secrets();
    then_overview(&state, move |p| ops::secrets::set_mode(p, mode, secrets.as_ref()).map(drop).map_err(Into::into)).await
}

/// Records a self-managed tenant (kubernetes, gke): its record, a profile and, when a database URL
/// is given, its password in the keychain.
#[tauri::command]
#[specta::specta]
pub async fn add_self_managed_tenant(
    state: State<'_, AppState>,
    id: String,
    name: String,
    hostname: String,
    provider: String,
    region: Option<String>,
    database_url: Option<String>,
) -> Result<Overview, UiError> {
    let secrets = state.secrets();
    then_overview(&state, move |p| {
        let trimmed = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let new = ops::SelfManagedTenant {
            id: tenantdesk_core::tenant::TenantId::parse(&id)?,
            name: TenantName::parse(name.trim())?,
            provider: provider.trim().to_owned(),
            hostname: hostname.trim().to_owned(),
            region: trimmed(region),
            database_url: trimmed(database_url).map(tenantdesk_core::secret::Secret::new),
        };
        ops::add_self_managed_tenant(p, &new, secrets.as_ref())?;
        Ok(())
    })
    .await
}

/// Declines to restore what a logout removed: Tenantdesk forgets those tenants.
#[tauri::command]
#[specta::specta]
pub async fn forget_removed_tenants(state: State<'_, AppState>) -> Result<Overview, UiError> {
    then_overview(&state, move |p| ops::forget_removed_tenants(p).map_err(Into::into)).await
}

/// Puts back the local and self-managed tenants a `systemprompt cloud auth logout` removed.
#[tauri::command]
#[specta::specta]
pub async fn restore_tenants(state: State<'_, AppState>) -> Result<Overview, UiError> {
    let secrets = state.secrets();
    then_overview(&state, move |p| ops::restore_tenants(p, secrets.as_ref()).map(drop).map_err(Into::into)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_profile(state: State<'_, AppState>, name: String, tenant_id: String) -> Result<Overview, UiError> {
    let secrets = state.secrets();
    then_overview(&state, move |p| {
        let name = ProfileName::parse(name.trim())?;
        ops::create_profile(p, &name, Some(&tenant_id), secrets.as_ref())?;
        Ok(())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_profile(state: State<'_, AppState>, name: String) -> Result<Overview, UiError> {
    then_overview(&state, move |p| ops::delete_profile(p, &name).map(drop).map_err(Into::into)).await
}

#[tauri::command]
#[specta::specta]
pub async fn switch_profile(state: State<'_, AppState>, name: String) -> Result<Overview, UiError> {
    then_overview(&state, move |p| ops::switch_session(p, &name).map(drop).map_err(Into::into)).await
}

/// False when the desktop shows no tray; the window then says so, offers every tray action, and
/// closing it quits.
#[tauri::command]
#[specta::specta]
pub fn tray_available(state: State<'_, AppState>) -> bool {
    crate::tray_shown(&state)
}

/// "Try the demo": the cloud emulator in-process and a sample project with a local and a cloud
/// tenant (see `demo`).
#[tauri::command]
#[specta::specta]
pub async fn start_demo(state: State<'_, AppState>) -> Result<Overview, UiError> {
    crate::demo::start(&state).await
}

/// Whether the open project is the demo's with its cloud not running (reopened after the app
/// quit): the window says so and offers to start the demo again.
#[tauri::command]
#[specta::specta]
pub fn demo_stopped(state: State<'_, AppState>) -> bool {
    state.project().is_some_and(|project| crate::demo::stopped(&state, &project))
}

/// What the health monitor last saw (the tray's dots).
#[tauri::command]
#[specta::specta]
pub fn health(state: State<'_, AppState>) -> crate::health::HealthMap {
    state.health.lock().map(|h| h.clone()).unwrap_or_default()
}
