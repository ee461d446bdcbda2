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
use crate::tenant::{Dialect, Tenant, TenantId, TenantType};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    /// Required by the CLI; a file without it gets one on the next write.
    #[serde(default)]
    pub synced_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The dialect the file was read in; `None` for a file with no record naming a kind (new or
    /// empty), which then follows the project's CLI when it is written.
    #[serde(skip)]
    pub dialect: Option<Dialect>,
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
        let mut registry: Self = serde_json::from_slice(bytes).map_err(|e| Error::json(path, &e))?;
        registry.dialect = Self::dialect_of(bytes);
        Ok(registry)
    }

    /// `provider` anywhere makes the file today's dialect (a record holding both keys was a 0.75+
    /// record broken by an older writer); else `tenant_type` anywhere makes it the seed's.
    fn dialect_of(bytes: &[u8]) -> Option<Dialect> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let records = value.get("tenants")?.as_array()?;
        let has = |key: &str| records.iter().any(|r| r.get(key).is_some());
        if has("provider") {
            Some(Dialect::Provider)
        } else if has("tenant_type") {
            Some(Dialect::TenantType)
        } else {
            None
        }
    }

    /// The dialect the next write uses: the file's own, else the project's CLI's; a file that
    /// holds a self-managed tenant can only be written with `provider`.
    pub fn write_dialect(&self, state_dir: &Path) -> Dialect {
        let dialect = self.dialect.unwrap_or_else(|| crate::cli_version::ProjectCli::detect(state_dir).dialect());
        if self.tenants.iter().any(|t| t.tenant_type == TenantType::SelfManaged) { Dialect::Provider } else { dialect }
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
        let dialect = self.write_dialect(path.parent().unwrap_or(Path::new(".")));
        self.dialect = Some(dialect);
        for tenant in &mut self.tenants {
            tenant.dialect = dialect;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Value {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tenants.json");
        std::fs::write(&path, text).expect("write");
        let lock = store::lock(&path).expect("lock");
        let mut registry = Registry::load(&path).expect("load");
        registry.save(&lock, &path).expect("save");
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json")
    }

    fn kinds(file: &Value) -> Vec<(Option<&str>, Option<&str>)> {
        file["tenants"].as_array().expect("tenants").iter().map(|t| (t["tenant_type"].as_str(), t["provider"].as_str())).collect()
    }

    #[test]
    fn a_file_keeps_its_dialect_and_no_record_holds_both_keys() {
        let seed = r#"{"tenants":[{"id":"local_1","name":"a","tenant_type":"local"},{"id":"c1","name":"b","tenant_type":"cloud"}],"synced_at":"2026-01-30T10:00:00Z"}"#;
        assert_eq!(kinds(&round_trip(seed)), [(Some("local"), None), (Some("cloud"), None)]);
        let today = r#"{"tenants":[{"id":"local_1","name":"a","provider":"docker_local"},{"id":"c1","name":"b","provider":"systemprompt"},{"id":"k","name":"c","provider":"nomad"}],"synced_at":"2026-01-30T10:00:00Z"}"#;
        assert_eq!(kinds(&round_trip(today)), [(None, Some("docker_local")), (None, Some("systemprompt")), (None, Some("nomad"))]);
        // Both keys (an older writer's damage) go back as `provider` alone.
        let both = r#"{"tenants":[{"id":"c1","name":"b","tenant_type":"local","provider":"systemprompt"}],"synced_at":"2026-01-30T10:00:00Z"}"#;
        assert_eq!(kinds(&round_trip(both)), [(None, Some("systemprompt"))]);
    }

    #[test]
    fn kinds_are_read_in_either_dialect() {
        let registry =
            Registry::parse(Path::new("t.json"), br#"{"tenants":[{"id":"a","name":"a","provider":"gke"},{"id":"b","name":"b","provider":"cloud"},{"id":"c","name":"c"}]}"#)
                .expect("parse");
        let kinds: Vec<_> = registry.tenants.iter().map(|t| (t.tenant_type, t.provider_name().to_owned())).collect();
        assert_eq!(kinds, [(TenantType::SelfManaged, "gke".to_owned()), (TenantType::Cloud, "systemprompt".to_owned()), (TenantType::Local, "docker_local".to_owned())]);
        assert_eq!(registry.dialect, Some(Dialect::Provider));
    }

    #[test]
    fn a_self_managed_tenant_can_only_be_written_with_provider() {
        let mut registry = Registry::parse(Path::new("t.json"), br#"{"tenants":[{"id":"local_1","name":"a","tenant_type":"local"}]}"#).expect("parse");
        let mut k8s = Tenant::new(TenantId::parse("k").expect("id"), "k".to_owned(), TenantType::SelfManaged, None);
        k8s.provider = Some("kubernetes".to_owned());
        registry.upsert(k8s);
        assert_eq!(registry.write_dialect(Path::new("/nonexistent")), Dialect::Provider);
    }
}
