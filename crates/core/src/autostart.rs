//! Starting the app at login, hidden in the tray: an XDG autostart entry
//! (`$XDG_CONFIG_HOME/autostart/tenantdesk.desktop`), which GNOME, KDE, Xfce and others read.
//! Off unless the user turns it on.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store;

/// The argument that starts the app with its window hidden (the tray icon shows).
pub const HIDDEN_ARG: &str = "--hidden";

fn entry_file() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(std::env::temp_dir)
        .join("autostart")
        .join("tenantdesk.desktop")
}

/// Whether the app starts at login, and with which program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Autostart {
    pub enabled: bool,
    pub program: Option<String>,
    pub entry: String,
}

pub fn status() -> Result<Autostart> {
    let entry = entry_file();
    let text = store::read(&entry)?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let program = text.as_deref().and_then(|t| t.lines().find_map(|l| l.strip_prefix("Exec="))).and_then(|e| e.split_whitespace().next()).map(str::to_owned);
    Ok(Autostart { enabled: text.is_some(), program, entry: entry.display().to_string() })
}

/// Turns starting at login on (with `app`, the desktop app's binary) or off.
pub fn set(enabled: bool, app: &Path) -> Result<Autostart> {
    let entry = entry_file();
    if enabled {
        if app.as_os_str().to_string_lossy().contains(char::is_whitespace) {
            return Err(Error::Invalid { path: app.to_owned(), message: "the app's path has a space, which an autostart entry cannot hold unquoted".to_owned() });
        }
        let text = format!(
            "[Desktop Entry]\nType=Application\nName=Tenantdesk\nComment=SystemPrompt tenants, in the tray from login\nExec={} {HIDDEN_ARG}\nIcon=tenantdesk\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
            app.display()
        );
        let lock = store::lock(&entry)?;
        store::write_atomic(&lock, &entry, text.as_bytes(), store::SHARED)?;
    } else {
        match std::fs::remove_file(&entry) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io("remove", &entry)(e)),
            _ => {}
        }
    }
    status()
}

/// The desktop app's binary as the CLI finds it: beside the `tenantdesk` binary (a package puts
/// both in one folder; so does a build), else on PATH.
pub fn app_beside(cli: &Path) -> Option<PathBuf> {
    let beside = cli.parent()?.join("tenantdesk-app");
    if beside.is_file() {
        return Some(beside);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join("tenantdesk-app")).find(|p| p.is_file())
}
