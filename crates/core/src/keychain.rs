//! Secrets in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows), through the `keyring` crate (3.6: see README for why not 4.x).
//!
//! One entry per secret, under service `tenantdesk`, account `<scope>:<kind>`. The scope names
//! the project and tenant (or the shared container), so two projects' tenants with the same id
//! or name never share an entry. Calls are serialised: concurrent access to one Secret Service
//! item can fail. There is no fallback to files: a missing or locked keychain is an error that
//! says what to start or unlock.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::secret::Secret;

pub const SERVICE: &str = "tenantdesk";

/// From this many keys, [`Keychain::get_many`] reads every entry of the service once rather than
/// searching for each key (a search costs as much as the keychain is large).
#[cfg(target_os = "linux")]
const SEARCH_ALL_FROM: usize = 8;

/// What a secret is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// The password of a tenant's own PostgreSQL role.
    DatabasePassword,
    /// A new password a rotation is setting: written before `ALTER ROLE`, so a rotation killed
    /// half-way leaves it findable (see `ops::local::settle_rotation`).
    PendingDatabasePassword,
    /// The superuser password of the shared PostgreSQL container.
    SuperuserPassword,
    /// A value from a profile's secrets.json (a provider API key, the pepper, …), by its key.
    ProfileSecret(String),
    /// The SystemPrompt Cloud API token of credentials.json.
    ApiToken,
    /// A cloud tenant's sync token (`rotate-sync-token`).
    SyncToken,
}

impl SecretKind {
    fn label(&self) -> String {
        match self {
            SecretKind::DatabasePassword => "database-password".to_owned(),
            SecretKind::PendingDatabasePassword => "database-password-pending".to_owned(),
            SecretKind::SuperuserPassword => "superuser-password".to_owned(),
            SecretKind::ProfileSecret(key) => format!("secret-{key}"),
            SecretKind::ApiToken => "api-token".to_owned(),
            SecretKind::SyncToken => "sync-token".to_owned(),
        }
    }
}

/// Where a secret belongs and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub scope: String,
    pub kind: SecretKind,
}

impl SecretKey {
    pub fn new(scope: impl Into<String>, kind: SecretKind) -> Self {
        Self { scope: scope.into(), kind }
    }

    pub fn account(&self) -> String {
        format!("{}:{}", self.scope, self.kind.label())
    }
}

pub trait SecretStore: Send + Sync {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>>;
    /// Many secrets at once, in the order of `keys` (what `doctor` reads for every tenant).
    fn get_many(&self, keys: &[SecretKey]) -> Result<Vec<Option<Secret>>> {
        keys.iter().map(|k| self.get(k)).collect()
    }
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, key: &SecretKey) -> Result<()>;
    /// Asks the OS to unlock the store, with its own prompt (Tenantdesk never sees the password).
    /// Ok once it is unlocked; a store that does not lock has nothing to do.
    fn unlock(&self) -> Result<()> {
        Ok(())
    }
}

/// The OS keychain.
pub struct Keychain {
    service: String,
    serial: Mutex<()>,
}

impl Keychain {
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// A keychain under another service name (tests use their own, to clean up what they made).
    pub fn with_service(service: &str) -> Self {
        Self { service: service.to_owned(), serial: Mutex::new(()) }
    }

    /// One call at a time: concurrent calls on one Secret Service item can fail.
    fn serial(&self) -> Result<std::sync::MutexGuard<'_, ()>> {
        self.serial.lock().map_err(|_| Error::KeychainUnavailable { reason: "a previous keychain call panicked".to_owned() })
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &key.account()).map_err(unavailable)
    }
}

impl Default for Keychain {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs one keychain call. A call can wait on the user (an unlock prompt) for as long as they
/// take; inside a multi-threaded Tokio runtime (the app, the CLI) the worker hands its other tasks
/// to the rest of the pool first, so a prompt never stalls unrelated async work.
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(call),
        _ => call(),
    }
}

fn unavailable(error: keyring::Error) -> Error {
    Error::KeychainUnavailable { reason: error.to_string() }
}

impl SecretStore for Keychain {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        blocking(|| {
            let _one_at_a_time = self.serial()?;
            match self.entry(key)?.get_password() {
                Ok(value) => Ok(Some(Secret::new(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    /// Over one Secret Service session: keyring opens a session, with its key exchange, for every
    /// call, which at a thousand tenants was nearly all of `doctor`'s time. Many keys are found
    /// through one search for every entry of this service, whose attributes are then read item by
    /// item: the Secret Service (gnome-keyring) matches a search against every item it holds, so a
    /// search per key costs the square of the keychain's size, while an item's attributes are one
    /// lookup. A few keys are searched for one by one. An entry that is not plainly there and
    /// unlocked (locked, ambiguous, written by another tool) goes through [`Self::get`], which
    /// handles those as keyring does (an unlock prompt, an error).
    #[cfg(target_os = "linux")]
    fn get_many(&self, keys: &[SecretKey]) -> Result<Vec<Option<Secret>>> {
        use dbus_secret_service::{EncryptionType, Item, SecretService};
        let failed = |e: dbus_secret_service::Error| Error::KeychainUnavailable { reason: e.to_string() };
        // keyring's own entries: its target attribute is "default" (or absent, from older writers).
        let keyring_entry = |attributes: &HashMap<String, String>| attributes.get("target").is_none_or(|t| t == "default");
        let read = |item: &Item<'_>, account: &str| -> Result<Secret> {
            String::from_utf8(item.get_secret().map_err(failed)?).map(Secret::new).map_err(|_| Error::KeychainUnavailable { reason: format!("{account} is not text") })
        };
        let plain = blocking(|| -> Result<Vec<Option<Option<Secret>>>> {
            let _one_at_a_time = self.serial()?;
            let session = SecretService::connect(EncryptionType::Dh).map_err(failed)?;
            if keys.len() < SEARCH_ALL_FROM {
                return keys
                    .iter()
                    .map(|key| {
                        let account = key.account();
                        let found = session.search_items(HashMap::from([("service", self.service.as_str()), ("username", account.as_str())])).map_err(failed)?;
                        Ok(match (found.unlocked.as_slice(), found.locked.is_empty()) {
                            ([], true) => Some(None),
                            ([item], true) if keyring_entry(&item.get_attributes().map_err(failed)?) => Some(Some(read(item, &account)?)),
                            _ => None,
                        })
                    })
                    .collect();
            }
            let found = session.search_items(HashMap::from([("service", self.service.as_str())])).map_err(failed)?;
            let mut by_account: HashMap<String, Vec<&Item<'_>>> = HashMap::new();
            for item in &found.unlocked {
                let mut attributes = item.get_attributes().map_err(failed)?;
                if keyring_entry(&attributes) {
                    by_account.entry(attributes.remove("username").unwrap_or_default()).or_default().push(item);
                }
            }
            keys.iter()
                .map(|key| {
                    let account = key.account();
                    Ok(match by_account.get(&account).map(Vec::as_slice) {
                        // A locked item may be this one: only the slow path can tell.
                        None if found.locked.is_empty() => Some(None),
                        Some([item]) if found.locked.is_empty() => Some(Some(read(item, &account)?)),
                        _ => None,
                    })
                })
                .collect()
        })?;
        plain.into_iter().zip(keys).map(|(value, key)| value.map_or_else(|| self.get(key), Ok)).collect()
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        blocking(|| {
            let _one_at_a_time = self.serial()?;
            self.entry(key)?.set_password(value.expose()).map_err(unavailable)
        })
    }

    /// The default collection (where keyring writes), through the Secret Service's own prompt —
    /// gnome-keyring's or KWallet's dialog — which this call waits on.
    #[cfg(target_os = "linux")]
    fn unlock(&self) -> Result<()> {
        use dbus_secret_service::{EncryptionType, SecretService};
        let failed = |e: dbus_secret_service::Error| Error::KeychainUnavailable { reason: e.to_string() };
        blocking(|| {
            let _one_at_a_time = self.serial()?;
            let session = SecretService::connect(EncryptionType::Plain).map_err(failed)?;
            session.get_default_collection().map_err(failed)?.ensure_unlocked().map_err(failed)
        })
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        blocking(|| {
            let _one_at_a_time = self.serial()?;
            match self.entry(key)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        })
    }
}

/// Secrets in memory, for unit tests of the use cases only; never the store of a real run.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret>>,
    /// When set, every call fails as a locked keychain would.
    pub locked: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    fn check(&self) -> Result<()> {
        if self.locked.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() });
        }
        Ok(())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        self.check()?;
        Ok(self.entries.lock().ok().and_then(|m| m.get(&key.account()).cloned()))
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.check()?;
        if let Ok(mut m) = self.entries.lock() {
            m.insert(key.account(), value.clone());
        }
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.check()?;
        if let Ok(mut m) = self.entries.lock() {
            m.remove(&key.account());
        }
        Ok(())
    }

    fn unlock(&self) -> Result<()> {
        self.locked.store(false, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

/// A new random password: 32 hex characters from the OS's CSPRNG, safe in URLs and SQL.
pub fn generate_password() -> Result<Secret> {
    let bytes: [u8; 16] = random_bytes()?;
    Ok(Secret::new(hex(&bytes)))
}

/// Bytes as lowercase hex, two digits each: passwords, tags and digests written as text.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from the OS's CSPRNG, for secrets and what protects them (passwords, salts).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::KeychainUnavailable { reason: format!("no secure random numbers: {e}") })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    /// A keychain call that waits on the user (here: on a channel) while the runtime's only worker
    /// would otherwise be stuck: the task that answers it must still run.
    #[test]
    fn a_call_waiting_on_the_user_leaves_the_runtime_free() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().expect("runtime");
        let answered = runtime.block_on(async {
            let (answer, question) = mpsc::channel::<()>();
            let (started, waiting) = tokio::sync::oneshot::channel();
            let call = tokio::spawn(async move {
                let _ = started.send(());
                super::blocking(|| question.recv_timeout(Duration::from_secs(5)))
            });
            waiting.await.expect("the call started");
            tokio::spawn(async move { answer.send(()) });
            call.await.expect("the call")
        });
        assert!(answered.is_ok(), "the worker stayed blocked: the answering task never ran");
    }
}
