//! What a failed command sends to the window: the core's message and hint, a stable code, and
//! which fix the window can offer as a button.

use serde::Serialize;
use tenantdesk_core::Error;
use tenantdesk_core::error::Remedy;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct UiError {
    pub code: String,
    /// What failed, in words.
    pub message: String,
    /// What the OS or a library said (an errno, a D-Bus error), for a details fold.
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// A fix the window can perform for the user, named for the UI to map to a button.
    pub fix: Option<Remedy>,
}

impl From<Error> for UiError {
    /// The window's words: the message, what to do in words (never a command line to type) and
    /// the button that does it.
    fn from(error: Error) -> Self {
        // Only when the internals end the message: never said twice.
        let message = error.summary();
        let detail = if message == error.to_string() { None } else { error.internals() };
        Self { code: error.code().to_owned(), message, detail, hint: error.advice(), fix: error.remedy() }
    }
}

impl UiError {
    pub fn no_project() -> Self {
        Self {
            code: "no_project".to_owned(),
            message: "No project is open".to_owned(),
            detail: None,
            hint: Some("Open a folder holding .systemprompt/, or create one".to_owned()),
            fix: Some(Remedy::OpenProject),
        }
    }

    pub fn internal(what: &str) -> Self {
        Self { code: "internal".to_owned(), message: format!("{what} failed unexpectedly"), detail: None, hint: None, fix: None }
    }
}
