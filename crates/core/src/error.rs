//! The one error type of the core. Every variant says what went wrong in words a user can act on,
//! and [`Error::hint`] says what to do next — the seed's troubleshooting table where it applies.
//! The desktop app and the CLI show the same words.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("No SystemPrompt project found in {} or any folder above it", start.display())]
    ProjectNotFound { start: PathBuf },

    #[error("{} is not a SystemPrompt project (it has no .systemprompt/ folder)", dir.display())]
    NotAProject { dir: PathBuf },

    #[error("No tenant configured")]
    NoTenantConfigured,

    #[error("Tenant not found: {id}")]
    TenantNotFound { id: String, registry: PathBuf },

    #[error("No tenants configured.")]
    NoTenants,

    #[error("A tenant named '{name}' already exists ({id})")]
    TenantNameTaken { name: String, id: String },

    #[error("Profile '{name}' not found")]
    ProfileNotFound { name: String },

    #[error("Profile '{name}' already exists")]
    ProfileExists { name: String },

    #[error("No session for '{key}'")]
    SessionNotFound { key: String },

    #[error("Invalid {kind} '{value}': {reason}")]
    InvalidName { kind: &'static str, value: String, reason: &'static str },

    #[error("Invalid database URL: {reason}")]
    InvalidDatabaseUrl { reason: String },

    #[error("{} is not valid {format} (line {line}, column {column}): {message}", path.display())]
    Corrupt { path: PathBuf, format: &'static str, line: usize, column: usize, message: String },

    #[error("{} has an unexpected shape: {message}", path.display())]
    Invalid { path: PathBuf, message: String },

    #[error("Session file version mismatch: expected 1, got {found} in {}", path.display())]
    SessionStoreVersion { path: PathBuf, found: u64 },

    #[error("Could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },

    #[error("'{name}' is a production tenant: type its name to confirm")]
    ConfirmationRequired { name: String },

    #[error("The OS keychain is not available: {reason}")]
    KeychainUnavailable { reason: String },

    #[error("Docker is not running (tried {tried})")]
    DockerNotRunning { tried: String },

    #[error("Docker engine error while trying to {action}: {message}")]
    Docker { action: &'static str, message: String },

    #[error("Could not pull the image {image}: {message}")]
    ImagePull { image: String, message: String },

    #[error("{image} cannot take over the shared container's data: {reason}")]
    IncompatibleImage { image: String, reason: String },

    #[error("The shared container could not be moved onto {image}: {reason}")]
    RecreateFailed { image: String, reason: String, restored: bool },

    #[error("Port {port} is taken by {holder}")]
    PortTaken { port: u16, holder: String, free: Option<u16> },

    #[error("The shared container '{container}' is bound to port {port}, which {holder} holds now")]
    ContainerPortTaken { container: String, port: u16, holder: String },

    #[error("Database connection failed: {reason}")]
    DatabaseConnection { reason: String },

    #[error("Database error while trying to {action}: {message}")]
    Database { action: &'static str, message: String },

    #[error("Timeout waiting for PostgreSQL in '{container}' to become healthy")]
    Unhealthy { container: String, logs: String },

    #[error("Not logged in to SystemPrompt Cloud")]
    NotLoggedIn,

    #[error("Access denied: {reason}")]
    AccessDenied { reason: String },

    #[error("API error: {}{message} (HTTP {status})", if code.is_empty() { String::new() } else { format!("{code}: ") })]
    CloudApi { status: u16, code: String, message: String },

    #[error("SystemPrompt Cloud at {url} could not be reached: {reason}")]
    CloudUnreachable { url: String, reason: String },

    #[error("SystemPrompt Cloud at {url} did not answer within {secs} seconds")]
    CloudTimeout { url: String, secs: f64 },

    #[error("Provisioning failed at {phase}: {message}")]
    ProvisioningFailed { id: String, phase: String, message: String },

    #[error("The rotation of '{name}' may have happened, but its answer was lost ({reason}) and its current credentials could not be fetched")]
    RotationUnconfirmed { name: String, id: String, reason: String },

    #[error("The keychain has no database password for tenant '{name}'")]
    PasswordMissing { name: String, id: String, cloud: bool },

    #[error("Profile '{name}' cannot be upgraded: {reason}")]
    UpgradeRefused { name: String, reason: String },

    #[error("Login failed: {reason}")]
    LoginFailed { reason: String },

    #[error("Unknown region '{code}'")]
    UnknownRegion { code: String },

    #[error("'{name}' is a {kind} tenant: {operation} is only available for {wanted} tenants")]
    WrongTenantType { name: String, kind: String, wanted: &'static str, operation: &'static str },

    #[error("{operation} needs the Docker engine, which this build cannot manage yet")]
    NeedsDocker { operation: &'static str },

    #[error("cloud.{key} is refused by every systemprompt CLI since 0.11 (unknown field `{key}`): a profile holding it does not load")]
    RefusedProfileKey { key: &'static str },

    #[error("'{database}' belongs to tenant '{tenant}' of the project at {project}: it is not an orphan, and this project cannot drop or adopt it")]
    ClaimedByAnotherProject { database: String, project: String, tenant: String },

    #[error("This project's tenants.json is written for systemprompt 0.74 or older (tenant_type), which has no self-managed tenants")]
    SelfManagedNeedsProvider,

    #[error("'{value}' is not a {kind} you can choose; the choices: {choices}")]
    InvalidChoice { kind: &'static str, value: String, choices: String },

    #[error("Snapshot '{id}' not found: {reason}")]
    SnapshotNotFound { id: String, reason: String },

    #[error("Snapshot '{id}' is damaged: {reason}")]
    SnapshotCorrupt { id: String, reason: String },

    #[error("'{name}' cannot be snapshotted: {reason}")]
    SnapshotUnsupported { name: String, reason: String },

    #[error("Could not {action}: {reason}")]
    SnapshotFailed { action: &'static str, reason: String },

    #[error("No terminal emulator found (tried {tried})")]
    NoTerminal { tried: String },

    #[error("The terminal '{program}' could not be started: {reason}")]
    TerminalFailed { program: String, reason: String },
}

impl Error {
    /// What the user should do next, when there is something to do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::ProjectNotFound { .. } | Error::NotAProject { .. } => {
                "Run 'tenantdesk init' in your project folder, or pass --project DIR".to_owned()
            }
            Error::NoTenantConfigured => {
                "Run 'tenantdesk cloud tenant list' then 'tenantdesk cloud tenant select <id>'".to_owned()
            }
            Error::TenantNotFound { registry, .. } => format!(
                "Check {} for valid IDs, or run 'tenantdesk cloud tenant list'",
                registry.display()
            ),
            Error::NoTenants => {
                "Create one with 'tenantdesk cloud tenant create --type local --name <name>'".to_owned()
            }
            Error::TenantNameTaken { .. } => "Choose another name, or delete the existing tenant first".to_owned(),
            Error::ProfileNotFound { .. } => "Run 'tenantdesk cloud profile list' to see the profiles".to_owned(),
            Error::ProfileExists { .. } => "Choose another name, or delete the existing profile first".to_owned(),
            Error::SessionNotFound { .. } => "Run 'tenantdesk admin session list' to see the sessions".to_owned(),
            Error::InvalidName { .. } => {
                "Use 1-63 ASCII letters, digits, '-' or '_', starting with a letter or digit".to_owned()
            }
            Error::InvalidDatabaseUrl { .. } => {
                "Use the form postgres://user:password@host:port/database".to_owned()
            }
            Error::Corrupt { path, .. } | Error::Invalid { path, .. } => format!(
                "Fix or restore {} by hand; Tenantdesk leaves it untouched until it parses",
                path.display()
            ),
            Error::SessionStoreVersion { path, .. } => format!(
                "Delete {} and run 'tenantdesk admin session switch <profile>'",
                path.display()
            ),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                "Check the file's owner and permissions".to_owned()
            }
            Error::Io { .. } => return None,
            Error::ConfirmationRequired { name } => {
                format!("Pass --confirm-name {name} (or type it when asked)")
            }
            Error::KeychainUnavailable { .. } => {
                if cfg!(target_os = "linux") {
                    "Start and unlock a Secret Service (gnome-keyring or KWallet) in your session; 'tenantdesk doctor' checks it. Tenantdesk never falls back to plaintext files".to_owned()
                } else {
                    "Unlock your keychain and try again; Tenantdesk never falls back to plaintext files".to_owned()
                }
            }
            Error::DockerNotRunning { .. } => {
                if cfg!(target_os = "linux") {
                    "Start Docker: 'sudo systemctl start docker' (or start Docker Desktop), then retry".to_owned()
                } else {
                    "Start Docker Desktop, then retry".to_owned()
                }
            }
            Error::Docker { .. } => "Check 'docker info' and the engine's log, then retry".to_owned(),
            Error::IncompatibleImage { .. } => {
                "Nothing was changed. Keep the image the container runs (set TENANTDESK_POSTGRES_IMAGE back), or move the data yourself (pg_dump, pg_upgrade); 'tenantdesk db reset' starts afresh on the new image and deletes the data".to_owned()
            }
            Error::RecreateFailed { restored: true, .. } => {
                "The container is back on its previous image with all its data; 'tenantdesk db logs' shows why the new image did not start".to_owned()
            }
            Error::RecreateFailed { restored: false, .. } => {
                "Neither image started; the data volume is untouched. Run 'tenantdesk doctor', then 'tenantdesk db up'".to_owned()
            }
            Error::ImagePull { .. } => {
                "Check that the image's registry is reachable from the engine and the name is right (TENANTDESK_POSTGRES_IMAGE); an image built on this machine cannot be pulled".to_owned()
            }
            Error::PortTaken { free: Some(free), .. } => format!("Use --port {free}, which is free"),
            Error::PortTaken { .. } => "Stop what holds the port, or choose another with --port".to_owned(),
            // Not --port: every local tenant's URL names the port the container was made on.
            Error::ContainerPortTaken { port, holder, .. } => {
                format!("Stop {holder} (or move it off port {port}), then run 'tenantdesk db up'; the container keeps port {port} because its tenants' URLs name it")
            }
            Error::DatabaseConnection { .. } => {
                "Run 'tenantdesk db up' for local tenants, or check the URL, host, port and password".to_owned()
            }
            Error::Database { .. } => "Check 'tenantdesk db logs' for the server's side".to_owned(),
            Error::Unhealthy { .. } => "Check the container's logs with 'tenantdesk db logs'".to_owned(),
            Error::NotLoggedIn => "Run 'tenantdesk cloud auth login' (or 'login --with-token' with a token on stdin)".to_owned(),
            Error::AccessDenied { .. } => {
                "Run 'tenantdesk cloud auth login' again; for a tenant's database, 'tenantdesk cloud tenant rotate-credentials <id>'".to_owned()
            }
            Error::CloudApi { status: 404, .. } => "Check the id with 'tenantdesk cloud tenant list'".to_owned(),
            Error::CloudApi { status, .. } if *status >= 500 => "SystemPrompt Cloud had a problem; retry in a minute".to_owned(),
            Error::CloudApi { .. } => return None,
            Error::CloudUnreachable { .. } => {
                "Check your network connection, or the API address in TENANTDESK_CLOUD_URL".to_owned()
            }
            Error::CloudTimeout { .. } => {
                "Retry; on a slow network raise TENANTDESK_CLOUD_TIMEOUT_MS".to_owned()
            }
            Error::ProvisioningFailed { id, .. } => format!(
                "Check 'tenantdesk cloud tenant show {id}' for status, then 'tenantdesk cloud tenant retry-provision {id}'"
            ),
            Error::LoginFailed { .. } => "Run 'tenantdesk cloud auth login' again".to_owned(),
            Error::UpgradeRefused { name, .. } => format!("Make the change named above, then run 'tenantdesk cloud profile upgrade {name}' again; nothing was changed"),
            // A cloud tenant whose create stopped before its credentials were stored: finishing
            // the provisioning fetches and stores them.
            Error::PasswordMissing { id, cloud: true, .. } => format!("Run 'tenantdesk cloud tenant retry-provision {id}': it fetches the tenant's credentials into the keychain"),
            Error::PasswordMissing { .. } => {
                "If a file of this project holds the password, run 'tenantdesk secrets import'; otherwise this machine never had it (the keychain is per machine)".to_owned()
            }
            Error::RotationUnconfirmed { id, .. } => format!("Run 'tenantdesk cloud tenant rotate-credentials {id} -y' again once SystemPrompt Cloud answers: a new rotation leaves the keychain with the live password"),
            Error::UnknownRegion { .. } => format!(
                "Use one of: {}",
                crate::cloud::REGIONS.iter().map(|r| format!("{} ({})", r.code, r.name)).collect::<Vec<_>>().join(", ")
            ),
            Error::WrongTenantType { .. } => "Run 'tenantdesk cloud tenant list' to see each tenant's type".to_owned(),
            Error::NeedsDocker { .. } => {
                "Pass --database-url postgres://user:password@host:port/db to use an existing database".to_owned()
            }
            Error::RefusedProfileKey { .. } => {
                "Leave it out: the CLI finds credentials.json and tenants.json in .systemprompt/ by itself".to_owned()
            }
            Error::ClaimedByAnotherProject { project, .. } => format!("Open the project at {project} to manage it; it stops being claimed once that project deletes its tenant or its folder is gone"),
            Error::InvalidChoice { kind, .. } => format!("Pick a {kind} from the choices above"),
            Error::SnapshotNotFound { .. } => "Run 'tenantdesk snapshot list --all' to see every snapshot".to_owned(),
            Error::SnapshotCorrupt { .. } => "Nothing was changed. Restore another snapshot, or delete this one".to_owned(),
            Error::SnapshotUnsupported { .. } => "Snapshots are of databases Tenantdesk made in its shared container".to_owned(),
            Error::SnapshotFailed { .. } => "Nothing was changed; the tenant's database is as it was. Check the Docker panel, then try again".to_owned(),
            Error::NoTerminal { .. } | Error::TerminalFailed { .. } => {
                "Install a terminal emulator, or name the one to use: 'tenantdesk settings terminal <command>'".to_owned()
            }
            Error::SelfManagedNeedsProvider => {
                "Upgrade the project's systemprompt CLI to 0.75 or newer, which writes `provider`; then add the tenant again".to_owned()
            }
        })
    }

    /// A stable machine-readable name for `--json` output and the desktop app.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ProjectNotFound { .. } => "project_not_found",
            Error::NotAProject { .. } => "not_a_project",
            Error::NoTenantConfigured => "no_tenant_configured",
            Error::TenantNotFound { .. } => "tenant_not_found",
            Error::NoTenants => "no_tenants",
            Error::TenantNameTaken { .. } => "tenant_name_taken",
            Error::ProfileNotFound { .. } => "profile_not_found",
            Error::ProfileExists { .. } => "profile_exists",
            Error::SessionNotFound { .. } => "session_not_found",
            Error::InvalidName { .. } => "invalid_name",
            Error::InvalidDatabaseUrl { .. } => "invalid_database_url",
            Error::Corrupt { .. } => "file_corrupt",
            Error::Invalid { .. } => "file_invalid",
            Error::SessionStoreVersion { .. } => "session_store_version",
            Error::Io { .. } => "io",
            Error::ConfirmationRequired { .. } => "confirmation_required",
            Error::KeychainUnavailable { .. } => "keychain_unavailable",
            Error::DockerNotRunning { .. } => "docker_not_running",
            Error::Docker { .. } => "docker",
            Error::ImagePull { .. } => "image_pull",
            Error::IncompatibleImage { .. } => "incompatible_image",
            Error::RecreateFailed { .. } => "recreate_failed",
            Error::PortTaken { .. } => "port_taken",
            Error::ContainerPortTaken { .. } => "container_port_taken",
            Error::DatabaseConnection { .. } => "database_connection_failed",
            Error::Database { .. } => "database",
            Error::Unhealthy { .. } => "unhealthy",
            Error::NotLoggedIn => "not_logged_in",
            Error::AccessDenied { .. } => "access_denied",
            Error::CloudApi { .. } => "cloud_api",
            Error::CloudUnreachable { .. } => "cloud_unreachable",
            Error::CloudTimeout { .. } => "cloud_timeout",
            Error::ProvisioningFailed { .. } => "provisioning_failed",
            Error::LoginFailed { .. } => "login_failed",
            Error::UpgradeRefused { .. } => "upgrade_refused",
            Error::PasswordMissing { .. } => "password_missing",
            Error::RotationUnconfirmed { .. } => "rotation_unconfirmed",
            Error::UnknownRegion { .. } => "unknown_region",
            Error::WrongTenantType { .. } => "wrong_tenant_type",
            Error::NeedsDocker { .. } => "needs_docker",
            Error::RefusedProfileKey { .. } => "refused_profile_key",
            Error::SelfManagedNeedsProvider => "self_managed_needs_provider",
            Error::InvalidChoice { .. } => "invalid_choice",
            Error::SnapshotNotFound { .. } => "snapshot_not_found",
            Error::SnapshotCorrupt { .. } => "snapshot_corrupt",
            Error::SnapshotUnsupported { .. } => "snapshot_unsupported",
            Error::SnapshotFailed { .. } => "snapshot_failed",
            Error::NoTerminal { .. } => "no_terminal",
            Error::TerminalFailed { .. } => "terminal_failed",
            Error::ClaimedByAnotherProject { .. } => "claimed_by_another_project",
        }
    }

    /// A JSON file that does not parse, with serde's position moved into our own fields.
    pub(crate) fn json(path: &std::path::Path, e: &serde_json::Error) -> Error {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        Error::Corrupt { path: path.to_owned(), format: "JSON", line: e.line(), column: e.column(), message: message.strip_suffix(&suffix).unwrap_or(&message).to_owned() }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }
}
