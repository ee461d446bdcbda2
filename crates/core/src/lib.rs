//! Tenantdesk's domain, free of any UI: SystemPrompt tenants, their profiles and their
//! tenant-keyed CLI sessions, read from and written to the same `.systemprompt/` files the public
//! `systemprompt` CLI uses.
//!
//! The desktop app and the `tenantdesk` CLI are thin shells over [`ops`]; every use case lives
//! there once. The file models ([`registry`], [`profile`], [`session`]) read leniently and write
//! faithfully: unknown fields survive a rewrite and keys keep the CLI's order. Every write goes
//! through [`store`], which makes it atomic and serialises writers with an advisory lock.

pub mod appearance;
pub mod audit;
pub mod autostart;
pub mod cli_version;
mod clock;
pub mod cloud;
pub mod compose;
pub mod desk;
pub mod engine;
pub mod error;
pub mod keychain;
pub mod last_known;
pub mod marks;
pub mod name;
pub mod ops;
pub mod ownership;
pub mod pg_tools;
pub mod port;
pub mod postgres;
pub mod profile;
pub mod project;
pub mod registry;
pub mod secret;
pub mod session;
pub mod settings;
pub mod shared_container;
pub mod snapshot;
pub mod store;
pub mod tenant;
pub mod terminal;
#[cfg(feature = "testing")]
pub mod testing;
pub mod undo;

pub use desk::Desk;

/// Sends the log (`tracing`: each use case's span, warnings such as an audit entry that could
/// not be written) to stderr, at the level `TENANTDESK_LOG` names (`error`, `warn` — the
/// default —, `info`, `debug`, `trace`). Never a secret: no use case logs one.
pub fn log_to_stderr() {
    let level = std::env::var("TENANTDESK_LOG").ok().and_then(|l| l.parse::<tracing::Level>().ok()).unwrap_or(tracing::Level::WARN);
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).without_time().with_target(false).try_init();
}
pub use error::{Error, Result};
pub use project::Project;
