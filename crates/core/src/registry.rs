//! `.systemprompt/tenants.json`: every tenant of the project, local and cloud.
//!
//! Read leniently (missing optional fields, legacy fields, unknown fields); written faithfully
//! (the CLI's key order, unknown fields kept, pretty JSON, mode 0600).
//!
//! The `systemprompt` CLI rewrites this file without any lock. A registry remembers the file as
//! it was loaded; when saving finds the file changed since (the CLI wrote in between), this
//! writer's own changes are applied, record by record, to what the CLI wrote, and the check is
//! made again right before the rename, so neither writer's change is lost.

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
    /// The file as it was loaded, which this registry's changes are relative to.
    #[serde(skip)]
    base: Base,
}

/// A loaded file's content (parsed again only when a save must rebase). Two registries are equal
/// whatever file they came from.
#[derive(Debug, Clone, Default)]
struct Base {
    bytes: Option<Vec<u8>>,
}

impl PartialEq for Base {
    fn eq(&self, _: &Self) -> bool {
        true
    }
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
        // `provider` anywhere makes the file today's dialect (a record holding both keys was a
        // 0.75+ record broken by an older writer); else `tenant_type` anywhere makes it the seed's.
        let has = |d: Dialect| registry.tenants.iter().any(|t| t.dialect == Some(d));
        registry.dialect = [Dialect::Provider, Dialect::TenantType].into_iter().find(|d| has(*d));
        registry.base = Base { bytes: Some(bytes.to_vec()) };
        Ok(registry)
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
        let written = store::write_over_lockfree(lock, path, store::PRIVATE, |on_disk| {
            if on_disk != self.base.bytes.as_deref() {
                // Written by another program since this registry was loaded: this writer's
                // changes go on top of that version.
                let theirs = match on_disk {
                    Some(bytes) => Self::parse(path, bytes)?,
                    None => Self::default(),
                };
                *self = self.rebased(theirs);
            }
            if self.synced_at.is_none() {
                self.synced_at = Some(clock::now_rfc3339());
            }
            let dialect = self.write_dialect(path.parent().unwrap_or(Path::new(".")));
            self.dialect = Some(dialect);
            for tenant in &mut self.tenants {
                tenant.dialect = Some(dialect);
            }
            Ok(self.to_json().into_bytes())
        })?;
        *self = Self::parse(path, &written)?;
        Ok(())
    }

    /// This registry's changes since its base, applied to `theirs`: records this writer added,
    /// changed or removed win for those records; every other record is as `theirs` has it.
    fn rebased(&self, mut theirs: Self) -> Self {
        let base = match &self.base.bytes {
            Some(bytes) => serde_json::from_slice::<Self>(bytes).unwrap_or_default(),
            None => Self::default(),
        };
        for gone in base.tenants.iter().filter(|b| self.get(&b.id).is_none()) {
            theirs.remove(&gone.id);
        }
        // The key a record is written with is the file's business, not a change of the record.
        let unchanged = |ours: &Tenant| {
            base.tenants.iter().any(|b| {
                let mut b = b.clone();
                b.dialect = ours.dialect;
                &b == ours
            })
        };
        for ours in self.tenants.iter().filter(|t| !unchanged(t)) {
            theirs.upsert(ours.clone());
        }
        if self.synced_at != base.synced_at {
            theirs.synced_at.clone_from(&self.synced_at);
        }
        if self.extra != base.extra {
            theirs.extra.clone_from(&self.extra);
        }
        theirs
    }

    pub fn get(&self, id: &TenantId) -> Option<&Tenant> {
        self.tenants.iter().find(|t| &t.id == id)
    }

    /// Finds a tenant by its full id, by its name when no other tenant has it, or by a unique
    /// prefix of at least 8 characters (so the shortened ids the list shows can be pasted back).
    pub fn find(&self, needle: &str) -> Option<&Tenant> {
        if let Some(t) = self.tenants.iter().find(|t| t.id.as_str() == needle) {
            return Some(t);
        }
        // A tenant's name, as the quick start's `select my-project` expects, when one tenant has it.
        let mut named = self.tenants.iter().filter(|t| t.name == needle);
        if let (Some(t), None) = (named.next(), named.next()) {
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
    fn a_tenant_is_found_by_id_by_a_unique_name_or_by_a_unique_prefix() {
        let registry = Registry::parse(
            Path::new("t.json"),
            br#"{"tenants":[{"id":"local_19bff27604c","name":"my-project","provider":"docker_local"},{"id":"local_19bff2aaaaa","name":"twin","provider":"docker_local"},{"id":"c-2","name":"twin","provider":"systemprompt"}]}"#,
        )
        .expect("parse");
        let found = |needle: &str| registry.find(needle).map(|t| t.id.as_str().to_owned());
        assert_eq!(found("my-project").as_deref(), Some("local_19bff27604c"));
        assert_eq!(found("local_19bff276").as_deref(), Some("local_19bff27604c"));
        // Two tenants share the name, and the prefix fits both: neither finds one.
        assert_eq!(found("twin"), None);
        assert_eq!(found("local_19bff2"), None);
        assert_eq!(found("c-2").as_deref(), Some("c-2"));
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
    fn a_write_by_a_cli_that_takes_no_lock_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tenants.json");
        std::fs::write(&path, r#"{"tenants":[{"id":"local_a","name":"a","provider":"docker_local","external_db_access":false},{"id":"c1","name":"cloud","provider":"systemprompt","external_db_access":false}],"synced_at":"2026-01-30T10:00:00Z"}"#).expect("write");
        let lock = store::lock(&path).expect("lock");
        let mut ours = Registry::load(&path).expect("load");
        // Meanwhile the CLI (no lock) adds a tenant and renames one.
        std::fs::write(&path, r#"{"tenants":[{"id":"local_a","name":"a","provider":"docker_local","external_db_access":false},{"id":"c1","name":"cloud-renamed","provider":"systemprompt","external_db_access":false},{"id":"k","name":"k8s","provider":"kubernetes","external_db_access":false}],"synced_at":"2026-01-31T10:00:00Z"}"#).expect("the CLI writes");
        // This writer removes one tenant and adds another.
        ours.remove(&TenantId::parse("local_a").expect("id"));
        ours.upsert(Tenant::new_local(TenantId::parse("local_b").expect("id"), "b".to_owned(), "postgres://u:***@h:1/b".to_owned()));
        ours.save(&lock, &path).expect("save");
        let file: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        let names: Vec<&str> = file["tenants"].as_array().expect("tenants").iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, ["cloud-renamed", "k8s", "b"], "{file}");
        assert_eq!(kinds(&file).iter().filter(|(t, _)| t.is_some()).count(), 0, "{file}");
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
