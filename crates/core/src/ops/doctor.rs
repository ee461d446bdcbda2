//! `doctor`: the seed's troubleshooting table, made executable.

use serde::Serialize;

use super::credentials::*;
use super::view::*;
use crate::engine;
use crate::error::{Error, Hint, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore, generate_password};
use crate::postgres::{self};
use crate::project::Project;
use crate::tenant::TenantType;

/// One check of `doctor`: what was checked, whether it passed, and what to do if not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
    /// What to do about a failed check; each shell says it its own way.
    #[serde(skip)]
    pub fix: Option<Hint>,
}

impl Check {
    fn from(what: String, result: Result<String>) -> Self {
        match result {
            Ok(detail) => Self { what, ok: true, detail, fix: None },
            Err(e) => Self::failed(what, &e),
        }
    }

    fn failed(what: String, e: &Error) -> Self {
        Self { what, ok: false, fix: e.hint(), detail: e.to_string() }
    }
}

/// The seed's troubleshooting table, made executable: the keychain (reachable, unlocked,
/// writable), the Docker engine, and each tenant's database. Never changes anything but a
/// probe entry in the keychain, removed again.
#[tracing::instrument(skip_all)]
pub async fn doctor(project: Option<&Project>, secrets: &dyn SecretStore) -> Vec<Check> {
    let mut checks = Vec::new();
    let probe = SecretKey::new("doctor", SecretKind::DatabasePassword);
    let keychain = (|| {
        let value = generate_password()?;
        secrets.set(&probe, &value)?;
        let back = secrets.get(&probe)?;
        secrets.delete(&probe)?;
        match back {
            Some(v) if v == value => Ok("reachable, unlocked and writable".to_owned()),
            _ => Err(Error::KeychainUnavailable { reason: "a value written could not be read back".to_owned() }),
        }
    })();
    checks.push(Check::from("OS keychain".to_owned(), keychain));
    checks.push(match engine::connect(None).await {
        Ok(e) => Check::from("Docker engine".to_owned(), Ok(format!("Docker {} at {} ({})", e.version, e.endpoint.uri, e.endpoint.source))),
        Err(e) => Check::failed("Docker engine".to_owned(), &e),
    });
    let Some(project) = project else { return checks };
    let snap = match Snapshot::load(project) {
        Ok(s) => s,
        Err(e) => {
            checks.push(Check::from("Project files".to_owned(), Err(e)));
            return checks;
        }
    };
    checks.push(Check::from("systemprompt CLI".to_owned(), Ok(crate::cli_version::ProjectCli::from_parts(&snap.marks, || snap.registry.dialect).summary(snap.registry.dialect))));
    if snap.selected().is_none() {
        checks.push(Check::from("Selected tenant".to_owned(), Err(snap.no_selection())));
    }
    for tenant in &snap.registry.tenants {
        let what = format!("Database of '{}'", tenant.name);
        let result = match tenant.tenant_type {
            TenantType::Cloud => super::cloud::check(project, tenant, secrets).await,
            TenantType::Local => match settle_rotation(project, &tenant.id, secrets).await.and_then(|_| database_url(project, tenant.id.as_str(), secrets)) {
                Ok(url) => postgres::verify(&url).await.map(|()| "connects".to_owned()),
                Err(e) => Err(e),
            },
            TenantType::SelfManaged => Ok(format!("{}: hosted at {}, not checked from here", tenant.kind_label(), tenant.hostname.as_deref().unwrap_or("an unknown host"))),
        };
        checks.push(Check::from(what, result));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_keychain_check_fails_with_its_fix_when_locked() {
        let keychain = crate::keychain::MemoryStore::default();
        let checks = doctor(None, &keychain).await;
        assert!(checks[0].ok, "{checks:?}");
        keychain.locked.store(true, std::sync::atomic::Ordering::Relaxed);
        let checks = doctor(None, &keychain).await;
        assert!(!checks[0].ok);
        assert_eq!(checks[0].fix, Some(Hint::UnlockKeychain));
    }
}
