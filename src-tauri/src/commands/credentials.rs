//! Credentials and activity: which secrets a tenant has (never their values), copying its
//! connection string to the clipboard from Rust (so it never crosses into the window), and the
//! audit log as a timeline.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tauri::State;
use tenantdesk_core::ops::credentials::{self, SecretInfo};

use crate::error::UiError;
use crate::state::AppState;

/// How long a copied connection string stays on the clipboard.
pub const CLIPBOARD_SECONDS: u32 = 30;

#[tauri::command]
#[specta::specta]
pub async fn tenant_secrets(state: State<'_, AppState>, id: String) -> Result<Vec<SecretInfo>, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(credentials::tenant_secrets(&project, &id, state.secrets().as_ref()).await?)
}

/// Asks the OS to unlock its keychain, with its own prompt, which this waits on; the window
/// reads everything again after.
#[tauri::command]
#[specta::specta]
pub async fn unlock_keychain(state: State<'_, AppState>) -> Result<(), UiError> {
    let secrets = state.secrets();
    tauri::async_runtime::spawn_blocking(move || credentials::unlock_keychain(secrets.as_ref())).await.map_err(|_| UiError::internal("Unlocking the keychain"))??;
    Ok(())
}

/// Puts the tenant's real connection string on the clipboard and clears it after
/// [`CLIPBOARD_SECONDS`] unless something else was copied since. Returns the seconds.
#[tauri::command]
#[specta::specta]
pub async fn copy_connection_string(state: State<'_, AppState>, id: String) -> Result<u32, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let url = tenantdesk_core::ops::credentials::database_url(&project, &id, state.secrets().as_ref())?;
    let mut clipboard = arboard::Clipboard::new().map_err(clipboard_error)?;
    clipboard.set_text(url.expose().to_owned()).map_err(clipboard_error)?;
    // On X11 the clipboard lives as long as its owner: this thread owns it for the period, then
    // clears it if it still holds the secret.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(CLIPBOARD_SECONDS.into()));
        if clipboard.get_text().is_ok_and(|t| t == url.expose()) {
            let _ = clipboard.clear();
        }
    });
    Ok(CLIPBOARD_SECONDS)
}

/// Puts text the window already shows (the Docker log, never a secret) on the clipboard. On X11
/// the clipboard lives only as long as its owner, so one owner is kept for the app's lifetime.
#[tauri::command]
#[specta::specta]
pub fn copy_text(text: String) -> Result<(), UiError> {
    static OWNER: Mutex<Option<arboard::Clipboard>> = Mutex::new(None);
    let mut owner = OWNER.lock().unwrap_or_else(PoisonError::into_inner);
    let clipboard = match owner.as_mut() {
        Some(c) => c,
        None => owner.insert(arboard::Clipboard::new().map_err(clipboard_error)?),
    };
    clipboard.set_text(text).map_err(clipboard_error)
}

fn clipboard_error(e: arboard::Error) -> UiError {
    UiError {
        code: "clipboard".to_owned(),
        message: "The clipboard is not available".to_owned(),
        detail: Some(e.to_string()),
        hint: Some("Run Tenantdesk inside a desktop session (X11 or Wayland), where a clipboard exists".to_owned()),
        fix: None,
    }
}

/// One audit entry for the timeline.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct ActivityEntry {
    pub seq: u32,
    pub at: String,
    pub tenant: Option<String>,
    /// The name the tenant had when the entry was written (a removed tenant is named by it).
    pub tenant_name: Option<String>,
    pub action: String,
    pub outcome: String,
}

#[tauri::command]
#[specta::specta]
pub async fn activity(state: State<'_, AppState>, tenant: Option<String>) -> Result<Vec<ActivityEntry>, UiError> {
    // The open project's history only: another project's tenants are not this window's business.
    let Some(project) = state.project() else { return Ok(Vec::new()) };
    let entries = tenantdesk_core::ops::history::entries(Some(&project), tenant.as_deref().filter(|t| !t.is_empty())).await?;
    Ok(entries
        .into_iter()
        .rev()
        .map(|e| ActivityEntry { seq: u32::try_from(e.seq).unwrap_or(u32::MAX), at: e.at, tenant: e.tenant, tenant_name: e.tenant_name, action: e.action, outcome: e.outcome })
        .collect())
}

#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct ActivityCheck {
    pub entries: u32,
    pub intact: bool,
    pub problems: Vec<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn verify_activity() -> Result<ActivityCheck, UiError> {
    let v = tenantdesk_core::ops::history::verify().await?;
    Ok(ActivityCheck { entries: u32::try_from(v.entries).unwrap_or(u32::MAX), intact: v.intact, problems: v.problems })
}
