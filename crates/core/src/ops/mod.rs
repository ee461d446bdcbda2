//! The use cases, each once. The CLI and the desktop app call these and only render the result.
//!
//! Every function takes the [`Project`] it works on and returns plain serialisable views, with
//! database URLs masked and session tokens left out: what leaves this module may be shown.

pub mod account;
pub mod clones;
pub mod cloud;
pub mod confirmation;
pub mod container;
pub mod credentials;
pub mod databases;
pub mod deletion;
pub mod doctor;
pub mod environment;
pub mod history;
pub mod local;
pub mod login;
pub mod migrations;
pub mod profiles;
pub mod provisioning;
pub mod report;
pub mod rotation;
pub mod secrets;
pub mod sessions;
pub mod snapshots;
pub mod sync;
pub mod tenants;
pub mod view;

pub use deletion::delete_tenant;
pub use profiles::*;
pub use sessions::*;
pub use tenants::*;
pub use view::*;

/// The seed's project in a temp folder, for the use cases' unit tests (files only: the Docker,
/// PostgreSQL and cloud sides are covered by the integration suites against the real services).
#[cfg(test)]
pub(crate) fn seed() -> (tempfile::TempDir, crate::Project, crate::keychain::MemoryStore) {
    let dir = crate::testing::seed_project();
    let project = crate::Project::open(dir.path()).expect("project");
    (dir, project, crate::keychain::MemoryStore::default())
}
