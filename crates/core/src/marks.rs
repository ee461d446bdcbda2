//! Tenantdesk's own notes about tenants, kept in `.systemprompt/tenantdesk.json` beside the
//! registry rather than inside the CLI's files (the CLI drops unknown fields from tenants.json and
//! rejects unknown keys in profiles): which tenants are production, where Tenantdesk made local
//! tenants' databases, and who is logged in to SystemPrompt Cloud.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::store::{self, WriteLock};
use crate::tenant::TenantId;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantMarks {
    #[serde(default)]
    pub production: BTreeSet<TenantId>,
    /// Local tenants whose database Tenantdesk made in its shared container.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub databases: BTreeMap<TenantId, SharedDatabase>,
    /// Who is logged in to SystemPrompt Cloud for this project, and where (the token itself is in
    /// the keychain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudLogin>,
    /// The `systemprompt` version this project is used with, when no CLI is on PATH to ask
    /// (`tenantdesk init --cli-version`): it decides the formats of files Tenantdesk creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systemprompt_version: Option<String>,
    /// The colour and icon each tenant was given (production tenants are red regardless).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub appearance: BTreeMap<TenantId, crate::appearance::Chosen>,
    /// Cloud tenants whose external database access Tenantdesk switched on for a snapshot and has
    /// not switched off yet: a kill in between leaves the id here, and the next sync or snapshot
    /// switches it off.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub opened_for_snapshot: BTreeSet<TenantId>,
    /// Where this project's secrets live (`tenantdesk secrets mode`).
    #[serde(default, skip_serializing_if = "SecretsMode::is_keychain")]
    pub secrets_mode: SecretsMode,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a local tenant's database lives in the shared container (no secret: the password is in
/// the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDatabase {
    pub container: String,
    pub role: String,
    pub database: String,
    pub port: u16,
}

/// A project's SystemPrompt Cloud login, without its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CloudLogin {
    pub api_url: String,
    pub user_email: String,
    pub authenticated_at: String,
}

/// Where a project's secrets live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SecretsMode {
    /// Only in the OS keychain; the CLI's files hold `***`.
    #[default]
    Keychain,
    /// In the keychain and, for the `systemprompt` CLI (which has no keychain), in its 0600
    /// files too: every write of Tenantdesk's fills them in.
    CliCompatible,
}

impl SecretsMode {
    fn is_keychain(&self) -> bool {
        *self == SecretsMode::Keychain
    }
}

impl TenantMarks {
    pub fn file(state_dir: &Path) -> PathBuf {
        state_dir.join("tenantdesk.json")
    }

    pub fn load(path: &Path) -> Result<Self> {
        match store::read(path)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::json(path, &e)),
            None => Ok(Self::default()),
        }
    }

    pub fn save(&self, lock: &WriteLock, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).unwrap_or_default();
        store::write_atomic(lock, path, json.as_bytes(), store::SHARED)
    }

    /// Changes the marks file under its lock: read, `change`, written back atomically.
    pub fn update(path: &Path, change: impl FnOnce(&mut Self)) -> Result<()> {
        let lock = crate::store::lock(path)?;
        let mut marks = Self::load(path)?;
        change(&mut marks);
        marks.save(&lock, path)
    }

    pub fn is_production(&self, id: &TenantId) -> bool {
        self.production.contains(id)
    }

    /// How tenant `id` is shown.
    pub fn appearance(&self, id: &TenantId) -> crate::appearance::Appearance {
        crate::appearance::Appearance::of(id, self.appearance.get(id), self.is_production(id))
    }

    /// A production tenant may only be deleted or rotated when its name was typed.
    pub fn confirm(&self, id: &TenantId, name: &str, confirm_name: Option<&str>) -> crate::Result<()> {
        if self.is_production(id) && confirm_name != Some(name) {
            return Err(crate::Error::ConfirmationRequired { name: name.to_owned() });
        }
        Ok(())
    }
}
