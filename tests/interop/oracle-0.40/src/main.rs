//! The real systemprompt 0.40 code, run on a project folder (the seed's world: `tenant_type`,
//! whole profiles under `profiles/<name>/profile.yaml`).
//!
//! `sp-oracle-040 load DIR` loads `DIR/.systemprompt/` with the crates' own loaders and prints
//! what they saw as JSON (every failure as a string). `sp-oracle-040 write DIR` writes a project
//! with the crates' own builders and savers: a local and a cloud tenant with every optional
//! field, a profile, its secrets, and the session index.

use std::path::Path;

use serde_json::{Value, json};
use systemprompt_cloud::profile_authoring::LocalProfileBuilder;
use systemprompt_cloud::{SessionKey, SessionStore, TenantStore};
use systemprompt_identifiers::TenantId;
use systemprompt_loader::ProfileLoader;
use systemprompt_models::Secrets;

#[path = "../../command.rs"]
mod command;

fn main() {
    command::run("sp-oracle-040", load, write);
}

fn load(state: &Path) -> Value {
    let tenants = match TenantStore::load_from_path(&state.join("tenants.json")) {
        Ok(store) => json!(store.tenants.iter().map(|t| serde_json::to_value(t).unwrap_or_default()).collect::<Vec<_>>()),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let sessions = match SessionStore::load(&state.join("sessions")) {
        Ok(Some(store)) => json!({ "active_key": store.active_key, "active_profile_name": store.active_profile_name, "keys": store.sessions.keys().collect::<Vec<_>>() }),
        Ok(None) => Value::Null,
        Err(e) => json!({ "error": e.to_string() }),
    };
    let mut profiles = serde_json::Map::new();
    let mut dirs: Vec<_> = std::fs::read_dir(state.join("profiles")).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.join("profile.yaml").is_file()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        profiles.insert(name, profile(&dir));
    }
    json!({ "tenants": tenants, "sessions": sessions, "profiles": profiles })
}

fn profile(dir: &Path) -> Value {
    let profile = match ProfileLoader::load_from_path(&dir.join("profile.yaml")) {
        Ok(p) => p,
        Err(e) => return json!({ "load": e.to_string() }),
    };
    let relative = profile.secrets.as_ref().map_or_else(|| "./secrets.json".to_owned(), |s| s.secrets_path.clone());
    let secrets = match systemprompt_config::load_secrets_from_path(&dir.join(relative)) {
        Ok(s) => json!({ "ok": true, "database_url": s.database_url, "pepper_len": s.oauth_at_rest_pepper.len() }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "load": "ok",
        "validate": profile.validate().map_or_else(|e| e.to_string(), |()| "ok".to_owned()),
        "tenant_id": profile.cloud.as_ref().and_then(|c| c.tenant_id.as_ref()).map(|t| t.as_str().to_owned()),
        "target": format!("{:?}", profile.target),
        "external_url": profile.server.api_external_url.clone(),
        "secrets": secrets,
    })
}

const LOCAL_ID: &str = "local_7f0c2b7e-3a51-4a8e-9d0e-2f7b1c9a4e11";

fn write(root: &Path, state: &Path) -> Result<(), String> {
    std::fs::create_dir_all(state).map_err(|e| e.to_string())?;
    std::env::set_current_dir(root).map_err(|e| e.to_string())?;
    let tenants: Vec<_> = [
        json!({ "id": LOCAL_ID, "name": "oracle-local", "database_url": "postgres://systemprompt:0123456789abcdef0123456789abcdef@localhost:5433/systemprompt", "tenant_type": "local", "external_db_access": false, "docker_project": "oracle-local" }),
        json!({ "id": "999bc654-9a64-49bc-98be-db976fc84e76", "name": "oracle-cloud", "app_id": "sp-999bc6549a64", "hostname": "999bc6549a64.systemprompt.io", "region": "iad", "database_url": "postgres://u:***@db.systemprompt.io:5432/t?sslmode=require", "internal_database_url": "postgres://u:***@internal:5432/t", "tenant_type": "cloud", "external_db_access": true }),
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
    .collect::<Result<_, _>>()?;
    TenantStore::new(tenants).save_to_path(&state.join("tenants.json")).map_err(|e| e.to_string())?;

    let dir = state.join("profiles").join("local");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let tenant_id = TenantId::new(LOCAL_ID);
    let profile = LocalProfileBuilder::new("local", "./secrets.json", root.join("services")).with_tenant_id(tenant_id.clone()).build();
    std::fs::write(dir.join("profile.yaml"), profile.to_yaml().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let secrets: Secrets = serde_json::from_value(json!({
        "oauth_at_rest_pepper": "pepper-pepper-pepper-pepper-pepper-0001",
        "database_url": "postgres://systemprompt:0123456789abcdef0123456789abcdef@localhost:5433/systemprompt",
        "anthropic": "sk-ant-oracle",
    }))
    .map_err(|e| e.to_string())?;
    let path = dir.join("secrets.json");
    std::fs::write(&path, serde_json::to_string_pretty(&secrets).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;

    let mut sessions = SessionStore::new();
    sessions.set_active_with_profile(&SessionKey::Tenant(tenant_id), "local");
    sessions.save(&state.join("sessions")).map_err(|e| e.to_string())?;
    Ok(())
}
