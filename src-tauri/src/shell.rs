//! What commands and background jobs need from the running app beyond their arguments — emit an
//! event, notify, re-check health, find the data folder — behind one object-safe trait, so the
//! commands stay free of the Tauri runtime type (and testable over the mock runtime).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tenantdesk_core::ops::container::Progress;

use crate::events::{DockerLog, DockerProgress, LoginUrl, Notice, ProvisioningChanged, SnapshotProgress};
use crate::jobs::Job;

pub type Task<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Shell: Send + Sync {
    fn provisioning(&self, job: Job);
    fn login_url(&self, url: &str);
    fn docker_progress(&self, progress: Progress);
    fn snapshot_progress(&self, progress: SnapshotProgress);
    /// False once nobody listens any more.
    fn docker_log(&self, text: String) -> bool;
    fn notify(&self, notice: Notice);
    fn check_health(&self) -> Task<'_>;
    fn data_dir(&self) -> Option<PathBuf>;
    /// The OS folder chooser; None on Cancel.
    fn choose_folder(&self) -> Pin<Box<dyn Future<Output = Option<PathBuf>> + Send + '_>>;
}

impl<R: Runtime> Shell for AppHandle<R> {
    fn provisioning(&self, job: Job) {
        let _ = ProvisioningChanged { job }.emit(self);
    }

    fn login_url(&self, url: &str) {
        let _ = LoginUrl { url: url.to_owned() }.emit(self);
    }

    fn docker_progress(&self, progress: Progress) {
        let _ = DockerProgress { progress }.emit(self);
    }

    fn snapshot_progress(&self, progress: SnapshotProgress) {
        let _ = progress.emit(self);
    }

    fn docker_log(&self, text: String) -> bool {
        DockerLog { text }.emit(self).is_ok()
    }

    fn notify(&self, notice: Notice) {
        crate::notify(self, notice);
    }

    fn check_health(&self) -> Task<'_> {
        Box::pin(crate::check_health(self))
    }

    fn data_dir(&self) -> Option<PathBuf> {
        self.path().app_data_dir().ok()
    }

    /// In the WebDriver suite `TENANTDESK_FOLDER_CHOICE` answers in place of the person at the OS
    /// dialog (a folder, or empty for Cancel); everything from there on is the real path.
    fn choose_folder(&self) -> Pin<Box<dyn Future<Output = Option<PathBuf>> + Send + '_>> {
        use tauri_plugin_dialog::DialogExt;
        if let Some(choice) = std::env::var_os("TENANTDESK_FOLDER_CHOICE") {
            return Box::pin(async move { (!choice.is_empty()).then(|| PathBuf::from(choice)) });
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        // Not the blocking call: the dialog runs on the main thread, which a blocked command
        // would hold.
        self.dialog().file().set_title("Open a SystemPrompt project").set_directory(home).pick_folder(move |folder| {
            let _ = tx.send(folder);
        });
        Box::pin(async move { rx.await.ok().flatten().and_then(|f| f.into_path().ok()) })
    }
}

/// Before the app has set up (and in tests that do not care): everything is dropped.
pub struct Detached;

impl Shell for Detached {
    fn provisioning(&self, _: Job) {}
    fn login_url(&self, _: &str) {}
    fn docker_progress(&self, _: Progress) {}
    fn snapshot_progress(&self, _: SnapshotProgress) {}
    fn docker_log(&self, _: String) -> bool {
        false
    }
    fn notify(&self, _: Notice) {}
    fn check_health(&self) -> Task<'_> {
        Box::pin(async {})
    }
    fn choose_folder(&self) -> Pin<Box<dyn Future<Output = Option<PathBuf>> + Send + '_>> {
        Box::pin(async { None })
    }
    fn data_dir(&self) -> Option<PathBuf> {
        None
    }
}
