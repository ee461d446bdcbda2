//! What a failed command sends to the window: the core's message and hint, a stable code, and
//! which fix the window can offer as a button.

use serde::Serialize;
use tenantdesk_core::Error;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
    /// A fix the window can perform for the user, named for the UI to map to a button.
    pub fix: Option<Fix>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Fix {
    /// Open (or create) a project folder.
    OpenProject,
    /// Pick a tenant from the list.
    SelectTenant,
    /// Reload the files from disk.
    Reload,
    /// Log in to SystemPrompt Cloud.
    LogIn,
}

impl From<Error> for UiError {
    fn from(error: Error) -> Self {
        let fix = match &error {
            Error::ProjectNotFound { .. } | Error::NotAProject { .. } => Some(Fix::OpenProject),
            Error::NoTenantConfigured | Error::TenantNotFound { .. } => Some(Fix::SelectTenant),
            Error::Corrupt { .. } | Error::Invalid { .. } => Some(Fix::Reload),
            Error::NotLoggedIn | Error::AccessDenied { .. } => Some(Fix::LogIn),
            _ => None,
        };
        Self { code: error.code().to_owned(), message: error.to_string(), hint: error.hint(), fix }
    }
}

impl UiError {
    pub fn no_project() -> Self {
        Self {
            code: "no_project".to_owned(),
            message: "No project is open".to_owned(),
            hint: Some("Open a folder holding .systemprompt/, or create one".to_owned()),
            fix: Some(Fix::OpenProject),
        }
    }

    pub fn internal(what: &str) -> Self {
        Self { code: "internal".to_owned(), message: format!("{what} failed unexpectedly"), hint: None, fix: None }
    }
}
