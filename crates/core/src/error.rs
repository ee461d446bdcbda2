//! The one error type of the core. Every variant says what went wrong in words a user can act on;
//! what to do next comes three ways: [`Error::hint`] as the command line to type (the CLI, the
//! seed's troubleshooting table where it applies), [`Error::advice`] in words any shell can show
//! (no commands, flags or environment variables), and [`Error::remedy`] as data a window turns
//! into a button.

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

    /// Tenants exist, none is selected ("No tenant configured" is for a project without any).
    #[error("No tenant selected")]
    NoTenantSelected,

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

    #[error("'{name}' cannot be snapshotted as it is: its database takes no connections from outside SystemPrompt Cloud")]
    ExternalAccessOff { name: String },

    #[error("Could not {action}: {reason}")]
    SnapshotFailed { action: &'static str, reason: String },

    #[error("No terminal emulator found (tried {tried})")]
    NoTerminal { tried: String },

    #[error("The terminal '{program}' could not be started: {reason}")]
    TerminalFailed { program: String, reason: String },
}

impl Error {
    /// What the user should do next, when there is something to do, as data: the CLI says it as
    /// a command line, the window through [`Error::remedy`] and [`Error::advice`].
    pub fn hint(&self) -> Option<Hint> {
        let say = |text: &str| Hint::Words(text.to_owned());
        Some(match self {
            Error::ProjectNotFound { .. } | Error::NotAProject { .. } => Hint::InitProject,
            Error::NoTenantConfigured => Hint::CreateTenant { or_list: true },
            Error::NoTenantSelected => Hint::SelectTenant,
            Error::TenantNotFound { registry, .. } => Hint::CheckTenantIds { registry: registry.clone() },
            Error::NoTenants => Hint::CreateTenant { or_list: false },
            Error::TenantNameTaken { .. } => say("Choose another name, or delete the existing tenant first"),
            Error::ProfileNotFound { .. } => Hint::ListProfiles,
            Error::ProfileExists { .. } => say("Choose another name, or delete the existing profile first"),
            Error::SessionNotFound { .. } => Hint::ListSessions,
            Error::InvalidName { .. } => say("Use 1-63 ASCII letters, digits, '-' or '_', starting with a letter or digit"),
            Error::InvalidDatabaseUrl { .. } => say("Use the form postgres://user:password@host:port/database"),
            Error::Corrupt { path, .. } | Error::Invalid { path, .. } => {
                Hint::Words(format!("Fix or restore {} by hand; Tenantdesk leaves it untouched until it parses", path.display()))
            }
            Error::SessionStoreVersion { path, .. } => Hint::ResetSessions { path: path.clone() },
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => say("Check the file's owner and permissions"),
            Error::Io { .. } => return None,
            Error::ConfirmationRequired { name } => Hint::ConfirmName { name: name.clone() },
            Error::KeychainUnavailable { .. } => Hint::UnlockKeychain,
            Error::DockerNotRunning { .. } => Hint::StartDocker,
            Error::Docker { .. } => Hint::CheckDocker,
            Error::IncompatibleImage { .. } => Hint::KeepImage,
            Error::RecreateFailed { restored, .. } => Hint::RecreateFailed { restored: *restored },
            Error::ImagePull { .. } => Hint::CheckImageName,
            Error::PortTaken { free, .. } => Hint::ChoosePort { free: *free },
            Error::ContainerPortTaken { port, holder, .. } => Hint::FreeContainerPort { port: *port, holder: holder.clone() },
            Error::DatabaseConnection { .. } => Hint::StartDatabase,
            Error::Database { .. } => Hint::ReadContainerLog { server_side: true },
            Error::Unhealthy { .. } => Hint::ReadContainerLog { server_side: false },
            Error::NotLoggedIn => Hint::LogIn,
            Error::AccessDenied { .. } => Hint::LogInAgain { or_rotate: true },
            Error::CloudApi { status: 404, .. } => Hint::CheckTenantId,
            Error::CloudApi { status, .. } if *status >= 500 => say("SystemPrompt Cloud had a problem; retry in a minute"),
            Error::CloudApi { .. } => return None,
            Error::CloudUnreachable { .. } => Hint::CheckNetwork,
            Error::CloudTimeout { .. } => Hint::RetryOrWaitLonger,
            Error::ProvisioningFailed { id, .. } => Hint::RetryProvision { id: id.clone() },
            Error::LoginFailed { .. } => Hint::LogInAgain { or_rotate: false },
            Error::UpgradeRefused { name, .. } => Hint::UpgradeProfile { name: name.clone() },
            // A cloud tenant whose create stopped before its credentials were stored: finishing
            // the provisioning fetches and stores them.
            Error::PasswordMissing { id, cloud: true, .. } => Hint::FetchCredentials { id: id.clone() },
            Error::PasswordMissing { .. } => Hint::ImportSecrets,
            Error::RotationUnconfirmed { id, .. } => Hint::RotateAgain { id: id.clone() },
            Error::UnknownRegion { .. } => {
                Hint::Words(format!("Use one of: {}", crate::cloud::REGIONS.iter().map(|r| format!("{} ({})", r.code, r.name)).collect::<Vec<_>>().join(", ")))
            }
            Error::WrongTenantType { .. } => Hint::ListTenantTypes,
            Error::NeedsDocker { .. } => Hint::UseDatabaseUrl,
            Error::RefusedProfileKey { .. } => say("Leave it out: the CLI finds credentials.json and tenants.json in .systemprompt/ by itself"),
            Error::ClaimedByAnotherProject { project, .. } => {
                Hint::Words(format!("Open the project at {project} to manage it; it stops being claimed once that project deletes its tenant or its folder is gone"))
            }
            Error::InvalidChoice { kind, .. } => Hint::Words(format!("Pick a {kind} from the choices above")),
            Error::SnapshotNotFound { .. } => Hint::ListSnapshots,
            Error::SnapshotCorrupt { .. } => say("Nothing was changed. Restore another snapshot, or delete this one"),
            Error::SnapshotUnsupported { .. } => say("Snapshots are of databases Tenantdesk made in its shared container"),
            Error::ExternalAccessOff { .. } => Hint::OpenExternalAccess,
            Error::SnapshotFailed { .. } => say("Nothing was changed; the tenant's database is as it was. Check the Docker panel, then try again"),
            Error::NoTerminal { .. } | Error::TerminalFailed { .. } => Hint::ChooseTerminal,
            Error::SelfManagedNeedsProvider => say("Upgrade the project's systemprompt CLI to 0.75 or newer, which writes `provider`; then add the tenant again"),
        })
    }

    /// What the OS, the engine or a library said — "Connection refused (os error 111)", a D-Bus
    /// error — which a person needs only to report or search it: a window keeps it in a details
    /// fold under [`Error::summary`].
    pub fn internals(&self) -> Option<String> {
        Some(match self {
            Error::KeychainUnavailable { reason }
            | Error::DatabaseConnection { reason }
            | Error::CloudUnreachable { reason, .. }
            | Error::LoginFailed { reason }
            | Error::TerminalFailed { reason, .. }
            | Error::SnapshotFailed { reason, .. } => reason.clone(),
            Error::Docker { message, .. } | Error::Database { message, .. } | Error::ImagePull { message, .. } => message.clone(),
            Error::Io { source, .. } => source.to_string(),
            _ => return None,
        })
    }

    /// The message without its [`Error::internals`]: what failed, in words.
    pub fn summary(&self) -> String {
        let message = self.to_string();
        match self.internals() {
            Some(internals) => message.strip_suffix(internals.as_str()).and_then(|m| m.strip_suffix(": ")).map_or(message.clone(), str::to_owned),
            None => message,
        }
    }

    /// What the user can do about it, when a shell can do it for them.
    pub fn remedy(&self) -> Option<Remedy> {
        Some(match self {
            Error::ProjectNotFound { .. } | Error::NotAProject { .. } => Remedy::InitProject,
            Error::NoTenantSelected | Error::TenantNotFound { .. } => Remedy::SelectTenant,
            Error::Corrupt { .. } | Error::Invalid { .. } => Remedy::Reload,
            Error::NotLoggedIn | Error::AccessDenied { .. } | Error::LoginFailed { .. } => Remedy::LogIn,
            // A refused connection to a tenant's database or a container that never became
            // healthy: (re)starting the shared container is the usual way out.
            Error::DatabaseConnection { .. } | Error::Unhealthy { .. } => Remedy::StartDatabase,
            Error::KeychainUnavailable { .. } => Remedy::UnlockKeychain,
            Error::DockerNotRunning { .. } | Error::CloudUnreachable { .. } | Error::CloudTimeout { .. } => Remedy::Retry,
            Error::CloudApi { status, .. } if *status >= 500 => Remedy::Retry,
            _ => return None,
        })
    }

    /// What to do next in words any shell can show: where [`Error::hint`] names a command line,
    /// this names the action, so the window can put it beside its button.
    pub fn advice(&self) -> Option<String> {
        Some(match self {
            Error::ProjectNotFound { .. } | Error::NotAProject { .. } => {
                "Initialise this folder as a SystemPrompt project (a .systemprompt/ folder in it), or open another folder".to_owned()
            }
            Error::NoTenantConfigured => "Create a local or cloud tenant".to_owned(),
            Error::NoTenantSelected => "Choose a tenant from the list".to_owned(),
            Error::TenantNotFound { .. } => "It may have been deleted elsewhere; choose a tenant from the list".to_owned(),
            Error::NoTenants => "Create a local or cloud tenant".to_owned(),
            Error::ProfileNotFound { .. } => "Pick one of the tenant's profiles".to_owned(),
            Error::SessionNotFound { .. } => "Select the tenant again to start a session".to_owned(),
            Error::SessionStoreVersion { path, .. } => format!("Move {} aside, then select the tenant again", path.display()),
            Error::ConfirmationRequired { name } => format!("Type {name} to confirm"),
            Error::KeychainUnavailable { .. } => {
                "Unlock your keychain (or start a Secret Service such as gnome-keyring), then try again; Tenantdesk never falls back to plaintext files".to_owned()
            }
            Error::DockerNotRunning { .. } => "Start Docker (the docker service, or Docker Desktop), then try again".to_owned(),
            Error::Docker { .. } => "Check the Docker panel's log, then try again".to_owned(),
            Error::IncompatibleImage { .. } => {
                "Nothing was changed. Keep the image the container runs, move the data yourself (pg_dump, pg_upgrade), or reset the container, which deletes its data".to_owned()
            }
            Error::RecreateFailed { restored: true, .. } => {
                "The container is back on its previous image with all its data; its log in the Docker panel says why the new image did not start".to_owned()
            }
            Error::RecreateFailed { restored: false, .. } => "Neither image started; the data volume is untouched. Start the database again".to_owned(),
            Error::ImagePull { .. } => {
                "Check that the image's registry is reachable from Docker and the image name is right; an image built on this machine cannot be pulled".to_owned()
            }
            Error::PortTaken { free: Some(free), .. } => format!("Use port {free}, which is free"),
            Error::PortTaken { .. } => "Stop what holds the port, or choose another port".to_owned(),
            Error::ContainerPortTaken { port, holder, .. } => {
                format!("Stop {holder} (or move it off port {port}), then start the database; the container keeps port {port} because its tenants' URLs name it")
            }
            Error::DatabaseConnection { .. } => "Start the database for a local tenant, or check the URL, host, port and password".to_owned(),
            Error::Database { .. } | Error::Unhealthy { .. } => "The database container's log in the Docker panel shows the server's side".to_owned(),
            Error::NotLoggedIn => "Log in to SystemPrompt Cloud".to_owned(),
            Error::AccessDenied { .. } => "Log in to SystemPrompt Cloud again; for a tenant's database, rotate its credentials".to_owned(),
            Error::CloudApi { status: 404, .. } => "It may have been deleted; sync with the cloud to refresh the list".to_owned(),
            Error::CloudUnreachable { .. } => "Check your network connection, then try again".to_owned(),
            Error::CloudTimeout { .. } => "Try again; the network or SystemPrompt Cloud is slow".to_owned(),
            Error::ProvisioningFailed { .. } => "Retry the provisioning from the Provisioning panel".to_owned(),
            Error::LoginFailed { .. } => "Log in again".to_owned(),
            Error::UpgradeRefused { .. } => "Make the change named above, then upgrade the profile again; nothing was changed".to_owned(),
            Error::PasswordMissing { cloud: true, .. } => "Retry its provisioning: that fetches the tenant's credentials into the keychain".to_owned(),
            Error::PasswordMissing { .. } => {
                "If a file of this project holds the password, import the project's secrets; otherwise this machine never had it (the keychain is per machine)".to_owned()
            }
            Error::RotationUnconfirmed { .. } => "Rotate again once SystemPrompt Cloud answers: a new rotation leaves the keychain with the live password".to_owned(),
            Error::WrongTenantType { .. } => "Each tenant's type shows in the list".to_owned(),
            Error::NeedsDocker { .. } => "Use an existing database by its URL instead".to_owned(),
            Error::SnapshotNotFound { .. } => "The Docker panel lists every snapshot".to_owned(),
            Error::ExternalAccessOff { .. } => "Let Tenantdesk switch its external database access on for the dump and off again after".to_owned(),
            Error::NoTerminal { .. } | Error::TerminalFailed { .. } => {
                "Install a terminal emulator, or name the one to use in the terminal setting (⚙ beside Open terminal)".to_owned()
            }
            Error::SelfManagedNeedsProvider => "Upgrade the project's systemprompt CLI to 0.75 or newer, which writes provider; then add the tenant again".to_owned(),
            // The rest name no command: the same words as the CLI's.
            // The rest name no command: their hint's words serve every shell.
            _ => match self.hint()? {
                Hint::Words(words) => words,
                _ => return None,
            },
        })
    }

    /// A stable machine-readable name for the CLI's JSON output and the desktop app.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ProjectNotFound { .. } => "project_not_found",
            Error::NotAProject { .. } => "not_a_project",
            Error::NoTenantConfigured => "no_tenant_configured",
            Error::NoTenantSelected => "no_tenant_selected",
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
            Error::ExternalAccessOff { .. } => "external_access_off",
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

/// What to do next about an error ([`Error::hint`]), as data. Each shell says it its own way:
/// the CLI as the command line to run, the window as words and a button ([`Remedy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Words that name no command: every shell shows them as they are.
    Words(String),
    /// Initialise the folder as a project, or name another one.
    InitProject,
    /// Create a tenant (or first see the list).
    CreateTenant {
        or_list: bool,
    },
    /// List the tenants and select one.
    SelectTenant,
    /// The id given is not in this registry: check it, or list the tenants.
    CheckTenantIds {
        registry: PathBuf,
    },
    /// A cloud tenant id the API does not know: list the tenants.
    CheckTenantId,
    /// See each tenant's type.
    ListTenantTypes,
    ListProfiles,
    ListSessions,
    ListSnapshots,
    /// A sessions index of an unknown version: move it aside and switch again.
    ResetSessions {
        path: PathBuf,
    },
    /// Type (or pass) the tenant's name to confirm.
    ConfirmName {
        name: String,
    },
    UnlockKeychain,
    StartDocker,
    /// The engine answered with an error: its own diagnostics.
    CheckDocker,
    /// The image cannot serve the container's data: keep the old image or move the data.
    KeepImage,
    /// Moving the container onto a new image failed; `restored` when it is back on the old one.
    RecreateFailed {
        restored: bool,
    },
    /// The image could not be pulled: its name and registry.
    CheckImageName,
    /// The port a new container would bind is taken: another one (`free` when known).
    ChoosePort {
        free: Option<u16>,
    },
    /// The existing container's own port is taken: free it (its tenants' URLs name it).
    FreeContainerPort {
        port: u16,
        holder: String,
    },
    /// Start the shared container.
    StartDatabase,
    /// The shared container's log says more (`server_side`: about an SQL error).
    ReadContainerLog {
        server_side: bool,
    },
    LogIn,
    /// Log in again (`or_rotate`: or rotate the tenant's database credentials).
    LogInAgain {
        or_rotate: bool,
    },
    /// The network or the API address.
    CheckNetwork,
    /// Retry, or wait longer for the API.
    RetryOrWaitLonger,
    /// The tenant's role does not take the keychain's password: rotate its credentials.
    RotateCredentials {
        id: String,
    },
    /// See the tenant's provisioning status, then retry it.
    RetryProvision {
        id: String,
    },
    /// Finishing the provisioning fetches the tenant's credentials.
    FetchCredentials {
        id: String,
    },
    /// Move a password a file holds into the keychain.
    ImportSecrets,
    /// Rotate again once the API answers.
    RotateAgain {
        id: String,
    },
    /// Make the change named, then upgrade the profile again.
    UpgradeProfile {
        name: String,
    },
    /// Use an existing database instead of Docker.
    UseDatabaseUrl,
    /// Install a terminal emulator or name one.
    ChooseTerminal,
    /// Let Tenantdesk switch a cloud tenant's external database access on for a dump, and off
    /// again after.
    OpenExternalAccess,
}

/// What a shell can do about an error for the user ([`Error::remedy`]): the window offers it as a
/// button where the error shows, the CLI the command line of [`Error::hint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Remedy {
    /// Open a project folder: the window's answer when none is open (no core error means it).
    OpenProject,
    /// Make the folder a SystemPrompt project (`.systemprompt/`).
    InitProject,
    /// Pick a tenant.
    SelectTenant,
    /// Read the files again (after fixing them by hand).
    Reload,
    /// Log in to SystemPrompt Cloud.
    LogIn,
    /// Start (or restart) the shared PostgreSQL container.
    StartDatabase,
    /// Ask the OS to unlock the keychain (its own prompt), then read everything again.
    UnlockKeychain,
    /// Try the same thing again: the cause (Docker, the network) may be gone.
    Retry,
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
