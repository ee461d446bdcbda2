//! The context every use case runs in, built once per process by a shell (the CLI for each run,
//! the app when it starts): where secrets live and which shared container holds local tenants'
//! databases. The project is not part of it: the window opens another project while the process
//! lives, so each use case is handed the project it works on.

use std::sync::Arc;

use crate::keychain::{Keychain, SecretStore};
use crate::shared_container::SharedConfig;

pub struct Desk {
    secrets: Arc<dyn SecretStore>,
    container: SharedConfig,
}

impl Desk {
    pub fn new(secrets: Arc<dyn SecretStore>, container: SharedConfig) -> Self {
        Self { secrets, container }
    }

    /// The OS keychain, and the container the environment names (`TENANTDESK_SHARED_CONTAINER`,
    /// `TENANTDESK_POSTGRES_IMAGE`, `TENANTDESK_POSTGRES_PORT`; defaults otherwise).
    pub fn from_env() -> Self {
        Self::new(Arc::new(Keychain::new()), SharedConfig::from_env())
    }

    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    /// The secret store, for work that outlives the caller's borrow (a background job).
    pub fn shared_secrets(&self) -> Arc<dyn SecretStore> {
        self.secrets.clone()
    }

    pub fn container(&self) -> &SharedConfig {
        &self.container
    }
}
