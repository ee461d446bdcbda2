//! `exec`, `env` and `terminal`: a tenant's environment, passed to a command, printed, or opened
//! in a terminal.

use std::path::PathBuf;

use tenantdesk_core::ops::environment::{self, View};

use crate::args::EnvFormat;
use crate::error::CliError;
use crate::{Context, emit, exec, prompt, render};

/// Runs `command` with the tenant's environment and exits with its code.
pub fn run_exec(
    ctx: &Context,
    tenant: Option<String>,
    env_file: Option<PathBuf>,
    profile: Option<String>,
    confirm_name: Option<String>,
    command: Vec<String>,
) -> Result<(), CliError> {
    let project = ctx.project()?;
    let confirm_name = match &tenant {
        Some(tenant) => prompt::production_name(&project, tenant, confirm_name)?,
        None => confirm_name,
    };
    let env = environment::for_exec(&project, tenant.as_deref(), env_file.as_deref(), profile.as_deref(), confirm_name.as_deref(), ctx.desk.secrets())?;
    let started = ctx.runtime()?.block_on(exec::run(&env, &command));
    environment::record_exec(&project, &env, &command, &started);
    std::process::exit(started.map_err(|e| CliError::Exec(command[0].clone(), e))?)
}

pub fn print(ctx: &Context, tenant: String, profile: Option<String>, format: EnvFormat, reveal: bool, confirm_name: Option<String>) -> Result<(), CliError> {
    let project = ctx.project()?;
    let view = match (format, reveal) {
        (EnvFormat::References, _) => View::References,
        (_, true) => View::Revealed,
        (_, false) => View::Masked,
    };
    let confirm_name = if view == View::Revealed { prompt::production_name(&project, &tenant, confirm_name)? } else { confirm_name };
    let shown = environment::printable(&project, &tenant, profile.as_deref(), view, confirm_name.as_deref(), ctx.desk.secrets())?;
    let json = ctx.json || matches!(format, EnvFormat::Json);
    emit(json, &shown, |vars| render::environment(vars, matches!(format, EnvFormat::Shell)))
}

pub fn terminal(ctx: &Context, tenant: String, profile: Option<String>, confirm_name: Option<String>) -> Result<(), CliError> {
    let project = ctx.project()?;
    let confirm_name = prompt::production_name(&project, &tenant, confirm_name)?;
    let opened = environment::open_terminal(&project, &tenant, profile.as_deref(), confirm_name.as_deref(), ctx.desk.secrets())?;
    emit(ctx.json, &opened, render::opened_terminal)
}
