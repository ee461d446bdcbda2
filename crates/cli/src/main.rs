//! `tenantdesk`: the seed's command tree over `tenantdesk_core::ops`. This crate parses
//! arguments, asks for what is missing when a person is at the terminal, calls one use case and
//! renders its result as text or `--json`. It holds no domain logic.

mod error;
mod exec;
mod progress;
mod prompt;
mod render;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use futures_util::StreamExt;
use serde::Serialize;
use tenantdesk_core::keychain::Keychain;
use tenantdesk_core::name::{ProfileName, TenantName};
use tenantdesk_core::ops::cloud;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::shared_container::{self, SharedConfig};
use tenantdesk_core::tenant::TenantId;
use tenantdesk_core::{Project, engine, ops};

use crate::error::CliError;

#[derive(Parser)]
#[command(name = "tenantdesk", version, about = "Manage SystemPrompt tenants, profiles and sessions")]
struct Cli {
    /// The project folder (the one holding .systemprompt/); default: found by walking up from here.
    #[arg(long, global = true, value_name = "DIR", env = "TENANTDESK_PROJECT")]
    project: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create .systemprompt/ in a folder (default: the current one).
    Init { dir: Option<PathBuf> },
    /// Tenants and profiles.
    #[command(subcommand)]
    Cloud(CloudCommand),
    /// CLI sessions.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The shared PostgreSQL container that holds local tenants' databases.
    #[command(subcommand)]
    Db(DbCommand),
    /// Check the keychain, the Docker engine and every tenant's database, with the fix for each
    /// problem.
    Doctor,
    /// The log of every action that changed state.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Snapshots of local tenants' databases: take, list, restore (in place or as a new tenant,
    /// which also undoes a delete) and delete them.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Secrets between the CLI's plaintext files and the OS keychain.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Run a command with a tenant's environment: DATABASE_URL (its real password, from the
    /// keychain), its profile's secrets, SYSTEMPROMPT_PROFILE and TENANTDESK_TENANT. Nothing is
    /// written to disk and the project's active tenant does not change; the command's exit code
    /// (and a SIGTERM sent to tenantdesk) pass through.
    Exec {
        /// The tenant (optional with --env-file).
        #[arg(required_unless_present = "env_file")]
        tenant: Option<String>,
        /// An env file whose `tenantdesk://<tenant>/<variable>` references are resolved from the
        /// keychain (other values are passed as they are), e.g. one `env --format references` wrote.
        #[arg(long, value_name = "FILE")]
        env_file: Option<PathBuf>,
        /// The profile whose secrets and path are used (default: the tenant's session profile,
        /// else its first).
        #[arg(long)]
        profile: Option<String>,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Print a tenant's environment (what `exec` passes), secrets masked unless --reveal.
    Env {
        tenant: String,
        #[arg(long)]
        profile: Option<String>,
        /// dotenv, shell, json, or references (a committable env file `exec --env-file` reads).
        #[arg(long, value_enum, default_value = "dotenv")]
        format: EnvFormat,
        /// Print the real values (recorded in the audit log).
        #[arg(long)]
        reveal: bool,
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Open your terminal emulator in the project folder with a tenant's environment (what `exec`
    /// passes) and a prompt naming the tenant in its colour. The active tenant does not change.
    Terminal {
        tenant: String,
        #[arg(long)]
        profile: Option<String>,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Your own settings (not a project's).
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Infrastructure: the tenant's database schema.
    #[command(subcommand)]
    Infra(InfraCommand),
    /// Print a completion script for a shell (installed by the package; for a source install:
    /// `tenantdesk completions bash > ~/.local/share/bash-completion/completions/tenantdesk`).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), as the package installs it.
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand)]
enum SnapshotCommand {
    /// Snapshot a tenant's database (the selected tenant by default) with the server's own
    /// pg_dump, into Tenantdesk's data folder: a local tenant's in its container, a cloud
    /// tenant's over its external database access.
    Create {
        tenant: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// For a cloud tenant whose external database access is off: switch it on for the dump,
        /// and off again after.
        #[arg(long)]
        open_external_access: bool,
    },
    /// This project's snapshots (of one tenant, also a deleted one), or every project's with --all.
    List {
        tenant: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Put a snapshot back: --in-place into its tenant (keeping its URL, role and password; the
    /// current data is snapshotted first), or --as NAME into a new tenant. Restoring as the
    /// deleted tenant's name undoes its delete (and keeps its id).
    Restore {
        snapshot: String,
        #[arg(long = "as", value_name = "NAME", conflicts_with = "in_place", required_unless_present = "in_place")]
        as_name: Option<String>,
        #[arg(long)]
        in_place: bool,
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required to restore a production tenant in place.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Delete a snapshot's file and its entry.
    Delete {
        snapshot: String,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Write a snapshot to FILE (a standard pg_restore archive) and FILE.json (its manifest),
    /// to move a tenant to another machine.
    Export { snapshot: String, file: PathBuf },
    /// List a pg_restore archive (and its manifest, when beside it) as a snapshot of this project;
    /// then `snapshot restore <id> --as NAME`.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Start the desktop app at login, hidden in the tray (`on`), or not (`off`); without an
    /// argument, says which.
    Autostart { state: Option<OnOff> },
    /// How many automatic snapshots (taken before deletes and restores) are kept, and the disk all
    /// snapshots use. Manual snapshots stay until deleted.
    Snapshots {
        /// Keep at least this many automatic snapshots of each tenant.
        #[arg(long)]
        keep: Option<u32>,
        /// Keep every automatic snapshot younger than this many days.
        #[arg(long)]
        days: Option<u32>,
    },
    /// The terminal emulator tenants open in, as a command line (`kitty`, `xterm -fa Mono`).
    /// Without one, says which is used and how it was found.
    Terminal {
        command: Option<String>,
        /// Forget the setting: find the terminal the way the desktop does.
        #[arg(long, conflicts_with = "command")]
        reset: bool,
    },
}

#[derive(Subcommand)]
enum InfraCommand {
    /// A tenant's database: its migrations.
    #[command(subcommand)]
    Db(InfraDbCommand),
}

#[derive(Subcommand)]
enum InfraDbCommand {
    /// Apply the project's migrations (migrations/*.sql) to a tenant's database (the selected
    /// one by default); ones already applied are skipped.
    Migrate {
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Move secrets found in tenants.json, profiles' secrets.json and credentials.json into the
    /// keychain and mask the files (each file is backed up first).
    Import,
    /// Write the keychain's values back into the plaintext files the systemprompt CLI reads.
    Export {
        /// Required: says you want plaintext secrets in files (mode 0600).
        #[arg(long, required = true)]
        cli_compatible: bool,
    },
    /// Where this project's secrets live from now on: `keychain` (files hold ***) or
    /// `cli-compatible` (the keychain and, for the systemprompt CLI, its 0600 files, kept filled
    /// in by every Tenantdesk write). Without a mode, says the current one.
    Mode { mode: Option<SecretsModeArg> },
    /// Move a .env file's values into the keychain as a profile's secrets (its secrets.json marks
    /// them ***), after a 0600 backup of the file; --remove also takes those lines out of it.
    ImportEnv {
        file: PathBuf,
        #[arg(long)]
        profile: String,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum EnvFormat {
    Dotenv,
    Shell,
    Json,
    References,
}

#[derive(Clone, Copy, ValueEnum)]
enum SecretsModeArg {
    Keychain,
    CliCompatible,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// The entries of this project (the one --project names or the current folder is in),
    /// oldest first; every project's with --all.
    List {
        /// Only this tenant's entries (its id, or a prefix of at least 8 characters).
        #[arg(long)]
        tenant: Option<String>,
        /// Every project's entries, and the shared container's.
        #[arg(long)]
        all: bool,
    },
    /// Check the hash chain: reports edited and deleted entries.
    Verify,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Start the shared container (creating it, and pulling its image, when missing).
    Up,
    /// Stop the shared container; its data stays.
    Down,
    /// Pull the container's image again, for a newer build under the same tag.
    Pull,
    /// Move the container onto the image its tag names now (after a pull), keeping all data (and
    /// a snapshot of each database, first).
    Recreate {
        /// Do not snapshot the databases first.
        #[arg(long)]
        no_snapshot: bool,
    },
    /// The container's state, port, image, volume and size, each local tenant's real state,
    /// and orphans.
    Status {
        /// Keep following health changes.
        #[arg(long)]
        watch: bool,
    },
    /// The container's log.
    Logs {
        #[arg(short, long)]
        follow: bool,
        #[arg(long, default_value_t = 200)]
        tail: usize,
    },
    /// Delete the container and ALL local tenants' data in it, then start afresh. A snapshot of
    /// each database is kept first (restorable as new tenants).
    Reset {
        #[arg(short = 'y', long)]
        yes: bool,
        /// Do not snapshot the databases first (for a container too broken to dump).
        #[arg(long)]
        no_snapshot: bool,
    },
    /// Make an orphan database (see `db status`) a tenant of this project again.
    Adopt {
        database: String,
        /// The tenant's name.
        #[arg(long)]
        name: String,
    },
    /// Drop a Tenantdesk database no tenant of this project claims (see `db status`).
    DropOrphan {
        database: String,
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum CloudCommand {
    /// Log in to SystemPrompt Cloud (the token is kept in the OS keychain).
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Local and cloud tenants: create, list, select, show, rotate, delete.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Profiles, each linked to one tenant, and their secrets.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Sign in with the browser (a loopback callback receives the token), or with a token read
    /// from stdin.
    Login {
        /// Read an API token from stdin instead of opening a browser (scripts, CI).
        #[arg(long)]
        with_token: bool,
        /// The API to log in to (default: TENANTDESK_CLOUD_URL, else https://api.systemprompt.io).
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
        #[arg(long, value_enum, default_value = "github")]
        provider: Provider,
        /// Print the sign-in URL instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Forget the login (tenants.json and local tenants stay).
    Logout,
    /// Who is logged in, and where.
    Whoami,
}

#[derive(Clone, Copy, ValueEnum)]
enum Provider {
    Github,
    Google,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// CLI sessions, one per tenant: list, show, switch profile.
    #[command(subcommand)]
    Session(SessionCommand),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TenantKind {
    Local,
    Cloud,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// List the project's tenants; the selected one is marked. When logged in, cloud tenants are
    /// merged in first (local ones are never dropped).
    List {
        /// Do not ask SystemPrompt Cloud; list tenants.json as it is.
        #[arg(long)]
        offline: bool,
    },
    /// Make a tenant the active one (its session and profile become active).
    Select { id: Option<String> },
    /// Show a tenant (the selected one by default); cloud tenants with their live status.
    Show { id: Option<String> },
    /// Create a local tenant (`--type local --name N`) or a cloud tenant (`--region R`).
    Create(CreateTenant),
    /// Put back the local and self-managed tenants a 'systemprompt cloud auth logout' took out of
    /// tenants.json (Tenantdesk keeps a copy; their passwords are still in the keychain).
    Restore {
        /// Do not restore them: forget them, and stop offering.
        #[arg(long)]
        forget: bool,
    },
    /// Record a self-managed tenant (hosted on your own Kubernetes or GKE), as systemprompt
    /// 0.75's `cloud tenant add` does: the record and a profile only; Tenantdesk runs nothing.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// Where the tenant is served, e.g. sp.example.com.
        #[arg(long)]
        hostname: String,
        /// The hosting provider: kubernetes or gke.
        #[arg(long)]
        provider: String,
        #[arg(long)]
        region: Option<String>,
        /// Its database, postgres://user:password@host:port/db, or "-" to read it from stdin
        /// (the password goes to the keychain).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Delete a tenant and the data Tenantdesk keeps for it: a local tenant's database in the
    /// shared container (or the CLI's compose project), a cloud tenant's deployment, database and
    /// subscription. A self-managed tenant, or one on a database you gave, loses only its record.
    Delete {
        id: Option<String>,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required to delete a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
        /// Do not snapshot the database first (the delete cannot be undone then).
        #[arg(long)]
        no_snapshot: bool,
    },
    /// Give a tenant's database role a new password (kept in the keychain).
    RotateCredentials {
        id: Option<String>,
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Rotate a cloud tenant's sync token (kept in the keychain).
    RotateSyncToken {
        id: Option<String>,
        #[arg(short = 'y', long)]
        yes: bool,
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Let a cloud tenant's database take connections from outside SystemPrompt Cloud
    /// (`--enable`), or stop that (`--disable`); tenants.json's `database_url` follows.
    ExternalDbAccess {
        id: Option<String>,
        #[arg(long, conflicts_with = "disable", required_unless_present = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
    },
    /// Cancel a cloud tenant's subscription (tenants.json is unchanged).
    Cancel {
        id: Option<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Retry a cloud tenant's failed provisioning and register it when it is ready.
    RetryProvision { id: String },
    /// Copy a tenant into a new local one with its own role, password and profile (a local source
    /// may be in use; a cloud one is dumped over its external access, switched on for it).
    Clone {
        id: String,
        #[arg(long)]
        name: String,
        /// A column the copy must not carry (table.column or schema.table.column; repeatable):
        /// text becomes a hash of the value, anything else NULL.
        #[arg(long, value_name = "COLUMN")]
        mask: Vec<tenantdesk_core::ops::clones::MaskedColumn>,
    },
    /// Give a tenant a colour and an icon, shown in the window's list and title, the tray menu and
    /// the prompt of terminals opened in it. Production tenants are always red.
    Appearance {
        id: String,
        /// blue, green, purple, orange, yellow, brown or grey (red is kept for production).
        #[arg(long, conflicts_with = "default_colour")]
        colour: Option<tenantdesk_core::appearance::Colour>,
        /// Go back to the colour Tenantdesk picks for it.
        #[arg(long)]
        default_colour: bool,
        /// database, rocket, flask, star, bolt, home, tools or globe.
        #[arg(long, conflicts_with = "no_icon")]
        icon: Option<tenantdesk_core::appearance::Icon>,
        #[arg(long)]
        no_icon: bool,
    },
    /// Mark a tenant as production (deleting it then needs its name typed), or unmark it.
    Production {
        id: String,
        /// Remove the production mark.
        #[arg(long)]
        off: bool,
    },
}

#[derive(Args)]
struct CreateTenant {
    /// local (default) or cloud; `--region` implies cloud.
    #[arg(long = "type", value_enum)]
    kind: Option<TenantKind>,
    /// A cloud tenant's region: iad, lhr, fra, ams, sin, nrt, syd or gru.
    #[arg(long, conflicts_with_all = ["database_url", "port", "no_verify"])]
    region: Option<String>,
    /// A cloud plan id (default: asked when there are several, else the only one).
    #[arg(long, requires = "region")]
    plan: Option<String>,
    /// Human-readable name, e.g. my-project.
    #[arg(long)]
    name: Option<String>,
    /// An existing PostgreSQL database: postgres://user:password@host:port/db, or "-" to read it
    /// from stdin (a hidden prompt at a terminal), which keeps the password out of `ps`.
    #[arg(long)]
    database_url: Option<String>,
    /// The shared container's port, when it is created (default 5432 or TENANTDESK_POSTGRES_PORT).
    #[arg(long)]
    port: Option<u16>,
    /// Register --database-url without connecting to it first.
    #[arg(long, requires = "database_url")]
    no_verify: bool,
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// List profiles and the tenant each belongs to.
    List,
    /// Show one profile.
    Show { name: String },
    /// Create a profile linked to a tenant (the selected one by default).
    Create {
        name: Option<String>,
        /// The tenant to link the profile to.
        #[arg(long)]
        tenant: Option<String>,
        /// Refused: every systemprompt CLI since 0.11 rejects a profile holding it.
        #[arg(long, hide = true)]
        credentials_path: Option<String>,
        /// Refused, as --credentials-path.
        #[arg(long, hide = true)]
        tenants_path: Option<String>,
    },
    /// Move a profile written for systemprompt 0.72 or older to the layout 0.73+ loads: derived
    /// fields dropped, server.external_url set; the change is shown first and a 0600 backup kept.
    Upgrade {
        name: String,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Store one of a profile's secrets (e.g. ANTHROPIC_API_KEY) in the keychain. The value is
    /// read from stdin, or asked for without echo at a terminal; never from the command line.
    SetSecret { profile: String, key: String },
    /// Delete a profile's folder.
    Delete {
        name: String,
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum SessionCommand {
    /// List the sessions, one per tenant.
    List,
    /// Show a session (the active one by default).
    Show { key: Option<String> },
    /// Switch to a profile; its tenant's session becomes active.
    Switch { profile: Option<String> },
}

fn main() -> ExitCode {
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

fn project(cli_project: Option<&PathBuf>) -> Result<Project, CliError> {
    Ok(match cli_project {
        Some(dir) => Project::open(dir)?,
        None => Project::discover(&std::env::current_dir().map_err(CliError::CurrentDir)?)?,
    })
}

/// Prints `value` as JSON, or as the text `text` renders.
fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) -> Result<(), CliError> {
    let out = if json { serde_json::to_string_pretty(value).unwrap_or_default() } else { render::terminal_safe(&text(value)) };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`tenantdesk … | head`) is not an error worth reporting.
    let _ = writeln!(stdout, "{out}");
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)
}

fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    let project_arg = cli.project.as_ref();
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
            let dir = dir.or_else(|| cli.project.clone()).unwrap_or_else(|| PathBuf::from("."));
            let project = Project::init(&dir)?;
            emit(json, &project.root().display().to_string(), |root| render::initialised(root))
        }
        Command::Cloud(CloudCommand::Auth(cmd)) => {
            let project = project(project_arg)?;
            runtime()?.block_on(auth(&project, cmd, json))
        }
        Command::Infra(InfraCommand::Db(InfraDbCommand::Migrate { tenant })) => {
            let project = project(project_arg)?;
            let report = runtime()?.block_on(ops::migrations::migrate(&project, tenant.as_deref(), &Keychain::new()))?;
            emit(json, &report, render::migrations)
        }
        Command::Cloud(CloudCommand::Tenant(cmd)) => {
            let project = project(project_arg)?;
            tenant(&project, cmd, json)
        }
        Command::Cloud(CloudCommand::Profile(cmd)) => {
            let project = project(project_arg)?;
            profile(&project, cmd, json)
        }
        Command::Admin(AdminCommand::Session(cmd)) => {
            let project = project(project_arg)?;
            session(&project, cmd, json)
        }
        Command::Db(cmd) => runtime()?.block_on(db(project_arg, cmd, json)),
        Command::Audit(AuditCommand::List { tenant, all }) => {
            let project = if all { None } else { Some(project(project_arg)?) };
            let tenant = match (&project, tenant) {
                (Some(p), Some(t)) => tenantdesk_core::audit::Subject::of(p, Some(&t)).id,
                (None, t) => t,
                (_, None) => None,
            };
            let root = project.as_ref().map(|p| p.root().display().to_string());
            let entries = runtime()?.block_on(tenantdesk_core::audit::list(root.as_deref(), tenant.as_deref()))?;
            emit(json, &entries, |e| render::audit(e))
        }
        Command::Audit(AuditCommand::Verify) => {
            let verification = runtime()?.block_on(tenantdesk_core::audit::verify())?;
            emit(json, &verification, render::verification)?;
            if verification.intact { Ok(()) } else { Err(CliError::ChecksFailed(verification.problems.len())) }
        }
        Command::Snapshot(cmd) => snapshot(&project(project_arg)?, cmd, json),
        Command::Secrets(cmd) => {
            let project = project(project_arg)?;
            let keychain = Keychain::new();
            let report = match cmd {
                SecretsCommand::Import => tenantdesk_core::ops::secrets::import(&project, &keychain)?,
                SecretsCommand::Export { .. } => tenantdesk_core::ops::secrets::export_cli_compatible(&project, &keychain)?,
                SecretsCommand::ImportEnv { file, profile, remove } => {
                    let imported = tenantdesk_core::ops::environment::import_env(&project, &file, &profile, remove, &keychain)?;
                    return emit(json, &imported, render::imported_env);
                }
                SecretsCommand::Mode { mode: None } => {
                    let mode = tenantdesk_core::marks::TenantMarks::load(&project.marks_file())?.secrets_mode;
                    return emit(json, &mode, |m| render::secrets_mode(*m));
                }
                SecretsCommand::Mode { mode: Some(mode) } => {
                    let mode = match mode {
                        SecretsModeArg::Keychain => tenantdesk_core::marks::SecretsMode::Keychain,
                        SecretsModeArg::CliCompatible => tenantdesk_core::marks::SecretsMode::CliCompatible,
                    };
                    let report = tenantdesk_core::ops::secrets::set_mode(&project, mode, &keychain)?;
                    eprintln!("{}", render::secrets_mode(mode));
                    report
                }
            };
            emit(json, &report, render::secrets_report)
        }
        Command::Exec { tenant, env_file, profile, confirm_name, command } => {
            let project = project(project_arg)?;
            let confirm_name = match &tenant {
                Some(tenant) => production_name(&project, tenant, confirm_name)?,
                None => confirm_name,
            };
            let env = tenantdesk_core::ops::environment::for_exec(&project, tenant.as_deref(), env_file.as_deref(), profile.as_deref(), confirm_name.as_deref(), &Keychain::new())?;
            let started = runtime()?.block_on(exec::run(&env, &command));
            tenantdesk_core::ops::environment::record_exec(&project, &env, &command, &started);
            std::process::exit(started.map_err(|e| CliError::Exec(command[0].clone(), e))?)
        }
        Command::Env { tenant, profile, format, reveal, confirm_name } => {
            let project = project(project_arg)?;
            use tenantdesk_core::ops::environment::View;
            let view = match (format, reveal) {
                (EnvFormat::References, _) => View::References,
                (_, true) => View::Revealed,
                (_, false) => View::Masked,
            };
            let confirm_name = if view == View::Revealed { production_name(&project, &tenant, confirm_name)? } else { confirm_name };
            let shown = tenantdesk_core::ops::environment::printable(&project, &tenant, profile.as_deref(), view, confirm_name.as_deref(), &Keychain::new())?;
            let json = json || matches!(format, EnvFormat::Json);
            emit(json, &shown, |vars| render::environment(vars, matches!(format, EnvFormat::Shell)))
        }
        Command::Terminal { tenant, profile, confirm_name } => {
            let project = project(project_arg)?;
            let confirm_name = production_name(&project, &tenant, confirm_name)?;
            let opened = tenantdesk_core::ops::environment::open_terminal(&project, &tenant, profile.as_deref(), confirm_name.as_deref(), &Keychain::new())?;
            emit(json, &opened, render::opened_terminal)
        }
        Command::Settings(SettingsCommand::Autostart { state }) => {
            use tenantdesk_core::autostart;
            let status = match state {
                None => autostart::status()?,
                Some(OnOff::Off) => autostart::set(false, std::path::Path::new(""))?,
                Some(OnOff::On) => {
                    let cli = std::env::current_exe().map_err(CliError::CurrentDir)?;
                    let app = autostart::app_beside(&cli).ok_or(CliError::AppNotFound)?;
                    autostart::set(true, &app)?
                }
            };
            emit(json, &status, render::autostart)
        }
        Command::Settings(SettingsCommand::Snapshots { keep, days }) => {
            emit(json, &runtime()?.block_on(tenantdesk_core::ops::snapshots::retention(keep, days))?, render::retention)
        }
        Command::Settings(SettingsCommand::Terminal { command, reset }) => {
            let change = if reset { Some("") } else { command.as_deref() };
            emit(json, &tenantdesk_core::ops::environment::terminal_setting(change)?, render::terminal_setting)
        }
        Command::Doctor => {
            let project = project(project_arg).ok();
            let checks = runtime()?.block_on(tenantdesk_core::ops::doctor::doctor(project.as_ref(), &Keychain::new()));
            emit(json, &checks, |c| render::doctor(c))?;
            if checks.iter().all(|c| c.ok) { Ok(()) } else { Err(CliError::ChecksFailed(checks.iter().filter(|c| !c.ok).count())) }
        }
    }
}

fn snapshot(project: &Project, cmd: SnapshotCommand, json: bool) -> Result<(), CliError> {
    use tenantdesk_core::ops::snapshots;
    let keychain = Keychain::new();
    match cmd {
        SnapshotCommand::Create { tenant, note, open_external_access } => {
            let tenant = prompt::tenant_id(project, tenant, "snapshot")?;
            let mut bar = progress::Transfer::new(json, "Dumping");
            let taken = runtime()?.block_on(snapshots::create_snapshot(project, &tenant, note.as_deref(), open_external_access, &keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &taken?, render::snapshot_taken)
        }
        SnapshotCommand::List { tenant, all } => emit(json, &runtime()?.block_on(snapshots::list_snapshots(project, tenant.as_deref(), all))?, |l| render::snapshots(l)),
        SnapshotCommand::Delete { snapshot, yes } => {
            let info = runtime()?.block_on(tenantdesk_core::snapshot::find(&snapshot))?;
            prompt::confirm(
                yes,
                &format!("Delete snapshot {} of '{}' ({}, {})? Its data cannot be restored afterwards.", info.id, info.tenant_name, render::size(Some(info.size)), info.created_at),
                "snapshot delete",
            )?;
            emit(json, &runtime()?.block_on(snapshots::delete_snapshot(project, &info.id))?, |s| format!("Deleted snapshot {} of '{}'", s.id, s.tenant_name))
        }
        SnapshotCommand::Export { snapshot, file } => {
            let info = runtime()?.block_on(snapshots::export_snapshot(project, &snapshot, &file))?;
            emit(json, &info, |s| format!("Wrote snapshot {} of '{}' to {} (and its manifest {}.json)", s.id, s.tenant_name, file.display(), file.display()))
        }
        SnapshotCommand::Import { file } => emit(json, &runtime()?.block_on(snapshots::import_snapshot(project, &file))?, render::snapshot_taken),
        SnapshotCommand::Restore { snapshot, as_name: Some(name), .. } => {
            let name = TenantName::parse(&name)?;
            let mut bar = progress::Transfer::new(json, "Restoring");
            let made = runtime()?.block_on(snapshots::restore_as(project, &snapshot, &name, &keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &made?, render::created_tenant)
        }
        SnapshotCommand::Restore { snapshot, yes, confirm_name, .. } => {
            let info = runtime()?.block_on(tenantdesk_core::snapshot::find(&snapshot))?;
            let production = info.tenant_id.as_deref().and_then(|t| ops::show_tenant(project, Some(t)).ok()).is_some_and(|d| d.tenant.production);
            let confirm_name = match confirm_name {
                None if production && prompt::interactive() => {
                    Some(prompt::text(None, &format!("'{}' is production. Type its name to replace its data", info.tenant_name), "--confirm-name")?)
                }
                given => {
                    prompt::confirm(
                        yes,
                        &format!("Replace the data of '{}' with snapshot {} ({})? Its current data is snapshotted first.", info.tenant_name, info.id, info.created_at),
                        "snapshot restore --in-place",
                    )?;
                    given
                }
            };
            let mut bar = progress::Transfer::new(json, "Restoring");
            let restored = runtime()?.block_on(snapshots::restore_in_place(project, &info.id, confirm_name.as_deref(), &keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &restored?, render::restored_snapshot)
        }
    }
}

async fn db(project_arg: Option<&PathBuf>, cmd: DbCommand, json: bool) -> Result<(), CliError> {
    let cfg = SharedConfig::from_env();
    let keychain = Keychain::new();
    match cmd {
        DbCommand::Up => {
            let mut bar = progress::Bar::new(json);
            let status = tenantdesk_core::ops::container::db_up(&cfg, &keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Down => emit(json, &tenantdesk_core::ops::container::db_down(&cfg).await?, render::shared_status),
        DbCommand::Pull => {
            let mut bar = progress::Bar::new(json);
            let pulled = tenantdesk_core::ops::container::db_pull(&cfg, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &pulled?, |p| p.summary.clone())
        }
        DbCommand::Recreate { no_snapshot } => {
            if !no_snapshot && !json {
                eprintln!("Keeping a snapshot of every database in the container first…");
            }
            let mut bar = progress::Bar::new(json);
            let status = tenantdesk_core::ops::container::db_recreate(&cfg, !no_snapshot, &keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Status { watch } => {
            let project = project(project_arg).ok();
            emit(json, &tenantdesk_core::ops::databases::db_status(project.as_ref(), &cfg, &keychain).await?, render::db_status)?;
            if watch {
                let engine = engine::connect(None).await?;
                let mut events = std::pin::pin!(shared_container::health_events(&engine));
                while let Some(event) = events.next().await {
                    emit(json, &event?, render::health_event)?;
                }
            }
            Ok(())
        }
        DbCommand::Logs { follow, tail } => {
            let engine = engine::connect(None).await?;
            let mut lines = std::pin::pin!(shared_container::logs(&engine, &cfg, follow, tail));
            let mut stdout = std::io::stdout();
            while let Some(line) = lines.next().await {
                let _ = write!(stdout, "{}", line?);
                let _ = stdout.flush();
            }
            Ok(())
        }
        DbCommand::Reset { yes, no_snapshot } => {
            let kept = if no_snapshot { "" } else { " (a snapshot of each database is kept first)" };
            prompt::confirm(yes, &format!("Delete the shared container and ALL local tenants' data in it{kept}?"), "db reset")?;
            if !no_snapshot && !json {
                eprintln!("Keeping a snapshot of every database in the container first…");
            }
            let mut bar = progress::Bar::new(json);
            let status = tenantdesk_core::ops::container::db_reset(&cfg, !no_snapshot, &keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Adopt { database, name } => {
            let project = project(project_arg)?;
            let name = TenantName::parse(&name)?;
            emit(json, &tenantdesk_core::ops::databases::adopt_orphan_database(&project, &cfg, &keychain, &database, &name).await?, render::created_tenant)
        }
        DbCommand::DropOrphan { database, yes } => {
            let project = project(project_arg)?;
            prompt::confirm(yes, &format!("Drop the database '{database}' and its role?"), "db drop-orphan")?;
            tenantdesk_core::ops::databases::drop_orphan_database(&project, &cfg, &keychain, &database).await?;
            emit(json, &database, |d| format!("Dropped orphan database '{d}'"))
        }
    }
}

async fn auth(project: &Project, cmd: AuthCommand, json: bool) -> Result<(), CliError> {
    let keychain = Keychain::new();
    match cmd {
        AuthCommand::Login { with_token: true, api_url, .. } => {
            let token = prompt::secret("API token")?;
            emit(json, &tenantdesk_core::ops::account::login_with_token(project, api_url.as_deref(), token, &keychain).await?, render::account)
        }
        AuthCommand::Login { api_url, provider, no_browser, .. } => {
            let provider = match provider {
                Provider::Github => "github",
                Provider::Google => "google",
            };
            let account = tenantdesk_core::ops::account::browser_login(project, api_url.as_deref(), provider, &keychain, |url| {
                let opened = !no_browser && tenantdesk_core::cloud::login::open_browser(url);
                if opened {
                    eprintln!("Opened your browser to sign in. Waiting for it (5 minutes at most)…");
                } else {
                    eprintln!("Open this address in a browser to sign in (waiting 5 minutes at most):\n  {url}");
                }
            })
            .await?;
            emit(json, &account, render::account)
        }
        AuthCommand::Logout => {
            let was = tenantdesk_core::ops::account::logout(project, &keychain)?;
            emit(json, &serde_json::json!({ "logged_out": was }), |_| match &was {
                Some(email) => format!("Logged out {email}. tenants.json and local tenants are unchanged."),
                None => "Not logged in; nothing to do.".to_owned(),
            })
        }
        AuthCommand::Whoami => emit(json, &tenantdesk_core::ops::account::whoami(project, &keychain).await?, render::account),
    }
}

fn tenant(project: &Project, cmd: TenantCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        TenantCommand::List { offline } => {
            if !offline && tenantdesk_core::ops::login::logged_in(project) {
                match runtime()?.block_on(tenantdesk_core::ops::sync::sync(project, &Keychain::new())) {
                    Ok(report) if !json => {
                        if !report.added.is_empty() {
                            eprintln!("Added from SystemPrompt Cloud: {}", report.added.join(", "));
                        }
                        for t in &report.unfinished {
                            eprintln!("{}", render::unfinished(t));
                        }
                        for t in &report.external_url_missing {
                            eprintln!("{}", render::external_url_missing(t));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => eprintln!("Warning: Failed to sync cloud tenants: {e}{}", e.hint().map(|h| format!("\n  Hint: {h}")).unwrap_or_default()),
                }
            }
            emit(json, &ops::list_tenants(project)?, render::tenant_list)
        }
        TenantCommand::Select { id } => {
            let id = prompt::tenant_id(project, id, "select")?;
            emit(json, &ops::select_tenant(project, &id)?, render::selection)
        }
        TenantCommand::Show { id } => {
            let keychain = Keychain::new();
            let details = match ops::show_tenant(project, id.as_deref()) {
                Ok(d) => d,
                // A cloud tenant whose provisioning failed is not registered; the API still knows it.
                Err(tenantdesk_core::Error::TenantNotFound { .. }) if id.is_some() && tenantdesk_core::ops::login::logged_in(project) => {
                    let status = runtime()?.block_on(cloud::status(project, id.as_deref().unwrap_or_default(), &keychain))?;
                    return emit(json, &status, render::cloud_status);
                }
                Err(e) => return Err(e.into()),
            };
            let mut value = serde_json::to_value(&details).unwrap_or_default();
            if details.tenant.tenant_type == tenantdesk_core::tenant::TenantType::Cloud {
                let live = runtime()?.block_on(cloud::status(project, &details.tenant.id, &keychain));
                match &live {
                    Ok(s) => value["cloud"] = serde_json::to_value(s).unwrap_or_default(),
                    Err(e) => value["cloud_error"] = serde_json::json!({ "code": e.code(), "message": e.to_string(), "hint": e.hint() }),
                }
                return emit(json, &value, |_| render::cloud_tenant_details(&details, &live));
            }
            let health = runtime()?.block_on(tenantdesk_core::ops::databases::tenant_health(project, &details.tenant.id, &keychain)).transpose();
            match &health {
                Some(Ok(h)) => value["health"] = serde_json::to_value(h).unwrap_or_default(),
                Some(Err(e)) => value["health_error"] = serde_json::json!({ "code": e.code(), "message": e.to_string(), "hint": e.hint() }),
                None => {}
            }
            emit(json, &value, |_| render::tenant_details(&details, health.as_ref()))
        }
        TenantCommand::Create(args) if args.region.is_some() || args.kind == Some(TenantKind::Cloud) => create_cloud(project, args, json),
        TenantCommand::Restore { forget: true } => {
            ops::forget_removed_tenants(project)?;
            emit(json, &serde_json::json!({ "forgotten": true }), |_| "Forgotten: Tenantdesk no longer offers to restore them.".to_owned())
        }
        TenantCommand::Restore { forget: false } => emit(json, &ops::restore_tenants(project, &Keychain::new())?, |r| render::restored(r)),
        TenantCommand::Add { id, name, hostname, provider, region, database_url } => {
            let database_url = match database_url {
                Some(url) if url == "-" => Some(prompt::secret("Database URL")?),
                Some(url) => Some(tenantdesk_core::secret::Secret::new(url)),
                None => None,
            };
            let new = ops::SelfManagedTenant { id: TenantId::parse(&id)?, name: TenantName::parse(&name)?, provider, hostname, region, database_url };
            emit(json, &ops::add_self_managed_tenant(project, &new, &Keychain::new())?, render::created_tenant)
        }
        TenantCommand::Create(args) => {
            let quick = args.name.is_some();
            let name = prompt::text(args.name, "Tenant name", "--name")?;
            let name = TenantName::parse(&name)?;
            // `--name` alone is the seed's quick start: the shared container, no questions.
            let url = match args.database_url {
                Some(url) if url == "-" => Some(prompt::secret("Database URL")?.expose().to_owned()),
                Some(url) => Some(url),
                None if !quick && prompt::interactive() => prompt::optional_text("Database URL (empty: a new database in Docker)")?,
                None => None,
            };
            let source = match url {
                Some(url) => DatabaseSource::External { url, verify: !args.no_verify },
                None => DatabaseSource::Shared { port: args.port },
            };
            let keychain = Keychain::new();
            let cfg = SharedConfig::from_env();
            let mut bar = progress::Bar::new(json);
            let created = runtime()?.block_on(local::create_local_tenant(project, &name, source, &cfg, &keychain, &mut |p| bar.update(&p)));
            bar.finish();
            emit(json, &created?, render::created_tenant)
        }
        TenantCommand::Delete { id, yes, confirm_name, no_snapshot } => {
            let id = prompt::tenant_id(project, id, "delete")?;
            let tenant = ops::show_tenant(project, Some(&id))?.tenant;
            let cloud = tenant.tenant_type == tenantdesk_core::tenant::TenantType::Cloud;
            let confirm_name = match confirm_name {
                // The seed: deleting a cloud tenant cancels its subscription, so its name is typed.
                None if cloud && !yes && prompt::interactive() => {
                    let typed = prompt::text(
                        None,
                        &format!("Delete cloud tenant '{}' and {}? This cannot be undone. Type its name to confirm", tenant.name, tenant.delete_destroys),
                        "--confirm-name",
                    )?;
                    if typed != tenant.name {
                        return Err(CliError::NameMismatch);
                    }
                    Some(typed)
                }
                None if tenant.production && prompt::interactive() => {
                    Some(prompt::text(None, &format!("'{}' is production. Type its name to delete it", tenant.name), "--confirm-name")?)
                }
                given => {
                    let undo = if tenant.snapshots && !no_snapshot { "A snapshot is kept first, so it can be undone." } else { "This cannot be undone." };
                    prompt::confirm(yes, &format!("Delete tenant '{}' and {}? {undo}", tenant.name, tenant.delete_destroys), "tenant delete")?;
                    given
                }
            };
            let deleted = runtime()?.block_on(tenantdesk_core::ops::delete_tenant(project, &id, confirm_name.as_deref(), !no_snapshot, &Keychain::new()));
            emit(json, &deleted?, render::deleted_tenant)
        }
        TenantCommand::RotateCredentials { id, yes, confirm_name } => {
            let id = prompt::tenant_id(project, id, "rotate")?;
            let tenant = ops::show_tenant(project, Some(&id))?.tenant;
            let confirm_name = match confirm_name {
                None if tenant.production && prompt::interactive() => {
                    Some(prompt::text(None, &format!("'{}' is production. Type its name to rotate its credentials", tenant.name), "--confirm-name")?)
                }
                given => {
                    prompt::confirm(yes, &format!("Rotate database credentials for '{}'? This will generate a new password.", tenant.name), "tenant rotate-credentials")?;
                    given
                }
            };
            let rotated = runtime()?.block_on(tenantdesk_core::ops::rotation::rotate_credentials(project, &id, confirm_name.as_deref(), &Keychain::new()));
            emit(json, &rotated?, render::rotated)
        }
        TenantCommand::RotateSyncToken { id, yes, confirm_name } => {
            let id = prompt::tenant_id(project, id, "rotate the sync token of")?;
            let tenant = ops::show_tenant(project, Some(&id))?.tenant;
            prompt::confirm(yes, &format!("Rotate the sync token for '{}'? The old one stops working.", tenant.name), "tenant rotate-sync-token")?;
            let rotated = runtime()?.block_on(cloud::rotate_sync_token(project, &id, confirm_name.as_deref(), &Keychain::new()))?;
            emit(json, &rotated, |r| format!("Rotated the sync token of '{}' ({}); the new one is in the keychain", r.name, r.tenant_id))
        }
        TenantCommand::ExternalDbAccess { id, enable, disable: _ } => {
            let id = prompt::tenant_id(project, id, "change external database access of")?;
            let changed = runtime()?.block_on(cloud::set_external_db_access(project, &id, enable, &Keychain::new()))?;
            emit(json, &changed, render::external_access)
        }
        TenantCommand::Cancel { id, yes } => {
            let id = prompt::tenant_id(project, id, "cancel")?;
            let tenant = ops::show_tenant(project, Some(&id))?.tenant;
            let confirm_name = if yes {
                None
            } else if prompt::interactive() {
                let typed = prompt::text(None, &format!("Cancel the subscription of '{}'? Type its name to confirm", tenant.name), "-y")?;
                if typed != tenant.name {
                    return Err(CliError::NameMismatch);
                }
                Some(typed)
            } else {
                return Err(CliError::NeedsYes { command: "tenant cancel" });
            };
            let cancelled = runtime()?.block_on(cloud::cancel_subscription(project, &id, confirm_name.as_deref(), &Keychain::new()))?;
            emit(json, &cancelled, |c| format!("Cancelled the subscription of '{}' ({}). The tenant stays in tenants.json until you delete it.", c.name, c.tenant_id))
        }
        TenantCommand::RetryProvision { id } => {
            let mut phases = progress::Phases::new(json);
            let done = runtime()?.block_on(tenantdesk_core::ops::provisioning::retry_provision(project, &id, &Keychain::new(), &mut |p| phases.show(&p)));
            emit(json, &done?, render::created_cloud_tenant)
        }
        TenantCommand::Clone { id, name, mask } => {
            let name = TenantName::parse(&name)?;
            let mut bar = progress::Transfer::new(json, "Copying");
            let cloned = runtime()?.block_on(tenantdesk_core::ops::clones::clone_tenant(project, &id, &name, &mask, &Keychain::new(), &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &cloned?, render::created_tenant)
        }
        TenantCommand::Appearance { id, colour, default_colour, icon, no_icon } => {
            let change = ops::AppearanceChange { colour: if default_colour { Some(None) } else { colour.map(Some) }, icon: if no_icon { Some(None) } else { icon.map(Some) } };
            emit(json, &ops::set_appearance(project, &id, change)?, render::appearance)
        }
        TenantCommand::Production { id, off } => emit(json, &ops::set_production(project, &id, !off)?, render::production),
    }
}

fn create_cloud(project: &Project, args: CreateTenant, json: bool) -> Result<(), CliError> {
    let rt = runtime()?;
    let keychain = Keychain::new();
    let region = match args.region {
        Some(r) => r,
        None if prompt::interactive() => prompt::region()?,
        None => return Err(CliError::MissingArgument { what: "--region" }),
    };
    let name = TenantName::parse(&prompt::text(args.name, "Tenant name", "--name")?)?;
    let plan = match args.plan {
        Some(p) => Some(p),
        None if prompt::interactive() => {
            let plans = rt.block_on(tenantdesk_core::ops::provisioning::plans(project, &keychain))?;
            prompt::plan(&plans)?
        }
        None => None,
    };
    let request = tenantdesk_core::ops::provisioning::CloudCreate { name, region, plan };
    let mut phases = progress::Phases::new(json);
    let created = rt.block_on(tenantdesk_core::ops::provisioning::create_cloud_tenant(project, &request, &keychain, &mut |p| phases.show(&p)));
    emit(json, &created?, render::created_cloud_tenant)
}

fn profile(project: &Project, cmd: ProfileCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        ProfileCommand::List => emit(json, &ops::list_profiles(project)?, |p| render::profile_list(p)),
        ProfileCommand::Show { name } => emit(json, &ops::show_profile(project, &name)?, render::profile_details),
        ProfileCommand::Create { name, tenant, credentials_path, tenants_path } => {
            for (key, given) in [("credentials_path", &credentials_path), ("tenants_path", &tenants_path)] {
                if given.is_some() {
                    return Err(tenantdesk_core::Error::RefusedProfileKey { key }.into());
                }
            }
            let name = ProfileName::parse(&prompt::text(name, "Profile name", "<NAME>")?)?;
            emit(json, &ops::create_profile(project, &name, tenant.as_deref(), &Keychain::new())?, render::created_profile)
        }
        ProfileCommand::Upgrade { name, dry_run } => emit(json, &ops::upgrade_profile(project, &name, dry_run)?, render::profile_upgrade),
        ProfileCommand::SetSecret { profile, key } => {
            let value = prompt::secret(&format!("Value of {key} for profile '{profile}'"))?;
            tenantdesk_core::ops::secrets::set_profile_secret(project, &profile, &key, &value, &Keychain::new())?;
            emit(json, &serde_json::json!({ "profile": profile, "key": key, "stored": "keychain" }), |_| {
                format!("Stored {key} for profile '{profile}' in the keychain (secrets.json marks it ***)")
            })
        }
        ProfileCommand::Delete { name, yes } => {
            prompt::confirm(yes, &format!("Delete profile '{name}' and its folder?"), "profile delete")?;
            emit(json, &ops::delete_profile(project, &name)?, render::deleted_profile)
        }
    }
}

fn session(project: &Project, cmd: SessionCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        SessionCommand::List => emit(json, &ops::list_sessions(project)?, |s| render::session_list(s)),
        SessionCommand::Show { key } => emit(json, &ops::show_session(project, key.as_deref())?, render::session),
        SessionCommand::Switch { profile } => {
            let profile = prompt::profile_name(project, profile)?;
            emit(json, &ops::switch_session(project, &profile)?, render::switched)
        }
    }
}

/// A production tenant's name, asked at a terminal when not given (scripts must pass it).
fn production_name(project: &Project, tenant: &str, given: Option<String>) -> Result<Option<String>, CliError> {
    let t = ops::show_tenant(project, Some(tenant))?.tenant;
    if !t.production || given.is_some() || !prompt::interactive() {
        return Ok(given);
    }
    Ok(Some(prompt::text(None, &format!("'{}' is production. Type its name to use its credentials", t.name), "--confirm-name")?))
}
