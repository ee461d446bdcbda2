//! The real OS keychain (a Secret Service: gnome-keyring in `dbus-run-session` in CI).

use tenantdesk_core::Project;
use tenantdesk_core::keychain::{Keychain, SecretKey, SecretKind, SecretStore};
use tenantdesk_core::ops::credentials::password_key;
use tenantdesk_core::secret::Secret;
use tenantdesk_core::tenant::TenantId;

/// A keychain under a service of its own, emptied of this test's entries when dropped.
pub struct TestKeychain {
    pub store: Keychain,
    keys: std::sync::Mutex<Vec<SecretKey>>,
}

impl TestKeychain {
    pub fn new() -> Self {
        Self { store: Keychain::with_service(&format!("tenantdesk-test-{}", std::process::id())), keys: Default::default() }
    }

    pub fn track(&self, key: SecretKey) {
        self.keys.lock().expect("lock").push(key);
    }
}

impl Drop for TestKeychain {
    fn drop(&mut self) {
        for key in self.keys.lock().expect("lock").iter() {
            let _ = self.store.delete(key);
        }
    }
}

#[test]
fn secrets_round_trip_per_tenant_and_kind_without_colliding_across_projects() {
    let chain = TestKeychain::new();
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let (pa, pb) = (Project::init(a.path()).expect("a"), Project::init(b.path()).expect("b"));
    // The same (legacy-shaped) tenant id in two projects.
    let id = TenantId::parse("local_19bff27604c").expect("id");
    let (ka, kb) = (password_key(&pa, &id), password_key(&pb, &id));
    let superuser = SecretKey::new(format!("{}/{}", pa.key(), id), SecretKind::SuperuserPassword);
    for k in [&ka, &kb, &superuser] {
        chain.track(k.clone());
    }
    chain.store.set(&ka, &Secret::new("password-of-a")).expect("set a");
    chain.store.set(&kb, &Secret::new("password-of-b")).expect("set b");
    chain.store.set(&superuser, &Secret::new("superuser-of-a")).expect("set kind");
    assert_eq!(chain.store.get(&ka).expect("get").map(|s| s.expose().to_owned()).as_deref(), Some("password-of-a"));
    assert_eq!(chain.store.get(&kb).expect("get").map(|s| s.expose().to_owned()).as_deref(), Some("password-of-b"));
    assert_eq!(chain.store.get(&superuser).expect("get").map(|s| s.expose().to_owned()).as_deref(), Some("superuser-of-a"));
    chain.store.delete(&ka).expect("delete");
    assert_eq!(chain.store.get(&ka).expect("get after delete"), None);
    assert!(chain.store.get(&kb).expect("get").is_some(), "deleting a's entry touched b's");
    chain.store.delete(&ka).expect("deleting twice is fine");
}

/// Many entries over one session read what one-by-one reads do, values and absences alike, both
/// ways `get_many` has: a search per key (a few keys) and one search for the whole service (many),
/// with an entry of another keyring target under the same account beside one of them.
#[test]
fn many_secrets_read_at_once_match_one_by_one() {
    let chain = TestKeychain::new();
    let keys: Vec<SecretKey> = (0..12).map(|i| SecretKey::new(format!("many/{i}"), SecretKind::DatabasePassword)).collect();
    for (i, key) in keys.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        chain.track(key.clone());
        chain.store.set(key, &Secret::new(format!("value-{i}"))).expect("set");
    }
    // What another keyring user could leave: an item of the same service and account whose
    // target attribute is not keyring's "default".
    let service = format!("tenantdesk-test-{}", std::process::id());
    let account = keys[2].account();
    let ss = dbus_secret_service::SecretService::connect(dbus_secret_service::EncryptionType::Dh).expect("secret service");
    let attributes = std::collections::HashMap::from([("service", service.as_str()), ("username", account.as_str()), ("target", "elsewhere")]);
    let collection = ss.get_default_collection().expect("collection");
    let elsewhere = collection.create_item("elsewhere", attributes, b"another target's value", true, "text/plain").expect("set elsewhere");
    let one_by_one: Vec<Option<String>> = keys.iter().map(|k| chain.store.get(k).expect("get").map(|s| s.expose().to_owned())).collect();
    let expected: Vec<Option<String>> = (0..12).map(|i| (i % 2 == 0).then(|| format!("value-{i}"))).collect();
    assert_eq!(one_by_one, expected);
    for some in [&keys[..5], &keys[..]] {
        let at_once: Vec<Option<String>> = chain.store.get_many(some).expect("get_many").into_iter().map(|s| s.map(|s| s.expose().to_owned())).collect();
        assert_eq!(at_once, one_by_one[..some.len()], "{} keys", some.len());
    }
    assert!(chain.store.get_many(&[]).expect("none").is_empty());
    elsewhere.delete().expect("delete elsewhere");
}

/// An unlocked keychain is left as it is, with no prompt (locking the session's collection here
/// would lock it under every other test of this binary too).
#[test]
fn unlocking_an_unlocked_keychain_asks_nothing_and_leaves_it_usable() {
    let chain = TestKeychain::new();
    chain.store.unlock().expect("unlock");
    let key = SecretKey::new("unlock/after", SecretKind::DatabasePassword);
    chain.track(key.clone());
    chain.store.set(&key, &Secret::new("still-writable")).expect("set after unlock");
    assert_eq!(chain.store.get(&key).expect("get").map(|s| s.expose().to_owned()).as_deref(), Some("still-writable"));
}
