//! `secrets`: between the CLI's plaintext files and the OS keychain.

use tenantdesk_core::marks::SecretsMode;
use tenantdesk_core::ops;

use crate::args::{SecretsCommand, SecretsModeArg};
use crate::error::CliError;
use crate::{Context, emit, render};

pub fn run(ctx: &Context, cmd: SecretsCommand) -> Result<(), CliError> {
    let (project, json, keychain) = (ctx.project()?, ctx.json, ctx.desk.secrets());
    let report = match cmd {
        SecretsCommand::Import => ops::secrets::import(&project, keychain)?,
        SecretsCommand::Export { .. } => ops::secrets::export_cli_compatible(&project, keychain)?,
        SecretsCommand::ImportEnv { file, profile, remove } => {
            let imported = ops::environment::import_env(&project, &file, &profile, remove, keychain)?;
            return emit(json, &imported, render::imported_env);
        }
        SecretsCommand::Mode { mode: None } => {
            let mode = ops::secrets::mode(&project)?;
            return emit(json, &mode, |m| render::secrets_mode(*m));
        }
        SecretsCommand::Mode { mode: Some(mode) } => {
            let mode = match mode {
                SecretsModeArg::Keychain => SecretsMode::Keychain,
                SecretsModeArg::CliCompatible => SecretsMode::CliCompatible,
            };
            let report = ops::secrets::set_mode(&project, mode, keychain)?;
            eprintln!("{}", render::secrets_mode(mode));
            report
        }
    };
    emit(json, &report, render::secrets_report)
}
