//! `tenantdesk`: the seed's command tree over `tenantdesk_core::ops`. This crate parses
//! arguments, asks for what is missing when a person is at the terminal, calls one use case and
//! renders its result as text or `--json`. It holds no domain logic.
//!
//! `args` is the command tree, `commands/<group>.rs` runs each group, `render` prints, `prompt`
//! asks; [`Context`] is built once per run.

mod args;
mod commands;
mod error;
mod exec;
mod hint;
mod paint;
mod progress;
mod prompt;
mod render;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Parser;
use serde::Serialize;
use tenantdesk_core::{Desk, Project};

use crate::args::{AdminCommand, Cli, CloudCommand, Command, InfraCommand, InfraDbCommand};
use crate::error::CliError;

/// What every command runs with: the output mode, the project the user named (found lazily: not
/// every command needs one), the secret store and container settings, and one async runtime.
pub struct Context {
    pub json: bool,
    pub desk: Desk,
    project: Option<PathBuf>,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl Context {
    /// The project `--project` names, or the one the current folder is in.
    pub fn project(&self) -> Result<Project, CliError> {
        Ok(match &self.project {
            Some(dir) => Project::open(dir)?,
            None => Project::discover(&std::env::current_dir().map_err(CliError::CurrentDir)?)?,
        })
    }

    /// The run's async runtime, started on first use.
    pub fn runtime(&self) -> Result<&tokio::runtime::Runtime, CliError> {
        if let Some(rt) = self.runtime.get() {
            return Ok(rt);
        }
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
        Ok(self.runtime.get_or_init(|| rt))
    }
}

fn main() -> ExitCode {
    tenantdesk_core::log_to_stderr();
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            render::error(&error, json);
            ExitCode::FAILURE
        }
    }
}

/// Prints `value` as JSON, or as the text `text` renders.
/// A line made terminal-safe by its renderer (it carries colour), to stdout.
pub fn say(line: &str) {
    // A closed pipe (`tenantdesk … | head`) is not an error worth reporting.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) -> Result<(), CliError> {
    let out = if json { serde_json::to_string_pretty(value).unwrap_or_default() } else { render::terminal_safe(&text(value)) };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`tenantdesk … | head`) is not an error worth reporting.
    let _ = writeln!(stdout, "{out}");
    Ok(())
}

fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    let ctx = Context { json, desk: Desk::from_env(), project: cli.project.clone(), runtime: OnceLock::new() };
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "tenantdesk", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out).map_err(CliError::Output)?;
            let _ = std::io::stdout().write_all(&out);
            Ok(())
        }
        Command::Init { dir } => {
            let dir = dir.or(cli.project).unwrap_or_else(|| PathBuf::from("."));
            let project = Project::init(&dir)?;
            emit(json, &project.root().display().to_string(), |root| render::initialised(root))
        }
        Command::Cloud(CloudCommand::Auth(cmd)) => {
            let project = ctx.project()?;
            ctx.runtime()?.block_on(commands::auth::run(&ctx, &project, cmd, json))
        }
        Command::Cloud(CloudCommand::Tenant(cmd)) => commands::tenant::run(&ctx, &ctx.project()?, cmd, json),
        Command::Cloud(CloudCommand::Profile(cmd)) => commands::profile::run(&ctx, &ctx.project()?, cmd, json),
        Command::Admin(AdminCommand::Session(cmd)) => commands::profile::session(&ctx.project()?, cmd, json),
        Command::Infra(InfraCommand::Db(InfraDbCommand::Migrate { tenant })) => commands::checks::migrate(&ctx, tenant),
        Command::Db(cmd) => ctx.runtime()?.block_on(commands::db::run(&ctx, cmd, json)),
        Command::Audit(cmd) => commands::checks::audit(&ctx, cmd),
        Command::Doctor => commands::checks::doctor(&ctx),
        Command::Snapshot(cmd) => commands::snapshot::run(&ctx, &ctx.project()?, cmd, json),
        Command::Secrets(cmd) => commands::secrets::run(&ctx, cmd),
        Command::Exec { tenant, env_file, profile, confirm_name, command } => commands::environment::run_exec(&ctx, tenant, env_file, profile, confirm_name, command),
        Command::Env { tenant, profile, format, reveal, confirm_name } => commands::environment::print(&ctx, tenant, profile, format, reveal, confirm_name),
        Command::Terminal { tenant, profile, confirm_name } => commands::environment::terminal(&ctx, tenant, profile, confirm_name),
        Command::Settings(cmd) => commands::settings::run(&ctx, cmd),
    }
}
