//! A tenant's environment for the user's own commands (`tenantdesk exec`, `tenantdesk env`):
//! its database URL with the real password, its profile's secrets, and the variables that point
//! the `systemprompt` CLI at that profile — read from the keychain into memory, never to disk, and
//! without moving the project's active tenant.

use serde::Serialize;

use super::Snapshot;
use super::local::database_url;
use super::secrets::profile_key;
use crate::audit;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::name::ProfileName;
use crate::profile::{MASK, Profile};
use crate::project::Project;
use crate::secret::Secret;

/// One variable; its value stays a `Secret` until a caller decides to show or pass it.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value: Secret,
    /// Whether the value is a secret (shown masked unless revealed).
    pub secret: bool,
}

/// The environment of one tenant, through one of its profiles.
#[derive(Debug, Clone)]
pub struct TenantEnvironment {
    pub tenant_id: String,
    pub tenant_name: String,
    pub profile: Option<String>,
    pub production: bool,
    pub variables: Vec<Variable>,
}

/// A variable as printed: the value masked unless revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShownVariable {
    pub name: String,
    pub value: String,
}

impl TenantEnvironment {
    /// The variables with secret values as `***`, or real when `reveal` (which is audited).
    pub fn shown(&self, project: &Project, reveal: bool) -> Vec<ShownVariable> {
        if reveal {
            audit::record_in(project, Some(&self.tenant_id), "reveal environment", &Ok::<(), Error>(()));
        }
        self.variables.iter().map(|v| ShownVariable { name: v.name.clone(), value: if v.secret && !reveal { MASK.to_owned() } else { v.value.expose().to_owned() } }).collect()
    }
}

/// The environment of tenant `id` (an id or a unique prefix) through `profile`, or through the
/// profile its session was made with, or its first profile. A production tenant needs its name
/// in `confirm_name`.
pub fn environment(project: &Project, id: &str, profile: Option<&str>, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<TenantEnvironment> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    let linked = |p: &Profile| p.tenant_id().as_ref() == Some(&tenant.id);
    let profile = match profile {
        Some(name) => {
            let name = ProfileName::parse(name)?;
            let found = snap.profile(name.as_str()).cloned().ok_or_else(|| Error::ProfileNotFound { name: name.to_string() })?;
            if !linked(&found) {
                return Err(Error::Invalid { path: Profile::file(&found.dir), message: format!("profile '{}' belongs to another tenant than '{}'", found.name, tenant.name) });
            }
            Some(found)
        }
        None => {
            let from_session = snap.sessions.entry(&tenant.id.session_key()).and_then(|s| s.profile_name).and_then(|n| snap.profile(&n).cloned()).filter(linked);
            from_session.or_else(|| snap.profiles.iter().flatten().find(|p| linked(p)).cloned())
        }
    };
    let mut variables = vec![Variable { name: "TENANTDESK_TENANT".to_owned(), value: Secret::new(tenant.id.to_string()), secret: false }];
    if tenant.effective_database_url().is_some() {
        variables.push(Variable { name: "DATABASE_URL".to_owned(), value: database_url(project, tenant.id.as_str(), secrets)?, secret: true });
    }
    if let Some(profile) = &profile {
        variables.push(Variable { name: "SYSTEMPROMPT_PROFILE".to_owned(), value: Secret::new(Profile::file(&profile.dir).display().to_string()), secret: false });
        let file = profile.dir.join("secrets.json");
        if let Some(bytes) = crate::store::read(&file)? {
            let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| Error::json(&file, &e))?;
            for (key, value) in map.iter().filter(|(k, _)| k.as_str() != "database_url") {
                let Some(text) = value.as_str() else { continue };
                let value = if text == MASK {
                    secrets
                        .get(&profile_key(project, &profile.name, key))?
                        .ok_or_else(|| Error::KeychainUnavailable { reason: format!("the keychain has no '{key}' for profile '{}'", profile.name) })?
                } else {
                    Secret::new(text.to_owned())
                };
                variables.push(Variable { name: key.to_ascii_uppercase(), value, secret: true });
            }
        }
    }
    Ok(TenantEnvironment {
        tenant_id: tenant.id.to_string(),
        tenant_name: tenant.name.clone(),
        profile: profile.map(|p| p.name),
        production: snap.marks.is_production(&tenant.id),
        variables,
    })
}
