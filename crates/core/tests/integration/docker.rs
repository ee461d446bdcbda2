//! Local tenants for real: a Docker engine, the PostgreSQL image built by
//! tests/docker/postgres-image.sh (`TENANTDESK_POSTGRES_IMAGE`), the OS keychain. Every test uses
//! its own container, volume and port, and removes them even when it fails.

use std::process::Command;

use futures_util::StreamExt;
use sqlx::{Connection, Executor, PgConnection, Row};
use tenantdesk_core::error::Hint;
use tenantdesk_core::keychain::SecretStore;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::registry::Registry;
use tenantdesk_core::secret::Secret;
use tenantdesk_core::shared_container::{self, ContainerState, Progress, PullOutcome, SharedConfig};
use tenantdesk_core::testing::free_port;
use tenantdesk_core::{Error, Project, engine, port};

use crate::keychain::TestKeychain;

fn image() -> String {
    std::env::var("TENANTDESK_POSTGRES_IMAGE").unwrap_or_else(|_| panic!("set TENANTDESK_POSTGRES_IMAGE (built by tests/docker/postgres-image.sh); scripts/test.sh does it all"))
}

/// A shared container of the test's own, force-removed with its volume on drop.
struct Fixture {
    cfg: SharedConfig,
    chain: TestKeychain,
    dir: tempfile::TempDir,
    project: Project,
}

impl Fixture {
    fn new(tag: &str) -> Self {
        let cfg = SharedConfig::new(&format!("td-test-{tag}-{}", std::process::id()), &image(), free_port());
        let chain = TestKeychain::new();
        chain.track(cfg.secret_key());
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        Self { cfg, chain, dir, project }
    }

    async fn create(&self, name: &str) -> Result<String, Error> {
        let created =
            local::create_local_tenant(&self.project, &TenantName::parse(name)?, DatabaseSource::Shared { port: None }, &self.cfg, &self.chain.store, &mut |_| {}).await?;
        self.chain.track(tenantdesk_core::ops::credentials::password_key(&self.project, &tenantdesk_core::tenant::TenantId::parse(&created.tenant.id).expect("id")));
        Ok(created.tenant.id)
    }

    fn url(&self, id: &str) -> Secret {
        tenantdesk_core::ops::credentials::database_url(&self.project, id, &self.chain.store).expect("url")
    }

    async fn superuser(&self) -> PgConnection {
        shared_container::admin(&self.cfg, &self.chain.store).await.expect("superuser connection")
    }

    fn containers(&self) -> String {
        let out = Command::new("docker").args(["ps", "-a", "--filter", &format!("name={}", self.cfg.container), "--format", "{{.Names}}"]).output().expect("docker ps");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", "-v", &self.cfg.container]).output();
        let _ = Command::new("docker").args(["volume", "rm", "-f", &self.cfg.volume]).output();
        let _ = &self.dir;
    }
}

async fn rows(url: &Secret, sql: &str) -> Result<Vec<String>, sqlx::Error> {
    let mut conn = PgConnection::connect(url.expose()).await?;
    let out = sqlx::query(sql).fetch_all(&mut conn).await?.iter().map(|r| r.try_get::<String, _>(0).unwrap_or_default()).collect();
    let _ = conn.close().await;
    Ok(out)
}

#[tokio::test]
async fn a_local_tenant_lives_through_stop_and_start_and_is_gone_after_delete() {
    let f = Fixture::new("life");
    let id = f.create("my-project").await.expect("create");
    let url = f.url(&id);
    let password = url::Url::parse(url.expose()).expect("url").password().expect("password").to_owned();
    assert_eq!(password.len(), 32);
    let registry = std::fs::read_to_string(f.project.tenants_file()).expect("read");
    assert!(!registry.contains(&password), "the password reached tenants.json");
    assert!(registry.contains(":***@127.0.0.1:"), "{registry}");

    let mut conn = PgConnection::connect(url.expose()).await.expect("connect as the tenant");
    conn.execute("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')").await.expect("write");
    conn.close().await.expect("close");

    tenantdesk_core::ops::container::db_down(&f.cfg).await.expect("down");
    assert!(PgConnection::connect(url.expose()).await.is_err(), "still reachable after db down");
    let status = tenantdesk_core::ops::container::db_up(&f.cfg, &f.chain.store, &mut |_| {}).await.expect("up");
    assert!(matches!(status.state, ContainerState::Healthy | ContainerState::Starting), "{status:?}");
    assert_eq!(rows(&url, "SELECT body FROM notes").await.expect("read back"), ["kept"]);

    let report = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert_eq!(report.tenants.len(), 1);
    assert_eq!(report.tenants[0].database_present, Some(true));

    tenantdesk_core::ops::delete_tenant(&f.project, &id, None, true, &f.chain.store).await.expect("delete");
    let mut admin = f.superuser().await;
    let db: Option<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'td\\_my\\_project\\_%'").fetch_optional(&mut admin).await.expect("query");
    let role: Option<String> = sqlx::query_scalar("SELECT rolname FROM pg_roles WHERE rolname LIKE 'td\\_my\\_project\\_%'").fetch_optional(&mut admin).await.expect("query");
    assert_eq!((db, role), (None, None), "database or role survived the delete");
    assert!(Registry::load(&f.project.tenants_file()).expect("registry").tenants.is_empty());
    assert!(matches!(tenantdesk_core::ops::credentials::database_url(&f.project, &id, &f.chain.store), Err(Error::TenantNotFound { .. })));
}

#[tokio::test]
async fn tenants_in_one_container_cannot_read_each_others_databases() {
    let f = Fixture::new("iso");
    let a = f.create("alpha").await.expect("alpha");
    let b = f.create("beta").await.expect("beta");
    let (url_a, url_b) = (f.url(&a), f.url(&b));
    rows(&url_a, "SELECT 'ok'").await.expect("a reaches its own database");
    // b's role and password, a's database.
    let mut crossed = url::Url::parse(url_b.expose()).expect("url");
    crossed.set_path(url::Url::parse(url_a.expose()).expect("url").path());
    let err = rows(&Secret::new(crossed.to_string()), "SELECT 'leak'").await.expect_err("b must not reach a");
    assert!(err.to_string().contains("permission denied"), "{err}");

    // An orphan: a Tenantdesk-shaped database nobody claims.
    let mut admin = f.superuser().await;
    admin.execute("CREATE DATABASE td_orphan_00000000").await.expect("orphan");
    let report = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert_eq!(report.orphan_databases, ["td_orphan_00000000"]);
    tenantdesk_core::ops::databases::drop_orphan_database(&f.project, &f.cfg, &f.chain.store, "td_orphan_00000000").await.expect("drop orphan");

    // An orphan with a role of its own (a tenant whose registry entry was lost) can be adopted.
    admin.execute("CREATE ROLE td_lost_00000001 LOGIN PASSWORD 'old'").await.expect("lost role");
    admin.execute("CREATE DATABASE td_lost_00000001 OWNER td_lost_00000001").await.expect("lost database");
    let adopted = tenantdesk_core::ops::databases::adopt_orphan_database(&f.project, &f.cfg, &f.chain.store, "td_lost_00000001", &TenantName::parse("found").expect("name"))
        .await
        .expect("adopt");
    f.chain.track(tenantdesk_core::ops::credentials::password_key(&f.project, &tenantdesk_core::tenant::TenantId::parse(&adopted.tenant.id).expect("id")));
    assert_eq!(rows(&f.url(&adopted.tenant.id), "SELECT current_database()::text").await.expect("connect as adopted"), ["td_lost_00000001"]);
    let report = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert!(report.orphan_databases.is_empty(), "{report:?}");
    let err = tenantdesk_core::ops::databases::drop_orphan_database(&f.project, &f.cfg, &f.chain.store, &report.tenants[0].name).await.expect_err("not an orphan");
    assert!(err.to_string().contains("not an orphan"), "{err}");
}

#[tokio::test]
async fn two_projects_share_the_container_and_neither_is_the_others_orphan() {
    let f = Fixture::new("two-projects");
    f.create("alpha").await.expect("create in A");
    let b_dir = tempfile::tempdir().expect("tempdir");
    let b = Project::init(b_dir.path()).expect("init B");
    let beta = local::create_local_tenant(&b, &TenantName::parse("beta").expect("name"), DatabaseSource::Shared { port: None }, &f.cfg, &f.chain.store, &mut |_| {})
        .await
        .expect("create in B");
    let beta_id = tenantdesk_core::tenant::TenantId::parse(&beta.tenant.id).expect("id");
    f.chain.track(tenantdesk_core::ops::credentials::password_key(&b, &beta_id));
    let beta_url = tenantdesk_core::ops::credentials::database_url(&b, &beta.tenant.id, &f.chain.store).expect("url");
    let beta_db = url::Url::parse(beta_url.expose()).expect("url").path().trim_start_matches('/').to_owned();

    // Seen from A, B's live database is B's, not an orphan, and cannot be dropped or adopted.
    let status = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert!(status.orphan_databases.is_empty(), "{status:?}");
    let claim = status.other_projects.iter().find(|c| c.database == beta_db).expect("B's database listed as B's");
    assert_eq!((claim.tenant_name.as_str(), claim.project.as_str()), ("beta", b.root().to_str().expect("utf-8")));
    let err = tenantdesk_core::ops::databases::drop_orphan_database(&f.project, &f.cfg, &f.chain.store, &beta_db).await.expect_err("B's database");
    assert!(matches!(&err, Error::ClaimedByAnotherProject { tenant, .. } if tenant == "beta"), "{err:?}");
    let err = tenantdesk_core::ops::databases::adopt_orphan_database(&f.project, &f.cfg, &f.chain.store, &beta_db, &TenantName::parse("stolen").expect("name"))
        .await
        .expect_err("B's database");
    assert!(matches!(err, Error::ClaimedByAnotherProject { .. }), "{err:?}");
    rows(&beta_url, "SELECT 'still there'").await.expect("B's database is intact");
    // B sees A's database the same way.
    let from_b = tenantdesk_core::ops::databases::db_status(Some(&b), &f.cfg, &f.chain.store).await.expect("status");
    assert!(from_b.orphan_databases.is_empty() && from_b.other_projects.iter().any(|c| c.tenant_name == "alpha"), "{from_b:?}");

    // B's folder is gone: its database is an orphan now, which A may drop.
    drop(b_dir);
    let status = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert_eq!(status.orphan_databases, std::slice::from_ref(&beta_db), "{status:?}");
    tenantdesk_core::ops::databases::drop_orphan_database(&f.project, &f.cfg, &f.chain.store, &beta_db).await.expect("drop the real orphan");
}

#[tokio::test]
async fn bad_names_and_bad_urls_change_nothing() {
    let f = Fixture::new("bad");
    let registry = std::fs::read(f.project.tenants_file()).expect("read");
    for hostile in ["it's", "a;drop table x", "naïve", "../up", ""] {
        assert!(matches!(TenantName::parse(hostile), Err(Error::InvalidName { .. })), "{hostile}");
    }
    let wrong = DatabaseSource::External { url: format!("postgres://nobody:wrong@127.0.0.1:{}/none", free_port()), verify: true };
    let err = local::create_local_tenant(&f.project, &TenantName::parse("ext").expect("name"), wrong, &f.cfg, &f.chain.store, &mut |_| {}).await.expect_err("unreachable");
    assert!(matches!(err, Error::DatabaseConnection { .. }), "{err:?}");
    assert_eq!(err.hint(), Some(Hint::StartDatabase));
    assert_eq!(registry, std::fs::read(f.project.tenants_file()).expect("read"));
    assert_eq!(f.containers(), "", "a container was created");
}

#[tokio::test]
async fn a_taken_port_is_named_and_nothing_is_created() {
    let f = Fixture::new("port");
    let listener = std::net::TcpListener::bind(("127.0.0.1", f.cfg.port)).expect("hold the port");
    let err = f.create("blocked").await.expect_err("port is taken");
    match &err {
        Error::PortTaken { holder, free, .. } => {
            assert!(holder.contains(&format!("pid {}", std::process::id())), "{holder}");
            assert!(free.is_some_and(port::is_free));
        }
        other => panic!("{other:?}"),
    }
    drop(listener);
    assert_eq!(f.containers(), "");
    assert!(Registry::load(&f.project.tenants_file()).expect("registry").tenants.is_empty());

    // Once the container exists its port is fixed (its tenants' URLs name it): a taken port says
    // so, instead of offering a --port that would give the same error again.
    f.create("first").await.expect("create");
    tenantdesk_core::ops::container::db_down(&f.cfg).await.expect("down");
    let listener = std::net::TcpListener::bind(("127.0.0.1", f.cfg.port)).expect("hold the port");
    let err = tenantdesk_core::ops::container::db_up(&SharedConfig::new(&f.cfg.container, &image(), port::next_free(f.cfg.port + 1).expect("free")), &f.chain.store, &mut |_| {})
        .await
        .expect_err("port is taken");
    assert!(matches!(&err, Error::ContainerPortTaken { port, .. } if *port == f.cfg.port), "{err:?}");
    // Not "use another port": its tenants' URLs name the port the container was made on.
    assert!(matches!(err.hint(), Some(Hint::FreeContainerPort { .. })), "{:?}", err.hint());
    drop(listener);
    tenantdesk_core::ops::container::db_up(&f.cfg, &f.chain.store, &mut |_| {}).await.expect("up once the port is free");
}

/// Reconcile names another shared container as an orphan, never the cloud emulator's server.
#[tokio::test]
async fn other_shared_containers_are_orphans_and_the_emulators_server_is_not() {
    let f = Fixture::new("orphans");
    let pid = std::process::id();
    let made: Vec<String> = [(shared_container::ROLE_SHARED, "old-shared"), (shared_container::ROLE_EMULATOR, "emulator")]
        .iter()
        .map(|(role, what)| {
            let name = format!("td-test-{what}-{pid}");
            let labels = [format!("{}=true", shared_container::LABEL_MANAGED), format!("{}={role}", shared_container::LABEL_ROLE)];
            let out = Command::new("docker").args(["create", "--name", &name, "--label", &labels[0], "--label", &labels[1], &image()]).output().expect("docker");
            assert!(out.status.success(), "{out:?}");
            name
        })
        .collect();
    let status = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await;
    for name in &made {
        let _ = Command::new("docker").args(["rm", "-f", name]).output();
    }
    let orphans = status.expect("status").other_setups;
    assert!(orphans.contains(&made[0]), "{orphans:?}");
    assert!(!orphans.contains(&made[1]), "the emulator's server was offered as an orphan: {orphans:?}");
}

#[tokio::test]
async fn a_container_that_never_becomes_ready_is_rolled_back() {
    let broken = format!("td-test/broken:{}", std::process::id());
    let src = format!("td-test-broken-src-{}", std::process::id());
    assert!(Command::new("docker").args(["create", "--name", &src, &image()]).output().expect("docker").status.success());
    let committed = Command::new("docker").args(["commit", "--change", "ENTRYPOINT [\"/bin/sh\", \"-c\", \"exit 3\"]", &src, &broken]).output().expect("docker");
    let _ = Command::new("docker").args(["rm", "-f", &src]).output();
    assert!(committed.status.success(), "{committed:?}");
    let mut f = Fixture::new("broken");
    f.cfg.image = broken.clone();
    let err = f.create("never").await.expect_err("must fail");
    let _ = Command::new("docker").args(["rmi", "-f", &broken]).output();
    assert!(matches!(err, Error::Unhealthy { .. }), "{err:?}");
    assert_eq!(f.containers(), "", "the container was left behind");
    let volume = Command::new("docker").args(["volume", "ls", "-q", "--filter", &format!("name={}", f.cfg.volume)]).output().expect("docker");
    assert_eq!(String::from_utf8_lossy(&volume.stdout).trim(), "", "the volume was left behind");
    assert!(Registry::load(&f.project.tenants_file()).expect("registry").tenants.is_empty());
    assert_eq!(f.chain.store.get(&f.cfg.secret_key()).expect("keychain"), None, "the superuser password was left behind");
}

#[tokio::test]
async fn the_superuser_password_is_not_in_docker_inspect() {
    let f = Fixture::new("inspect");
    f.create("seen").await.expect("create");
    let password = f.chain.store.get(&f.cfg.secret_key()).expect("keychain").expect("password");
    let inspect = Command::new("docker").args(["inspect", &f.cfg.container]).output().expect("docker inspect");
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("POSTGRES_PASSWORD_FILE"), "not the container we meant");
    assert!(!text.contains(password.expose()), "the password is visible in docker inspect");
    assert!(text.contains("\"HostIp\": \"127.0.0.1\""), "the port is not bound to 127.0.0.1 only");
    // Nor in the container's writable layer once the data is initialised (docker cp reaches it).
    let copied = Command::new("docker").args(["cp", &format!("{}:/tmp/tenantdesk-superuser-password", f.cfg.container), "-"]).output().expect("docker cp");
    assert!(copied.status.success(), "{copied:?}");
    assert!(!String::from_utf8_lossy(&copied.stdout).contains(password.expose()), "the password is left in the container's layer");
    // The emptied file does not stop the container from starting again.
    tenantdesk_core::ops::container::db_restart(&f.cfg, &f.chain.store, &mut |_| {}).await.expect("restart");
    rows(&f.url(&local_id(&f)), "SELECT 1").await.expect("the tenant connects after a restart");
}

fn local_id(f: &Fixture) -> String {
    Registry::load(&f.project.tenants_file()).expect("load").tenants[0].id.to_string()
}

#[tokio::test]
async fn docker_not_running_is_a_clear_error() {
    let err = engine::connect(Some("unix:///nonexistent/docker.sock")).await.expect_err("no engine there");
    assert!(matches!(err, Error::DockerNotRunning { .. }), "{err:?}");
    assert!(err.to_string().starts_with("Docker is not running"), "{err}");
    assert_eq!(err.hint(), Some(Hint::StartDocker));
}

#[tokio::test]
async fn a_missing_image_is_pulled_with_per_layer_progress_and_a_pull_says_what_changed() {
    let Ok(registry) = std::env::var("TENANTDESK_TEST_REGISTRY") else {
        panic!("set TENANTDESK_TEST_REGISTRY to a local registry holding the test image (scripts/test.sh does)");
    };
    // The test image's layers are already on this engine; the probe's exist only in the registry.
    let remote = format!("{registry}/tenantdesk-test/pull-probe:1");
    let _ = Command::new("docker").args(["rmi", "-f", &remote]).output();
    let engine = engine::connect(None).await.expect("engine");
    let mut events = Vec::new();
    shared_container::ensure_image(&engine, &remote, &mut |p| events.push(p)).await.expect("pull");
    let layers: std::collections::HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Progress::Pulling { layer, current: Some(_), total: Some(t), .. } if *t > 0.0 => Some(layer.clone()),
            _ => None,
        })
        .collect();
    assert!(!layers.is_empty(), "no per-layer byte progress in {events:?}");
    // Every event is a layer's: not the stream's "Pulling from", digest or summary lines.
    assert!(events.iter().all(|e| matches!(e, Progress::Pulling { layer, status, .. } if !layer.is_empty() && !status.starts_with("Pulling from"))), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, Progress::Pulling { status, .. } if status.contains("Pull complete") || status.contains("Download complete"))), "{events:?}");
    assert!(engine.docker.inspect_image(&remote).await.is_ok());
    // Pulling again on purpose finds nothing newer; with no container, none is outdated.
    let probe = SharedConfig::new("td-no-such-container", &remote, 1);
    let again = shared_container::pull(&engine, &probe, &mut |_| {}).await.expect("pull again");
    assert_eq!((again.outcome, again.container_outdated), (PullOutcome::UpToDate, false), "{again:?}");
    assert!(again.summary.contains("is up to date"), "{}", again.summary);
    let _ = Command::new("docker").args(["rmi", "-f", &remote]).output();
    let fresh = shared_container::pull(&engine, &probe, &mut |_| {}).await.expect("pull a missing image");
    assert_eq!(fresh.outcome, PullOutcome::Downloaded, "{fresh:?}");
    let logs: Vec<_> = shared_container::logs(&engine, &probe, false, 5).collect().await;
    assert!(logs.iter().all(Result::is_err), "logs of a missing container should fail");
}

#[tokio::test]
async fn deleting_a_cli_made_tenant_removes_its_compose_project_by_label() {
    let f = Fixture::new("compose");
    let project_name = format!("tdtest{}", std::process::id());
    let volume = format!("{project_name}_postgres_data");
    let label = format!("com.docker.compose.project={project_name}");
    assert!(Command::new("docker").args(["volume", "create", "--label", &label, &volume]).output().expect("docker").status.success());
    let created = Command::new("docker")
        .args(["create", "--name", &format!("{project_name}-postgres-1"), "--label", &label, "-v", &format!("{volume}:/var/lib/postgresql"), &image()])
        .output()
        .expect("docker");
    assert!(created.status.success(), "{created:?}");
    let registry = format!(
        r#"{{"tenants":[{{"id":"local_7f0c2b7e-3a51-4a8e-9d0e-2f7b1c9a4e11","name":"cli-made","database_url":"postgres://systemprompt:x@localhost:5432/systemprompt","tenant_type":"local","external_db_access":false,"docker_project":"{project_name}"}}],"synced_at":"2026-08-21T10:00:00Z"}}"#
    );
    std::fs::write(f.project.tenants_file(), registry).expect("write");
    let status = tenantdesk_core::ops::databases::db_status(Some(&f.project), &f.cfg, &f.chain.store).await.expect("status");
    assert_eq!(status.tenants[0].container, Some(ContainerState::Created), "{status:?}");
    tenantdesk_core::ops::delete_tenant(&f.project, "local_7f0c2b7e-3a51-4a8e-9d0e-2f7b1c9a4e11", None, true, &f.chain.store).await.expect("delete");
    let left = Command::new("docker").args(["ps", "-aq", "--filter", &format!("label={label}")]).output().expect("docker");
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "", "the compose container survived");
    let vols = Command::new("docker").args(["volume", "ls", "-q", "--filter", &format!("label={label}")]).output().expect("docker");
    assert_eq!(String::from_utf8_lossy(&vols.stdout).trim(), "", "the compose volume survived");
}

#[tokio::test]
async fn health_changes_are_followed() {
    let f = Fixture::new("events");
    f.create("watched").await.expect("create");
    let engine = engine::connect(None).await.expect("engine");
    let mut events = Box::pin(shared_container::health_events(&engine));
    let container = f.cfg.container.clone();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Command::new("docker").args(["stop", "-t", "2", &container]).output().expect("docker stop")
    });
    let seen = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(event) = events.next().await {
            let event = event.expect("event");
            if event.container == f.cfg.container && event.action == "die" {
                return true;
            }
        }
        false
    })
    .await
    .expect("no die event within 20 s");
    assert!(seen);
    assert!(stopper.await.expect("join").status.success());
    let status = shared_container::status(&engine, &f.cfg).await.expect("status");
    assert_eq!(status.state, ContainerState::Stopped);
}

/// A keychain whose writes fail, as a locked keychain's would, between rotation's steps.
struct WritesFail<'a>(&'a dyn SecretStore);

impl SecretStore for WritesFail<'_> {
    fn get(&self, key: &tenantdesk_core::keychain::SecretKey) -> Result<Option<Secret>, Error> {
        self.0.get(key)
    }
    fn set(&self, _: &tenantdesk_core::keychain::SecretKey, _: &Secret) -> Result<(), Error> {
        Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() })
    }
    fn delete(&self, key: &tenantdesk_core::keychain::SecretKey) -> Result<(), Error> {
        self.0.delete(key)
    }
}

/// A keychain that answers nothing (locked, or no Secret Service at all).
struct Locked;

impl SecretStore for Locked {
    fn get(&self, _: &tenantdesk_core::keychain::SecretKey) -> Result<Option<Secret>, Error> {
        Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() })
    }
    fn set(&self, _: &tenantdesk_core::keychain::SecretKey, _: &Secret) -> Result<(), Error> {
        Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() })
    }
    fn delete(&self, _: &tenantdesk_core::keychain::SecretKey) -> Result<(), Error> {
        Err(Error::KeychainUnavailable { reason: "the keychain is locked".to_owned() })
    }
}

#[tokio::test]
async fn a_delete_the_keychain_refuses_changes_nothing_and_a_retry_finishes_it() {
    let f = Fixture::new("delete-locked");
    let id = f.create("doomed").await.expect("create");
    let err = tenantdesk_core::ops::delete_tenant(&f.project, &id, None, true, &Locked).await.expect_err("locked keychain");
    assert!(matches!(err, Error::KeychainUnavailable { .. }), "{err:?}");
    assert!(Registry::load(&f.project.tenants_file()).expect("load").tenants.iter().any(|t| t.id.as_str() == id), "the tenant left the registry");
    rows(&f.url(&id), "SELECT 1").await.expect("its database and password are intact");
    let deleted = tenantdesk_core::ops::delete_tenant(&f.project, &id, None, true, &f.chain.store).await.expect("the retry deletes it");
    assert_eq!(deleted.tenant.id, id);
    assert!(Registry::load(&f.project.tenants_file()).expect("load").tenants.is_empty());
    assert!(
        f.chain.store.get(&tenantdesk_core::ops::credentials::password_key(&f.project, &tenantdesk_core::tenant::TenantId::parse(&id).expect("id"))).expect("get").is_none(),
        "password left behind"
    );
}

#[tokio::test]
async fn a_rotation_killed_half_way_is_finished_or_undone_by_the_next_one() {
    let f = Fixture::new("rotate-killed");
    let id = f.create("killed").await.expect("create");
    let tenant = tenantdesk_core::tenant::TenantId::parse(&id).expect("id");
    let pending = tenantdesk_core::keychain::SecretKey::new(format!("{}/{}", f.project.key(), tenant), tenantdesk_core::keychain::SecretKind::PendingDatabasePassword);
    f.chain.track(pending.clone());
    let role = url::Url::parse(f.url(&id).expose()).expect("url").username().to_owned();
    let mut admin = f.superuser().await;

    // Killed after ALTER ROLE, before the keychain took the new password: the stored one no
    // longer connects. The journal has the new one; the next rotation settles on it first.
    let journalled = Secret::new("journalled-password-0123456789abcdef".to_owned());
    f.chain.store.set(&pending, &journalled).expect("journal");
    admin.execute(tenantdesk_core::postgres::alter_role_password(&role, &journalled).expect("sql").as_str()).await.expect("alter");
    assert!(rows(&f.url(&id), "SELECT 1").await.is_err(), "the simulated kill should leave the stored password stale");
    assert!(tenantdesk_core::ops::credentials::settle_rotation(&f.project, &tenant, &f.chain.store).await.expect("settle"));
    assert!(f.url(&id).expose().contains("journalled-password"), "the journalled password was not promoted");
    rows(&f.url(&id), "SELECT 1").await.expect("the settled password connects");
    assert!(f.chain.store.get(&pending).expect("get").is_none(), "the journal stays");

    // Killed after the journal, before ALTER ROLE: the stored password still works; the journal
    // goes and a full rotation succeeds.
    f.chain.store.set(&pending, &Secret::new("never-applied-0123456789abcdef0123".to_owned())).expect("journal");
    tenantdesk_core::ops::rotation::rotate_credentials(&f.project, &id, None, &f.chain.store).await.expect("rotate after a kill");
    rows(&f.url(&id), "SELECT 1").await.expect("the rotated password connects");
    assert!(!f.url(&id).expose().contains("never-applied"));
    assert!(f.chain.store.get(&pending).expect("get").is_none());
    let _ = admin.close().await;
}

#[tokio::test]
async fn rotation_retires_the_old_password_and_rolls_back_when_the_keychain_fails() {
    let f = Fixture::new("rotate");
    let id = f.create("rotating").await.expect("create");
    let old = f.url(&id);
    let rotated = tenantdesk_core::ops::rotation::rotate_credentials(&f.project, &id, None, &f.chain.store).await.expect("rotate");
    assert!(rotated.database_url.contains(":***@"), "{rotated:?}");
    let new = f.url(&id);
    assert_ne!(old.expose(), new.expose());
    rows(&new, "SELECT 'new works'").await.expect("the new password connects");
    let err = rows(&old, "SELECT 'old works'").await.expect_err("the old password must fail");
    assert!(err.to_string().contains("password authentication failed"), "{err}");

    // The keychain refuses the new password: the database keeps the one the keychain has.
    let err = tenantdesk_core::ops::rotation::rotate_credentials(&f.project, &id, None, &WritesFail(&f.chain.store)).await.expect_err("keychain fails");
    assert!(matches!(err, Error::KeychainUnavailable { .. }), "{err:?}");
    assert_eq!(f.url(&id).expose(), new.expose(), "the keychain changed");
    rows(&new, "SELECT 'still works'").await.expect("the password in the keychain still connects");

    tenantdesk_core::ops::set_production(&f.project, &id, true).expect("mark");
    let err = tenantdesk_core::ops::rotation::rotate_credentials(&f.project, &id, None, &f.chain.store).await.expect_err("production needs the name");
    assert!(matches!(err, Error::ConfirmationRequired { .. }), "{err:?}");
    tenantdesk_core::ops::rotation::rotate_credentials(&f.project, &id, Some("rotating"), &f.chain.store).await.expect("rotate with the name");
}

/// Builds `FROM` the test image with `lines` added, tagged `tag`; removed on drop.
struct BuiltImage(String);

impl BuiltImage {
    fn new(tag: &str, lines: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("Dockerfile"), format!("FROM {}\n{lines}\n", image())).expect("Dockerfile");
        let out = Command::new("docker").args(["build", "-q", "-t", tag]).arg(dir.path()).output().expect("docker build");
        assert!(out.status.success(), "docker build: {}", String::from_utf8_lossy(&out.stderr));
        Self(tag.to_owned())
    }

    fn id(&self) -> String {
        let out = Command::new("docker").args(["image", "inspect", "-f", "{{.Id}}", &self.0]).output().expect("inspect");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for BuiltImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

fn running_image(container: &str) -> String {
    let out = Command::new("docker").args(["inspect", "-f", "{{.Image}}", container]).output().expect("inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn recreate_moves_the_container_onto_a_newer_image_with_its_data_and_refuses_or_undoes_what_cannot_serve_it() {
    let mut f = Fixture::new("recreate");
    let pid = std::process::id();
    // The container's image under a tag of this test's own, so a newer build can take the tag.
    let tag = format!("tenantdesk-test/recreate:{pid}");
    let _first = BuiltImage::new(&tag, "");
    f.cfg.image = tag.clone();
    let id = f.create("kept").await.expect("create");
    let url = f.url(&id);
    sqlx::raw_sql("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('still here')")
        .execute(&mut PgConnection::connect(url.expose()).await.expect("connect"))
        .await
        .expect("write");
    let engine = engine::connect(None).await.expect("engine");
    let newer = BuiltImage::new(&tag, "LABEL build=newer");
    let major = BuiltImage::new(&format!("tenantdesk-test/recreate-major:{pid}"), "ENV PG_MAJOR=99");
    let broken = BuiltImage::new(&format!("tenantdesk-test/recreate-broken:{pid}"), "ENTRYPOINT [\"/bin/sh\", \"-c\", \"exit 3\"]");
    let old = running_image(&f.cfg.container);

    // The tag names a newer build now: the container moves onto it, and the tenant's data with it.
    let status = shared_container::status_with_size(&engine, &f.cfg).await.expect("status");
    assert!(status.newer_image, "a newer image under the tag should be reported: {status:?}");
    shared_container::recreate(&engine, &f.cfg, &f.chain.store, &mut |_| {}).await.expect("recreate");
    assert_eq!(running_image(&f.cfg.container), newer.id());
    assert_ne!(newer.id(), old);
    assert_eq!(rows(&url, "SELECT body FROM notes").await.expect("read after recreate"), ["still here"]);
    assert!(!shared_container::status_with_size(&engine, &f.cfg).await.expect("status").newer_image);

    // Another major version cannot serve the data: refused before anything changes.
    f.cfg.image = major.0.clone();
    let err = shared_container::recreate(&engine, &f.cfg, &f.chain.store, &mut |_| {}).await.expect_err("another major version");
    assert!(matches!(err, Error::IncompatibleImage { .. }), "{err:?}");
    assert!(err.to_string().contains("PostgreSQL 99") && err.to_string().contains("PostgreSQL 15"), "{err}");
    assert_eq!(err.hint(), Some(Hint::KeepImage));
    assert_eq!(running_image(&f.cfg.container), newer.id());
    let status = shared_container::status_with_size(&engine, &f.cfg).await.expect("status");
    assert!(!status.newer_image, "another tag is not a newer build of the container's: {status:?}");

    // An image that does not start: the container goes back onto the one before, data and all.
    f.cfg.image = broken.0.clone();
    let err = shared_container::recreate(&engine, &f.cfg, &f.chain.store, &mut |_| {}).await.expect_err("a broken image");
    assert!(matches!(err, Error::RecreateFailed { restored: true, .. }), "{err:?}");
    assert_eq!(running_image(&f.cfg.container), newer.id());
    assert_eq!(rows(&url, "SELECT body FROM notes").await.expect("read after the undo"), ["still here"]);
    // Put back by id, it is still shown by the tag that names that image.
    let status = shared_container::status_with_size(&engine, &f.cfg).await.expect("status");
    assert_eq!((status.image.as_str(), status.newer_image), (tag.as_str(), false), "{status:?}");

    // Once no tag names the build it runs (a newer one took the tag), it is that tag's earlier
    // build: behind it, and recreate moves it on.
    f.cfg.image = tag.clone();
    let newest = BuiltImage::new(&tag, "LABEL build=newest");
    let status = shared_container::status_with_size(&engine, &f.cfg).await.expect("status");
    assert!(status.image.starts_with(&format!("{tag} (an earlier build, ")), "{status:?}");
    assert!(status.newer_image, "{status:?}");
    shared_container::recreate(&engine, &f.cfg, &f.chain.store, &mut |_| {}).await.expect("recreate onto the newest");
    assert_eq!(running_image(&f.cfg.container), newest.id());
    assert_eq!(shared_container::status_with_size(&engine, &f.cfg).await.expect("status").image, tag);
    assert_eq!(rows(&url, "SELECT body FROM notes").await.expect("read after the second recreate"), ["still here"]);
    let _ = Command::new("docker").args(["rmi", &newer.id()]).output();
}

/// An engine that answers the handshake and then dies: every later request has its connection
/// dropped, as when dockerd is killed mid-create.
async fn dying_engine(dir: &std::path::Path) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = dir.join("docker.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let body = if head.contains("/version") {
                    r#"{"Version":"28.2.2","ApiVersion":"1.48","MinAPIVersion":"1.24"}"#
                } else if head.contains("/_ping") {
                    "OK"
                } else {
                    return; // dropped mid-request
                };
                let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.48\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("unix://{}", socket.display())
}

#[tokio::test]
async fn an_engine_that_dies_mid_request_is_docker_not_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = dying_engine(dir.path()).await;
    let engine = engine::connect(Some(&host)).await.expect("the handshake answers");
    let cfg = SharedConfig::new("td-test-dying", &image(), free_port());
    let err = shared_container::status(&engine, &cfg).await.expect_err("the engine died");
    assert!(matches!(err, Error::DockerNotRunning { .. }), "{err:?}");
    assert!(!err.to_string().contains("hyper"), "an HTTP client's words instead of the cause: {err}");
}
