//! `settings`: the user's own (start at login, snapshot retention, terminal emulator).

use tenantdesk_core::autostart;
use tenantdesk_core::ops;

use crate::args::{OnOff, SettingsCommand};
use crate::error::CliError;
use crate::{Context, emit, render};

pub fn run(ctx: &Context, cmd: SettingsCommand) -> Result<(), CliError> {
    match cmd {
        SettingsCommand::Autostart { state } => {
            let status = match state {
                None => autostart::status()?,
                Some(OnOff::Off) => autostart::set(false, std::path::Path::new(""))?,
                Some(OnOff::On) => {
                    let cli = std::env::current_exe().map_err(CliError::CurrentDir)?;
                    let app = autostart::app_beside(&cli).ok_or(CliError::AppNotFound)?;
                    autostart::set(true, &app)?
                }
            };
            emit(ctx.json, &status, render::autostart)
        }
        SettingsCommand::Snapshots { keep, days } => emit(ctx.json, &ctx.runtime()?.block_on(ops::snapshots::retention(keep, days))?, render::retention),
        SettingsCommand::Terminal { command, reset } => {
            let change = if reset { Some("") } else { command.as_deref() };
            emit(ctx.json, &ops::environment::terminal_setting(change)?, render::terminal_setting)
        }
    }
}
