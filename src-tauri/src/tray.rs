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
        /// The selected tenant: its mark carries a check.
        checked: bool,
        mark: Mark,
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

/// A tenant's mark in the menu, drawn (not an emoji, which shows as a box on a desktop without an
/// emoji font). Its colour means one thing, a local database's health; hosted tenants' state is
/// their host's, so theirs is an outline without a colour that would claim to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Healthy,
    Unhealthy,
    Unknown,
    Hosted,
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

fn mark(health: &HealthMap, t: &TenantView) -> Mark {
    if t.tenant_type != TenantType::Local {
        return Mark::Hosted;
    }
    match health.dots.get(&t.id) {
        Some(Dot::Healthy) => Mark::Healthy,
        Some(Dot::Unhealthy) => Mark::Unhealthy,
        Some(Dot::Unknown) | None => Mark::Unknown,
    }
}

/// The tenant's name and where it is; what its mark's colour says is in words too.
fn label(t: &TenantView, mark: Mark) -> String {
    let mut label = t.name.clone();
    if let Some(region) = &t.region {
        label.push_str(&format!(" ({region})"));
    }
    if t.production {
        label.push_str(" — production");
    }
    if mark == Mark::Unhealthy {
        label.push_str(" — not reachable");
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
                        let mark = mark(health, t);
                        entries.push(Entry::Tenant { id: tenant_item_id(&t.id), label: label(t, mark), checked: t.selected, mark });
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
                entries.push(Entry::OpenTerminal { label: format!("Open terminal in {}", sel.name) });
            }
        }
    }
    entries.push(Entry::Separator);
    match health.database {
        Some(ContainerState::Healthy | ContainerState::Starting | ContainerState::Unhealthy) => entries.push(Entry::StopDatabase),
        Some(_) => entries.extend([Entry::Note("The database container is not running".to_owned()), Entry::StartDatabase]),
        None => entries.push(Entry::Note("Docker is not running".to_owned())),
    }
    entries.extend([Entry::Separator, Entry::Open, Entry::Quit]);
    MenuModel { entries, tint }
}

/// The side of a drawn mark in pixels; menus show it at 16, so it is drawn at twice that for
/// HiDPI and smooth scaling.
pub const MARK_SIZE: u32 = 32;

/// A tenant's mark as RGBA pixels ([`MARK_SIZE`] square): a disc in its health's colour (an outline
/// for hosted tenants), with a check in it for the selected tenant. Edges are anti-aliased by how
/// much of each pixel the shape covers.
pub fn draw_mark(mark: Mark, checked: bool) -> Vec<u8> {
    let (colour, filled) = match mark {
        Mark::Healthy => ([0x1a, 0x7f, 0x37], true),
        Mark::Unhealthy => ([0xcf, 0x22, 0x2e], true),
        Mark::Unknown => ([0x8c, 0x95, 0x9f], true),
        Mark::Hosted => ([0x8c, 0x95, 0x9f], false),
    };
    let c = MARK_SIZE as f32 / 2.0;
    let radius = c - 3.0;
    // A check from the left middle down to the bottom third and up to the top right.
    let check = [(c - 6.5, c + 0.5), (c - 2.0, c + 5.0), (c + 6.5, c - 5.0)];
    let mut pixels = Vec::with_capacity((MARK_SIZE * MARK_SIZE * 4) as usize);
    for y in 0..MARK_SIZE {
        for x in 0..MARK_SIZE {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let d = ((px - c).powi(2) + (py - c).powi(2)).sqrt();
            let disc = cover(radius - d);
            let shape = if filled { disc } else { disc.min(cover(d - (radius - 3.0))) };
            let tick = if checked { cover(1.75 - segment_distance((px, py), check[0], check[1]).min(segment_distance((px, py), check[1], check[2]))) } else { 0.0 };
            // The check is white on a disc, and the disc's colour in an outline.
            let (rgb, alpha) = if filled {
                let white = tick * disc;
                (colour.map(|v| (v as f32 * (1.0 - white) + 255.0 * white) as u8), disc)
            } else {
                (colour, shape.max(tick))
            };
            pixels.extend([rgb[0], rgb[1], rgb[2], (alpha * 255.0).round() as u8]);
        }
    }
    pixels
}

/// How much of a pixel a shape covers, from the signed distance of its centre inside the edge.
fn cover(inside: f32) -> f32 {
    (inside + 0.5).clamp(0.0, 1.0)
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
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
                Entry::Tenant { id: "tenant:l1".into(), label: "name-l1".into(), checked: false, mark: Mark::Unknown },
                Entry::Tenant { id: "tenant:l2".into(), label: "name-l2".into(), checked: false, mark: Mark::Unknown },
                Entry::Separator,
                Entry::Heading("Cloud".into()),
                Entry::Tenant { id: "tenant:c1".into(), label: "name-c1 (iad)".into(), checked: true, mark: Mark::Hosted },
                Entry::Separator,
                Entry::OpenTerminal { label: "Open terminal in name-c1".into() },
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
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l39".into(), label: "name-l39".into(), checked: true, mark: Mark::Unknown }));
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
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l1".into(), label: "name-l1 — production".into(), checked: true, mark: Mark::Unknown }));
        assert!(model.entries.contains(&Entry::OpenTerminal { label: "Open terminal in name-l1".into() }));
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
    fn local_tenants_carry_health_marks_and_the_database_can_be_started_or_stopped() {
        let l = list(vec![tenant("l1", TenantType::Local, true), tenant("l2", TenantType::Local, false), tenant("c1", TenantType::Cloud, false)]);
        let mut health = HealthMap { database: Some(ContainerState::Healthy), ..HealthMap::default() };
        health.dots.insert("l1".into(), Dot::Healthy);
        health.dots.insert("l2".into(), Dot::Unhealthy);
        let model = menu_model(Some(&l), &health, SCREENFUL);
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l1".into(), label: "name-l1".into(), checked: true, mark: Mark::Healthy }));
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:l2".into(), label: "name-l2 — not reachable".into(), checked: false, mark: Mark::Unhealthy }));
        assert!(model.entries.contains(&Entry::Tenant { id: "tenant:c1".into(), label: "name-c1 (iad)".into(), checked: false, mark: Mark::Hosted }));
        assert!(model.entries.contains(&Entry::StopDatabase) && !model.entries.contains(&Entry::StartDatabase));
        health.database = Some(ContainerState::Stopped);
        let stopped = menu_model(Some(&l), &health, SCREENFUL).entries;
        let at = stopped.iter().position(|e| *e == Entry::StartDatabase).expect("Start database offered");
        assert_eq!(stopped[at - 1], Entry::Note("The database container is not running".into()));
        assert_eq!(tenant_of("open"), None);
    }

    #[test]
    fn no_label_needs_an_emoji_font() {
        let mut tenants = vec![tenant("l1", TenantType::Local, true), tenant("c1", TenantType::Cloud, false)];
        tenants[0].appearance = Appearance { colour: Colour::Red, icon: Some(Icon::Rocket) };
        tenants[0].production = true;
        for entry in menu_model(Some(&list(tenants)), &HealthMap::default(), SCREENFUL).entries {
            let text = match entry {
                Entry::Heading(t) | Entry::Note(t) | Entry::Tenant { label: t, .. } | Entry::OpenTerminal { label: t } => t,
                _ => continue,
            };
            // Emoji and pictographs live above the Basic Multilingual Plane or in U+2600–U+27BF.
            assert!(text.chars().all(|ch| (ch as u32) < 0x2600 || (0x2E00..0x1F000).contains(&(ch as u32))), "{text:?} needs an emoji font");
        }
    }

    #[test]
    fn marks_are_drawn_in_one_colour_per_health_with_a_check_for_the_selected() {
        let at = |pixels: &[u8], x: u32, y: u32| -> [u8; 4] {
            let i = ((y * MARK_SIZE + x) * 4) as usize;
            pixels[i..i + 4].try_into().expect("four channels")
        };
        let middle = MARK_SIZE / 2;
        let healthy = draw_mark(Mark::Healthy, false);
        assert_eq!(healthy.len(), (MARK_SIZE * MARK_SIZE * 4) as usize);
        assert_eq!(at(&healthy, middle, middle), [0x1a, 0x7f, 0x37, 255]);
        assert_eq!(at(&healthy, 0, 0)[3], 0, "the corners are transparent");
        assert_eq!(at(&draw_mark(Mark::Unhealthy, false), middle, middle), [0xcf, 0x22, 0x2e, 255]);
        // A hosted tenant's mark is an outline: nothing in its middle, its colour on the ring.
        let hosted = draw_mark(Mark::Hosted, false);
        assert_eq!(at(&hosted, middle, middle)[3], 0);
        assert_eq!(at(&hosted, middle, 4)[3], 255);
        // The check: white pixels on the selected tenant's disc, none on the others'.
        let white = |pixels: &[u8]| pixels.chunks(4).filter(|p| p[0] > 240 && p[1] > 240 && p[2] > 240 && p[3] > 240).count();
        assert!(white(&draw_mark(Mark::Healthy, true)) > 20);
        assert_eq!(white(&healthy), 0);
        assert!(draw_mark(Mark::Hosted, true).chunks(4).filter(|p| p[3] > 200).count() > hosted.chunks(4).filter(|p| p[3] > 200).count());
    }
}

/// Applies models to the real tray icon. Everything Tauri-specific about the tray is here.
pub mod adapter {
    use tauri::image::Image;
    use tauri::menu::{IconMenuItem, Menu, MenuItem, PredefinedMenuItem};
    use tauri::tray::TrayIconBuilder;
    use tauri::{AppHandle, Manager, Runtime};

    use super::{Entry, MARK_SIZE, MORE_ID, MenuModel, OPEN_ID, QUIT_ID, START_DB_ID, STOP_DB_ID, TERMINAL_ID, Tint, draw_mark};

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
                Entry::Tenant { id, label, checked, mark } => {
                    let icon = Image::new_owned(draw_mark(*mark, *checked), MARK_SIZE, MARK_SIZE);
                    menu.append(&IconMenuItem::with_id(app, id, label, true, Some(icon), None::<&str>)?)?;
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
        // Menu item images reach a StatusNotifier host (over dbusmenu) only where GTK's
        // `gtk-menu-images` is on, and most desktops turn it off; the marks are the menu's
        // content here, not decoration, so this process turns it on for itself.
        #[cfg(target_os = "linux")]
        if let Some(settings) = gtk::Settings::default() {
            use gtk::glib::prelude::ObjectExt;
            settings.set_property("gtk-menu-images", true);
        }
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
