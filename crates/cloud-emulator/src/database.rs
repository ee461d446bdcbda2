//! The PostgreSQL server behind every emulated cloud tenant: each tenant gets a real role and
//! database on it, so the URLs the API hands out really connect, and rotation really changes
//! which password works.

use sqlx::{Connection, Executor};
use tenantdesk_core::postgres::{self, TenantDatabase};
use tenantdesk_core::secret::Secret;

/// A server the emulator administers, reached with a superuser URL.
#[derive(Clone)]
pub struct PgServer {
    admin_url: Secret,
    host: String,
    port: u16,
}

impl PgServer {
    pub fn new(admin_url: Secret) -> Result<Self, String> {
        let parsed = url::Url::parse(admin_url.expose()).map_err(|e| format!("the PostgreSQL admin URL does not parse: {e}"))?;
        let host = parsed.host_str().ok_or("the PostgreSQL admin URL names no host")?.to_owned();
        let port = parsed.port().unwrap_or(5432);
        Ok(Self { admin_url, host, port })
    }

    /// The URL a tenant's role connects with.
    pub fn tenant_url(&self, role: &str, password: &str, database: &str) -> String {
        format!("postgres://{role}:{password}@{}:{}/{database}", self.host, self.port)
    }

    async fn admin(&self) -> Result<sqlx::PgConnection, String> {
        postgres::connect(&self.admin_url).await.map_err(|e| e.to_string())
    }

    /// Creates the role and database; one that already exists (a retried phase) is kept, with
    /// the password set again. A role left without its database (a provisioning stopped between
    /// the two, by an emulator restart) is this tenant's own half-made one: it is made again.
    pub async fn create(&self, role: &str, database: &str, password: &str) -> Result<(), String> {
        let mut admin = self.admin().await?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname = $1").bind(database).fetch_optional(&mut admin).await.map_err(|e| e.to_string())?;
        let result = if exists.is_some() {
            set_password(&mut admin, role, password).await
        } else {
            let db = TenantDatabase { role: role.to_owned(), database: database.to_owned() };
            let half_made = format!("DROP ROLE IF EXISTS {}", postgres::quote_ident(role));
            async {
                admin.execute(half_made.as_str()).await.map_err(|e| e.to_string())?;
                postgres::create_tenant_database(&mut admin, &db, &Secret::new(password)).await.map_err(|e| e.to_string())
            }
            .await
        };
        let _ = admin.close().await;
        result
    }

    pub async fn rotate(&self, role: &str, password: &str) -> Result<(), String> {
        let mut admin = self.admin().await?;
        let result = set_password(&mut admin, role, password).await;
        let _ = admin.close().await;
        result
    }

    pub async fn drop(&self, role: &str, database: &str) -> Result<(), String> {
        let mut admin = self.admin().await?;
        let db = TenantDatabase { role: role.to_owned(), database: database.to_owned() };
        let result = postgres::drop_tenant_database(&mut admin, &db).await.map_err(|e| e.to_string());
        let _ = admin.close().await;
        result
    }
}

async fn set_password(admin: &mut sqlx::PgConnection, role: &str, password: &str) -> Result<(), String> {
    admin.execute(postgres::alter_role_password(role, &Secret::new(password)).map_err(|e| e.to_string())?.as_str()).await.map(drop).map_err(|e| e.to_string())
}
