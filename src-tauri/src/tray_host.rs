//! Whether anything on the desktop shows tray icons. Creating the icon succeeds either way on
//! Linux, so without this a closed window would hide into a tray nobody can see and the app
//! could only be reached by launching it again. Asked when the window is closed, since a panel
//! can start (or go) after the app.

/// A StatusNotifierItem host (KDE, GNOME with AppIndicator, most panels) or an XEmbed system
/// tray (older panels, trayer) is there.
#[cfg(target_os = "linux")]
pub fn present() -> bool {
    status_notifier_watcher() || xembed_tray()
}

/// macOS's menu bar and Windows' notification area are always there.
#[cfg(not(target_os = "linux"))]
pub fn present() -> bool {
    true
}

#[cfg(target_os = "linux")]
fn status_notifier_watcher() -> bool {
    let owned = || -> zbus::Result<bool> {
        let bus = zbus::blocking::Connection::session()?;
        let name = zbus::names::BusName::try_from("org.kde.StatusNotifierWatcher")?;
        Ok(zbus::blocking::fdo::DBusProxy::new(&bus)?.name_has_owner(name)?)
    };
    owned().unwrap_or(false)
}

#[cfg(target_os = "linux")]
fn xembed_tray() -> bool {
    use x11rb::protocol::xproto::ConnectionExt as _;
    let owned = || -> Option<bool> {
        let (x, screen) = x11rb::connect(None).ok()?;
        let atom = x.intern_atom(true, format!("_NET_SYSTEM_TRAY_S{screen}").as_bytes()).ok()?.reply().ok()?.atom;
        if atom == x11rb::NONE {
            return Some(false);
        }
        Some(x.get_selection_owner(atom).ok()?.reply().ok()?.owner != x11rb::NONE)
    };
    owned().unwrap_or(false)
}
