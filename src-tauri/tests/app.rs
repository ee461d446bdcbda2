//! The app's commands over real IPC (Tauri's mock runtime, no window), against real project
//! folders; the generated TypeScript bindings must match the commands.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use tenantdesk_app::state::AppState;
use tenantdesk_core::Project;

use tenantdesk_core::testing::seed_project;

struct Harness {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _config: tempfile::TempDir,
    transcript: Vec<String>,
}

impl Harness {
    fn new(project: Option<&Path>) -> Self {
        let config = tempfile::tempdir().expect("tempdir");
        let builder = tenantdesk_app::specta_builder::<MockRuntime>();
        let app = mock_builder()
            .manage(AppState::new(
                config.path().to_owned(),
                tenantdesk_core::Desk::new(std::sync::Arc::new(tenantdesk_core::keychain::MemoryStore::default()), tenantdesk_core::ops::container::SharedConfig::from_env()),
            ))
            .invoke_handler(builder.invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        if let Some(dir) = project {
            app.state::<AppState>().set_project(Project::open(dir).expect("project"));
        }
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        Self { _app: app, window, _config: config, transcript: Vec::new() }
    }

    /// Calls a command as the window would; Ok is the payload, Err the error payload.
    fn call(&mut self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.to_owned(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        };
        let result = get_ipc_response(&self.window, request).map(|b| b.deserialize::<Value>().expect("json body"));
        self.transcript.push(format!("{cmd}: {result:?}"));
        result
    }

    fn ok(&mut self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&mut self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Err(e) => e,
            Ok(v) => panic!("{cmd} should have failed, returned {v}"),
        }
    }
}

fn selected(overview: &Value) -> &str {
    overview["tenants"]["selected"].as_str().unwrap_or("")
}

#[test]
fn without_a_project_commands_say_how_to_open_one() {
    let mut h = Harness::new(None);
    let e = h.err("overview", json!({}));
    assert_eq!(e["code"], "no_project");
    assert_eq!(e["fix"], "open-project");
    let empty = tempfile::tempdir().expect("tempdir");
    let e = h.err("open_project", json!({ "path": empty.path(), "create": false }));
    assert_eq!(e["code"], "project_not_found", "{e}");
    // In words, with the button that does it: no command line to type.
    assert!(e["hint"].as_str().is_some_and(|h| h.starts_with("Initialise this folder")), "{e}");
    assert_eq!(e["fix"], "init-project");
    let o = h.ok("open_project", json!({ "path": empty.path(), "create": true }));
    assert_eq!(o["tenants"]["tenants"], json!([]));
    assert!(empty.path().join(".systemprompt/tenants.json").is_file());
    let recent = h.ok("recent_projects", json!({}));
    assert_eq!(recent[0].as_str(), Some(empty.path().to_str().expect("utf8")));
}

#[test]
fn selecting_switching_and_profiles_over_ipc() {
    let dir = seed_project();
    let mut h = Harness::new(Some(dir.path()));
    let o = h.ok("overview", json!({}));
    assert_eq!(selected(&o), "local_19bff27604c");
    assert_eq!(o["tenants"]["tenants"].as_array().map(Vec::len), Some(2));

    let cloud = "999bc654-9a64-49bc-98be-db976fc84e76";
    let s = h.ok("select_tenant", json!({ "id": cloud }));
    assert_eq!((s["tenant"]["id"].as_str(), s["profile"].as_str(), s["session_state"].as_str()), (Some(cloud), Some("staging"), Some("expired")));
    assert_eq!(selected(&h.ok("overview", json!({}))), cloud);
    let index: Value = serde_json::from_slice(&fs::read(dir.path().join(".systemprompt/sessions/index.json")).expect("read")).expect("json");
    assert_eq!(index["active_key"], format!("tenant_{cloud}"));

    let details = h.ok("tenant_details", json!({ "id": cloud }));
    assert_eq!(details["session_state"], "expired");
    assert_eq!(details["profiles"][0]["name"], "staging");

    let o = h.ok("create_profile", json!({ "name": "staging-2", "tenantId": cloud }));
    assert!(o["profiles"].as_array().expect("profiles").iter().any(|p| p["name"] == "staging-2"));
    let o = h.ok("switch_profile", json!({ "name": "local" }));
    assert_eq!(selected(&o), "local_19bff27604c");
    let o = h.ok("delete_profile", json!({ "name": "staging-2" }));
    assert!(!o["profiles"].as_array().expect("profiles").iter().any(|p| p["name"] == "staging-2"));
    assert!(!dir.path().join(".systemprompt/profiles/staging-2").exists());

    let e = h.err("select_tenant", json!({ "id": "nope" }));
    assert_eq!((e["code"].as_str(), e["fix"].as_str()), (Some("tenant_not_found"), Some("select-tenant")));
    let e = h.err("create_profile", json!({ "name": "../x", "tenantId": cloud }));
    assert_eq!(e["code"], "invalid_name");
}

#[test]
fn production_tenants_need_their_name_typed_over_ipc() {
    let dir = seed_project();
    let mut h = Harness::new(Some(dir.path()));
    let id = "local_19bff27604c";
    let o = h.ok("set_production", json!({ "id": id, "production": true }));
    assert_eq!(o["tenants"]["tenants"][0]["production"], true);
    let e = h.err("delete_tenant", json!({ "id": id, "confirmName": null, "keepSnapshot": true }));
    assert_eq!(e["code"], "confirmation_required");
    let e = h.err("delete_tenant", json!({ "id": id, "confirmName": "wrong", "keepSnapshot": true }));
    assert_eq!(e["code"], "confirmation_required");
    let d = h.ok("delete_tenant", json!({ "id": id, "confirmName": "my-project", "keepSnapshot": true }));
    // Its database was given, not made by Tenantdesk: there is nothing to snapshot or undo.
    assert_eq!((d["tenant"]["name"].as_str(), &d["snapshot"]), (Some("my-project"), &serde_json::Value::Null));
    let o = h.ok("overview", json!({}));
    assert_eq!(o["tenants"]["tenants"].as_array().map(Vec::len), Some(1));
}

#[test]
fn creating_a_local_tenant_over_ipc() {
    let dir = seed_project();
    let mut h = Harness::new(Some(dir.path()));
    let e = h.err("create_local_tenant", json!({ "name": "bad name", "databaseUrl": "postgres://u:p@h/db", "port": null }));
    assert_eq!(e["code"], "invalid_name");
    let e = h.err("create_local_tenant", json!({ "name": "new-one", "databaseUrl": "http://x", "port": null }));
    assert_eq!(e["code"], "invalid_database_url");
    // Nothing listens on port 1: the URL is verified before anything is written.
    let before = fs::read(dir.path().join(".systemprompt/tenants.json")).expect("read");
    let e = h.err("create_local_tenant", json!({ "name": "new-one", "databaseUrl": "postgres://app:hunter2-SECRET@127.0.0.1:1/app", "port": null }));
    assert_eq!(e["code"], "database_connection_failed", "{e}");
    assert!(e["hint"].as_str().is_some_and(|h| h.starts_with("Start the database")), "{e}");
    assert_eq!(e["fix"], "start-database");
    assert_eq!(before, fs::read(dir.path().join(".systemprompt/tenants.json")).expect("read"));
}

#[test]
fn no_secret_crosses_ipc() {
    let dir = seed_project();
    let mut h = Harness::new(Some(dir.path()));
    h.ok("overview", json!({}));
    h.ok("tenant_details", json!({ "id": "local_19bff27604c" }));
    h.ok("select_tenant", json!({ "id": "999bc654-9a64-49bc-98be-db976fc84e76" }));
    h.err("create_local_tenant", json!({ "name": "leaky", "databaseUrl": "postgres://app:hunter2-SECRET@127.0.0.1:1/app", "port": null }));
    h.ok("tenant_details", json!({ "id": "999bc654-9a64-49bc-98be-db976fc84e76" }));
    let all = h.transcript.join("\n");
    for secret in ["localdev", "SECRET", "hunter2", "session-token"] {
        assert!(!all.contains(secret), "{secret} crossed IPC:\n{all}");
    }
}

#[test]
fn cloud_commands_say_to_log_in_and_credentials_are_listed_without_values() {
    let dir = seed_project();
    let mut h = Harness::new(Some(dir.path()));
    let info = h.ok("cloud_info", json!({}));
    assert_eq!(info["login"], Value::Null);
    assert_eq!(info["regions"][1], json!({ "code": "lhr", "name": "Europe (London)" }));
    let e = h.err("create_cloud_tenant", json!({ "name": "shop", "region": "lhr", "plan": null }));
    assert_eq!((e["code"].as_str(), e["fix"].as_str()), (Some("not_logged_in"), Some("log-in")), "{e}");
    let e = h.err("create_cloud_tenant", json!({ "name": "shop", "region": "mars", "plan": null }));
    assert_eq!(e["code"], "unknown_region");
    assert!(e["hint"].as_str().is_some_and(|h| h.contains("lhr (Europe (London))")), "{e}");
    let e = h.err("cloud_status", json!({ "id": "999bc654-9a64-49bc-98be-db976fc84e76" }));
    assert_eq!(e["code"], "not_logged_in");
    assert_eq!(h.ok("provisioning_jobs", json!({})), json!([]));
    assert_eq!(h.ok("dismiss_job", json!({ "id": 1 })), json!([]));
    let e = h.err("cloud_sync", json!({}));
    assert_eq!((e["code"].as_str(), e["fix"].as_str()), (Some("not_logged_in"), Some("log-in")), "{e}");

    // A tenant with a password in the (in-memory) keychain: listed as stored, value never sent.
    let url = "postgres://app:hunter2-SECRET@127.0.0.1:1/app";
    let created = h.call("create_local_tenant", json!({ "name": "keyed", "databaseUrl": url, "port": null }));
    assert!(created.is_err(), "nothing listens on port 1");
    let secrets = h.ok("tenant_secrets", json!({ "id": "local_19bff27604c" }));
    assert_eq!(secrets[0]["label"], "Database password");
    assert_eq!(secrets[0]["present"], false);
    let e = h.err("cancel_subscription", json!({ "id": "local_19bff27604c", "confirmName": "my-project" }));
    assert_eq!(e["code"], "wrong_tenant_type", "{e}");
    let all = h.transcript.join("\n");
    assert!(!all.contains("hunter2"), "a secret crossed IPC:\n{all}");
}

#[test]
fn window_title_names_the_selected_tenant() {
    let dir = seed_project();
    let project = Project::open(dir.path()).expect("project");
    use tenantdesk_core::appearance::{Colour, Icon};
    let change = tenantdesk_core::ops::AppearanceChange { colour: Some(Some(Colour::Green)), icon: Some(Some(Icon::Flask)) };
    tenantdesk_core::ops::set_appearance(&project, "local_19bff27604c", change).expect("appearance");
    let overview = tenantdesk_core::ops::overview(&project).expect("overview");
    assert_eq!(tenantdesk_app::window_title(Some(&overview)), "🟩 🧪 Tenantdesk — my-project (local)");
    tenantdesk_core::ops::set_production(&project, "local_19bff27604c", true).expect("mark");
    let overview = tenantdesk_core::ops::overview(&project).expect("overview");
    assert_eq!(tenantdesk_app::window_title(Some(&overview)), "🟥 🧪 Tenantdesk — my-project (local) — PRODUCTION");
    assert_eq!(tenantdesk_app::window_title(None), "Tenantdesk");
}

#[test]
fn bindings_are_fresh() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join(tenantdesk_app::BINDINGS);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        tenantdesk_app::export_bindings(&committed).expect("export");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = dir.path().join("bindings.ts");
    tenantdesk_app::export_bindings(&fresh).expect("export");
    let fresh = fs::read_to_string(fresh).expect("read");
    let current = fs::read_to_string(&committed).unwrap_or_default();
    assert!(fresh == current, "ui/src/lib/bindings.ts is stale; regenerate it with: UPDATE_BINDINGS=1 cargo test -p tenantdesk-app --test app bindings");
}

/// Every command the window can call is also in build.rs's manifest and the window's permission
/// set: a command missing from either is "not allowed" at run time, and only there.
#[test]
fn every_command_is_allowed_for_the_window() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| fs::read_to_string(root.join(p)).expect(p);
    let (bindings, manifest, permissions) = (read(tenantdesk_app::BINDINGS), read("build.rs"), read("permissions/app.toml"));
    let commands: Vec<&str> = bindings.split("TAURI_INVOKE(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(commands.len() > 40, "{commands:?}");
    for command in commands {
        assert!(manifest.contains(&format!("\"{command}\"")), "{command} is not in src-tauri/build.rs");
        assert!(permissions.contains(&format!("\"allow-{}\"", command.replace('_', "-"))), "allow-{command} is not in src-tauri/permissions/app.toml");
    }
}
