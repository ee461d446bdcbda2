//! Tenantdesk's per-user settings, in `$XDG_CONFIG_HOME/tenantdesk/settings.json`
//! (`TENANTDESK_CONFIG_DIR` in its place): choices that belong to the user, not to a project.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::store;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The terminal emulator to open tenants in, as a command line (`kitty`, `xterm -fa Mono`);
    /// none: found the way the desktop finds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// How many automatic snapshots (before a delete, a restore, …) to keep of each tenant at
    /// least; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_keep: Option<u32>,
    /// Automatic snapshots younger than this many days are kept whatever their number; default 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_keep_days: Option<u32>,
    /// Settings of newer Tenantdesk versions, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn file() -> PathBuf {
    std::env::var_os("TENANTDESK_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
                .unwrap_or_else(std::env::temp_dir)
                .join("tenantdesk")
        })
        .join("settings.json")
}

impl Settings {
    pub fn snapshot_keep(&self) -> usize {
        self.snapshot_keep.unwrap_or(5) as usize
    }

    pub fn snapshot_keep_days(&self) -> u32 {
        self.snapshot_keep_days.unwrap_or(7)
    }

    pub fn load() -> Result<Self> {
        let path = file();
        match store::read(&path)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::json(&path, &e)),
            None => Ok(Self::default()),
        }
    }

    /// Changes the settings under the file's lock, so two windows never lose each other's change.
    pub fn update(change: impl FnOnce(&mut Settings)) -> Result<Settings> {
        let path = file();
        let lock = store::lock(&path)?;
        let mut settings = Self::load()?;
        change(&mut settings);
        let json = serde_json::to_string_pretty(&settings).unwrap_or_default();
        store::write_atomic(&lock, &path, json.as_bytes(), store::PRIVATE)?;
        Ok(settings)
    }
}
