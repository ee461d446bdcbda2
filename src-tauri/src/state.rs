//! What the app holds between commands: the open project, the recent projects, and the channel
//! that tells the file watcher which folder to follow.

use crate::watch::WatchHandle;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tenantdesk_core::keychain::SecretStore;
use tenantdesk_core::ops::container::SharedConfig;
use tenantdesk_core::{Desk, Project};

const MAX_RECENT: usize = 10;

pub struct AppState {
    pub jobs: Arc<crate::jobs::Jobs>,
    shell: std::sync::OnceLock<Arc<dyn crate::shell::Shell>>,
    pub health: Mutex<crate::health::HealthMap>,
    /// Tenants whose outage was announced and whose recovery has not been yet.
    pub down: Mutex<std::collections::BTreeSet<String>>,
    /// The in-process cloud emulator of the demo, kept alive while the app runs.
    pub emulator: Mutex<Option<crate::demo::Emulator>>,
    /// The task following the shared container's log, while the window wants it.
    pub log_follower: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    project: Mutex<Option<Project>>,
    recents_file: PathBuf,
    watch: Mutex<Option<WatchHandle>>,
    tray_available: AtomicBool,
    desk: Desk,
    /// The overview the window got last (a command's answer or the watcher's event): the watcher
    /// does not send the same one again, so one write costs the window one refresh.
    shown: Mutex<Option<tenantdesk_core::ops::Overview>>,
}

impl AppState {
    pub fn new(config_dir: PathBuf, desk: Desk) -> Self {
        Self {
            jobs: Arc::default(),
            shell: std::sync::OnceLock::new(),
            health: Mutex::new(crate::health::HealthMap::default()),
            down: Mutex::default(),
            emulator: Mutex::new(None),
            log_follower: Mutex::new(None),
            desk,
            shown: Mutex::new(None),
            project: Mutex::new(None),
            recents_file: config_dir.join("recent-projects.json"),
            watch: Mutex::new(None),
            tray_available: AtomicBool::new(false),
        }
    }

    /// What the app can do outside a command: emit events, notify, check health.
    pub fn set_shell(&self, shell: Arc<dyn crate::shell::Shell>) {
        let _ = self.shell.set(shell);
    }

    pub fn shell(&self) -> Arc<dyn crate::shell::Shell> {
        self.shell.get().cloned().unwrap_or_else(|| Arc::new(crate::shell::Detached))
    }

    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.desk.shared_secrets()
    }

    /// The shared container the app manages (fixed for the process, as the environment said).
    pub fn container(&self) -> SharedConfig {
        self.desk.container().clone()
    }

    pub fn project(&self) -> Option<Project> {
        self.project.lock().ok().and_then(|p| p.clone())
    }

    /// Makes `project` the open one: remembered in the recent list and followed by the watcher.
    pub fn set_project(&self, project: Project) {
        self.remember(project.root());
        if let Ok(watch) = self.watch.lock()
            && let Some(tx) = watch.as_ref()
        {
            tx.follow(project.clone());
        }
        if let Ok(mut slot) = self.project.lock() {
            *slot = Some(project);
        }
    }

    pub fn set_watcher(&self, tx: WatchHandle) {
        if let Ok(mut slot) = self.watch.lock() {
            *slot = Some(tx);
        }
    }

    pub fn recent(&self) -> Vec<String> {
        std::fs::read(&self.recents_file).ok().and_then(|b| serde_json::from_slice::<Vec<String>>(&b).ok()).unwrap_or_default()
    }

    fn remember(&self, root: &Path) {
        let root = root.display().to_string();
        let mut list = self.recent();
        list.retain(|r| r != &root);
        list.insert(0, root);
        list.truncate(MAX_RECENT);
        if let Some(dir) = self.recents_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // Preferences, not user data: a failed write only loses the recent list.
        let _ = std::fs::write(&self.recents_file, serde_json::to_vec_pretty(&list).unwrap_or_default());
    }

    /// Remembers the overview the window was given; true when it is the one it has already.
    pub fn show(&self, overview: &tenantdesk_core::ops::Overview) -> bool {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if shown.as_ref() == Some(overview) {
            return true;
        }
        *shown = Some(overview.clone());
        false
    }

    /// The window was told of an error instead: the next good overview goes to it whatever it is.
    pub fn forget_shown(&self) {
        *self.shown.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn set_tray_available(&self, available: bool) {
        self.tray_available.store(available, Ordering::Relaxed);
    }

    pub fn tray_available(&self) -> bool {
        self.tray_available.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_overview_is_not_sent_twice_but_again_after_an_error() {
        let dir = tenantdesk_core::testing::seed_project();
        let project = Project::open(dir.path()).expect("project");
        let overview = tenantdesk_core::ops::overview(&project).expect("overview");
        let state =
            AppState::new(dir.path().join("config"), Desk::new(Arc::new(tenantdesk_core::keychain::MemoryStore::default()), SharedConfig::new("td-test", "postgres:15", 5432)));
        assert!(!state.show(&overview), "first time: sent");
        assert!(state.show(&overview), "the same again: not sent");
        let mut changed = overview.clone();
        changed.tenants.tenants.pop();
        assert!(!state.show(&changed), "a change: sent");
        state.forget_shown();
        assert!(!state.show(&changed), "after an error the window gets it again");
    }
}
