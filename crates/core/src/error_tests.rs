//! The error module's own tests: kept apart so that `error.rs` holds no command text, not even
//! in the list of what advice must not contain.

use super::*;

/// One of every variant (both arms where a variant's advice has two).
fn every_error() -> Vec<Error> {
    let p = || PathBuf::from("/p/.systemprompt/tenants.json");
    let s = || "x".to_owned();
    vec![
        Error::ProjectNotFound { start: p() },
        Error::NotAProject { dir: p() },
        Error::NoTenantConfigured,
        Error::NoTenantSelected,
        Error::TenantNotFound { id: s(), registry: p() },
        Error::NoTenants,
        Error::TenantNameTaken { name: s(), id: s() },
        Error::ProfileNotFound { name: s() },
        Error::ProfileExists { name: s() },
        Error::SessionNotFound { key: s() },
        Error::InvalidName { kind: "tenant name", value: s(), reason: "too long" },
        Error::InvalidDatabaseUrl { reason: s() },
        Error::Corrupt { path: p(), format: "JSON", line: 1, column: 1, message: s() },
        Error::Invalid { path: p(), message: s() },
        Error::SessionStoreVersion { path: p(), found: 2 },
        Error::Io { action: "read", path: p(), source: std::io::Error::from(std::io::ErrorKind::PermissionDenied) },
        Error::ConfirmationRequired { name: s() },
        Error::KeychainUnavailable { reason: s() },
        Error::DockerNotRunning { tried: s() },
        Error::Docker { action: "start", message: s() },
        Error::ImagePull { image: s(), message: s() },
        Error::IncompatibleImage { image: s(), reason: s() },
        Error::RecreateFailed { image: s(), reason: s(), restored: true },
        Error::RecreateFailed { image: s(), reason: s(), restored: false },
        Error::PortTaken { port: 5432, holder: s(), free: Some(5433) },
        Error::PortTaken { port: 5432, holder: s(), free: None },
        Error::ContainerPortTaken { container: s(), port: 5432, holder: s() },
        Error::DatabaseConnection { reason: s() },
        Error::Database { action: "query", message: s() },
        Error::Unhealthy { container: s(), logs: s() },
        Error::NotLoggedIn,
        Error::AccessDenied { reason: s() },
        Error::CloudApi { status: 404, code: s(), message: s() },
        Error::CloudApi { status: 503, code: s(), message: s() },
        Error::CloudApi { status: 400, code: s(), message: s() },
        Error::CloudUnreachable { url: s(), reason: s() },
        Error::CloudTimeout { url: s(), secs: 1.0 },
        Error::ProvisioningFailed { id: s(), phase: s(), message: s() },
        Error::RotationUnconfirmed { name: s(), id: s(), reason: s() },
        Error::PasswordMissing { name: s(), id: s(), cloud: true },
        Error::PasswordMissing { name: s(), id: s(), cloud: false },
        Error::UpgradeRefused { name: s(), reason: s() },
        Error::LoginFailed { reason: s() },
        Error::UnknownRegion { code: s() },
        Error::WrongTenantType { name: s(), kind: s(), wanted: "local", operation: "db up" },
        Error::NeedsDocker { operation: "create" },
        Error::RefusedProfileKey { key: "tenants_path" },
        Error::ClaimedByAnotherProject { database: s(), project: s(), tenant: s() },
        Error::SelfManagedNeedsProvider,
        Error::InvalidChoice { kind: "region", value: s(), choices: s() },
        Error::SnapshotNotFound { id: s(), reason: s() },
        Error::SnapshotCorrupt { id: s(), reason: s() },
        Error::SnapshotUnsupported { name: s(), reason: s() },
        Error::ExternalAccessOff { name: s() },
        Error::SnapshotFailed { action: "dump", reason: s() },
        Error::NoTerminal { tried: s() },
        Error::TerminalFailed { program: s(), reason: s() },
    ]
}

#[test]
fn advice_names_no_command_line_flag_or_environment_variable() {
    for error in every_error() {
        let Some(advice) = error.advice() else { continue };
        for cli in ["tenantdesk ", "--", "TENANTDESK_", "Run '", "systemctl", "docker info"] {
            assert!(!advice.contains(cli), "{}: advice {advice:?} contains {cli:?}", error.code());
        }
    }
}

#[test]
fn a_remedy_comes_with_words_for_it() {
    for error in every_error() {
        if error.remedy().is_some() {
            assert!(error.advice().is_some(), "{} has a remedy but no advice", error.code());
        }
    }
}

#[test]
fn the_os_words_leave_the_summary_for_a_details_fold_and_are_never_said_twice() {
    let locked = Error::KeychainUnavailable { reason: "Secret Service: unlock prompt was dismissed".to_owned() };
    assert_eq!(locked.summary(), "The OS keychain is not available");
    assert_eq!(locked.internals().as_deref(), Some("Secret Service: unlock prompt was dismissed"));
    let refused = Error::DatabaseConnection { reason: "Connection refused (os error 111)".to_owned() };
    assert_eq!(refused.summary(), "Database connection failed");
    for error in every_error() {
        let (summary, whole) = (error.summary(), error.to_string());
        assert!(!summary.is_empty(), "{}: empty summary", error.code());
        match error.internals() {
            // Summary and internals together say all the message did.
            Some(internals) if summary != whole => assert_eq!(format!("{summary}: {internals}"), whole, "{}", error.code()),
            _ => assert_eq!(summary, whole, "{}: a summary without internals cuts the message", error.code()),
        }
    }
}
