//! Tray menu rebuild and the backend half of a tenant switch at 1,000 tenants, in milliseconds.
//! (The whole click → files → window path is timed in the real window by bench/app.mjs.)
//! Run: `cargo bench -p tenantdesk-app --bench desktop`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tauri::test::{mock_builder, mock_context, noop_assets};
use tenantdesk_app::tray;
use tenantdesk_core::{Project, ops};

fn median(mut f: impl FnMut(usize)) -> Duration {
    let mut times: Vec<Duration> = (0..31)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = Project::init(dir.path()).expect("init");
    let tenants: Vec<serde_json::Value> = (0..1000)
        .map(|i| serde_json::json!({ "id": format!("local_{i}"), "name": format!("local-{i}"), "tenant_type": if i % 4 == 0 { "cloud" } else { "local" }, "external_db_access": false }))
        .collect();
    std::fs::write(project.tenants_file(), serde_json::to_string_pretty(&serde_json::json!({ "tenants": tenants, "synced_at": "2026-01-30T10:00:00Z" })).expect("json"))
        .expect("write");

    let switch = median(|i| {
        ops::select_tenant(&project, &format!("local_{}", 1 + (i % 3))).expect("select");
        black_box(ops::overview(&project).expect("overview"));
    });
    let list = ops::overview(&project).expect("overview").tenants;
    let model_time = median(|_| {
        black_box(tray::menu_model(Some(&list), &tenantdesk_app::health::HealthMap::default(), tray::SCREENFUL));
    });
    let app = mock_builder().build(mock_context(noop_assets())).expect("mock app");
    let handle = app.handle().clone();
    let model = tray::menu_model(Some(&list), &tenantdesk_app::health::HealthMap::default(), tray::SCREENFUL);
    let menu_time = median(|_| {
        black_box(tray::adapter::menu(&handle, &model).expect("menu"));
    });
    println!("tenants: 1000");
    println!("tenant switch, backend (select + files written + overview re-read): {:.2} ms", switch.as_secs_f64() * 1e3);
    println!("tray menu model from 1,000 tenants: {:.3} ms", model_time.as_secs_f64() * 1e3);
    println!("tray menu rebuilt from the model (mock runtime): {:.3} ms", menu_time.as_secs_f64() * 1e3);
}
