//! The CLI's errors: the core's, plus the ones that only a command line has (a missing argument
//! when nobody can be asked, a declined confirmation).

use tenantdesk_core::Error as CoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Core(#[from] CoreError),

    #[error("{what} is required in non-interactive mode")]
    MissingArgument { what: &'static str },

    #[error("--yes is required in non-interactive mode for {command}")]
    NeedsYes { command: &'static str },

    #[error("Cancelled; nothing was changed")]
    Declined,

    #[error("Aborted: the name typed does not match the tenant's name; nothing was changed")]
    NameMismatch,

    #[error("Could not read your answer: {0}")]
    Prompt(#[from] dialoguer::Error),

    #[error("Could not determine the current directory: {0}")]
    CurrentDir(std::io::Error),

    #[error("Could not read the value from standard input: {0}")]
    Stdin(std::io::Error),

    #[error("Could not start the async runtime: {0}")]
    Runtime(std::io::Error),

    #[error("{0} check(s) failed")]
    ChecksFailed(usize),

    #[error("Could not run '{0}': {1}")]
    Exec(String, std::io::Error),

    #[error("Could not write the output: {0}")]
    Output(std::io::Error),

    #[error("The desktop app (tenantdesk-app) is neither beside this tenantdesk nor on PATH")]
    AppNotFound,
}

impl CliError {
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Core(e) => crate::hint::of(e),
            CliError::MissingArgument { what } => Some(format!("Pass {what}, or run the command in a terminal to be asked")),
            CliError::NeedsYes { .. } => Some("Add -y to confirm".to_owned()),
            CliError::Declined | CliError::NameMismatch | CliError::Prompt(_) | CliError::CurrentDir(_) | CliError::Runtime(_) | CliError::Output(_) => None,
            CliError::Stdin(_) => Some("Pipe the value in, e.g. printf %s \"$KEY\" | tenantdesk cloud profile set-secret <profile> <KEY>".to_owned()),
            CliError::ChecksFailed(_) => Some("Apply the fixes listed above, then run 'tenantdesk doctor' again".to_owned()),
            CliError::Exec(..) => Some("Check the command's name, and that it is on PATH or given with its path".to_owned()),
            CliError::AppNotFound => Some("Install the Tenantdesk package, or build the app (bash scripts/run.sh) and turn this on from its window".to_owned()),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CliError::Core(e) => e.code(),
            CliError::MissingArgument { .. } => "missing_argument",
            CliError::NeedsYes { .. } => "confirmation_required",
            CliError::Declined => "declined",
            CliError::NameMismatch => "name_mismatch",
            CliError::Prompt(_) => "prompt",
            CliError::CurrentDir(_) | CliError::Runtime(_) | CliError::Stdin(_) | CliError::Output(_) => "io",
            CliError::ChecksFailed(_) => "checks_failed",
            CliError::Exec(..) => "exec",
            CliError::AppNotFound => "app_not_found",
        }
    }
}
