//! Creating a local tenant on the shared container, against baselines measured in the same run:
//! - cold (no container, image present): `docker run` of the same image, polling every 100 ms
//!   until the first successful connection;
//! - warm (container healthy): `psql -c 'CREATE DATABASE …'` on the same server;
//! - the `systemprompt` CLI's documented approach: a container with its compose healthcheck
//!   (interval 5 s), polled every 2 s until Docker calls it healthy;
//! - recreate (the container moved onto a newer build of its image, data kept): `docker stop`,
//!   `rm` and `run` of a container holding as many databases on the same volume, polled until
//!   the first connection;
//! - pull (Pull image / `db pull`, from the local registry `TENANTDESK_TEST_REGISTRY`): `docker
//!   pull` of the same image, removed before each, and again when it is up to date.
//!
//! Needs a Docker engine, `psql`, a keychain session and TENANTDESK_POSTGRES_IMAGE; run with
//! `bash bench/local.sh`. Figures go in bench/README.md.

use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::Connection;
use tenantdesk_core::Project;
use tenantdesk_core::keychain::{Keychain, SecretStore};
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::shared_container::{self, SharedConfig};
use tenantdesk_core::testing::free_port;

const RUNS: usize = 3;

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().expect("docker")
}

/// `docker run -d` of a PostgreSQL container with the benchmark's password, publishing `publish`,
/// with `options` before the image.
fn run_postgres(name: &str, publish: &str, options: &[&str], image: &str) {
    let mut args = vec!["run", "-d", "--name", name, "-e", "POSTGRES_PASSWORD=bench", "-p", publish];
    args.extend_from_slice(options);
    args.push(image);
    let out = docker(&args);
    assert!(out.status.success(), "{out:?}");
}

fn remove(container: &str) {
    docker(&["rm", "-f", "-v", container]);
    docker(&["volume", "rm", "-f", &format!("{container}-data")]);
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

async fn until_connects(url: &str) {
    loop {
        if let Ok(c) = sqlx::PgConnection::connect(url).await {
            let _ = c.close().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::main]
async fn main() {
    let image = std::env::var("TENANTDESK_POSTGRES_IMAGE").expect("TENANTDESK_POSTGRES_IMAGE");
    let keychain = Keychain::with_service("tenantdesk-bench");
    let engine = tenantdesk_core::engine::connect(None).await.expect("engine");
    // The shared container's image under a tag of the benchmark's own, and a newer build of it
    // (a label more) for the tag to move to before each recreate.
    let tag = "tenantdesk-bench/postgres:recreate";
    let newer = "tenantdesk-bench/postgres:newer";
    let context = tempfile::tempdir().expect("tempdir");
    std::fs::write(context.path().join("Dockerfile"), format!("FROM {image}\nLABEL bench=newer\n")).expect("Dockerfile");
    assert!(Command::new("docker").args(["build", "-q", "-t", newer]).arg(context.path()).output().expect("build").status.success());
    let (mut cold, mut raw, mut compose, mut warm, mut psql) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut recreate, mut raw_recreate) = (vec![], vec![]);
    for run in 0..RUNS {
        // Baseline: raw docker run, then poll until the first connection.
        let name = format!("td-bench-raw-{run}");
        let port = free_port();
        let run_raw = || run_postgres(&name, &format!("127.0.0.1:{port}:5432"), &["-v", &format!("{name}-data:/var/lib/postgresql")], &image);
        let raw_url = format!("postgres://postgres:bench@127.0.0.1:{port}/postgres");
        let t = Instant::now();
        run_raw();
        until_connects(&raw_url).await;
        raw.push(t.elapsed());
        // Baseline of a recreate: the same databases as the shared container holds by then, then a
        // clean stop, and a new container on the same volume until the first connection.
        for db in ["cold", "warm", "psql"] {
            let out = docker(&["exec", &name, "psql", "-U", "postgres", "-c", &format!("CREATE DATABASE {db}")]);
            assert!(out.status.success(), "{out:?}");
        }
        let t = Instant::now();
        docker(&["stop", &name]);
        docker(&["rm", &name]);
        run_raw();
        until_connects(&raw_url).await;
        raw_recreate.push(t.elapsed());
        remove(&name);

        // The CLI's way: compose's healthcheck (5 s interval), `docker ps` polled every 2 s.
        let name = format!("td-bench-compose-{run}");
        let port = free_port();
        let t = Instant::now();
        let health = ["--health-cmd", "pg_isready -U postgres", "--health-interval", "5s", "--health-timeout", "5s", "--health-retries", "5"];
        run_postgres(&name, &format!("{port}:5432"), &health, &image);
        loop {
            let health = docker(&["inspect", "-f", "{{.State.Health.Status}}", &name]);
            if String::from_utf8_lossy(&health.stdout).trim() == "healthy" {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        compose.push(t.elapsed());
        remove(&name);

        // Tenantdesk, cold: nothing running, image present.
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        docker(&["tag", &image, tag]);
        let cfg = SharedConfig::new(&format!("td-bench-shared-{run}"), tag, free_port());
        let t = Instant::now();
        let created = local::create_local_tenant(&project, &TenantName::parse("cold").expect("name"), DatabaseSource::Shared { port: None }, &cfg, &keychain, &mut |_| {})
            .await
            .expect("cold create");
        cold.push(t.elapsed());

        // Warm: the container is healthy now.
        let t = Instant::now();
        local::create_local_tenant(&project, &TenantName::parse("warm").expect("name"), DatabaseSource::Shared { port: None }, &cfg, &keychain, &mut |_| {})
            .await
            .expect("warm create");
        warm.push(t.elapsed());

        // Baseline: psql creating a database on the same server.
        let password = keychain.get(&cfg.secret_key()).expect("keychain").expect("password");
        let url = shared_container::superuser_url(&cfg, &password, "postgres");
        let t = Instant::now();
        let out = Command::new("psql").args([url.expose(), "-q", "-c", &format!("CREATE DATABASE psql_bench_{run}")]).output().expect("psql");
        psql.push(t.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        // Recreate: the tag names a newer build; the container moves onto it with its data.
        docker(&["tag", newer, tag]);
        let t = Instant::now();
        shared_container::recreate(&engine, &cfg, &keychain, &mut |_| {}).await.expect("recreate");
        recreate.push(t.elapsed());

        assert!(tenantdesk_core::ops::credentials::database_url(&project, &created.tenant.id, &keychain).is_ok());
        remove(&cfg.container);
        for id in ops_ids(&project) {
            let _ = keychain.delete(&tenantdesk_core::ops::credentials::password_key(&project, &id));
        }
        let _ = keychain.delete(&cfg.secret_key());
    }
    docker(&["rmi", tag, newer]);
    let pulls = match std::env::var("TENANTDESK_TEST_REGISTRY") {
        Ok(registry) => Some(pulls(&engine, &registry).await),
        Err(_) => None,
    };
    let (cold, raw, compose, warm, psql) = (median(cold), median(raw), median(compose), median(warm), median(psql));
    let (recreate, raw_recreate) = (median(recreate), median(raw_recreate));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("runs: {RUNS} (medians), image {image}");
    println!("cold create: tenantdesk {:.0} ms, docker run + first connection {:.0} ms, ratio {:.2}x", ms(cold), ms(raw), ms(cold) / ms(raw));
    println!("cold, the CLI's compose healthcheck polled every 2 s: {:.0} ms ({:.2}x tenantdesk's time)", ms(compose), ms(compose) / ms(cold));
    println!("warm create: tenantdesk {:.0} ms, psql CREATE DATABASE {:.0} ms, ratio {:.2}x", ms(warm), ms(psql), ms(warm) / ms(psql));
    println!(
        "recreate on a newer image: tenantdesk {:.0} ms, docker stop + rm + run on the volume + first connection {:.0} ms, ratio {:.2}x",
        ms(recreate),
        ms(raw_recreate),
        ms(recreate) / ms(raw_recreate)
    );
    if let Some([(fresh, raw_fresh), (same, raw_same)]) = pulls {
        println!("pull, not present (8 MiB layer): tenantdesk {:.0} ms, docker pull {:.0} ms, ratio {:.2}x", ms(fresh), ms(raw_fresh), ms(fresh) / ms(raw_fresh));
        println!("pull, up to date: tenantdesk {:.0} ms, docker pull {:.0} ms, ratio {:.2}x", ms(same), ms(raw_same), ms(same) / ms(raw_same));
    }
}

/// Medians of (tenantdesk, `docker pull`) for an image not present, then one already up to date:
/// the registry's pull probe, an image with a layer of random bytes found nowhere else.
async fn pulls(engine: &tenantdesk_core::engine::Engine, registry: &str) -> [(Duration, Duration); 2] {
    let image = format!("{registry}/tenantdesk-test/pull-probe:1");
    let cfg = SharedConfig::new("td-bench-pull", &image, free_port());
    let (mut fresh, mut raw_fresh, mut same, mut raw_same) = (vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        docker(&["rmi", "-f", &image]);
        let t = Instant::now();
        assert!(docker(&["pull", "-q", &image]).status.success());
        raw_fresh.push(t.elapsed());
        let t = Instant::now();
        assert!(docker(&["pull", "-q", &image]).status.success());
        raw_same.push(t.elapsed());

        docker(&["rmi", "-f", &image]);
        let t = Instant::now();
        shared_container::pull(engine, &cfg, &mut |_| {}).await.expect("pull");
        fresh.push(t.elapsed());
        let t = Instant::now();
        shared_container::pull(engine, &cfg, &mut |_| {}).await.expect("pull again");
        same.push(t.elapsed());
    }
    docker(&["rmi", "-f", &image]);
    [(median(fresh), median(raw_fresh)), (median(same), median(raw_same))]
}

fn ops_ids(project: &Project) -> Vec<tenantdesk_core::tenant::TenantId> {
    tenantdesk_core::registry::Registry::load(&project.tenants_file()).map(|r| r.tenants.into_iter().map(|t| t.id).collect()).unwrap_or_default()
}
