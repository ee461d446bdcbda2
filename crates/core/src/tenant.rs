//! A tenant as the registry holds it, with the identifiers and URLs that describe it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// A tenant id: a cloud tenant's API UUID, or `local_…` for a local tenant (the CLI has written
/// both `local_<ms-hex>` and `local_<uuid>`; both are read as they are).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    /// A fresh local id in the CLI's current form, `local_<uuid-v4>`.
    pub fn new_local() -> Self {
        Self(format!("local_{}", uuid::Uuid::new_v4()))
    }

    pub fn parse(value: &str) -> Result<Self> {
        let value = value.trim();
        if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c == '/' || c == '\\') {
            return Err(Error::InvalidName { kind: "tenant id", value: value.to_owned(), reason: "a tenant id has no spaces or slashes" });
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_local(&self) -> bool {
        self.0.starts_with("local_")
    }

    /// The session-store key of this tenant (`tenant_<id>`), as the CLI computes it.
    pub fn session_key(&self) -> String {
        format!("tenant_{}", self.0)
    }

    /// The id shortened for tables: long ids keep their first 13 characters, as the seed's
    /// `tenant list` output shows (`999bc654-9a64...`).
    pub fn short(&self) -> String {
        if self.0.len() > 20 { format!("{}...", &self.0[..self.0.char_indices().nth(13).map_or(self.0.len(), |(i, _)| i)]) } else { self.0.clone() }
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of tenant a record is. The seed's CLI (≤ 0.74) knew `local` and `cloud`; today's
/// (0.75+) names a hosting provider instead, and records self-managed tenants (`kubernetes`,
/// `gke`, or a provider Tenantdesk does not know yet) that have neither a local database nor the
/// SystemPrompt Cloud API behind them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TenantType {
    #[default]
    Local,
    Cloud,
    SelfManaged,
}

impl fmt::Display for TenantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TenantType::Local => "local",
            TenantType::Cloud => "cloud",
            TenantType::SelfManaged => "self-managed",
        })
    }
}

/// The key a `tenants.json` names a record's kind with. A file is written back in the dialect it
/// was read in, and never with both keys in one record: the 0.75+ CLI refuses such a record as a
/// duplicate field ("Tenants store corrupted"), for the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// `"tenant_type": "local" | "cloud"`, as the CLI wrote it up to 0.74 (the seed's world).
    TenantType,
    /// `"provider": "systemprompt" | "docker_local" | "kubernetes" | "gke"`, as 0.75+ writes it.
    Provider,
}

impl Dialect {
    /// The dialect the given `systemprompt` version writes (`provider` since 0.75.0).
    pub fn of_cli(version: (u64, u64, u64)) -> Self {
        if version >= (0, 75, 0) { Dialect::Provider } else { Dialect::TenantType }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::TenantType => "tenant_type (systemprompt 0.74 and older)",
            Dialect::Provider => "provider (systemprompt 0.75 and newer)",
        })
    }
}

/// The hosting provider of a self-managed tenant when the record names none Tenantdesk knows.
pub const PROVIDER_SYSTEMPROMPT: &str = "systemprompt";
pub const PROVIDER_DOCKER_LOCAL: &str = "docker_local";
/// The self-managed providers today's CLI knows; others are kept verbatim.
pub const SELF_MANAGED_PROVIDERS: [&str; 2] = ["kubernetes", "gke"];

/// One entry of `tenants.json`. Field order is the CLI's (pinned by its wire-format test, the
/// same in both dialects: the kind's key sits after `internal_database_url`); fields Tenantdesk
/// does not know are kept in `extra` and written back after the known ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Record", into = "Record")]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_database_url: Option<String>,
    pub tenant_type: TenantType,
    /// A self-managed tenant's hosting provider, verbatim (`kubernetes`, `gke`, or one this
    /// version does not know); `None` for local and cloud tenants.
    pub provider: Option<String>,
    /// The key this record names its kind with: as read (`None`: neither key), and set from the
    /// registry's dialect before each save.
    pub dialect: Option<Dialect>,
    /// Always written, as the CLI does.
    pub external_db_access: bool,
    pub docker_project: Option<String>,
    /// Legacy (CLI v0.3.2–v0.10.3); kept when present.
    pub sync_token: Option<String>,
    /// Legacy (CLI v0.3.2–v0.29.x): the database inside the old shared container.
    pub shared_container_db: Option<String>,
    pub extra: Map<String, Value>,
}

/// A record as it is in the file: both keys a kind has had, at the same place in the order.
#[derive(Serialize, Deserialize)]
struct Record {
    id: TenantId,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    internal_database_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(default)]
    external_db_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    docker_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sync_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shared_container_db: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<Record> for Tenant {
    fn from(r: Record) -> Self {
        // `provider` wins over `tenant_type`: a record holding both was written by a 0.75+ CLI
        // (and then broken by an older writer); it goes back as `provider` alone.
        let (tenant_type, provider, dialect) = match (r.provider, r.tenant_type) {
            (Some(p), _) => {
                let (kind, provider) = kind_of(&p);
                (kind, provider, Some(Dialect::Provider))
            }
            (None, Some(t)) => {
                let (kind, provider) = kind_of(&t);
                (kind, provider, Some(Dialect::TenantType))
            }
            (None, None) => (TenantType::Local, None, None),
        };
        Self {
            id: r.id,
            name: r.name,
            app_id: r.app_id,
            hostname: r.hostname,
            region: r.region,
            database_url: r.database_url,
            internal_database_url: r.internal_database_url,
            tenant_type,
            provider,
            dialect,
            external_db_access: r.external_db_access,
            docker_project: r.docker_project,
            sync_token: r.sync_token,
            shared_container_db: r.shared_container_db,
            extra: r.extra,
        }
    }
}

impl From<Tenant> for Record {
    fn from(t: Tenant) -> Self {
        let kind = match t.tenant_type {
            TenantType::Local => PROVIDER_DOCKER_LOCAL.to_owned(),
            TenantType::Cloud => PROVIDER_SYSTEMPROMPT.to_owned(),
            TenantType::SelfManaged => t.provider.clone().unwrap_or_else(|| SELF_MANAGED_PROVIDERS[0].to_owned()),
        };
        let (tenant_type, provider) = match (t.dialect.unwrap_or(Dialect::Provider), t.tenant_type) {
            (Dialect::TenantType, TenantType::Local) => (Some("local".to_owned()), None),
            (Dialect::TenantType, TenantType::Cloud) => (Some("cloud".to_owned()), None),
            // No `tenant_type` value names a self-managed tenant; the registry switches a file
            // holding one to `provider` before it saves (see `Registry::save`).
            (Dialect::TenantType, TenantType::SelfManaged) | (Dialect::Provider, _) => (None, Some(kind)),
        };
        Self {
            id: t.id,
            name: t.name,
            app_id: t.app_id,
            hostname: t.hostname,
            region: t.region,
            database_url: t.database_url,
            internal_database_url: t.internal_database_url,
            tenant_type,
            provider,
            external_db_access: t.external_db_access,
            docker_project: t.docker_project,
            sync_token: t.sync_token,
            shared_container_db: t.shared_container_db,
            extra: t.extra,
        }
    }
}

/// Reads a kind in either dialect, as the 0.75+ CLI does (`cloud` and `local` are its aliases).
fn kind_of(value: &str) -> (TenantType, Option<String>) {
    match value {
        "local" | PROVIDER_DOCKER_LOCAL => (TenantType::Local, None),
        "cloud" | PROVIDER_SYSTEMPROMPT => (TenantType::Cloud, None),
        other => (TenantType::SelfManaged, Some(other.to_owned())),
    }
}

impl Tenant {
    pub fn new_local(id: TenantId, name: String, database_url: String) -> Self {
        Self::new(id, name, TenantType::Local, Some(database_url))
    }

    /// A new record of any kind; its dialect is the registry's, set when it is saved.
    pub fn new(id: TenantId, name: String, tenant_type: TenantType, database_url: Option<String>) -> Self {
        Self {
            id,
            name,
            app_id: None,
            hostname: None,
            region: None,
            database_url,
            internal_database_url: None,
            tenant_type,
            provider: None,
            dialect: None,
            external_db_access: false,
            docker_project: None,
            sync_token: None,
            shared_container_db: None,
            extra: Map::new(),
        }
    }

    /// The hosting provider as today's CLI names it (`docker_local`, `systemprompt`,
    /// `kubernetes`, …), whatever dialect the file is in.
    pub fn provider_name(&self) -> &str {
        match self.tenant_type {
            TenantType::Local => PROVIDER_DOCKER_LOCAL,
            TenantType::Cloud => PROVIDER_SYSTEMPROMPT,
            TenantType::SelfManaged => self.provider.as_deref().unwrap_or("self-managed"),
        }
    }

    /// The kind as the user reads it: `local`, `cloud`, `self-managed (kubernetes)`.
    pub fn kind_label(&self) -> String {
        match self.tenant_type {
            TenantType::SelfManaged => format!("self-managed ({})", self.provider_name()),
            other => other.to_string(),
        }
    }

    /// Refuses an operation that needs a database Tenantdesk runs or the SystemPrompt Cloud API:
    /// a self-managed tenant is hosted elsewhere, and only its record is Tenantdesk's.
    pub fn refuse_self_managed(&self, operation: &'static str) -> Result<()> {
        if self.tenant_type == TenantType::SelfManaged {
            return Err(Error::WrongTenantType { name: self.name.clone(), kind: self.kind_label(), wanted: "local and cloud", operation });
        }
        Ok(())
    }

    /// The URL the tenant's database is reached by, as the CLI decides it.
    pub fn effective_database_url(&self) -> Option<&str> {
        let url = match self.tenant_type {
            TenantType::Local | TenantType::SelfManaged => self.database_url.as_deref(),
            TenantType::Cloud if self.external_db_access => self.database_url.as_deref().or(self.internal_database_url.as_deref()),
            TenantType::Cloud => self.internal_database_url.as_deref(),
        };
        url.filter(|u| !u.is_empty())
    }
}

/// A PostgreSQL URL with the password hidden, the CLI's convention for masked credentials
/// (`postgres://user:***@host:port/db`). Anything that does not parse as a URL is hidden whole.
pub fn mask_database_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "***".to_owned(),
    }
}

/// Checks a database URL the user typed: `postgres://` or `postgresql://` with a host and a
/// database name.
pub fn parse_database_url(raw: &str) -> Result<url::Url> {
    let fail = |reason: &str| Err(Error::InvalidDatabaseUrl { reason: reason.to_owned() });
    if raw.trim().is_empty() {
        return fail("Database URL cannot be empty");
    }
    let Ok(url) = url::Url::parse(raw.trim()) else {
        return fail("it is not a URL");
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return fail("the scheme must be postgres:// or postgresql://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return fail("it names no host");
    }
    if url.path().trim_start_matches('/').is_empty() {
        return fail("it names no database");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_and_keeps_the_rest() {
        assert_eq!(mask_database_url("postgres://systemprompt:s3cret@localhost:5432/systemprompt"), "postgres://systemprompt:***@localhost:5432/systemprompt");
        assert_eq!(mask_database_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask_database_url("not a url with s3cret"), "***");
    }

    #[test]
    fn short_ids_match_the_seed_table() {
        let cloud = TenantId::parse("999bc654-9a64-49bc-98be-db976fc84e76").expect("id");
        assert_eq!(cloud.short(), "999bc654-9a64...");
        let local = TenantId::parse("local_19bff27604c").expect("id");
        assert_eq!(local.short(), "local_19bff27604c");
    }

    #[test]
    fn database_urls_are_checked() {
        assert!(parse_database_url("postgres://u:p@localhost:5432/db").is_ok());
        for bad in ["", "mysql://u@h/db", "postgres:///db", "postgres://h", "nope"] {
            assert!(parse_database_url(bad).is_err(), "{bad}");
        }
    }
}
