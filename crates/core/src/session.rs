//! `.systemprompt/sessions/index.json`: the CLI's sessions, keyed by tenant (`local` or
//! `tenant_<id>`), and which one is active. Selecting a tenant only moves `active_key` and
//! `active_profile_name`; the sessions themselves are left exactly as they are, so switching back
//! to a tenant finds its session untouched.
//!
//! The CLI rewrites this file (without a lock) on every command that uses a session. As with the
//! registry, an index remembers the file it was loaded from; a save that finds it rewritten
//! applies only this writer's own changes (sessions added, changed or removed, the active slot)
//! to the new version, checking again right before the rename.

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
    /// The file as loaded, which this index's changes are relative to.
    #[serde(skip)]
    base: Base,
}

/// A loaded file's content and index. Two indexes are equal whatever file they came from.
#[derive(Debug, Clone, Default)]
struct Base {
    bytes: Option<Vec<u8>>,
    sessions: Map<String, Value>,
    active: (Option<String>, Option<String>),
}

impl PartialEq for Base {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Default for SessionIndex {
    fn default() -> Self {
        Self { version: 1, sessions: Map::new(), active_key: None, active_profile_name: None, updated_at: None, extra: Map::new(), base: Base::default() }
    }
}

impl SessionIndex {
    pub fn load(path: &Path) -> Result<Self> {
        let Some(bytes) = store::read(path)? else { return Ok(Self::default()) };
        Self::parse(path, &bytes)
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        let mut index: Self = serde_json::from_slice(bytes).map_err(|e| Error::json(path, &e))?;
        if index.version > 1 {
            return Err(Error::SessionStoreVersion { path: path.to_owned(), found: index.version });
        }
        index.base = Base { bytes: Some(bytes.to_vec()), sessions: index.sessions.clone(), active: (index.active_key.clone(), index.active_profile_name.clone()) };
        Ok(index)
    }

    pub fn save(&mut self, lock: &WriteLock, path: &Path) -> Result<()> {
        let written = store::write_over_lockfree(lock, path, store::PRIVATE, |on_disk| {
            if on_disk != self.base.bytes.as_deref() {
                let theirs = match on_disk {
                    Some(bytes) => Self::parse(path, bytes)?,
                    None => Self::default(),
                };
                *self = self.rebased(theirs);
            }
            self.updated_at = Some(clock::now_rfc3339());
            Ok(serde_json::to_string_pretty(self).unwrap_or_default().into_bytes())
        })?;
        *self = Self::parse(path, &written)?;
        Ok(())
    }

    /// This index's changes since its base, applied to `theirs`.
    fn rebased(&self, mut theirs: Self) -> Self {
        for key in self.base.sessions.keys().filter(|k| !self.sessions.contains_key(*k)) {
            theirs.sessions.remove(key);
        }
        for (key, value) in &self.sessions {
            if self.base.sessions.get(key) != Some(value) {
                theirs.sessions.insert(key.clone(), value.clone());
            }
        }
        if (self.active_key.clone(), self.active_profile_name.clone()) != self.base.active {
            theirs.active_key.clone_from(&self.active_key);
            theirs.active_profile_name.clone_from(&self.active_profile_name);
        }
        theirs
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_the_cli_writes_meanwhile_is_kept_when_the_selection_moves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("index.json");
        std::fs::write(&path, r#"{"version":1,"sessions":{"local":{"version":6,"profile_name":"local"}},"active_key":"local","active_profile_name":"local"}"#).expect("write");
        let lock = store::lock(&path).expect("lock");
        let mut ours = SessionIndex::load(&path).expect("load");
        // The CLI logs in to a tenant's session meanwhile (no lock).
        std::fs::write(&path, r#"{"version":1,"sessions":{"local":{"version":6,"profile_name":"local"},"tenant_c1":{"version":6,"profile_name":"prod"}},"active_key":"local","active_profile_name":"local"}"#).expect("the CLI writes");
        ours.activate("tenant_c1".to_owned(), Some("prod".to_owned()));
        ours.save(&lock, &path).expect("save");
        let back = SessionIndex::load(&path).expect("load");
        assert!(back.sessions.contains_key("tenant_c1"), "the CLI's new session was lost");
        assert_eq!((back.active_key.as_deref(), back.active_profile_name.as_deref()), (Some("tenant_c1"), Some("prod")));
    }
}
