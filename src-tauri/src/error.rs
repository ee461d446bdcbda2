//! What a failed command sends to the window: the core's message and hint, a stable code, and
//! which fix the window can offer as a button.

use serde::Serialize;
use tenantdesk_core::Error;
use tenantdesk_core::error::Remedy;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
    /// A fix the window can perform for the user, named for the UI to map to a button.
    pub fix: Option<Remedy>,
}

impl From<Error> for UiError {
    /// The window's words: the message, what to do in words (never a command line to type) and
    /// the button that does it.
    fn from(error: Error) -> Self {
        Self { code: error.code().to_owned(), message: error.to_string(), hint: error.advice(), fix: error.remedy() }
    }
}

impl UiError {
    pub fn no_project() -> Self {
        Self {
            code: "no_project".to_owned(),
            message: "No project is open".to_owned(),
            hint: Some("Open a folder holding .systemprompt/, or create one".to_owned()),
            fix: Some(Remedy::OpenProject),
        }
    }

    pub fn internal(what: &str) -> Self {
        Self { code: "internal".to_owned(), message: format!("{what} failed unexpectedly"), hint: None, fix: None }
    }
}
