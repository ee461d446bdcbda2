//! The tray: a pure function from the project's state to a menu model ([`menu_model`]), and a thin
//! adapter that applies the model to the real tray icon. On Linux the tray emits no click events,
//! so every action is a menu item — and every one of them also exists in the window.

use tenantdesk_core::ops::container::ContainerState;
use tenantdesk_core::ops::{TenantList, TenantView};
use tenantdesk_core::tenant::TenantType;

use crate::health::{Dot, HealthMap};

/// How many tenants fit in the menu before the rest go behind "More…".
pub const SCREENFUL: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Heading(String),
    Tenant {
        id: String,
        label: String,
        checked: bool,
    },
    More {
        hidden: usize,
    },
    /// Opens a terminal in the selected tenant.
    OpenTerminal {
        label: String,
    },
    Note(String),
    StartDatabase,
    StopDatabase,
    Separator,
    Open,
    Quit,
}

/// The tray icon's tint: what kind of tenant is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tint {
    None,
    Local,
    Cloud,
    Production,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    pub entries: Vec<Entry>,
    pub tint: Tint,
}

pub const OPEN_ID: &str = "open";
pub const QUIT_ID: &str = "quit";
pub const MORE_ID: &str = "more";
pub const START_DB_ID: &str = "db-start";
pub const STOP_DB_ID: &str = "db-stop";
pub const TERMINAL_ID: &str = "terminal";
const TENANT_PREFIX: &str = "tenant:";

pub fn tenant_item_id(id: &str) -> String {
    format!("{TENANT_PREFIX}{id}")
}

/// The tenant id behind a menu item id, if it is a tenant item.
pub fn tenant_of(item_id: &str) -> Option<&str> {
    item_id.strip_prefix(TENANT_PREFIX)
}

/// A local tenant's health as a coloured dot before its name.
fn dot(health: &HealthMap, t: &TenantView) -> &'static str {
    match health.dots.get(&t.id) {
        Some(Dot::Healthy) => "🟢 ",
        Some(Dot::Unhealthy) => "🔴 ",
        Some(Dot::Unknown) => "⚪ ",
        None => "",
    }
}

fn label(t: &TenantView, health: &HealthMap) -> String {
    let mut label = format!("{}{}{}", dot(health, t), t.appearance.prefix(), t.name);
    if let Some(region) = &t.region {
        label.push_str(&format!(" ({region})"));
    }
    if t.production {
        label.push_str(" — production");
    }
    label
}

/// The menu for `tenants` (None: no project open), local tenants first (with their health
/// dots), then cloud, at most `cap` tenants in all; the selected tenant is always shown, even past
/// the cap. Then "Start database" or "Stop database" for the shared container.
pub fn menu_model(tenants: Option<&TenantList>, health: &HealthMap, cap: usize) -> MenuModel {
    let mut entries = Vec::new();
    let mut tint = Tint::None;
    match tenants {
        None => entries.push(Entry::Note("No project open".to_owned())),
        Some(list) if list.tenants.is_empty() => entries.push(Entry::Note("No tenants yet".to_owned())),
        Some(list) => {
            if let Some(sel) = list.tenants.iter().find(|t| t.selected) {
                tint = match (sel.production, sel.tenant_type) {
                    (true, _) => Tint::Production,
                    (false, TenantType::Local) => Tint::Local,
                    (false, TenantType::Cloud | TenantType::SelfManaged) => Tint::Cloud,
                };
            }
            let mut budget = cap;
            let mut hidden = 0;
            for (kind, heading) in [(TenantType::Local, "Local"), (TenantType::Cloud, "Cloud"), (TenantType::SelfManaged, "Self-managed")] {
                let group: Vec<&TenantView> = list.tenants.iter().filter(|t| t.tenant_type == kind).collect();
                if group.is_empty() {
                    continue;
                }
                if !entries.is_empty() {
                    entries.push(Entry::Separator);
                }
                entries.push(Entry::Heading(heading.to_owned()));
                for t in group {
                    if budget > 0 || t.selected {
                        budget = budget.saturating_sub(1);
                        entries.push(Entry::Tenant { id: tenant_item_id(&t.id), label: label(t, health), checked: t.selected });
                    } else {
                        hidden += 1;
                    }
                }
            }
            if hidden > 0 {
                entries.push(Entry::More { hidden });
            }
            if let Some(sel) = list.tenants.iter().find(|t| t.selected) {
                entries.push(Entry::Separator);
                entries.push(Entry::OpenTerminal { label: format!("Open terminal in {}{}", sel.appearance.prefix(), sel.name) });
            }
        }
    }
    entries.push(Entry::Separator);
    entries.push(match health.database {
        Some(ContainerState::Healthy | ContainerState::Starting | ContainerState::Unhealthy) => Entry::StopDatabase,
        Some(_) => Entry::StartDatabase,
        None => Entry::Note("Docker is not running".to_owned()),
    });
    entries.extend([Entry::Separator, Entry::Open, Entry::Quit]);
    MenuModel { entries, tint }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantdesk_core::appearance::{Appearance, Colour, Icon};

    fn tenant(id: &str, kind: TenantType, selected: bool) -> TenantView {
        TenantView {
            id: id.to_owned(),
            name: format!("name-{id}"),
            tenant_type: kind,
            provider: if kind == TenantType::Cloud { "systemprompt" } else { "docker_local" }.to_owned(),
            delete_destroys: String::new(),
            snapshots: false,
            region: (kind == TenantType::Cloud).then(|| "iad".to_owned()),
            hostname: None,
            app_id: None,
            database_url: None,
            external_db_access: false,
            docker_project: None,
            selected,
            production: false,
            appearance: Appearance { colour: Colour::Blue, icon: None },
            profiles: Vec::new(),
        }
    }

    fn list(tenants: Vec<TenantView>) -> TenantList {
        let selected = tenants.iter().find(|t| t.selected).map(|t| t.id.clone());
        TenantList { tenants, selected, synced_at: None, restorable: Vec::new() }
    }

    #[test]
    fn groups_local_then_cloud_and_checks_the_selected_tenant() {
        let l = list(vec![tenant("c1", TenantType::Cloud, true), tenant("l1", TenantType::Local, false), tenant("l2", TenantType::Local, false)]);
        let model = menu_model(Some(&l), &HealthMap::default(), SCREENFUL);
        assert_eq!(model.tint, Tint::Cloud);
        assert_eq!(
            model.entries,
            vec![
                Entry::Heading("Local".into()),
                Entry::Tenant { id: "tenant:l1".into(), label: "🟦 name-l1".into(), checked: false },
                Entry::Tenant { id: "tenant:l2".into(), label: "🟦 name-l2".into(), checked: false },
                Entry::Separator,
                Entry::Heading("Cloud".into()),
                Entry::Tenant { id: "tenant:c1".into(), label: "🟦 name-c1 (iad)".into(), checked: true },
                Entry::Separator,
                Entry::OpenTerminal { label: "Open terminal in 🟦 name-c1".into() },
                Entry::Separator,
                Entry::Note("Docker is not running".into()),
                Entry::Separator,
                Entry::Open,
                Entry::Quit,
            ]
        );
    }

    #[test]
    fn caps_at_a_screenful_but_keeps_the_selected_tenant() {
        let mut tenants: Vec<_> = (0..40).map(|i| tenant(&format!("l{i}"), TenantType::Local, false)).collect();
        tenants[39].selected = true;
        let model = menu_model(Some(&list(tenants)), &HealthMap::default(), 10);
        let shown: Vec<_> = model.entries.iter().filter(|e| matches!(e, Entry::Tenant { .. })).collect();
        assert_eq!(shown.len(), 11);
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l39".into(), label: "🟦 name-l39".into(), checked: true }));
        assert!(model.entries.contains(&Entry::More { hidden: 29 }));
        assert_eq!(model.tint, Tint::Local);
    }

    #[test]
    fn production_tints_and_labels() {
        let mut t = tenant("l1", TenantType::Local, true);
        t.production = true;
        t.appearance = Appearance { colour: Colour::Red, icon: Some(Icon::Rocket) };
        let model = menu_model(Some(&list(vec![t])), &HealthMap::default(), SCREENFUL);
        assert_eq!(model.tint, Tint::Production);
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l1".into(), label: "🟥 🚀 name-l1 — production".into(), checked: true }));
        assert!(model.entries.contains(&Entry::OpenTerminal { label: "Open terminal in 🟥 🚀 name-l1".into() }));
    }

    #[test]
    fn says_what_is_missing_and_always_offers_open_and_quit() {
        for (input, note) in [(None, "No project open"), (Some(list(vec![])), "No tenants yet")] {
            let model = menu_model(input.as_ref(), &HealthMap::default(), SCREENFUL);
            assert_eq!(model.entries, vec![Entry::Note(note.into()), Entry::Separator, Entry::Note("Docker is not running".into()), Entry::Separator, Entry::Open, Entry::Quit]);
            assert_eq!(model.tint, Tint::None);
        }
        assert_eq!(tenant_of("tenant:local_1"), Some("local_1"));
    }

    #[test]
    fn local_tenants_carry_health_dots_and_the_database_can_be_started_or_stopped() {
        let l = list(vec![tenant("l1", TenantType::Local, true), tenant("l2", TenantType::Local, false), tenant("c1", TenantType::Cloud, false)]);
        let mut health = HealthMap { database: Some(ContainerState::Healthy), ..HealthMap::default() };
        health.dots.insert("l1".into(), Dot::Healthy);
        health.dots.insert("l2".into(), Dot::Unhealthy);
        let model = menu_model(Some(&l), &health, SCREENFUL);
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l1".into(), label: "🟢 🟦 name-l1".into(), checked: true }));
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l2".into(), label: "🔴 🟦 name-l2".into(), checked: false }));
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:c1".into(), label: "🟦 name-c1 (iad)".into(), checked: false }));
        assert!(model.entries.contains(&Entry::StopDatabase) && !model.entries.contains(&Entry::StartDatabase));
        health.database = Some(ContainerState::Stopped);
        assert!(menu_model(Some(&l), &health, SCREENFUL).entries.contains(&Entry::StartDatabase));
        assert_eq!(tenant_of("open"), None);
    }
}

/// Applies models to the real tray icon. Everything Tauri-specific about the tray is here.
pub mod adapter {
    use tauri::image::Image;
    use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
    use tauri::tray::TrayIconBuilder;
    use tauri::{AppHandle, Manager, Runtime};

    use super::{Entry, MORE_ID, MenuModel, OPEN_ID, QUIT_ID, START_DB_ID, STOP_DB_ID, TERMINAL_ID, Tint};

    pub const TRAY_ID: &str = "main";

    fn icon(tint: Tint) -> tauri::Result<Image<'static>> {
        let bytes: &[u8] = match tint {
            Tint::None => include_bytes!("../../icons/tray-none.png"),
            Tint::Local => include_bytes!("../../icons/tray-local.png"),
            Tint::Cloud => include_bytes!("../../icons/tray-cloud.png"),
            Tint::Production => include_bytes!("../../icons/tray-production.png"),
        };
        Image::from_bytes(bytes)
    }

    pub fn menu<R: Runtime>(app: &AppHandle<R>, model: &MenuModel) -> tauri::Result<Menu<R>> {
        let menu = Menu::new(app)?;
        for (i, entry) in model.entries.iter().enumerate() {
            match entry {
                Entry::Heading(text) | Entry::Note(text) => {
                    menu.append(&MenuItem::with_id(app, format!("label:{i}"), text, false, None::<&str>)?)?;
                }
                Entry::Tenant { id, label, checked } => {
                    menu.append(&CheckMenuItem::with_id(app, id, label, true, *checked, None::<&str>)?)?;
                }
                Entry::More { hidden } => {
                    let text = format!("More… ({hidden} more in the window)");
                    menu.append(&MenuItem::with_id(app, MORE_ID, text, true, None::<&str>)?)?;
                }
                Entry::OpenTerminal { label } => menu.append(&MenuItem::with_id(app, TERMINAL_ID, label, true, None::<&str>)?)?,
                Entry::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
                Entry::StartDatabase => menu.append(&MenuItem::with_id(app, START_DB_ID, "Start database", true, None::<&str>)?)?,
                Entry::StopDatabase => menu.append(&MenuItem::with_id(app, STOP_DB_ID, "Stop database", true, None::<&str>)?)?,
                Entry::Open => menu.append(&MenuItem::with_id(app, OPEN_ID, "Open Tenantdesk", true, None::<&str>)?)?,
                Entry::Quit => menu.append(&MenuItem::with_id(app, QUIT_ID, "Quit", true, None::<&str>)?)?,
            }
        }
        Ok(menu)
    }

    /// Creates the tray icon. Returns false when the desktop has none: some Linux desktops lack
    /// the appindicator library, and Tauri panics instead of failing there.
    pub fn install<R: Runtime>(app: &AppHandle<R>, on_item: impl Fn(&AppHandle<R>, &str) + Send + Sync + 'static) -> bool {
        let build = || -> tauri::Result<()> {
            let model = super::menu_model(None, &crate::health::HealthMap::default(), super::SCREENFUL);
            TrayIconBuilder::with_id(TRAY_ID)
                .icon(icon(model.tint)?)
                .tooltip("Tenantdesk")
                .menu(&menu(app, &model)?)
                .on_menu_event(move |app, event| on_item(app, event.id().as_ref()))
                .build(app)?;
            Ok(())
        };
        matches!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)), Ok(Ok(())))
    }

    pub fn apply<R: Runtime>(app: &AppHandle<R>, model: &MenuModel) -> tauri::Result<()> {
        let Some(tray) = app.tray_by_id(TRAY_ID) else { return Ok(()) };
        tray.set_menu(Some(menu(app, model)?))?;
        tray.set_icon(Some(icon(model.tint)?))?;
        Ok(())
    }

    /// Shows and focuses the main window (tray "Open", a second launch).
    pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    }
}
