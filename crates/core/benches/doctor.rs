//! `doctor` on a project of many local tenants in one shared container (DOCTOR_TENANTS, default
//! 1,000), against a baseline measured in the same run: one connection per tenant, in a row, with
//! every password already in hand (what `doctor` did per tenant, without its keychain reads).
//!
//! Needs a Docker engine, a keychain session and TENANTDESK_POSTGRES_IMAGE; run with
//! `bash bench/doctor.sh`. Figures go in bench/README.md.

use std::time::Instant;

use tenantdesk_core::Project;
use tenantdesk_core::keychain::{Keychain, SecretStore};
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::shared_container::SharedConfig;
use tenantdesk_core::testing::free_port;

#[tokio::main]
async fn main() {
    let image = std::env::var("TENANTDESK_POSTGRES_IMAGE").expect("TENANTDESK_POSTGRES_IMAGE");
    let count: usize = std::env::var("DOCTOR_TENANTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let keychain = Keychain::with_service("tenantdesk-bench");
    let dir = tempfile::tempdir().expect("tempdir");
    let project = Project::init(dir.path()).expect("init");
    let cfg = SharedConfig::new("td-bench-doctor", &image, free_port());
    let seeding = Instant::now();
    let mut ids = Vec::new();
    for i in 0..count {
        let name = TenantName::parse(&format!("tenant-{i}")).expect("name");
        let created = local::create_local_tenant(&project, &name, DatabaseSource::Shared { port: None }, &cfg, &keychain, &mut |_| {}).await.expect("create");
        ids.push(created.tenant.id);
        if i == 0 {
            // Seeding only: the server stops waiting for its disk on each CREATE DATABASE.
            let mut admin = tenantdesk_core::shared_container::admin(&cfg, &keychain).await.expect("admin");
            for sql in ["ALTER SYSTEM SET synchronous_commit = off", "ALTER SYSTEM SET fsync = off", "SELECT pg_reload_conf()"] {
                tenantdesk_core::postgres::execute(&mut admin, sql).await.expect("settings");
            }
        }
        if (i + 1) % 100 == 0 {
            eprintln!("seeded {} tenants in {:.0} s", i + 1, seeding.elapsed().as_secs_f64());
        }
    }

    // Every URL with its password, outside the timings: the registry's masked URL, the keychain's password.
    let registry: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join(".systemprompt/tenants.json")).expect("registry")).expect("json");
    let urls: Vec<_> = ids
        .iter()
        .map(|id| {
            let masked = registry["tenants"].as_array().and_then(|ts| ts.iter().find(|t| t["id"] == id.as_str())).and_then(|t| t["database_url"].as_str()).expect("url");
            let password = keychain
                .get(&tenantdesk_core::ops::credentials::password_key(&project, &tenantdesk_core::tenant::TenantId::parse(id).expect("id")))
                .expect("keychain")
                .expect("password");
            tenantdesk_core::secret::Secret::new(masked.replace("***", password.expose()))
        })
        .collect();
    let t = Instant::now();
    for url in &urls {
        tenantdesk_core::postgres::verify(url).await.expect("baseline connects");
    }
    let baseline = t.elapsed();

    let t = Instant::now();
    let mut first_tenant = None;
    let checks = tenantdesk_core::ops::doctor::doctor(Some(&project), &keychain, &mut |c| {
        if first_tenant.is_none() && c.what.starts_with("Database") {
            first_tenant = Some(t.elapsed());
        }
    })
    .await;
    let doctor = t.elapsed();
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.what, c.detail)).collect();
    assert!(failed.iter().all(|f| f.starts_with("Selected tenant")), "{failed:?}");

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!("{count} local tenants in one shared container ({} checks)", checks.len());
    println!(
        "doctor: {:.0} ms (first tenant's line after {:.0} ms); one connection per tenant in a row: {:.0} ms; ratio {:.2}x",
        ms(doctor),
        first_tenant.map_or(f64::NAN, ms),
        ms(baseline),
        ms(doctor) / ms(baseline)
    );
    let _ = std::process::Command::new("docker").args(["rm", "-f", "-v", &cfg.container]).output();
    let _ = std::process::Command::new("docker").args(["volume", "rm", "-f", &cfg.volume]).output();
}
