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
