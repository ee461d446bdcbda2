//! Cloud tenants for real: Tenantdesk's client and use cases over real HTTP against the emulator,
//! with real PostgreSQL (a container of the Docker work, `TENANTDESK_POSTGRES_IMAGE`) behind every
//! tenant and the real OS keychain. One binary: the emulator's own API tests live here too.

mod faults;
mod fixture;
mod flows;
