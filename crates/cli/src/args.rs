//! The command tree as clap parses it: the seed's commands, their arguments and their help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "tenantdesk", version, about = "Manage SystemPrompt tenants, profiles and sessions")]
pub struct Cli {
    /// The project folder (the one holding .systemprompt/); default: found by walking up from here.
    #[arg(long, global = true, value_name = "DIR", env = "TENANTDESK_PROJECT")]
    pub project: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create .systemprompt/ in a folder (default: the current one).
    Init {
        /// The folder (default: --project, else the current one).
        dir: Option<PathBuf>,
    },
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
        /// An env file whose 'tenantdesk://<tenant>/<variable>' references are resolved from the
        /// keychain (other values are passed as they are), e.g. one 'env --format references' wrote.
        #[arg(long, value_name = "FILE")]
        env_file: Option<PathBuf>,
        /// The profile whose secrets and path are used (default: the tenant's session profile,
        /// else its first).
        #[arg(long)]
        profile: Option<String>,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
        /// The command to run, after '--', e.g. -- psql.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Print a tenant's environment (what 'exec' passes), secrets masked unless --reveal.
    Env {
        tenant: String,
        #[arg(long)]
        profile: Option<String>,
        /// dotenv, shell, json, or references (a committable env file 'exec --env-file' reads).
        #[arg(long, value_enum, default_value = "dotenv")]
        format: EnvFormat,
        /// Print the real values (recorded in the audit log).
        #[arg(long)]
        reveal: bool,
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Open your terminal emulator in the project folder with a tenant's environment (what 'exec'
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
    /// 'tenantdesk completions bash > ~/.local/share/bash-completion/completions/tenantdesk').
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), as the package installs it.
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Snapshot a tenant's database with the server's own
    /// pg_dump, into Tenantdesk's data folder: a local tenant's in its container, a cloud
    /// tenant's over its external database access.
    Create {
        /// The tenant to snapshot: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        tenant: Option<String>,
        /// A note kept with the snapshot, shown in the list.
        #[arg(long)]
        note: Option<String>,
        /// For a cloud tenant whose external database access is off: switch it on for the dump,
        /// and off again after.
        #[arg(long)]
        open_external_access: bool,
    },
    /// This project's snapshots (of one tenant, also a deleted one), or every project's with --all.
    List {
        /// Only this tenant's snapshots (its name or id; a deleted tenant's too).
        tenant: Option<String>,
        /// Every project's snapshots, not only this one's.
        #[arg(long)]
        all: bool,
    },
    /// Put a snapshot back: --in-place into its tenant (keeping its URL, role and password; the
    /// current data is snapshotted first), or --as NAME into a new tenant. Restoring as the
    /// deleted tenant's name undoes its delete (and keeps its id).
    Restore {
        /// The snapshot's id (or a unique prefix of it), as 'snapshot list' shows it.
        snapshot: String,
        /// Restore into a new local tenant of this name.
        #[arg(long = "as", value_name = "NAME", conflicts_with = "in_place", required_unless_present = "in_place")]
        as_name: Option<String>,
        /// Restore into the snapshot's own tenant, replacing its data.
        #[arg(long)]
        in_place: bool,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required to restore a production tenant in place.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Delete a snapshot's file and its entry.
    Delete {
        /// The snapshot's id (or a unique prefix of it).
        snapshot: String,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Write a snapshot to FILE (a standard pg_restore archive) and FILE.json (its manifest),
    /// to move a tenant to another machine.
    Export {
        /// The snapshot's id (or a unique prefix of it).
        snapshot: String,
        /// The archive to write (FILE.json beside it holds the manifest).
        file: PathBuf,
    },
    /// List a pg_restore archive (and its manifest, when beside it) as a snapshot of this project;
    /// then 'snapshot restore <id> --as NAME'.
    Import {
        /// A pg_restore archive (custom format), e.g. one 'snapshot export' wrote.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Start the desktop app at login, hidden in the tray ('on'), or not ('off'); without an
    /// argument, says which.
    Autostart {
        /// on or off.
        state: Option<OnOff>,
    },
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
    /// The terminal emulator tenants open in, as a command line ('kitty', 'xterm -fa Mono').
    /// Without one, says which is used and how it was found.
    Terminal {
        /// The command line of the terminal emulator.
        command: Option<String>,
        /// Forget the setting: find the terminal the way the desktop does.
        #[arg(long, conflicts_with = "command")]
        reset: bool,
    },
}

#[derive(Subcommand)]
pub enum InfraCommand {
    /// A tenant's database: its migrations.
    #[command(subcommand)]
    Db(InfraDbCommand),
}

#[derive(Subcommand)]
pub enum InfraDbCommand {
    /// Apply the project's migrations (migrations/*.sql) to a tenant's database (the selected
    /// one by default); ones already applied are skipped.
    Migrate {
        /// The tenant: its name, id or a unique id prefix (default: the selected one).
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Move secrets found in tenants.json, profiles' secrets.json and credentials.json into the
    /// keychain and mask the files (each file is backed up first).
    Import,
    /// Write the keychain's values back into the plaintext files the systemprompt CLI reads.
    Export {
        /// Required: says you want plaintext secrets in files (mode 0600).
        #[arg(long, required = true)]
        cli_compatible: bool,
    },
    /// Where this project's secrets live from now on: 'keychain' (files hold ***) or
    /// 'cli-compatible' (the keychain and, for the systemprompt CLI, its 0600 files, kept filled
    /// in by every Tenantdesk write). Without a mode, says the current one.
    Mode {
        /// keychain or cli-compatible.
        mode: Option<SecretsModeArg>,
    },
    /// Move a .env file's values into the keychain as a profile's secrets (its secrets.json marks
    /// them ***), after a 0600 backup of the file; --remove also takes those lines out of it.
    ImportEnv {
        /// The .env file to read.
        file: PathBuf,
        /// The profile whose secrets the values become.
        #[arg(long)]
        profile: String,
        /// Also take the imported lines out of the file.
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EnvFormat {
    Dotenv,
    Shell,
    Json,
    References,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SecretsModeArg {
    Keychain,
    CliCompatible,
}

#[derive(Subcommand)]
pub enum AuditCommand {
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
pub enum DbCommand {
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
        /// Keep printing new lines as they come.
        #[arg(short, long)]
        follow: bool,
        /// How many of the last lines to print first.
        #[arg(long, default_value_t = 200)]
        tail: usize,
    },
    /// Delete the container and ALL local tenants' data in it, then start afresh. A snapshot of
    /// each database is kept first (restorable as new tenants).
    Reset {
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
        /// Do not snapshot the databases first (for a container too broken to dump).
        #[arg(long)]
        no_snapshot: bool,
    },
    /// Make an orphan database (see 'db status') a tenant of this project again.
    Adopt {
        /// The orphan database's name, as 'db status' lists it.
        database: String,
        /// The tenant's name.
        #[arg(long)]
        name: String,
    },
    /// Drop a Tenantdesk database no tenant of this project claims (see 'db status').
    DropOrphan {
        /// The orphan database's name, as 'db status' lists it.
        database: String,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum CloudCommand {
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
pub enum AuthCommand {
    /// Sign in with the browser (a loopback callback receives the token), or with a token read
    /// from stdin.
    Login {
        /// Read an API token from stdin instead of opening a browser (scripts, CI).
        #[arg(long)]
        with_token: bool,
        /// The API to log in to (default: TENANTDESK_CLOUD_URL, else https://api.systemprompt.io).
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
        /// The account to sign in with at the browser.
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
pub enum Provider {
    Github,
    Google,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// CLI sessions, one per tenant: list, show, switch profile.
    #[command(subcommand)]
    Session(SessionCommand),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TenantKind {
    Local,
    Cloud,
}

#[derive(Subcommand)]
pub enum TenantCommand {
    /// List the project's tenants; the selected one is marked. When logged in, cloud tenants are
    /// merged in first (local ones are never dropped).
    List {
        /// Do not ask SystemPrompt Cloud; list tenants.json as it is.
        #[arg(long)]
        offline: bool,
        /// Show ids whole, not cut to a unique prefix.
        #[arg(long)]
        wide: bool,
    },
    /// Make a tenant the active one (its session and profile become active).
    Select {
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        id: Option<String>,
    },
    /// Show a tenant (the selected one by default); cloud tenants with their live status.
    Show {
        /// The tenant: its name, id or a unique id prefix (default: the selected one).
        id: Option<String>,
    },
    /// Create a local tenant ('--type local --name N') or a cloud tenant ('--region R').
    Create(CreateTenant),
    /// Put back the local and self-managed tenants a 'systemprompt cloud auth logout' took out of
    /// tenants.json (Tenantdesk keeps a copy; their passwords are still in the keychain).
    Restore {
        /// Do not restore them: forget them, and stop offering.
        #[arg(long)]
        forget: bool,
    },
    /// Record a self-managed tenant (hosted on your own Kubernetes or GKE), as systemprompt
    /// 0.75's 'cloud tenant add' does: the record and a profile only; Tenantdesk runs nothing.
    Add {
        /// The tenant's id, as the systemprompt CLI names it.
        #[arg(long)]
        id: String,
        /// The tenant's name.
        #[arg(long)]
        name: String,
        /// Where the tenant is served, e.g. sp.example.com.
        #[arg(long)]
        hostname: String,
        /// The hosting provider: kubernetes or gke.
        #[arg(long)]
        provider: String,
        /// Its region, when it has one.
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
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
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
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        id: Option<String>,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Rotate a cloud tenant's sync token (kept in the keychain).
    RotateSyncToken {
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        id: Option<String>,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The tenant's name, required for a production tenant.
        #[arg(long, value_name = "NAME")]
        confirm_name: Option<String>,
    },
    /// Let a cloud tenant's database take connections from outside SystemPrompt Cloud
    /// ('--enable'), or stop that ('--disable'); tenants.json's 'database_url' follows.
    ExternalDbAccess {
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        id: Option<String>,
        /// Switch external access on.
        #[arg(long, conflicts_with = "disable", required_unless_present = "disable")]
        enable: bool,
        /// Switch external access off.
        #[arg(long)]
        disable: bool,
    },
    /// Cancel a cloud tenant's subscription (tenants.json is unchanged).
    Cancel {
        /// The tenant: its name, id or a unique id prefix (at a terminal, picked from a list when left out).
        id: Option<String>,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Retry a cloud tenant's failed provisioning and register it when it is ready.
    RetryProvision {
        /// The cloud tenant's id (as 'tenant show' or the failed create printed it).
        id: String,
    },
    /// Copy a tenant into a new local one with its own role, password and profile (a local source
    /// may be in use; a cloud one is dumped over its external access, switched on for it).
    Clone {
        /// The tenant to copy: its name, id or a unique id prefix.
        id: String,
        /// The new tenant's name.
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
        /// The tenant: its name, id or a unique id prefix.
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
        /// Remove the icon.
        #[arg(long)]
        no_icon: bool,
    },
    /// Mark a tenant as production (deleting it then needs its name typed), or unmark it.
    Production {
        /// The tenant: its name, id or a unique id prefix.
        id: String,
        /// Remove the production mark.
        #[arg(long)]
        off: bool,
    },
}

#[derive(Args)]
pub struct CreateTenant {
    /// local (default) or cloud; '--region' implies cloud.
    #[arg(long = "type", value_enum)]
    pub kind: Option<TenantKind>,
    /// A cloud tenant's region: iad, lhr, fra, ams, sin, nrt, syd or gru.
    #[arg(long, conflicts_with_all = ["database_url", "port", "no_verify"])]
    pub region: Option<String>,
    /// A cloud plan id (default: asked when there are several, else the only one).
    #[arg(long, requires = "region")]
    pub plan: Option<String>,
    /// Human-readable name, e.g. my-project.
    #[arg(long)]
    pub name: Option<String>,
    /// An existing PostgreSQL database: postgres://user:password@host:port/db, or "-" to read it
    /// from stdin (a hidden prompt at a terminal), which keeps the password out of 'ps'.
    #[arg(long)]
    pub database_url: Option<String>,
    /// The shared container's port, when it is created (default 5432 or TENANTDESK_POSTGRES_PORT).
    #[arg(long)]
    pub port: Option<u16>,
    /// Register --database-url without connecting to it first.
    #[arg(long, requires = "database_url")]
    pub no_verify: bool,
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// List profiles and the tenant each belongs to.
    List,
    /// Show one profile.
    Show {
        /// The profile's name.
        name: String,
    },
    /// Create a profile linked to a tenant (the selected one by default).
    Create {
        /// The profile's name (asked for at a terminal when left out).
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
        /// The profile's name.
        name: String,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Store one of a profile's secrets (e.g. ANTHROPIC_API_KEY) in the keychain. The value is
    /// read from stdin, or asked for without echo at a terminal; never from the command line.
    SetSecret {
        /// The profile's name.
        profile: String,
        /// The secret's name, e.g. ANTHROPIC_API_KEY.
        key: String,
    },
    /// Delete a profile's folder.
    Delete {
        /// The profile's name.
        name: String,
        /// Do not ask for confirmation (required when not interactive).
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum SessionCommand {
    /// List the sessions, one per tenant.
    List,
    /// Show a session (the active one by default).
    Show {
        /// The session: local, tenant_<id>, or a tenant's id (default: the active one).
        key: Option<String>,
    },
    /// Switch to a profile; its tenant's session becomes active.
    Switch {
        /// The profile to switch to (at a terminal, picked from a list when left out).
        profile: Option<String>,
    },
}
