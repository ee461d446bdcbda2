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

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub dir: PathBuf,
    header: String,
    pub doc: Mapping,
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
        if let Some(line) = too_deep(&text) {
            return Err(Error::Corrupt { path, format: "YAML", line, column: 1, message: format!("nested more than {MAX_DEPTH} levels deep; no profile is") });
        }
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
        if let Some(profiles) = self.dir.parent() {
            store::within(&self.dir, profiles)?;
        }
        store::write_atomic(lock, &Self::file(&self.dir), self.to_yaml().as_bytes(), store::SHARED)
    }

    /// A new profile for `tenant` that the project's CLI loads: the seed's whole profile for a
    /// CLI before 0.73, and for 0.73+ an overlay (merged over `profiles/base.yaml`) with
    /// `server.external_url` set and none of the fields that CLI derives and refuses.
    pub fn build(name: &ProfileName, dir: PathBuf, tenant: &Tenant, project_root: &Path, layout: ProfileLayout) -> Self {
        let display_name = display_name_for(name.as_str());
        let root = project_root.to_string_lossy();
        let local = tenant.tenant_type == TenantType::Local;
        let external = match (&tenant.hostname, local) {
            (Some(host), false) => format!("https://{host}"),
            _ => "http://localhost:8080".to_owned(),
        };
        let (host, environment) = if local { ("127.0.0.1", "development") } else { ("0.0.0.0", "production") };
        let server = match layout {
            ProfileLayout::Whole if local => json!({
                "host": host, "port": 8080,
                "api_server_url": "http://localhost:8080", "api_internal_url": "http://localhost:8080", "api_external_url": external,
                "use_https": false, "cors_allowed_origins": ["http://localhost:8080", "http://localhost:5173"],
            }),
            ProfileLayout::Whole => json!({
                "host": host, "port": 8080,
                "api_server_url": "http://localhost:8080", "api_internal_url": "http://localhost:8080", "api_external_url": external,
                "use_https": true, "cors_allowed_origins": [external],
            }),
            ProfileLayout::Overlay if local => json!({ "host": host, "port": 8080, "external_url": external, "extra_cors_origins": ["http://localhost:5173"] }),
            // Today's CLI wants the proxies in front of a self-managed deployment named; the
            // private ranges are where an ingress usually sits.
            ProfileLayout::Overlay if tenant.tenant_type == TenantType::SelfManaged => {
                json!({ "host": host, "port": 8080, "external_url": external, "trusted_proxies": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] })
            }
            ProfileLayout::Overlay => json!({ "host": host, "port": 8080, "external_url": external }),
        };
        let mut security = json!({
            "jwt_access_token_expiration": 2_592_000,
            "jwt_refresh_token_expiration": 15_552_000,
            "jwt_audiences": ["web", "api", "a2a", "mcp"],
            "allowed_resource_audiences": ["hook"],
        });
        // 0.40 validates the issuer as a URL (its own builder's `systemprompt-local` fails that);
        // 0.73+ derives it from `server.external_url`, so the whole profile states that URL.
        if layout == ProfileLayout::Whole {
            security["jwt_issuer"] = json!(external);
        }
        let paths = if local {
            json!({ "system": root, "services": format!("{root}/services"), "bin": format!("{root}/target/release"), "storage": format!("{root}/storage") })
        } else {
            json!({ "system": "/app", "services": "/app/services", "bin": "/app/bin", "storage": "/app/storage" })
        };
        let runtime = if local {
            json!({ "environment": environment, "log_level": "verbose", "output_format": "text", "no_color": false, "non_interactive": false })
        } else {
            json!({ "environment": environment, "log_level": "normal", "output_format": "json", "no_color": true, "non_interactive": true })
        };
        let validation = if local { "warn" } else { "strict" };
        let mut cloud = json!({ "tenant_id": tenant.id.as_str(), "validation": validation });
        if layout == ProfileLayout::Overlay {
            cloud = json!({ "tenant_id": tenant.id.as_str(), "provider": tenant.provider_name(), "validation": validation });
        }
        let value = json!({
            "name": name.as_str(),
            "display_name": display_name,
            "target": if local { "local" } else { "cloud" },
            "site": { "name": "systemprompt.io" },
            "database": { "type": "postgres", "external_db_access": tenant.external_db_access },
            "server": server,
            "security": security,
            "paths": paths,
            "rate_limits": { "disabled": local },
            "system_admin": { "username": "admin", "email": "admin@localhost.localdomain" },
            "runtime": runtime,
            "cloud": cloud,
            "secrets": { "secrets_path": "./secrets.json", "validation": validation, "source": if local { "file" } else { "env" } },
            "extensions": { "disabled": [] },
            "governance": { "authz": { "hook": { "mode": "webhook", "timeout_ms": 500 } } },
        });
        let doc = match serde_yaml::to_value(&value) {
            Ok(Value::Mapping(m)) => m,
            _ => Mapping::new(),
        };
        let header = match layout {
            ProfileLayout::Whole => format!("# systemprompt.io Profile: {display_name}\n# Generated by 'tenantdesk cloud profile create'\n"),
            ProfileLayout::Overlay => format!("# systemprompt.io Profile: {display_name}\n# Overlay over ../base.yaml, generated by 'tenantdesk cloud profile create'\n"),
        };
        Self { name: name.as_str().to_owned(), dir, header, doc }
    }

    /// The profile's `secrets.json` as Tenantdesk writes it: the database URL with its password
    /// masked, and the OAuth pepper both real CLIs require (0.40 and 0.77 refuse a secrets file
    /// without it) as `***`; the real values belong in the OS keychain, not in this file.
    pub fn secrets_json(tenant: &Tenant) -> String {
        let url = tenant.effective_database_url().map(mask_database_url);
        serde_json::to_string_pretty(&json!({ "oauth_at_rest_pepper": MASK, "database_url": url })).unwrap_or_default()
    }
}

/// Keys every CLI since 0.11 rejects in a profile (`deny_unknown_fields`): the seed's links to
/// `credentials.json` and `tenants.json`, removed from the CLI in February 2026.
pub const REFUSED_CLOUD_KEYS: [&str; 2] = ["credentials_path", "tenants_path"];

/// How a profile is laid out on disk, by the CLI version that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileLayout {
    /// The whole profile in `profiles/<name>/profile.yaml` (before 0.73).
    Whole,
    /// `profiles/<name>/profile.yaml` over `profiles/base.yaml`, derived fields left out (0.73+).
    Overlay,
}

impl ProfileLayout {
    pub fn for_cli(version: crate::cli_version::Version) -> Self {
        if version.layered_profiles() { Self::Overlay } else { Self::Whole }
    }
}

/// What Tenantdesk writes in a file in place of a secret kept in the keychain.
pub const MASK: &str = "***";

/// How deep a profile may nest. The CLI's own are a handful of levels; the YAML parser takes time
/// quadratic in the depth (20,000 levels in 40 KB took 21 s), so deeper files are refused first.
const MAX_DEPTH: usize = 64;

/// The line where `text` nests deeper than [`MAX_DEPTH`]: brackets and braces outside quotes,
/// and block nesting (indentation plus `- `/`? ` markers) at the start of each line.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (number, line) in text.lines().enumerate() {
        let block = line.len() - line.trim_start_matches([' ', '-', '?', ':']).len();
        if block > 2 * MAX_DEPTH {
            return Some(number + 1);
        }
        // A quote opens a quoted scalar only where a scalar starts (an apostrophe inside a plain
        // scalar, `it's`, is text); quoted scalars may span lines.
        let mut prev: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') if matches!(prev, None | Some(':' | '-' | '[' | '{' | ',' | '?')) => quote = Some(c),
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_DEPTH {
                return Some(number + 1);
            }
            if !c.is_whitespace() {
                prev = Some(c);
            }
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_before_parsing() {
        assert_eq!(too_deep("name: it's fine\nserver:\n  cors: [a, [b]]\n"), None);
        assert_eq!(too_deep(&format!("x: {}{}", "[".repeat(20_000), "]".repeat(20_000))), Some(1));
        assert_eq!(too_deep(&format!("x:\n{}y", "- ".repeat(200))), Some(2));
        assert_eq!(too_deep(&format!("a: 'b [[[{}'\n", "[".repeat(100))), None, "brackets inside quotes are text");
        assert_eq!(too_deep(&format!("a: it's\nb: {}", "{".repeat(100))), Some(2), "an apostrophe in a plain scalar is no quote");
    }

    #[test]
    fn a_deep_profile_is_refused_before_parsing() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("profile.yaml"), format!("name: x\nsite: {}1{}\n", "[".repeat(20_000), "]".repeat(20_000))).expect("write");
        // Refused by the depth check, before the parser (whose time grows with the square of the
        // depth) sees it.
        assert!(matches!(Profile::load(dir.path()), Err(Error::Corrupt { line: 2, message, .. }) if message.contains("nested more than")));
    }
}
