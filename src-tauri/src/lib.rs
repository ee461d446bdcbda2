//! Tenantdesk's desktop app: a thin shell over `tenantdesk-core`. Commands ([`commands`]) call
//! one use case each; the watcher ([`watch`]) turns file changes into typed events, the window
//! title and the tray menu ([`tray`]).

pub mod commands;
pub mod error;
pub mod events;
pub mod state;
pub mod tray;
pub mod watch;

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::{collect_commands, collect_events, Event};
use tenantdesk_core::ops::Overview;
use tenantdesk_core::tenant::TenantType;
use tenantdesk_core::{ops, Project};

use crate::events::{FocusSearch, OverviewChanged};
use crate::state::AppState;

/// The window's typed API; shared by the app, the IPC tests and the bindings freshness test.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(collect_commands![
            commands::overview,
            commands::open_project,
            commands::recent_projects,
            commands::select_tenant,
            commands::tenant_details,
            commands::tenant_health,
            commands::create_local_tenant,
            commands::delete_tenant,
            commands::rotate_credentials,
            commands::set_production,
            commands::create_profile,
            commands::delete_profile,
            commands::switch_profile,
            commands::tray_available,
        ])
        .events(collect_events![OverviewChanged, FocusSearch])
        // The views are only ever sent to the window, so one TypeScript type per Rust type.
        .disable_serde_phases()
}

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS: &str = "../ui/src/lib/bindings.ts";

pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder::<tauri::Wry>()
        .export(specta_typescript::Typescript::default(), path)
        .map_err(|e| e.to_string())
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
            };
            let prod = if t.production { " — PRODUCTION" } else { "" };
            format!("Tenantdesk — {} ({kind}){prod}", t.name)
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
    if app.state::<AppState>().tray_available() {
        let model = tray::menu_model(overview.as_ref().map(|o| &o.tenants), tray::SCREENFUL);
        let _ = tray::adapter::apply(app, &model);
    }
    let _ = OverviewChanged { overview, error }.emit(app);
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, item: &str) {
    match item {
        tray::QUIT_ID => app.exit(0),
        tray::OPEN_ID => tray::adapter::show_main(app),
        tray::MORE_ID => {
            tray::adapter::show_main(app);
            let _ = FocusSearch.emit(app);
        }
        other => {
            if let (Some(id), Some(project)) = (tray::tenant_of(other), app.state::<AppState>().project()) {
                let id = id.to_owned();
                // The watcher sees the sessions file change and refreshes everything.
                tauri::async_runtime::spawn_blocking(move || ops::select_tenant(&project, &id));
            }
        }
    }
}

/// The project to open at start: a folder given on the command line, else the most recent one,
/// else the one around the current directory.
fn initial_project(state: &AppState) -> Option<Project> {
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if let Some(dir) = arg {
        return Project::discover(&PathBuf::from(dir)).ok();
    }
    state
        .recent()
        .iter()
        .find_map(|r| Project::open(std::path::Path::new(r)).ok())
        .or_else(|| std::env::current_dir().ok().and_then(|d| Project::discover(&d).ok()))
}

fn setup<R: Runtime>(app: &AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let config_dir = match std::env::var_os("TENANTDESK_CONFIG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_config_dir()?,
    };
    app.manage(AppState::new(config_dir, std::sync::Arc::new(tenantdesk_core::keychain::Keychain::new())));
    let state = app.state::<AppState>();
    state.set_tray_available(tray::adapter::install(app, on_tray_item));
    let handle = app.clone();
    state.set_watcher(watch::spawn(move |project| refresh(&handle, project))?);
    if let Some(project) = initial_project(&state) {
        state.set_project(project);
    }
    Ok(())
}

pub fn run() {
    let builder = specta_builder::<tauri::Wry>();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::adapter::show_main(app)))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            setup(app.handle())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("Tenantdesk could not start: {error}");
            std::process::exit(1);
        }
    }
}
