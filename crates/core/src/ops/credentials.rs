//! The keychain's entries for a project and its tenants, and a tenant's real connection URL:
//! the masked URL of `tenants.json` with the password from the keychain. A rotation that was
//! killed part-way is settled here before anything reads the password.

use serde::Serialize;

use super::view::*;
use crate::error::{Error, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore};
use crate::postgres::{self};
use crate::project::Project;
use crate::secret::Secret;
use crate::tenant::{Tenant, TenantId, TenantType, parse_database_url};

/// Unlocks the OS keychain through its own prompt, for a shell's "Unlock keychain" (a read of a
/// locked keychain prompts too, but a prompt dismissed once leaves nothing to click but this).
pub fn unlock_keychain(secrets: &dyn SecretStore) -> Result<()> {
    secrets.unlock()
}

/// The keychain entry of a tenant's database password.
#[tracing::instrument(skip_all)]
pub fn password_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::DatabasePassword)
}

/// Where a rotation keeps the new password while it sets it.
pub(super) fn pending_password_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::PendingDatabasePassword)
}

/// The keychain entry of the project's API token.
#[tracing::instrument(skip_all)]
pub fn token_key(project: &Project) -> SecretKey {
    SecretKey::new(format!("{}/cloud", project.key()), SecretKind::ApiToken)
}

/// The keychain entry of a cloud tenant's sync token.
#[tracing::instrument(skip_all)]
pub fn sync_token_key(project: &Project, id: &TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}", project.key(), id), SecretKind::SyncToken)
}

/// Finishes or undoes a rotation that was killed (SIGKILL, Ctrl-C, a lost keychain) after it
/// journalled its new password: whichever password the role takes now is kept, the other is
/// dropped. A server that cannot be reached decides nothing; the journal stays for next time.
#[tracing::instrument(skip_all)]
pub async fn settle_rotation(project: &Project, id: &TenantId, secrets: &dyn SecretStore) -> Result<bool> {
    let pending_key = pending_password_key(project, id);
    let Some(pending) = secrets.get(&pending_key)? else { return Ok(false) };
    let current = database_url(project, id.as_str(), secrets)?;
    if postgres::verify(&current).await.is_err() {
        let mut url = parse_database_url(current.expose())?;
        let _ = url.set_password(Some(pending.expose()));
        postgres::verify(&Secret::new(url.to_string())).await?;
        secrets.set(&password_key(project, id), &pending)?;
    }
    secrets.delete(&pending_key)?;
    Ok(true)
}

/// The tenant's real connection URL: the registry's masked URL with the keychain's password.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn database_url(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<Secret> {
    let snap = Snapshot::load(project)?;
    tenant_url(project, snap.find(project, id)?, secrets)
}

/// [`database_url`] of a tenant already read from the registry.
pub(super) fn tenant_url(project: &Project, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<Secret> {
    let url = tenant.effective_database_url().ok_or_else(|| Error::DatabaseConnection { reason: format!("tenant '{}' has no database URL", tenant.name) })?;
    let mut parsed = parse_database_url(url)?;
    if parsed.password() == Some("***") {
        let password = secrets.get(&password_key(project, &tenant.id))?.ok_or_else(|| Error::PasswordMissing {
            name: tenant.name.clone(),
            id: tenant.id.to_string(),
            cloud: tenant.tenant_type == TenantType::Cloud,
        })?;
        let _ = parsed.set_password(Some(password.expose()));
    }
    Ok(Secret::new(parsed.to_string()))
}

/// Splits a URL the user typed into the masked form for files and the password for the keychain.
pub(super) fn split_password(url: &url::Url) -> (String, Option<Secret>) {
    let password = url.password().filter(|p| !p.is_empty() && *p != "***").map(|p| Secret::new(percent_decode(p)));
    let mut masked = url.clone();
    if password.is_some() {
        let _ = masked.set_password(Some("***"));
    }
    (masked.to_string(), password)
}

pub(super) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// What a rotation changed; never the password itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rotated {
    pub tenant_id: String,
    pub name: String,
    pub role: String,
    /// The masked URL (for a local tenant unchanged: only the password behind it changed).
    pub database_url: String,
}

/// The key of a profile's OAuth pepper in its `secrets.json`, required by every real CLI.
pub(super) const PEPPER: &str = "oauth_at_rest_pepper";

pub(super) fn profile_key(project: &Project, profile: &str, key: &str) -> SecretKey {
    SecretKey::new(format!("{}/profile/{profile}", project.key()), SecretKind::ProfileSecret(key.to_owned()))
}

/// One secret of a tenant as the window lists it: what it is, whether the keychain holds it, and
/// when it was last set (from the audit log) — never its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SecretInfo {
    pub label: String,
    pub present: bool,
    /// Whether it should exist: a cloud tenant's sync token only does once it has been rotated
    /// (the API hands one out on rotation alone), so its absence is no problem.
    pub expected: bool,
    /// RFC 3339, from the audit log's last successful create, rotation or import.
    pub last_set: Option<String>,
    /// What last set it ("rotate credentials", "create cloud tenant …").
    pub last_action: Option<String>,
}

/// The secrets a tenant has in the keychain: its database password, a cloud tenant's sync
/// token, and the secrets of its profiles. A keychain that cannot be read is an error (with the
/// doctor's fix), not a list of "missing".
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn tenant_secrets(project: &Project, id: &str, secrets: &dyn SecretStore) -> Result<Vec<SecretInfo>> {
    let registry = crate::registry::Registry::load(&project.tenants_file())?;
    let tenant = registry.find(id.trim()).ok_or_else(|| Error::TenantNotFound { id: id.to_owned(), registry: project.tenants_file() })?.clone();
    // Profile secrets are logged without a tenant, so the whole project's history is read.
    let root = project.root().display().to_string();
    let history: Vec<_> = crate::audit::list(Some(&root), None).await.unwrap_or_default();
    let last = |matches: &dyn Fn(&str) -> bool, own: bool| {
        history
            .iter()
            .rev()
            .find(|e| e.outcome == "ok" && matches(&e.action) && (!own || e.tenant.as_deref() == Some(tenant.id.as_str())))
            .map(|e| (e.at.clone(), e.action.clone()))
    };
    let mut out = Vec::new();
    let mut push = |label: String, key: SecretKey, set_by: &dyn Fn(&str) -> bool, own: bool, expected: bool| -> Result<()> {
        let present = secrets.get(&key)?.is_some();
        let (last_set, last_action) = last(set_by, own).unzip();
        out.push(SecretInfo { label, present, expected, last_set, last_action });
        Ok(())
    };
    // A tenant with no database URL (a self-managed tenant recorded without one) has no password
    // to keep; a cloud tenant always has one once provisioned.
    if tenant.tenant_type == crate::tenant::TenantType::Cloud || tenant.effective_database_url().is_some() {
        push(
            "Database password".to_owned(),
            password_key(project, &tenant.id),
            &|a| a == "rotate credentials" || a.starts_with("create ") || a.starts_with("adopt ") || a.starts_with("retry provisioning") || a.starts_with("add self-managed"),
            true,
            true,
        )?;
    }
    if tenant.tenant_type == crate::tenant::TenantType::Cloud {
        push("Sync token".to_owned(), sync_token_key(project, &tenant.id), &|a| a == "rotate sync token", true, false)?;
    }
    for profile in super::view::Snapshot::load(project)?.profile_views().into_iter().filter(|p| p.tenant_id.as_deref() == Some(tenant.id.as_str())) {
        let file = project.profiles_dir().join(&profile.name).join("secrets.json");
        let Ok(map) = crate::store::read_json_object(&file) else { continue };
        for key in map.iter().filter(|(k, v)| v.as_str() == Some(crate::profile::MASK) && k.as_str() != "database_url").map(|(k, _)| k) {
            let action = format!("set secret {key} of profile {}", profile.name);
            push(format!("{key} (profile {})", profile.name), profile_key(project, &profile.name, key), &|a| a == action, false, true)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_leave_the_url_for_the_keychain() {
        let url = url::Url::parse("postgres://app:p%40ss@localhost:5432/app").expect("url");
        let (masked, password) = super::split_password(&url);
        assert_eq!(masked, "postgres://app:***@localhost:5432/app");
        assert_eq!(password.expect("password").expose(), "p@ss");
        let (masked, password) = super::split_password(&url::Url::parse("postgres://app@h/db").expect("url"));
        assert_eq!((masked.as_str(), password), ("postgres://app@h/db", None));
    }

    #[test]
    fn a_locked_keychain_offers_to_unlock_it_and_works_once_unlocked() {
        use crate::error::Remedy;
        use crate::keychain::SecretStore;
        let (_dir, project, keychain) = crate::ops::seed();
        let key = super::password_key(&project, &crate::tenant::TenantId::parse("local_19bff27604c").expect("id"));
        keychain.locked.store(true, std::sync::atomic::Ordering::Relaxed);
        let refused = keychain.set(&key, &crate::secret::Secret::new("pw")).expect_err("a locked keychain takes nothing");
        assert_eq!(refused.remedy(), Some(Remedy::UnlockKeychain));
        super::unlock_keychain(&keychain).expect("unlocked");
        keychain.set(&key, &crate::secret::Secret::new("pw")).expect("written once unlocked");
        assert_eq!(keychain.get(&key).expect("read").map(|s| s.expose().to_owned()).as_deref(), Some("pw"));
    }
}
