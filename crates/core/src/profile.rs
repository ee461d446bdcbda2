//! `.systemprompt/profiles/<name>/profile.yaml` (and its `secrets.json`). A profile belongs to
//! exactly one tenant through `cloud.tenant_id`; its name is its folder's name.
//!
//! Profiles are kept as a YAML mapping, not a struct: the CLI's profile has dozens of keys that
//! Tenantdesk never interprets, and every one of them must survive a rewrite. The comment lines
//! the CLI puts at the top are kept too.

use std::path::{Path, PathBuf};

use serde_json::json;
use serde_yaml::{Mapping, Value};

use crate::error::{Error, Result};
use crate::name::ProfileName;
use crate::store::{self, WriteLock};
use crate::tenant::{Tenant, TenantId, TenantType, mask_database_url};

/// Where the seed's profile shape points; the current CLI rejects these keys, so a new profile
/// leaves them out while they hold these defaults.
const SEED_CREDENTIALS_PATH: &str = "../../credentials.json";
const SEED_TENANTS_PATH: &str = "../../tenants.json";

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub dir: PathBuf,
    header: String,
    pub doc: Mapping,
}

/// Links that are not the seed's defaults, for a profile that must point elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudPaths {
    pub credentials_path: Option<String>,
    pub tenants_path: Option<String>,
}

impl Profile {
    pub fn file(dir: &Path) -> PathBuf {
        dir.join("profile.yaml")
    }

    pub fn load(dir: &Path) -> Result<Self> {
        let path = Self::file(dir);
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(bytes) = store::read(&path)? else {
            return Err(Error::ProfileNotFound { name });
        };
        let text = String::from_utf8_lossy(&bytes);
        let header: String = text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
        let value: Value = serde_yaml::from_str(&text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            Error::Corrupt { path: path.clone(), format: "YAML", line, column, message: e.to_string() }
        })?;
        let Value::Mapping(doc) = value else {
            return Err(Error::Invalid { path, message: "the top level must be a mapping of keys".to_owned() });
        };
        Ok(Self { name, dir: dir.to_owned(), header, doc })
    }

    fn section(&self, key: &str) -> Option<&Mapping> {
        self.doc.get(key).and_then(Value::as_mapping)
    }

    fn text(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?.get(key)?.as_str()
    }

    pub fn tenant_id(&self) -> Option<TenantId> {
        self.text("cloud", "tenant_id").and_then(|id| TenantId::parse(id).ok())
    }

    pub fn target(&self) -> &str {
        self.doc.get("target").and_then(Value::as_str).unwrap_or("local")
    }

    pub fn display_name(&self) -> Option<&str> {
        self.doc.get("display_name").and_then(Value::as_str)
    }

    pub fn jwt_issuer(&self) -> Option<&str> {
        self.text("security", "jwt_issuer")
    }

    /// The session-store key the CLI computes for this profile.
    pub fn session_key(&self) -> String {
        self.tenant_id().map_or_else(|| crate::session::LOCAL_KEY.to_owned(), |id| id.session_key())
    }

    /// Removes the link to a deleted tenant, keeping everything else.
    pub fn unlink_tenant(&mut self) {
        if let Some(cloud) = self.doc.get_mut("cloud").and_then(Value::as_mapping_mut) {
            cloud.remove("tenant_id");
        }
    }

    pub fn to_yaml(&self) -> String {
        let body = serde_yaml::to_string(&self.doc).unwrap_or_default();
        format!("{}{body}", self.header)
    }

    pub fn save(&self, lock: &WriteLock) -> Result<()> {
        store::write_atomic(lock, &Self::file(&self.dir), self.to_yaml().as_bytes(), store::SHARED)
    }

    /// A new profile for `tenant` with every section the CLI's own profile builder writes for
    /// the tenant's target, so `systemprompt` can load it.
    pub fn build(name: &ProfileName, dir: PathBuf, tenant: &Tenant, project_root: &Path, paths: &CloudPaths) -> Self {
        let display_name = display_name_for(name.as_str());
        let root = project_root.to_string_lossy();
        let mut value = match tenant.tenant_type {
            TenantType::Local => json!({
                "name": name.as_str(),
                "display_name": display_name,
                "target": "local",
                "site": { "name": "systemprompt.io" },
                "database": { "type": "postgres", "external_db_access": false },
                "server": {
                    "host": "127.0.0.1",
                    "port": 8080,
                    "api_server_url": "http://localhost:8080",
                    "api_internal_url": "http://localhost:8080",
                    "api_external_url": "http://localhost:8080",
                    "use_https": false,
                    "cors_allowed_origins": ["http://localhost:8080", "http://localhost:5173"],
                },
                "security": security("systemprompt-local"),
                "paths": {
                    "system": root,
                    "services": format!("{root}/services"),
                    "bin": format!("{root}/target/release"),
                    "storage": format!("{root}/storage"),
                },
                "rate_limits": { "disabled": true },
                "system_admin": { "username": "admin", "email": "admin@localhost.localdomain" },
                "runtime": {
                    "environment": "development", "log_level": "verbose", "output_format": "text",
                    "no_color": false, "non_interactive": false,
                },
                "cloud": { "tenant_id": tenant.id.as_str(), "validation": "warn" },
                "secrets": { "secrets_path": "./secrets.json", "validation": "warn", "source": "file" },
                "extensions": { "disabled": [] },
            }),
            TenantType::Cloud => {
                let external = tenant.hostname.as_deref().map_or_else(|| "http://localhost:8080".to_owned(), |h| format!("https://{h}"));
                json!({
                    "name": name.as_str(),
                    "display_name": display_name,
                    "target": "cloud",
                    "site": { "name": "systemprompt.io" },
                    "database": { "type": "postgres", "external_db_access": tenant.external_db_access },
                    "server": {
                        "host": "0.0.0.0",
                        "port": 8080,
                        "api_server_url": "http://localhost:8080",
                        "api_internal_url": "http://localhost:8080",
                        "api_external_url": external,
                        "use_https": true,
                        "cors_allowed_origins": [external],
                    },
                    "security": security("systemprompt"),
                    "paths": {
                        "system": "/app",
                        "services": "/app/services",
                        "bin": "/app/bin",
                        "storage": "/app/storage",
                    },
                    "rate_limits": { "disabled": false },
                    "system_admin": { "username": "admin", "email": "admin@localhost.localdomain" },
                    "runtime": {
                        "environment": "production", "log_level": "normal", "output_format": "json",
                        "no_color": true, "non_interactive": true,
                    },
                    "cloud": { "tenant_id": tenant.id.as_str(), "validation": "strict" },
                    "secrets": { "secrets_path": "./secrets.json", "validation": "strict", "source": "env" },
                    "extensions": { "disabled": [] },
                })
            }
        };
        let cloud = &mut value["cloud"];
        for (key, given, default) in [("credentials_path", &paths.credentials_path, SEED_CREDENTIALS_PATH), ("tenants_path", &paths.tenants_path, SEED_TENANTS_PATH)] {
            if let Some(path) = given.as_deref().filter(|p| *p != default) {
                cloud[key] = json!(path);
            }
        }
        let doc = match serde_yaml::to_value(&value) {
            Ok(Value::Mapping(m)) => m,
            _ => Mapping::new(),
        };
        let header = format!("# systemprompt.io Profile: {display_name}\n# Generated by 'tenantdesk cloud profile create'\n");
        Self { name: name.as_str().to_owned(), dir, header, doc }
    }

    /// The profile's `secrets.json` as Tenantdesk writes it: the database URL with its password
    /// masked. Real secret values belong in the OS keychain, not in this file.
    pub fn secrets_json(tenant: &Tenant) -> String {
        let url = tenant.effective_database_url().map(mask_database_url);
        serde_json::to_string_pretty(&json!({ "database_url": url })).unwrap_or_default()
    }
}

fn security(issuer: &str) -> serde_json::Value {
    json!({
        "jwt_issuer": issuer,
        "jwt_access_token_expiration": 2_592_000,
        "jwt_refresh_token_expiration": 15_552_000,
        "jwt_audiences": ["web", "api", "a2a", "mcp"],
    })
}

/// The CLI's display names for well-known profile names; others get a capital first letter.
fn display_name_for(name: &str) -> String {
    match name.to_lowercase().as_str() {
        "dev" | "development" => "Development".to_owned(),
        "prod" | "production" => "Production".to_owned(),
        "staging" | "stage" => "Staging".to_owned(),
        "test" | "testing" => "Test".to_owned(),
        "local" => "Local Development".to_owned(),
        "cloud" => "Cloud".to_owned(),
        _ => {
            let mut chars = name.chars();
            chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        }
    }
}
