//! `doctor`: the seed's troubleshooting table, made executable. Checks are handed out as they
//! finish, so a shell can show them while the rest run.
//!
//! The tenants of a shared container are checked together, through one superuser connection:
//! their roles and databases in two queries, and each keychain password against its role's
//! stored SCRAM verifier — what a login proves, without a server process per tenant. Other
//! tenants (cloud, compose, external) each need a real connection; several run at once.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use serde::Serialize;

use super::credentials::*;
use super::view::*;
use crate::engine;
use crate::error::{Error, Hint, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore, generate_password, hex, random_bytes};
use crate::marks::SharedDatabase;
use crate::postgres::{self, Accounts};
use crate::project::Project;
use crate::secret::Secret;
use crate::shared_container::{self, SharedConfig};
use crate::tenant::{Tenant, TenantType, parse_database_url};

/// Tenants checked at once over their own connections (cloud, compose, external databases).
const CONCURRENT: usize = 8;
/// Tenants of a shared container whose passwords are matched before their checks are handed out:
/// small enough that output keeps coming, large enough to keep every core busy.
const BATCH: usize = 64;

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
/// writable), the Docker engine, and each tenant's database. Each check is passed to `on_check`
/// as soon as it is known; all of them are returned at the end. Never changes anything but a
/// probe entry in the keychain, removed again (and a killed rotation, settled as every read does).
#[tracing::instrument(skip_all)]
pub async fn doctor(project: Option<&Project>, secrets: &dyn SecretStore, on_check: &mut (dyn FnMut(&Check) + Send)) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut done = |check: Check| {
        on_check(&check);
        checks.push(check);
    };
    done(Check::from("OS keychain".to_owned(), keychain(secrets)));
    done(match engine::connect(None).await {
        Ok(e) => Check::from("Docker engine".to_owned(), Ok(format!("Docker {} at {} ({})", e.version, e.endpoint.uri, e.endpoint.source))),
        Err(e) => Check::failed("Docker engine".to_owned(), &e),
    });
    let Some(project) = project else { return checks };
    let snap = match Snapshot::load(project) {
        Ok(s) => s,
        Err(e) => {
            done(Check::from("Project files".to_owned(), Err(e)));
            return checks;
        }
    };
    done(Check::from("systemprompt CLI".to_owned(), Ok(crate::cli_version::ProjectCli::from_parts(&snap.marks, || snap.registry.dialect).summary(snap.registry.dialect))));
    if snap.selected().is_none() {
        done(Check::from("Selected tenant".to_owned(), Err(snap.no_selection())));
    }
    let (shared, others) = by_server(&snap);
    for tenants in shared.values() {
        shared_tenants(project, tenants, secrets, &mut done).await;
    }
    let mut others = futures_util::stream::iter(others).map(|t| async move { Check::from(what(t), one_tenant(project, t, secrets).await) }).buffer_unordered(CONCURRENT);
    while let Some(check) = others.next().await {
        done(check);
    }
    checks
}

fn what(tenant: &Tenant) -> String {
    format!("Database of '{}'", tenant.name)
}

fn keychain(secrets: &dyn SecretStore) -> Result<String> {
    // An entry of its own per run: two doctors at once (two terminals, the window and the CLI)
    // would otherwise write, read and delete the same entry under each other.
    let tag: [u8; 4] = random_bytes()?;
    let probe = SecretKey::new(format!("doctor-{}-{}", std::process::id(), hex(&tag)), SecretKind::DatabasePassword);
    let value = generate_password()?;
    secrets.set(&probe, &value)?;
    let back = secrets.get(&probe)?;
    secrets.delete(&probe)?;
    match back {
        Some(v) if v == value => Ok("reachable, unlocked and writable".to_owned()),
        _ => Err(Error::KeychainUnavailable { reason: "a value written could not be read back".to_owned() }),
    }
}

/// The local tenants whose databases live in a shared container, by container and port (each
/// with its role and database), and every other tenant.
type ByServer<'a> = (BTreeMap<(String, u16), Vec<(&'a Tenant, &'a SharedDatabase)>>, Vec<&'a Tenant>);

fn by_server(snap: &Snapshot) -> ByServer<'_> {
    let mut shared: BTreeMap<(String, u16), Vec<_>> = BTreeMap::new();
    let mut others = Vec::new();
    for tenant in &snap.registry.tenants {
        match snap.marks.databases.get(&tenant.id) {
            Some(db) if tenant.tenant_type == TenantType::Local => shared.entry((db.container.clone(), db.port)).or_default().push((tenant, db)),
            _ => others.push(tenant),
        }
    }
    (shared, others)
}

/// A tenant checked over its own connection, or not at all (self-managed).
async fn one_tenant(project: &Project, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<String> {
    match tenant.tenant_type {
        TenantType::Cloud => super::cloud::check(project, tenant, secrets).await,
        TenantType::Local => {
            settle_rotation(project, &tenant.id, secrets).await?;
            postgres::verify(&tenant_url(project, tenant, secrets)?).await.map(|()| "connects".to_owned())
        }
        TenantType::SelfManaged => Ok(format!("{}: hosted at {}, not checked from here", tenant.kind_label(), tenant.hostname.as_deref().unwrap_or("an unknown host"))),
    }
}

/// Every tenant of one shared container, through one superuser connection. A container that
/// cannot be reached is one failed check for all its tenants, not one per tenant.
/// `tenants` is never empty (`by_server` makes a group for a tenant).
async fn shared_tenants(project: &Project, tenants: &[(&Tenant, &SharedDatabase)], secrets: &dyn SecretStore, done: &mut impl FnMut(Check)) {
    let cfg = SharedConfig::holding(tenants[0].1);
    let container = cfg.container.as_str();
    let accounts = async {
        let mut admin = shared_container::admin(&cfg, secrets).await?;
        let accounts = postgres::accounts(&mut admin).await;
        postgres::close(admin).await;
        accounts
    };
    let accounts = match accounts.await {
        Ok(accounts) => accounts,
        Err(e) => {
            let names: Vec<&str> = tenants.iter().map(|(t, _)| t.name.as_str()).collect();
            let what = match names.as_slice() {
                [one] => format!("Database of '{one}'"),
                _ => format!("Databases of {} tenants in shared container '{container}'", names.len()),
            };
            return done(Check::failed(what, &e));
        }
    };
    // Every tenant's keychain entries (a rotation journal and a password each) in one read: the
    // keychain is searched once, not once per batch.
    let keys: Vec<_> = tenants.iter().flat_map(|(t, _)| [pending_password_key(project, &t.id), password_key(project, &t.id)]).collect();
    let stored = match secrets.get_many(&keys) {
        Ok(stored) => stored,
        Err(e) => return tenants.iter().for_each(|(t, _)| done(Check::failed(what(t), &e))),
    };
    // Then, batch by batch, the password matching — hashing only — on every core.
    for (batch, stored) in tenants.chunks(BATCH).zip(stored.chunks(2 * BATCH)) {
        let mut read = Vec::with_capacity(batch.len());
        for ((tenant, db), stored) in batch.iter().zip(stored.chunks(2)) {
            read.push(login(project, tenant, db, &accounts, stored[0].is_some(), stored[1].clone(), secrets).await);
        }
        let matched = matching(&read);
        for (((tenant, db), login), matches) in batch.iter().zip(read).zip(matched) {
            done(match login {
                Err(e) => Check::failed(what(tenant), &e),
                Ok(_) if matches => Check::from(what(tenant), Ok(format!("ready: its role's password is the keychain's, its database is in shared container '{}'", db.container))),
                Ok(_) => Check {
                    what: what(tenant),
                    ok: false,
                    detail: format!("Database connection failed: password authentication would fail for role '{}': it does not take the keychain's password", db.role),
                    fix: Some(Hint::RotateCredentials { id: tenant.id.to_string() }),
                },
            });
        }
    }
}

/// What a login to a shared tenant's database needs: the role's stored verifier and the
/// keychain's password (read already, unless a killed rotation is settled first). Missing parts
/// are the failure.
async fn login(
    project: &Project,
    tenant: &Tenant,
    db: &SharedDatabase,
    accounts: &Accounts,
    journalled: bool,
    password: Option<Secret>,
    secrets: &dyn SecretStore,
) -> Result<(String, Secret)> {
    let password = if journalled {
        settle_rotation(project, &tenant.id, secrets).await?;
        secrets.get(&password_key(project, &tenant.id))?
    } else {
        password
    };
    // The registry's URL is what the CLI connects with; it names the role and database.
    let url = parse_database_url(tenant.effective_database_url().unwrap_or_default())?;
    let (role, database) = (url.username(), url.path().trim_start_matches('/'));
    let missing = |what: String| Error::DatabaseConnection { reason: format!("{what} is not in shared container '{}'", db.container) };
    if !accounts.databases.contains(database) {
        return Err(missing(format!("its database '{database}'")));
    }
    let verifier = accounts.roles.get(role).ok_or_else(|| missing(format!("its role '{role}'")))?.clone().unwrap_or_default();
    let password = password.ok_or_else(|| Error::PasswordMissing { name: tenant.name.clone(), id: tenant.id.to_string(), cloud: false })?;
    Ok((verifier, password))
}

/// Whether each password is its role's, spread over the machine's cores.
fn matching(logins: &[Result<(String, Secret)>]) -> Vec<bool> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = logins.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = logins
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|l| l.as_ref().is_ok_and(|(verifier, password)| postgres::password_matches(verifier, password))).collect::<Vec<_>>()))
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_keychain_check_fails_with_its_fix_when_locked() {
        let keychain = crate::keychain::MemoryStore::default();
        let checks = doctor(None, &keychain, &mut |_| {}).await;
        assert!(checks[0].ok, "{checks:?}");
        keychain.locked.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut seen = Vec::new();
        let checks = doctor(None, &keychain, &mut |c| seen.push(c.what.clone())).await;
        assert!(!checks[0].ok);
        assert_eq!(checks[0].fix, Some(Hint::UnlockKeychain));
        assert_eq!(seen, checks.iter().map(|c| c.what.clone()).collect::<Vec<_>>(), "every check is handed out as it is made");
    }

    #[test]
    fn passwords_are_matched_in_order_whatever_the_cores() {
        let verifier = |p: &str| crate::postgres::password_clause(&Secret::new(p)).expect("clause").trim_start_matches("PASSWORD '").trim_end_matches('\'').to_owned();
        let logins: Vec<Result<(String, Secret)>> = vec![
            Ok((verifier("a"), Secret::new("a"))),
            Ok((verifier("b"), Secret::new("not b"))),
            Err(Error::NoTenants),
            Ok((String::new(), Secret::new("c"))),
            Ok((verifier("d"), Secret::new("d"))),
        ];
        assert_eq!(matching(&logins), [true, false, false, false, true]);
        assert!(matching(&[]).is_empty());
    }
}
