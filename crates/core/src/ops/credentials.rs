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
use crate::tenant::{TenantId, TenantType, parse_database_url};

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
    let tenant = snap.find(project, id)?;
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
}
