//! Recovery: provisioning that fails part-way, event streams that drop, 5xx, 401, slow answers,
//! and retries that must never make a second tenant or rotate twice.

use std::time::Duration;

use tenantdesk_cloud_emulator::{Fault, FaultKind};
use tenantdesk_core::Error;
use tenantdesk_core::cloud::{ClientOptions, CloudClient};
use tenantdesk_core::error::Hint;
use tenantdesk_core::keychain::SecretStore;
use tenantdesk_core::ops::cloud::{self};
use tenantdesk_core::ops::provisioning::CloudProgress;
use tenantdesk_core::registry::Registry;
use tenantdesk_core::secret::Secret;

use crate::fixture::{Cloud, connects, phases};

fn fault(kind: FaultKind, path: &str, method: Option<&str>, count: u32) -> Fault {
    Fault { kind, path: Some(path.to_owned()), method: method.map(str::to_owned), count }
}

async fn account_tenants(c: &Cloud) -> Vec<String> {
    CloudClient::new(&c.url(), Secret::new(c.token()), ClientOptions::default()).expect("client").me().await.expect("me").tenants.into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn a_provisioning_that_fails_part_way_registers_nothing_and_retry_finishes_it() {
    let c = Cloud::logged_in().await;
    c.faults(vec![fault(FaultKind::FailPhase { phase: "vm_provisioned".to_owned() }, "/api/v1/checkout", Some("POST"), 1)]);
    let (result, seen) = c.create("flaky", "lhr").await;
    let Err(Error::ProvisioningFailed { id, phase, message }) = result else { panic!("expected a provisioning failure, got {result:?}") };
    assert_eq!(phase, "vm_provisioned");
    assert!(message.contains("injected"), "{message}");
    assert_eq!(phases(&seen).last().map(String::as_str), Some("provisioning_failed"));
    let hint = Error::ProvisioningFailed { id: id.clone(), phase, message }.hint().expect("hint");
    assert_eq!(hint, Hint::RetryProvision { id: id.clone() });

    assert!(Registry::load(&c.project.tenants_file()).expect("registry").tenants.is_empty(), "half-registered");
    assert!(!c.project.root().join(".systemprompt/profiles/flaky").exists(), "a profile was made");
    let key = tenantdesk_core::ops::credentials::password_key(&c.project, &tenantdesk_core::tenant::TenantId::parse(&id).expect("id"));
    assert!(c.keychain.get(&key).expect("keychain").is_none(), "a password was stored");
    let status = cloud::status(&c.project, &id, &c.keychain).await.expect("show works for the failed tenant");
    assert_eq!((status.status.as_str(), status.phase.as_deref()), ("failed", Some("vm_provisioned")));
    // After a restart the app would show it failed, at that phase, and leave the retry to the user.
    let picked = tenantdesk_core::ops::sync::pick_ups(&c.project, &c.keychain).await.expect("pick-ups");
    assert!(
        matches!(picked.as_slice(), [tenantdesk_core::ops::sync::PickUp { tenant, failed: Some(Error::ProvisioningFailed { phase, .. }) }] if tenant.id == id && phase == "vm_provisioned"),
        "{picked:?}"
    );

    let mut resumed = Vec::new();
    let done = tenantdesk_core::ops::provisioning::retry_provision(&c.project, &id, &c.keychain, &mut |p| resumed.push(p)).await.expect("retry");
    assert_eq!(phases(&resumed).first().map(String::as_str), Some("vm_provisioned"), "resumed at the failed phase");
    assert_eq!(done.created.tenant.id, id);
    assert!(connects(&tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url")).await);
    assert_eq!(account_tenants(&c).await, ["flaky"], "a retry made another tenant");
}

#[tokio::test]
async fn a_dropped_event_stream_falls_back_to_polling_and_still_finishes() {
    let c = Cloud::logged_in().await;
    c.emulator().set_phase_delay(Duration::from_millis(300));
    c.faults(vec![fault(FaultKind::DropStream { after_events: 3 }, "/events", None, 1)]);
    let (created, seen) = c.create("dropped", "iad").await;
    let created = created.expect("create despite the dropped stream");
    assert_eq!(phases(&seen).len(), 3);
    assert!(seen.iter().any(|p| matches!(p, CloudProgress::StreamLost { .. })), "{seen:?}");
    assert!(seen.iter().any(|p| matches!(p, CloudProgress::Polled { status, .. } if status == "ready")), "{seen:?}");
    assert!(connects(&tenantdesk_core::ops::credentials::database_url(&c.project, &created.created.tenant.id, &c.keychain).expect("url")).await);
}

#[tokio::test]
async fn server_errors_are_retried_only_where_a_retry_is_safe() {
    let c = Cloud::logged_in().await;
    // The checkout succeeds server-side but the answer is lost: the retry (same idempotency key)
    // must get the same tenant, not a second one.
    c.faults(vec![fault(FaultKind::StatusAfter { status: 502 }, "/api/v1/checkout", Some("POST"), 1)]);
    let created = c.create("once", "ams").await.0.expect("create despite a lost answer");
    assert_eq!(account_tenants(&c).await, ["once"]);
    let id = created.created.tenant.id;

    c.faults(vec![fault(FaultKind::Status { status: 500 }, "/status", Some("GET"), 1)]);
    assert_eq!(cloud::status(&c.project, &id, &c.keychain).await.expect("GET retried after a 500").status, "ready");

    // A rotation is not idempotent: one 500 is reported, not retried, and nothing rotated.
    let before = tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url");
    c.faults(vec![fault(FaultKind::Status { status: 500 }, "/rotate-credentials", None, 1)]);
    let failed = tenantdesk_core::ops::rotation::rotate_credentials(&c.project, &id, None, &c.keychain).await;
    assert!(matches!(failed, Err(Error::CloudApi { status: 500, .. })), "{failed:?}");
    assert!(connects(&before).await, "the password changed although the rotation failed");
    assert_eq!(tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url").expose(), before.expose());
}

#[tokio::test]
async fn one_401_refreshes_the_tenant_token_and_a_second_is_access_denied() {
    let c = Cloud::logged_in().await;
    let id = c.create("guarded", "nrt").await.0.expect("create").created.tenant.id;
    c.faults(vec![fault(FaultKind::Status { status: 401 }, "/status", None, 1)]);
    assert_eq!(cloud::status(&c.project, &id, &c.keychain).await.expect("refreshed").status, "ready");
    c.faults(vec![fault(FaultKind::Status { status: 401 }, "/status", None, 2)]);
    let denied = cloud::status(&c.project, &id, &c.keychain).await;
    let Err(e @ Error::AccessDenied { .. }) = denied else { panic!("expected Access denied, got {denied:?}") };
    assert!(e.to_string().starts_with("Access denied"), "{e}");
    assert_eq!(e.hint(), Some(Hint::LogInAgain { or_rotate: true }));
    // A token the API does not know is refused at the exchange.
    let stranger = CloudClient::new(&c.url(), Secret::new("sp_op_nobody"), ClientOptions::default()).expect("client");
    assert!(matches!(stranger.status(&id).await, Err(Error::AccessDenied { .. })));
    assert!(matches!(stranger.me().await, Err(Error::AccessDenied { .. })));
}

#[tokio::test]
async fn a_slow_api_times_out_with_a_message_and_unknown_tenants_are_not_found() {
    let c = Cloud::logged_in().await;
    let options = ClientOptions { request_timeout: Duration::from_millis(300), retries: 0, ..ClientOptions::default() };
    let client = CloudClient::new(&c.url(), Secret::new(c.token()), options).expect("client");
    c.faults(vec![fault(FaultKind::Delay { ms: 1500 }, "/api/v1/auth/me", None, 1)]);
    let slow = client.me().await;
    let Err(e @ Error::CloudTimeout { .. }) = slow else { panic!("expected a timeout, got {slow:?}") };
    assert!(e.to_string().contains("did not answer within 0.3 seconds"), "{e}");
    assert_eq!(e.hint(), Some(Hint::RetryOrWaitLonger));

    // An event stream whose answer never comes times out like any request (the create then
    // polls), instead of waiting without end.
    c.faults(vec![fault(FaultKind::Delay { ms: 5000 }, "/events", None, 1)]);
    let stalled = tokio::time::timeout(Duration::from_secs(4), client.tenant_events("00000000-0000-4000-8000-000000000000", Duration::from_secs(30)))
        .await
        .expect("the event stream waited past its deadline");
    assert!(matches!(stalled, Err(Error::CloudTimeout { .. })), "{:?}", stalled.map(|_| "a stream"));

    let missing = cloud::status(&c.project, "00000000-0000-4000-8000-000000000000", &c.keychain).await;
    assert!(matches!(missing, Err(Error::TenantNotFound { .. })), "{missing:?}");
    let unreachable = CloudClient::new(&format!("http://127.0.0.1:{}", crate::fixture::free_port()), Secret::new("x"), ClientOptions { retries: 0, ..ClientOptions::default() })
        .expect("client")
        .me()
        .await;
    assert!(matches!(unreachable, Err(Error::CloudUnreachable { .. })), "{unreachable:?}");
    let region = c.create("nowhere", "xyz").await.0;
    assert!(matches!(region, Err(Error::UnknownRegion { .. })), "{region:?}");
}

/// A keychain that refuses writes on demand, over the test keychain.
struct Flaky<'a> {
    inner: &'a dyn SecretStore,
    refuse: std::sync::atomic::AtomicBool,
}

impl SecretStore for Flaky<'_> {
    fn get(&self, key: &tenantdesk_core::keychain::SecretKey) -> tenantdesk_core::Result<Option<Secret>> {
        self.inner.get(key)
    }
    fn set(&self, key: &tenantdesk_core::keychain::SecretKey, value: &Secret) -> tenantdesk_core::Result<()> {
        if self.refuse.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() });
        }
        self.inner.set(key, value)
    }
    fn delete(&self, key: &tenantdesk_core::keychain::SecretKey) -> tenantdesk_core::Result<()> {
        self.inner.delete(key)
    }
}

#[tokio::test]
async fn a_locked_keychain_during_rotation_leaves_the_files_as_they_were_and_a_retry_works() {
    let c = Cloud::logged_in().await;
    let id = c.create("locked", "gru").await.0.expect("create").created.tenant.id;
    let flaky = Flaky { inner: &c.keychain, refuse: std::sync::atomic::AtomicBool::new(true) };
    let registry = std::fs::read(c.project.tenants_file()).expect("registry");
    let failed = tenantdesk_core::ops::rotation::rotate_credentials(&c.project, &id, None, &flaky).await;
    let Err(e @ Error::KeychainUnavailable { .. }) = failed else { panic!("expected the keychain error, got {failed:?}") };
    assert_eq!(e.hint(), Some(Hint::UnlockKeychain), "{e}");
    assert_eq!(std::fs::read(c.project.tenants_file()).expect("registry"), registry, "tenants.json changed");
    // The keychain was asked before the server rotated: the stored password still works.
    assert!(connects(&tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url")).await, "a refused rotation left a stale password");
    flaky.refuse.store(false, std::sync::atomic::Ordering::Relaxed);
    tenantdesk_core::ops::rotation::rotate_credentials(&c.project, &id, None, &flaky).await.expect("rotate again");
    assert!(connects(&tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url")).await, "the stored password does not connect");

    // The server rotates but its answer is lost (a 502 after the work): the current credentials
    // are fetched, so the keychain holds the live password.
    let before = tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url");
    c.faults(vec![fault(FaultKind::StatusAfter { status: 502 }, "/rotate-credentials", None, 1)]);
    tenantdesk_core::ops::rotation::rotate_credentials(&c.project, &id, None, &c.keychain).await.expect("a lost answer is recovered");
    let after = tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url");
    assert_ne!(before.expose(), after.expose(), "the server's rotation did not reach the keychain");
    assert!(connects(&after).await, "the stored password does not connect after a lost answer");
    assert!(!connects(&before).await, "the emulator did not rotate (the fault did not apply)");
}

#[tokio::test]
async fn a_cloud_tenant_whose_password_never_reached_the_keychain_is_sent_to_retry_provision() {
    let c = Cloud::logged_in().await;
    let id = c.create("halfway", "iad").await.0.expect("create").created.tenant.id;
    let tenant = tenantdesk_core::tenant::TenantId::parse(&id).expect("id");
    // What a create killed while storing the credentials leaves: the tenant, no password.
    c.keychain.delete(&tenantdesk_core::ops::credentials::password_key(&c.project, &tenant)).expect("forget");
    let checks = tenantdesk_core::ops::doctor::doctor(Some(&c.project), &c.keychain, &mut |_| {}).await;
    let check = checks.iter().find(|ch| ch.what.contains("halfway")).expect("a check of the tenant");
    assert!(!check.ok);
    assert_eq!(check.fix, Some(Hint::FetchCredentials { id: id.clone() }), "{check:?}");
    tenantdesk_core::ops::provisioning::retry_provision(&c.project, &id, &c.keychain, &mut |_| {}).await.expect("retry-provision finishes it");
    assert!(connects(&tenantdesk_core::ops::credentials::database_url(&c.project, &id, &c.keychain).expect("url")).await, "the fetched password does not connect");
}
