//! Events the backend pushes to the window (typed through tauri-specta).

use serde::Serialize;
use tenantdesk_core::ops::Overview;

use crate::error::UiError;

/// The project's files changed (by this app, the `tenantdesk` CLI, the `systemprompt` CLI or an
/// editor). Carries the fresh state, or why it could not be read.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct OverviewChanged {
    pub overview: Option<Overview>,
    pub error: Option<UiError>,
}

/// The tray's "More…" was clicked: the window should show its tenant search.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct FocusSearch;

/// The tray's "Open terminal" was clicked for a production tenant: the window asks for its name
/// first, as every production action does.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct TerminalRequested {
    pub id: String,
}

/// A snapshot, restore or clone of a tenant moved on (bytes and the table at hand).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct SnapshotProgress {
    pub tenant_id: String,
    /// "Dumping", "Restoring" or "Copying".
    pub verb: String,
    pub step: tenantdesk_core::pg_tools::Step,
}

/// A cloud provisioning job moved on (a phase arrived, it finished or failed).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ProvisioningChanged {
    pub job: crate::jobs::Job,
}

/// Browser login is waiting: where the browser was sent (shown in case no browser opened).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct LoginUrl {
    pub url: String,
}

/// Local tenants' health changed (the tray's dots follow the same map).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct HealthChanged {
    pub health: crate::health::HealthMap,
}

/// A step of bringing the shared container up (image layers while pulling).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DockerProgress {
    pub progress: tenantdesk_core::ops::container::Progress,
}

/// Lines of the shared container's log, while following it.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct DockerLog {
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// Something worth telling the user that did not come from a click: provisioning finished or
/// failed, a tenant turned unhealthy. Shown as a toast, and as a native notification.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct Notice {
    pub level: Level,
    pub title: String,
    pub body: String,
}
