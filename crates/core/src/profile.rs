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
    /// This profile's own file: what Tenantdesk writes back.
    pub doc: Mapping,
    /// `profiles/base.yaml`, shared by every profile of a 0.73+ project, when there is one.
    base: Option<Mapping>,
    /// `doc` over `base`, as the 0.73+ CLI merges them: what the profile says.
    merged: Mapping,
}

/// Where one of a profile's values comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileValue {
    /// Dotted path, e.g. `server.external_url`.
    pub key: String,
    pub value: String,
    /// `base.yaml` or `<name>/profile.yaml`.
    pub from: String,
    /// A `${VAR}` reference, which the CLI fills from the environment when it loads the profile.
    pub reference: bool,
}

/// Fields the 0.73+ CLI derives (from `server.external_url`, or host and port) and refuses to see
/// stated.
pub const DERIVED_FIELDS: [&str; 7] = [
    "server.api_server_url",
    "server.api_external_url",
    "server.use_https",
    "server.cors_allowed_origins",
    "server.api_internal_url",
    "security.jwt_issuer",
    "governance.authz.hook.url",
];

/// Fields the 0.40 CLI wrote that 0.73+ no longer has, and refuses as unknown (found by loading
/// 0.40's own profile with the real 0.77 loader).
pub const REMOVED_FIELDS: [&str; 1] = ["rate_limits.tier_multipliers"];

/// Top-level sections the 0.73+ CLI refuses (pointing at its own `admin config migrate`), with
/// where 0.73 keeps what they held.
pub const LEGACY_SECTIONS: [(&str, &str); 3] = [
    ("providers", "the provider catalog lives in services/ai/providers.yaml"),
    ("gateway", "gateway routes live in services/ai/gateway.yaml"),
    ("evaluation", "the section is named `judge`"),
];

/// A legacy section that holds nothing (0.40's own builder writes `providers: []` and
/// `gateway: null`): dropping it loses nothing.
fn is_empty_section(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        _ => false,
    }
}

impl Profile {
    pub fn file(dir: &Path) -> PathBuf {
        dir.join("profile.yaml")
    }

    pub fn load(dir: &Path) -> Result<Self> {
        let path = Self::file(dir);
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some((header, doc)) = read_mapping(&path)? else {
            return Err(Error::ProfileNotFound { name });
        };
        let base = match dir.parent() {
            Some(profiles) => read_mapping(&profiles.join(BASE_FILE))?.map(|(_, m)| m),
            None => None,
        };
        let merged = match &base {
            Some(base) => merge(base.clone(), doc.clone()),
            None => doc.clone(),
        };
        Ok(Self { name, dir: dir.to_owned(), header, doc, base, merged })
    }

    /// Every leaf value of the profile with the file it comes from; `${VAR}` references as
    /// written (the CLI fills them from its environment).
    pub fn values(&self) -> Vec<ProfileValue> {
        let own = format!("{}/profile.yaml", self.name);
        let mut out = Vec::new();
        leaves(&self.merged, "", &mut |key, value| {
            let in_overlay = lookup(&self.doc, key).is_some();
            let text = match value {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other).unwrap_or_default().trim_end().to_owned(),
            };
            let reference = text.contains("${");
            out.push(ProfileValue { key: key.to_owned(), value: text, from: if in_overlay || self.base.is_none() { own.clone() } else { BASE_FILE.to_owned() }, reference });
        });
        out
    }

    /// Why the `systemprompt` CLI 0.73 and newer would refuse this profile, each reason in its
    /// words; empty when it would load it (as far as these rules go).
    pub fn refusals(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for (section, _) in LEGACY_SECTIONS.iter().filter(|(s, _)| self.merged.contains_key(*s)) {
            reasons.push(format!("it has a top-level `{section}:` section (the pre-0.73 layout)"));
        }
        for field in DERIVED_FIELDS.iter().filter(|f| lookup(&self.merged, f).is_some()) {
            reasons.push(format!("it states `{field}`, which is derived from `server.external_url`"));
        }
        for key in REFUSED_CLOUD_KEYS.iter().filter(|k| self.section("cloud").is_some_and(|c| c.contains_key(**k))) {
            reasons.push(format!("it has `cloud.{key}`, an unknown field since 0.11"));
        }
        for field in REMOVED_FIELDS.iter().filter(|f| lookup(&self.merged, f).is_some()) {
            reasons.push(format!("it has `{field}`, which 0.73+ no longer has"));
        }
        if lookup(&self.merged, "server.external_url").is_none() {
            reasons.push("it has no `server.external_url`, which 0.73+ requires".to_owned());
        }
        reasons
    }

    fn section(&self, key: &str) -> Option<&Mapping> {
        self.merged.get(key).and_then(Value::as_mapping)
    }

    /// This profile in the 0.73+ layout, as a new overlay: derived fields dropped (their values
    /// carried into `server.external_url` and `server.extra_cors_origins`), the keys every CLI
    /// since 0.11 rejects dropped, `cloud.provider` set. Refused, with the reason, for what cannot
    /// be moved safely: legacy sections and fields stated in `base.yaml`.
    pub fn upgraded(&self, provider: &str) -> Result<Self> {
        let refuse = |reason: String| Err(Error::UpgradeRefused { name: self.name.clone(), reason });
        if let Some((section, place)) = LEGACY_SECTIONS.iter().find(|(s, _)| self.merged.get(*s).is_some_and(|v| !is_empty_section(v))) {
            return refuse(format!("its top-level `{section}:` section holds settings, and in 0.73 {place}; move them there by hand, then upgrade"));
        }
        if let Some(base) = &self.base
            && let Some(field) = DERIVED_FIELDS.iter().find(|f| lookup(base, f).is_some())
        {
            return refuse(format!("profiles/{BASE_FILE} states `{field}`, and it is shared by every profile; remove it there, then upgrade"));
        }
        let mut doc = self.doc.clone();
        for (section, _) in LEGACY_SECTIONS {
            doc.shift_remove(section);
        }
        let server = section_mut(&mut doc, "server");
        let text = |m: &Mapping, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
        if !server.contains_key("external_url") {
            let derived = text(server, "api_external_url").or_else(|| text(server, "api_server_url")).unwrap_or_else(|| {
                let host = text(server, "host").filter(|h| h != "0.0.0.0").unwrap_or_else(|| "localhost".to_owned());
                let port = server.get("port").and_then(Value::as_u64).unwrap_or(8080);
                format!("http://{host}:{port}")
            });
            server.insert("external_url".into(), derived.into());
        }
        let external = text(server, "external_url").unwrap_or_default();
        if let Some(Value::Sequence(origins)) = server.shift_remove("cors_allowed_origins") {
            let extra: Vec<Value> = origins.into_iter().filter(|o| o.as_str() != Some(external.as_str())).collect();
            if !extra.is_empty() && !server.contains_key("extra_cors_origins") {
                server.insert("extra_cors_origins".into(), Value::Sequence(extra));
            }
        }
        for field in DERIVED_FIELDS.iter().chain(&REMOVED_FIELDS) {
            remove_path(&mut doc, field);
        }
        let cloud = section_mut(&mut doc, "cloud");
        for key in REFUSED_CLOUD_KEYS {
            cloud.shift_remove(key);
        }
        if !cloud.contains_key("provider") {
            cloud.insert("provider".into(), provider.into());
        }
        let header = format!(
            "# systemprompt.io Profile: {}\n# Overlay over ../base.yaml, upgraded to the 0.73 layout by 'tenantdesk cloud profile upgrade'\n",
            self.display_name().unwrap_or(&self.name)
        );
        let merged = match &self.base {
            Some(base) => merge(base.clone(), doc.clone()),
            None => doc.clone(),
        };
        Ok(Self { name: self.name.clone(), dir: self.dir.clone(), header, doc, base: self.base.clone(), merged })
    }

    fn text(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?.get(key)?.as_str()
    }

    pub fn tenant_id(&self) -> Option<TenantId> {
        self.text("cloud", "tenant_id").and_then(|id| TenantId::parse(id).ok())
    }

    pub fn target(&self) -> &str {
        self.merged.get("target").and_then(Value::as_str).unwrap_or("local")
    }

    pub fn display_name(&self) -> Option<&str> {
        self.merged.get("display_name").and_then(Value::as_str)
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
        for doc in [&mut self.doc, &mut self.merged] {
            if let Some(cloud) = doc.get_mut("cloud").and_then(Value::as_mapping_mut) {
                cloud.shift_remove("tenant_id");
            }
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
        Self { name: name.as_str().to_owned(), dir, header, merged: doc.clone(), doc, base: None }
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

/// The file every profile of a 0.73+ project is merged over.
pub const BASE_FILE: &str = "base.yaml";

/// A YAML file whose top level is a mapping, with the comment lines at its top; `None` when the
/// file does not exist.
fn read_mapping(path: &Path) -> Result<Option<(String, Mapping)>> {
    let Some(bytes) = store::read(path)? else { return Ok(None) };
    let text = String::from_utf8_lossy(&bytes);
    if let Some(line) = too_deep(&text) {
        return Err(Error::Corrupt { path: path.to_owned(), format: "YAML", line, column: 1, message: format!("nested more than {MAX_DEPTH} levels deep; no profile is") });
    }
    let header: String = text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    let value: Value = serde_yaml::from_str(&text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        Error::Corrupt { path: path.to_owned(), format: "YAML", line, column, message: e.to_string() }
    })?;
    match value {
        Value::Mapping(doc) => Ok(Some((header, doc))),
        // An empty file is an empty mapping, as the CLI reads it.
        Value::Null => Ok(Some((header, Mapping::new()))),
        _ => Err(Error::Invalid { path: path.to_owned(), message: "the top level must be a mapping of keys".to_owned() }),
    }
}

/// The 0.73+ CLI's layering: maps merge key by key, the overlay wins; a list or scalar in the
/// overlay replaces the base's whole.
fn merge(mut base: Mapping, overlay: Mapping) -> Mapping {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => {
                let merged = merge(std::mem::take(b), o);
                *b = merged;
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    base
}

/// A top-level section as a mapping, made when missing.
fn section_mut<'a>(doc: &'a mut Mapping, key: &str) -> &'a mut Mapping {
    if !doc.get(key).is_some_and(Value::is_mapping) {
        doc.insert(key.into(), Value::Mapping(Mapping::new()));
    }
    match doc.get_mut(key) {
        Some(Value::Mapping(m)) => m,
        _ => unreachable!("just made a mapping"),
    }
}

/// Removes the value at a dotted path, and any mapping it leaves empty.
fn remove_path(doc: &mut Mapping, dotted: &str) {
    match dotted.split_once('.') {
        None => {
            doc.shift_remove(dotted);
        }
        Some((head, rest)) => {
            if let Some(Value::Mapping(inner)) = doc.get_mut(head) {
                remove_path(inner, rest);
                if inner.is_empty() {
                    doc.shift_remove(head);
                }
            }
        }
    }
}

/// The value at a dotted path.
fn lookup<'a>(doc: &'a Mapping, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut value = doc.get(parts.next()?)?;
    for part in parts {
        value = value.as_mapping()?.get(part)?;
    }
    Some(value)
}

fn leaves(doc: &Mapping, prefix: &str, out: &mut dyn FnMut(&str, &Value)) {
    for (key, value) in doc {
        let Some(key) = key.as_str() else { continue };
        let path = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };
        match value {
            Value::Mapping(m) if !m.is_empty() => leaves(m, &path, out),
            other => out(&path, other),
        }
    }
}

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
    fn layered_profiles_merge_over_base_and_say_where_each_value_comes_from() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("base.yaml"), "target: cloud\nsite:\n  name: shared\nserver:\n  port: 9000\n  external_url: ${PUBLIC_URL}\n").expect("base");
        let own = dir.path().join("prod");
        std::fs::create_dir_all(&own).expect("mkdir");
        std::fs::write(own.join("profile.yaml"), "name: prod\nserver:\n  host: 0.0.0.0\ncloud:\n  tenant_id: c1\n").expect("overlay");
        let profile = Profile::load(&own).expect("load");
        assert_eq!(profile.target(), "cloud", "a value only the base states");
        let values = profile.values();
        let find = |k: &str| values.iter().find(|v| v.key == k).cloned().expect(k);
        assert_eq!(find("site.name").from, "base.yaml");
        assert_eq!(find("server.host").from, "prod/profile.yaml");
        assert_eq!(find("server.port").from, "base.yaml");
        let url = find("server.external_url");
        assert!(url.reference && url.value == "${PUBLIC_URL}", "{url:?}");
        assert!(profile.refusals().is_empty(), "{:?}", profile.refusals());
        // Writing back writes the overlay only.
        let lock = store::lock(&Profile::file(&own)).expect("lock");
        profile.save(&lock).expect("save");
        assert!(!std::fs::read_to_string(own.join("profile.yaml")).expect("read").contains("shared"));
    }

    #[test]
    fn an_upgrade_drops_derived_fields_and_refuses_sections_that_hold_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let own = dir.path().join("old");
        std::fs::create_dir_all(&own).expect("mkdir");
        std::fs::write(own.join("profile.yaml"), "name: old\nserver:\n  host: 0.0.0.0\n  port: 8080\n  api_external_url: https://x.example\n  cors_allowed_origins: [https://x.example, http://localhost:5173]\nsecurity:\n  jwt_issuer: https://x.example\ncloud:\n  tenant_id: c1\n  credentials_path: ../../credentials.json\nproviders: []\n").expect("write");
        let profile = Profile::load(&own).expect("load");
        let upgraded = profile.upgraded("systemprompt").expect("upgrade");
        assert_eq!(upgraded.doc["server"]["external_url"].as_str(), Some("https://x.example"));
        assert_eq!(upgraded.doc["server"]["extra_cors_origins"], serde_yaml::from_str::<Value>("[http://localhost:5173]").expect("yaml"));
        assert!(upgraded.refusals().is_empty(), "{:?}", upgraded.refusals());
        assert_eq!(upgraded.doc["cloud"]["provider"].as_str(), Some("systemprompt"));
        std::fs::write(own.join("profile.yaml"), "name: old\nproviders:\n  - name: anthropic\n").expect("write");
        let err = Profile::load(&own).expect("load").upgraded("systemprompt").expect_err("settings would be lost");
        assert!(err.to_string().contains("services/ai/providers.yaml"), "{err}");
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
