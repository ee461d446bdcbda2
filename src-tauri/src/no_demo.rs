//! A build without the demo (`--no-default-features --features custom-protocol`): "Try the demo"
//! says this build has none, instead of carrying the cloud emulator.

use tenantdesk_core::Project;
use tenantdesk_core::ops::Overview;

use crate::error::UiError;
use crate::state::AppState;

/// Never running in this build.
pub enum Emulator {}

pub async fn start(_state: &AppState) -> Result<Overview, UiError> {
    Err(UiError {
        code: "demo".into(),
        message: "This build of Tenantdesk has no demo".into(),
        detail: None,
        hint: Some("Install Tenantdesk's package, which has it, or log in to SystemPrompt Cloud".into()),
        fix: None,
    })
}

/// No project is the demo's in this build.
pub fn stopped(_state: &AppState, _project: &Project) -> bool {
    false
}
