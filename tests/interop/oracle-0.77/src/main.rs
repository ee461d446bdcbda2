//! The real systemprompt 0.77 code, run on a project folder.
//!
//! `sp-oracle-077 load DIR` loads `DIR/.systemprompt/` with the crates' own loaders and prints
//! what they saw as JSON (every failure as a string, so a test can say which file was refused and
//! why). `sp-oracle-077 write DIR` writes a project with the crates' own builders and savers:
//! a local, a cloud and a self-managed tenant with every optional field, a layered profile over a
//! base, its secrets, and the session index.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use systemprompt_cloud::profile_authoring::LocalProfileBuilder;
use systemprompt_cloud::{SessionKey, SessionStore, TenantStore};
use systemprompt_identifiers::{ProfileName, TenantId};
use systemprompt_loader::ProfileLoader;
use systemprompt_manifest::Profile;
use systemprompt_manifest::secrets::Secrets;

#[path = "../../command.rs"]
mod command;

fn main() {
    command::run("sp-oracle-077", load, write);
}

fn load(state: &Path) -> Value {
    let tenants = match TenantStore::load_from_path(&state.join("tenants.json")) {
        Ok(store) => json!(store.tenants.iter().map(|t| serde_json::to_value(t).unwrap_or_default()).collect::<Vec<_>>()),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let sessions = match SessionStore::load(&state.join("sessions")) {
        Ok(Some(store)) => {
            json!({ "active_key": store.active_key, "active_profile_name": store.active_profile_name.map(|n| n.as_str().to_owned()), "keys": store.sessions.keys().collect::<Vec<_>>() })
        }
        Ok(None) => Value::Null,
        Err(e) => json!({ "error": e.to_string() }),
    };
    let profiles_dir = state.join("profiles");
    let mut profiles = serde_json::Map::new();
    for name in ProfileLoader::list_available(&profiles_dir) {
        profiles.insert(name.clone(), profile(&profiles_dir, &name));
    }
    json!({ "tenants": tenants, "sessions": sessions, "profiles": profiles })
}

fn profile(profiles_dir: &Path, name: &str) -> Value {
    let Ok(profile_name) = ProfileName::try_new(name) else { return json!({ "load": "not a profile name" }) };
    let profile = match ProfileLoader::load(profiles_dir, &profile_name) {
        Ok(p) => p,
        Err(e) => return json!({ "load": e.to_string() }),
    };
    let secrets_path = secrets_path(&profiles_dir.join(name), &profile);
    let secrets = match systemprompt_config::load_secrets_from_path(&secrets_path) {
        Ok(s) => json!({ "ok": true, "database_url": s.database_url, "pepper_len": s.oauth_at_rest_pepper.len() }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "load": "ok",
        "validate": profile.validate().map_or_else(|e| e.to_string(), |()| "ok".to_owned()),
        "tenant_id": profile.cloud.as_ref().and_then(|c| c.tenant_id.as_ref()).map(|t| t.as_str().to_owned()),
        "target": format!("{:?}", profile.target),
        "external_url": profile.server.external_url.clone(),
        "secrets": secrets,
    })
}

fn secrets_path(dir: &Path, profile: &Profile) -> PathBuf {
    let relative = profile.secrets.as_ref().and_then(|s| s.secrets_path.clone()).unwrap_or_else(|| "./secrets.json".to_owned());
    dir.join(relative)
}

const LOCAL_ID: &str = "local_7f0c2b7e-3a51-4a8e-9d0e-2f7b1c9a4e11";

fn write(root: &Path, state: &Path) -> Result<(), String> {
    std::fs::create_dir_all(state).map_err(|e| e.to_string())?;
    std::env::set_current_dir(root).map_err(|e| e.to_string())?;
    let tenants: Vec<_> = [
        json!({ "id": LOCAL_ID, "name": "oracle-local", "database_url": "postgres://systemprompt:0123456789abcdef0123456789abcdef@localhost:5433/systemprompt", "provider": "docker_local", "external_db_access": false, "docker_project": "oracle-local" }),
        json!({ "id": "999bc654-9a64-49bc-98be-db976fc84e76", "name": "oracle-cloud", "app_id": "sp-999bc6549a64", "hostname": "999bc6549a64.systemprompt.io", "region": "iad", "database_url": "postgres://u:***@db.systemprompt.io:5432/t?sslmode=require", "internal_database_url": "postgres://u:***@internal:5432/t", "provider": "systemprompt", "external_db_access": true }),
        json!({ "id": "k8s-prod-1", "name": "oracle-k8s", "hostname": "sp.example.com", "region": "eu-west-1", "database_url": "postgres://app:***@pg.example.com:5432/app", "provider": "kubernetes", "external_db_access": false }),
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
    .collect::<Result<_, _>>()?;
    TenantStore::new(tenants).save_to_path(&state.join("tenants.json")).map_err(|e| e.to_string())?;

    let profiles_dir = state.join("profiles");
    std::fs::create_dir_all(&profiles_dir).map_err(|e| e.to_string())?;
    std::fs::write(profiles_dir.join("base.yaml"), "site:\n  name: oracle-site\n").map_err(|e| e.to_string())?;
    let tenant_id = TenantId::try_new(LOCAL_ID).map_err(|e| e.to_string())?;
    let profile = LocalProfileBuilder::new("local", "./secrets.json", root.join("services")).with_tenant_id(tenant_id.clone()).build().map_err(|e| e.to_string())?;
    ProfileLoader::save(&profile, &profiles_dir).map_err(|e| e.to_string())?;
    let secrets: Secrets = serde_json::from_value(json!({
        "oauth_at_rest_pepper": "pepper-pepper-pepper-pepper-pepper-0001",
        "database_url": "postgres://systemprompt:0123456789abcdef0123456789abcdef@localhost:5433/systemprompt",
        "anthropic": "sk-ant-oracle",
    }))
    .map_err(|e| e.to_string())?;
    let secrets_json = serde_json::to_string_pretty(&secrets).map_err(|e| e.to_string())?;
    systemprompt_config::write_private_atomic(&profiles_dir.join("local").join("secrets.json"), secrets_json.as_bytes()).map_err(|e| e.to_string())?;

    let mut sessions = SessionStore::new();
    let name = ProfileName::try_new("local").map_err(|e| e.to_string())?;
    sessions.set_active_with_profile(&SessionKey::Tenant(tenant_id), &name);
    sessions.save(&state.join("sessions")).map_err(|e| e.to_string())?;
    Ok(())
}
