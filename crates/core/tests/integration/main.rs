//! Integration tests of the core against real things: files and processes (`files`), the OS
//! keychain (`keychain`), and a real Docker engine with real PostgreSQL (`docker`). One binary.

mod docker;
mod files;
mod keychain;
