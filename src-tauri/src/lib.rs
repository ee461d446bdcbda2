//! Tenantdesk's desktop app: a thin shell over `tenantdesk-core`. Commands ([`commands`]) call
//! one use case each; the watcher ([`watch`]) turns file changes into typed events, the window
//! title and the tray menu ([`tray`]).

pub mod commands;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(not(feature = "demo"))]
#[path = "no_demo.rs"]
pub mod demo;
pub mod error;
pub mod events;
pub mod health;
pub mod jobs;
pub mod shell;
pub mod state;
pub mod tray;
mod tray_host;
pub mod watch;

use std::path::PathBuf;

use ops::Overview;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::{Event, collect_commands, collect_events};
use tenantdesk_core::tenant::TenantType;
use tenantdesk_core::{Project, ops};

use crate::events::{DockerLog, DockerProgress, FocusSearch, HealthChanged, Level, LoginUrl, Notice, OverviewChanged, ProvisioningChanged, SnapshotProgress, TerminalRequested};
use crate::health::HealthMap;
use crate::state::AppState;

/// The window's typed API; shared by the app, the IPC tests and the bindings freshness test.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(collect_commands![
            commands::overview,
            commands::open_project,
            commands::choose_folder,
            commands::recent_projects,
            commands::select_tenant,
            commands::tenant_details,
            commands::tenant_health,
            commands::create_local_tenant,
            commands::delete_tenant,
            commands::rotate_credentials,
            commands::set_production,
            commands::set_appearance,
            commands::about,
            commands::set_autostart,
            commands::snapshots::snapshots,
            commands::snapshots::create_snapshot,
            commands::snapshots::restore_snapshot_in_place,
            commands::snapshots::restore_snapshot_as,
            commands::snapshots::delete_snapshot,
            commands::snapshots::clone_tenant,
            commands::snapshots::snapshot_retention,
            commands::snapshots::export_snapshot,
            commands::snapshots::import_snapshot,
            commands::snapshots::project_snapshots,
            commands::open_terminal,
            commands::terminal_setting,
            commands::restore_tenants,
            commands::forget_removed_tenants,
            commands::profile_details,
            commands::add_self_managed_tenant,
            commands::set_secrets_mode,
            commands::preview_profile_upgrade,
            commands::upgrade_profile,
            commands::create_profile,
            commands::delete_profile,
            commands::switch_profile,
            commands::tray_available,
            commands::start_demo,
            commands::demo_stopped,
            commands::health,
            commands::cloud::cloud_info,
            commands::cloud::cloud_login,
            commands::cloud::cloud_logout,
            commands::cloud::cloud_plans,
            commands::cloud::cloud_sync,
            commands::cloud::create_cloud_tenant,
            commands::cloud::retry_provision,
            commands::cloud::provisioning_jobs,
            commands::cloud::dismiss_job,
            commands::cloud::cloud_status,
            commands::cloud::rotate_sync_token,
            commands::cloud::set_external_db_access,
            commands::cloud::cancel_subscription,
            commands::docker::docker_status,
            commands::docker::docker_action,
            commands::docker::docker_pull,
            commands::docker::docker_logs,
            commands::docker::port_check,
            commands::docker::follow_docker_logs,
            commands::docker::adopt_orphan,
            commands::docker::drop_orphan,
            commands::credentials::tenant_secrets,
            commands::credentials::unlock_keychain,
            commands::credentials::copy_connection_string,
            commands::credentials::copy_text,
            commands::credentials::activity,
            commands::credentials::verify_activity,
        ])
        .events(collect_events![OverviewChanged, FocusSearch, ProvisioningChanged, LoginUrl, HealthChanged, DockerProgress, DockerLog, Notice, TerminalRequested, SnapshotProgress])
        // The views are only ever sent to the window, so one TypeScript type per Rust type.
        .disable_serde_phases()
}

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS: &str = "../ui/src/lib/bindings.ts";

pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder::<tauri::Wry>().export(specta_typescript::Typescript::default(), path).map_err(|e| e.to_string())
}

/// The window title always names the selected tenant, and says when it is production.
pub fn window_title(overview: Option<&Overview>) -> String {
    let Some(overview) = overview else { return "Tenantdesk".to_owned() };
    match overview.tenants.tenants.iter().find(|t| t.selected) {
        None => "Tenantdesk — no tenant selected".to_owned(),
        Some(t) => {
            let kind = match t.tenant_type {
                TenantType::Local => "local",
                TenantType::Cloud => "cloud",
                TenantType::SelfManaged => t.provider.as_str(),
            };
            let prod = if t.production { " — PRODUCTION" } else { "" };
            format!("{}Tenantdesk — {} ({kind}){prod}", t.appearance.prefix(), t.name)
        }
    }
}

/// Pushes a project's fresh state everywhere it is shown: the window, its title and the tray.
fn refresh<R: Runtime>(app: &AppHandle<R>, project: &Project) {
    let (overview, error) = match ops::overview(project) {
        Ok(o) => (Some(o), None),
        Err(e) => (None, Some(e.into())),
    };
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_title(&window_title(overview.as_ref()));
    }
    update_tray(app, overview.as_ref());
    // The window has this state already when it came as a command's answer: not sent twice.
    match &overview {
        Some(o) if app.state::<AppState>().show(o) => return,
        Some(_) => {}
        None => app.state::<AppState>().forget_shown(),
    }
    let _ = OverviewChanged { overview, error }.emit(app);
}

fn update_tray<R: Runtime>(app: &AppHandle<R>, overview: Option<&Overview>) {
    let state = app.state::<AppState>();
    if state.tray_available() {
        let health = state.health.lock().map(|h| h.clone()).unwrap_or_default();
        let model = tray::menu_model(overview.map(|o| &o.tenants), &health, tray::SCREENFUL);
        let _ = tray::adapter::apply(app, &model);
    }
}

/// Tells the user something: a toast in the window (the `notice` event) and a native
/// notification through the desktop's notification service, when there is one.
pub fn notify<R: Runtime>(app: &AppHandle<R>, notice: Notice) {
    use tauri_plugin_notification::NotificationExt;
    let _ = app.notification().builder().title(&notice.title).body(&notice.body).show();
    let _ = notice.emit(app);
}

/// Checks local tenants' health once; on a change, updates the tray and the window, and
/// notifies about tenants that turned unhealthy.
pub async fn check_health<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let Some(project) = state.project() else { return };
    let now = match ops::databases::db_status(Some(&project), &state.container(), state.secrets().as_ref()).await {
        Ok(status) => HealthMap::from_status(&status),
        Err(_) => {
            let locals = ops::list_tenants(&project).map(|l| l.tenants).unwrap_or_default();
            HealthMap::unreachable(locals.into_iter().filter(|t| t.tenant_type == TenantType::Local).map(|t| t.id))
        }
    };
    let before = {
        let mut slot = state.health.lock().unwrap_or_else(|p| p.into_inner());
        if *slot == now {
            return;
        }
        std::mem::replace(&mut *slot, now.clone())
    };
    let overview = ops::overview(&project).ok();
    update_tray(app, overview.as_ref());
    // One notification for an outage, however many tenants it takes down, and one when they
    // are back.
    let name = |id: &String| overview.as_ref().and_then(|o| o.tenants.tenants.iter().find(|t| &t.id == id)).map_or(id.clone(), |t| t.name.clone());
    let newly_down = now.turned_unhealthy(&before);
    let back = {
        let mut down = state.down.lock().unwrap_or_else(|p| p.into_inner());
        down.extend(newly_down.iter().cloned());
        let back = now.recovered(&down);
        for id in &back {
            down.remove(id);
        }
        back
    };
    let down: Vec<String> = newly_down.iter().map(name).collect();
    if !down.is_empty() {
        let (title, what) = if down.len() == 1 { ("Tenant unhealthy", "its database is") } else { ("Tenants unhealthy", "their databases are") };
        let body = format!("{}: {what} not reachable; start it from the tray or the Docker panel", down.join(", "));
        notify(app, Notice { level: Level::Warning, title: title.into(), body });
    }
    let back: Vec<String> = back.iter().map(name).collect();
    if !back.is_empty() {
        let (title, what) = if back.len() == 1 { ("Tenant recovered", "its database is") } else { ("Tenants recovered", "their databases are") };
        notify(app, Notice { level: Level::Success, title: title.into(), body: format!("{}: {what} reachable again", back.join(", ")) });
    }
    let _ = HealthChanged { health: now }.emit(app);
}

/// How often the health monitor looks when the engine says nothing (its events wake it at once;
/// this catches what they cannot, such as the engine itself going away).
const HEALTH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// How soon to follow the engine's events again after the engine went away.
const ENGINE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Wakes the health monitor on the engine's start, die and health events for Tenantdesk's
/// containers, so a stopped or unhealthy database shows in the window and tray at once.
async fn follow_engine_events(nudge: std::sync::Arc<tokio::sync::Notify>) {
    loop {
        // Returns when the engine cannot be reached or goes away; then it is looked for again.
        let _ = ops::container::watch_health(&mut |_| {
            nudge.notify_one();
            true
        })
        .await;
        tokio::time::sleep(ENGINE_RETRY).await;
    }
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, item: &str) {
    match item {
        tray::QUIT_ID => app.exit(0),
        tray::OPEN_ID => tray::adapter::show_main(app),
        tray::MORE_ID => {
            tray::adapter::show_main(app);
            let _ = FocusSearch.emit(app);
        }
        tray::START_DB_ID | tray::STOP_DB_ID => {
            let app = app.clone();
            let start = item == tray::START_DB_ID;
            tauri::async_runtime::spawn(async move {
                let cfg = app.state::<AppState>().container();
                let secrets = app.state::<AppState>().secrets();
                let result = if start { ops::container::db_up(&cfg, secrets.as_ref(), &mut |_| {}).await.map(drop) } else { ops::container::db_down(&cfg).await.map(drop) };
                if let Err(e) = result {
                    notify(&app, Notice { level: Level::Error, title: "Database".into(), body: format!("{e}{}", e.advice().map(|h| format!(" — {h}")).unwrap_or_default()) });
                }
                check_health(&app).await;
            });
        }
        tray::TERMINAL_ID => open_terminal_from_tray(app),
        other => {
            if let (Some(id), Some(project)) = (tray::tenant_of(other), app.state::<AppState>().project()) {
                let id = id.to_owned();
                // The watcher sees the sessions file change and refreshes everything.
                tauri::async_runtime::spawn_blocking(move || ops::select_tenant(&project, &id));
            }
        }
    }
}

/// The tray's "Open terminal": the selected tenant's terminal at once, or, for a production
/// tenant, the window asking for its name first.
fn open_terminal_from_tray<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let Some(project) = state.project() else { return };
    let secrets = state.secrets();
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let selected = ops::list_tenants(&project).ok().and_then(|l| l.tenants.into_iter().find(|t| t.selected));
        let Some(tenant) = selected else { return };
        if tenant.production {
            tray::adapter::show_main(&app);
            let _ = TerminalRequested { id: tenant.id }.emit(&app);
            return;
        }
        if let Err(e) = ops::environment::open_terminal(&project, &tenant.id, None, None, secrets.as_ref()) {
            notify(&app, Notice { level: Level::Error, title: "Terminal".into(), body: format!("{e}") });
        }
    });
}

/// The project to open at start: a folder given on the command line, else the most recent one,
/// else the one around the current directory.
fn initial_project(state: &AppState) -> Option<Project> {
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if wants_demo() {
        return None;
    }
    if let Some(dir) = arg {
        return Project::discover(&PathBuf::from(dir)).ok();
    }
    state.recent().iter().find_map(|r| Project::open(std::path::Path::new(r)).ok()).or_else(|| std::env::current_dir().ok().and_then(|d| Project::discover(&d).ok()))
}

/// The tray icon exists and something on the desktop shows it (asked each time: a panel can
/// start or stop while the app runs).
pub(crate) fn tray_shown(state: &AppState) -> bool {
    state.tray_available() && tray_host::present()
}

fn setup<R: Runtime>(app: &AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let config_dir = match std::env::var_os("TENANTDESK_CONFIG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_config_dir()?,
    };
    app.manage(AppState::new(config_dir, tenantdesk_core::Desk::from_env()));
    let state = app.state::<AppState>();
    state.set_shell(std::sync::Arc::new(app.clone()));
    state.set_tray_available(tray::adapter::install(app, on_tray_item));
    // Started at login (`--hidden`): only the tray shows, when there is one to come back from.
    if tray_shown(&state)
        && std::env::args().any(|a| a == tenantdesk_core::autostart::HIDDEN_ARG)
        && let Some(window) = app.get_webview_window("main")
    {
        let _ = window.hide();
    }
    let handle = app.clone();
    state.set_watcher(watch::spawn(move |project| refresh(&handle, project))?);
    if let Some(project) = initial_project(&state) {
        state.set_project(project);
    }
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        if wants_demo()
            && let Err(e) = demo::start(&handle.state::<AppState>()).await
        {
            notify(
                &handle,
                Notice { level: Level::Error, title: "The demo could not start".into(), body: format!("{}{}", e.message, e.hint.map(|h| format!(" — {h}")).unwrap_or_default()) },
            );
        }
        commands::cloud::resume_unfinished(&handle.state::<AppState>());
        let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
        tauri::async_runtime::spawn(follow_engine_events(nudge.clone()));
        loop {
            check_health(&handle).await;
            tokio::select! {
                () = tokio::time::sleep(HEALTH_EVERY) => {}
                () = nudge.notified() => {}
            }
        }
    });
    Ok(())
}

/// `--demo` on the command line (README's run command offers it).
fn wants_demo() -> bool {
    std::env::args().skip(1).any(|a| a == "--demo")
}

pub fn run() {
    tenantdesk_core::log_to_stderr();
    let builder = specta_builder::<tauri::Wry>();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::adapter::show_main(app)))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        // With a tray, closing the window hides it: the app (and any provisioning job) keeps
        // running, and the tray's "Open Tenantdesk" or a second launch brings the window back.
        // Without a tray a desktop shows there would be no way back, so closing quits as usual.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().try_state::<AppState>().is_some_and(|s| tray_shown(&s))
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            setup(app.handle())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("Tenantdesk could not start: {error}");
            std::process::exit(1);
        }
    }
}
