//! `tenant list`, `select` and `show` on registries of 100, 1,000 and 10,000 tenants, each as a
//! ratio to the bare cost of parsing the same tenants.json with serde_json in the same run.
//! Run: `cargo bench -p tenantdesk-core --bench registry`. Figures go in bench/README.md.

use std::fs;
use std::hint::black_box;
use std::time::{Duration, Instant};

use tenantdesk_core::{Project, ops};

fn registry_json(n: usize) -> String {
    let tenants: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            if i % 4 == 0 {
                serde_json::json!({
                    "id": format!("{:08x}-9a64-49bc-98be-db976fc84e76", i),
                    "name": format!("cloud-{i}"),
                    "app_id": format!("sp-{:012x}", i),
                    "hostname": format!("{:012x}.systemprompt.io", i),
                    "region": "iad",
                    "internal_database_url": "postgres://u:***@internal:5432/db",
                    "tenant_type": "cloud",
                    "external_db_access": false,
                })
            } else {
                serde_json::json!({
                    "id": format!("local_{:08x}-3a51-4a8e-9d0e-2f7b1c9a4e11", i),
                    "name": format!("local-{i}"),
                    "database_url": format!("postgres://systemprompt:{:032x}@localhost:5432/systemprompt", i),
                    "tenant_type": "local",
                    "external_db_access": false,
                    "docker_project": format!("local_{i}"),
                })
            }
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "tenants": tenants, "synced_at": "2026-01-30T10:00:00Z" })).expect("json")
}

/// Median wall time of `f` over enough runs to fill about half a second.
fn measure(mut f: impl FnMut()) -> Duration {
    f();
    let probe = Instant::now();
    f();
    let once = probe.elapsed().max(Duration::from_micros(1));
    let runs = (Duration::from_millis(500).as_nanos() / once.as_nanos()).clamp(5, 2000) as usize;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    println!("{:>7} {:>12} {:>12} {:>7} {:>12} {:>7} {:>12} {:>7} {:>11}", "tenants", "bare parse", "list", "ratio", "show", "ratio", "select", "ratio", "list/tenant");
    for n in [100, 1_000, 10_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        let json = registry_json(n);
        fs::write(project.tenants_file(), &json).expect("write");
        let last = format!("local_{:08x}-3a51-4a8e-9d0e-2f7b1c9a4e11", n - 1);
        ops::select_tenant(&project, &last).expect("select");

        let path = project.tenants_file();
        let bare = measure(|| {
            let bytes = fs::read(&path).expect("read");
            black_box(serde_json::from_slice::<serde_json::Value>(&bytes).expect("parse"));
        });
        // A stricter floor: serde_json only checking the syntax, building nothing.
        let scan = measure(|| {
            let bytes = fs::read(&path).expect("read");
            black_box(serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).expect("scan"));
        });
        let list = measure(|| {
            black_box(ops::list_tenants(&project).expect("list"));
        });
        let show = measure(|| {
            black_box(ops::show_tenant(&project, None).expect("show"));
        });
        let select = measure(|| {
            black_box(ops::select_tenant(&project, &last).expect("select"));
        });
        let ratio = |d: Duration| d.as_secs_f64() / bare.as_secs_f64();
        println!(
            "{n:>7} {:>10.3}ms {:>10.3}ms {:>6.2}x {:>10.3}ms {:>6.2}x {:>10.3}ms {:>6.2}x {:>9.2}µs",
            bare.as_secs_f64() * 1e3,
            list.as_secs_f64() * 1e3,
            ratio(list),
            show.as_secs_f64() * 1e3,
            ratio(show),
            select.as_secs_f64() * 1e3,
            ratio(select),
            list.as_secs_f64() * 1e6 / n as f64,
        );
        println!("{:>7} syntax-only scan {:.3}ms; list / scan = {:.2}x", "", scan.as_secs_f64() * 1e3, list.as_secs_f64() / scan.as_secs_f64());
    }
}
