//! `.systemprompt/sessions/index.json`: the CLI's sessions, keyed by tenant (`local` or
//! `tenant_<id>`), and which one is active. Selecting a tenant only moves `active_key` and
//! `active_profile_name`; the sessions themselves are left exactly as they are, so switching back
//! to a tenant finds its session untouched.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::clock;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::{self, WriteLock};

/// The key of the CLI's session slot for profiles not linked to any tenant.
pub const LOCAL_KEY: &str = "local";

fn version_one() -> u64 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionIndex {
    #[serde(default = "version_one")]
    pub version: u64,
    /// Entries are kept as raw JSON so a rewrite never drops a field of a newer CLI.
    #[serde(default)]
    pub sessions: Map<String, Value>,
    #[serde(default)]
    pub active_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_profile_name: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for SessionIndex {
    fn default() -> Self {
        Self { version: 1, sessions: Map::new(), active_key: None, active_profile_name: None, updated_at: None, extra: Map::new() }
    }
}

impl SessionIndex {
    pub fn load(path: &Path) -> Result<Self> {
        let Some(bytes) = store::read(path)? else { return Ok(Self::default()) };
        let index: Self = serde_json::from_slice(&bytes).map_err(|e| Error::json(path, &e))?;
        if index.version > 1 {
            return Err(Error::SessionStoreVersion { path: path.to_owned(), found: index.version });
        }
        Ok(index)
    }

    pub fn save(&mut self, lock: &WriteLock, path: &Path) -> Result<()> {
        self.updated_at = Some(clock::now_rfc3339());
        let json = serde_json::to_string_pretty(self).unwrap_or_default();
        store::write_atomic(lock, path, json.as_bytes(), store::PRIVATE)
    }

    pub fn entry(&self, key: &str) -> Option<Session> {
        self.sessions.get(key).map(|v| Session::from_json(key, v))
    }

    pub fn entries(&self) -> impl Iterator<Item = Session> + '_ {
        self.sessions.iter().map(|(k, v)| Session::from_json(k, v))
    }

    /// Makes `key` the active slot, as `systemprompt admin session switch` does.
    pub fn activate(&mut self, key: String, profile: Option<String>) {
        self.active_key = Some(key);
        self.active_profile_name = profile;
    }
}

/// Whether a session can be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SessionState {
    Active,
    Expired,
    None,
}

impl std::fmt::Display for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SessionState::Active => "active",
            SessionState::Expired => "expired",
            SessionState::None => "none",
        })
    }
}

/// A typed, read-only view of one session entry. The token stays a [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key: String,
    pub profile_name: Option<String>,
    pub user_email: Option<String>,
    pub user_type: Option<String>,
    pub issuer: Option<String>,
    pub created_at: Option<String>,
    pub last_used: Option<String>,
    pub expires_at: Option<String>,
    pub token: Secret,
}

impl Session {
    fn from_json(key: &str, value: &Value) -> Self {
        let text = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_owned);
        Self {
            key: key.to_owned(),
            profile_name: text("profile_name"),
            user_email: text("user_email"),
            user_type: text("user_type"),
            issuer: text("issuer"),
            created_at: text("created_at"),
            last_used: text("last_used"),
            expires_at: text("expires_at"),
            token: Secret::new(text("session_token").unwrap_or_default()),
        }
    }

    /// Usable means a token that has not expired; an unreadable expiry counts as expired, as it
    /// would fail the CLI's own check.
    pub fn state_at(&self, now: OffsetDateTime) -> SessionState {
        let unexpired = self.expires_at.as_deref().and_then(clock::parse_rfc3339).is_some_and(|at| at > now);
        if unexpired && !self.token.is_empty() { SessionState::Active } else { SessionState::Expired }
    }

    pub fn state(&self) -> SessionState {
        self.state_at(OffsetDateTime::now_utc())
    }
}
