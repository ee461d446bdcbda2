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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum TenantType {
    #[default]
    Local,
    Cloud,
}

impl fmt::Display for TenantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TenantType::Local => "local",
            TenantType::Cloud => "cloud",
        })
    }
}

/// One entry of `tenants.json`. Field order is the CLI's (pinned by its wire-format test);
/// fields Tenantdesk does not know are kept in `extra` and written back after the known ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub tenant_type: TenantType,
    /// Always written, as the CLI does.
    #[serde(default)]
    pub external_db_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_project: Option<String>,
    /// Legacy (CLI v0.3.2–v0.10.3); kept when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    /// Legacy (CLI v0.3.2–v0.29.x): the database inside the old shared container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_container_db: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tenant {
    pub fn new_local(id: TenantId, name: String, database_url: String) -> Self {
        Self {
            id,
            name,
            app_id: None,
            hostname: None,
            region: None,
            database_url: Some(database_url),
            internal_database_url: None,
            tenant_type: TenantType::Local,
            external_db_access: false,
            docker_project: None,
            sync_token: None,
            shared_container_db: None,
            extra: Map::new(),
        }
    }

    /// The URL the tenant's database is reached by, as the CLI decides it.
    pub fn effective_database_url(&self) -> Option<&str> {
        let url = match self.tenant_type {
            TenantType::Local => self.database_url.as_deref(),
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
