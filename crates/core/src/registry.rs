//! `.systemprompt/tenants.json`: every tenant of the project, local and cloud.
//!
//! Read leniently (missing optional fields, legacy fields, unknown fields); written faithfully
//! (the CLI's key order, unknown fields kept, pretty JSON, mode 0600).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock;
use crate::error::{Error, Result};
use crate::store::{self, WriteLock};
use crate::tenant::{Tenant, TenantId};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    /// Required by the CLI; a file without it gets one on the next write.
    #[serde(default)]
    pub synced_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Registry {
    /// Loads the registry; a missing file is an empty registry.
    pub fn load(path: &Path) -> Result<Self> {
        match store::read(path)? {
            Some(bytes) => Self::parse(path, &bytes),
            None => Ok(Self::default()),
        }
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::json(path, &e))
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the registry; a registry that never had `synced_at` gets one, since the CLI
    /// refuses a file without it.
    pub fn save(&mut self, lock: &WriteLock, path: &Path) -> Result<()> {
        if self.synced_at.is_none() {
            self.synced_at = Some(clock::now_rfc3339());
        }
        store::write_atomic(lock, path, self.to_json().as_bytes(), store::PRIVATE)
    }

    pub fn get(&self, id: &TenantId) -> Option<&Tenant> {
        self.tenants.iter().find(|t| &t.id == id)
    }

    /// Finds a tenant by its full id, or by a unique prefix of at least 8 characters (so the
    /// shortened ids the list shows can be pasted back).
    pub fn find(&self, needle: &str) -> Option<&Tenant> {
        if let Some(t) = self.tenants.iter().find(|t| t.id.as_str() == needle) {
            return Some(t);
        }
        let needle = needle.trim_end_matches("...");
        if needle.len() < 8 {
            return None;
        }
        let mut matches = self.tenants.iter().filter(|t| t.id.as_str().starts_with(needle));
        match (matches.next(), matches.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    }

    /// Inserts or replaces by id, as the CLI's create does.
    pub fn upsert(&mut self, tenant: Tenant) {
        match self.tenants.iter_mut().find(|t| t.id == tenant.id) {
            Some(slot) => *slot = tenant,
            None => self.tenants.push(tenant),
        }
    }

    pub fn remove(&mut self, id: &TenantId) -> Option<Tenant> {
        let index = self.tenants.iter().position(|t| &t.id == id)?;
        Some(self.tenants.remove(index))
    }
}
