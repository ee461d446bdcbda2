//! Cloud create, client overhead: time from `create_cloud_tenant` to a connectable database,
//! against the emulator's own provisioning time for the same tenant (first phase to
//! `tenant_ready`, measured inside the emulator), with no artificial delay between phases.
//! Then progress latency: for every event, server send time to arrival in the progress callback.
//!
//! `TENANTDESK_POSTGRES_IMAGE=tenantdesk-test/postgres:15 cargo bench -p tenantdesk-cloud-emulator`
//! (needs a Docker engine; secrets go to an in-memory store so D-Bus latency is not measured).

use std::time::{Duration, Instant};

use tenantdesk_cloud_emulator::{Config, PgServer, Settings, start};
use tenantdesk_core::Project;
use tenantdesk_core::keychain::MemoryStore;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::provisioning::{CloudCreate, CloudProgress};
use tenantdesk_core::secret::Secret;
use tenantdesk_core::testing::TestServer;

const RUNS: usize = 12;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let server = TestServer::start("cloud-bench");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let data = tempfile::tempdir().expect("tempdir");
        let settings = Settings { phase_delay: Duration::ZERO, ..Settings::default() };
        let config = Config { data_dir: data.path().to_owned(), port: 0, postgres: PgServer::new(server.admin.clone()).expect("url"), settings };
        let emulator = start(config).await.expect("emulator");
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        let secrets = MemoryStore::default();
        tenantdesk_core::ops::account::login_with_token(&project, Some(&emulator.url), Secret::new(emulator.demo_token.clone()), &secrets).await.expect("login");

        let (mut client, mut own, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..RUNS {
            let request = CloudCreate { name: TenantName::parse(&format!("bench-{i}")).expect("name"), region: "iad".to_owned(), plan: None };
            let t = Instant::now();
            let created = tenantdesk_core::ops::provisioning::create_cloud_tenant(&project, &request, &secrets, &mut |_| {}).await.expect("create");
            let url = tenantdesk_core::ops::credentials::database_url(&project, &created.created.tenant.id, &secrets).expect("url");
            tenantdesk_core::postgres::verify(&url).await.expect("connect");
            let total = t.elapsed().as_secs_f64() * 1000.0;
            let inside = emulator.provisioned_in(&created.created.tenant.id).await.expect("emulator timing").as_secs_f64() * 1000.0;
            if i > 0 {
                // The first run warms connections and the exchange cache; it is not counted.
                client.push(total);
                own.push(inside);
                ratios.push(total / inside);
            }
        }
        println!("cloud create → connectable database, {} runs (median)", RUNS - 1);
        println!("  Tenantdesk (create + first connection): {:>7.1} ms", median(client));
        println!("  emulator's own provisioning:            {:>7.1} ms", median(own));
        println!("  ratio:                                   {:>6.2}x  (target ≤ 1.2x)", median(ratios));

        emulator.set_phase_delay(Duration::from_millis(50));
        let mut latencies = Vec::new();
        for i in 0..4 {
            let request = CloudCreate { name: TenantName::parse(&format!("latency-{i}")).expect("name"), region: "lhr".to_owned(), plan: None };
            tenantdesk_core::ops::provisioning::create_cloud_tenant(&project, &request, &secrets, &mut |p| {
                if let CloudProgress::Phase { latency_ms: Some(ms), .. } = p {
                    latencies.push(ms as f64);
                }
            })
            .await
            .expect("create");
        }
        let max = latencies.iter().copied().fold(0.0, f64::max);
        println!("progress latency, {} events (server send → progress callback)", latencies.len());
        println!("  median {:.0} ms, max {:.0} ms  (target: each ≤ 100 ms)", median(latencies), max);
    });
}
