//! One module per command group; each turns its arguments into one use case of
//! `tenantdesk_core::ops` and prints what it returns.

pub mod auth;
pub mod checks;
pub mod db;
pub mod environment;
pub mod profile;
pub mod secrets;
pub mod settings;
pub mod snapshot;
pub mod tenant;
