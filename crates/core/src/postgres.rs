//! PostgreSQL over sqlx: verifying a URL, and creating or dropping a tenant's own role and
//! database on a server Tenantdesk administers.
//!
//! Role and database names are derived by Tenantdesk (lowercase letters, digits and `_`), and
//! passwords are hex; even so, every identifier and literal goes through the quoting functions
//! below, since DDL cannot take bind parameters.

use std::time::Duration;

pub use sqlx::PgConnection;
use sqlx::{Connection, Executor};

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::tenant::TenantId;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The role and database of one tenant in the shared container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantDatabase {
    pub role: String,
    pub database: String,
}

impl TenantDatabase {
    /// `td_<name>_<8 hex of the id>`: readable, unique per tenant, and always a plain identifier.
    pub fn for_tenant(name: &str, id: &TenantId) -> Self {
        let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(40).collect();
        let suffix: String = id.as_str().chars().filter(char::is_ascii_hexdigit).rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
        let name = format!("td_{clean}_{suffix}");
        Self { role: name.clone(), database: name }
    }
}

pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `PASSWORD '…'` for CREATE/ALTER ROLE, carrying the password's SCRAM-SHA-256 verifier rather
/// than the password: PostgreSQL logs a failed statement in full (the container's log, which
/// `db logs` and the Docker panel show), and a verifier there gives nothing away.
pub fn password_clause(password: &Secret) -> Result<String> {
    Ok(format!("PASSWORD {}", quote_literal(&scram_verifier(password)?)))
}

/// `ALTER ROLE <role> PASSWORD <verifier>`.
pub fn alter_role_password(role: &str, password: &Secret) -> Result<String> {
    Ok(format!("ALTER ROLE {} {}", quote_ident(role), password_clause(password)?))
}

/// PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677, as `CREATE ROLE`
/// computes it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
fn scram_verifier(password: &Secret) -> Result<String> {
    let salt: [u8; 16] = crate::keychain::random_bytes()?;
    Ok(tenantdesk_scram::verifier(password.expose(), &salt, SCRAM_ITERATIONS))
}

/// PostgreSQL's default, and what every role Tenantdesk makes is given.
const SCRAM_ITERATIONS: u32 = 4096;

/// Whether `password` is the one a role's stored SCRAM-SHA-256 verifier was made from: what a
/// login proves, without a connection (and its server process) per role.
pub fn password_matches(verifier: &str, password: &Secret) -> bool {
    tenantdesk_scram::matches(verifier, password.expose())
}

/// The login roles on a server with their stored passwords, and the databases that accept
/// connections: what `doctor` checks every tenant of a shared container against, in two queries.
#[derive(Debug, Default)]
pub struct Accounts {
    pub roles: std::collections::HashMap<String, Option<String>>,
    pub databases: std::collections::HashSet<String>,
}

pub async fn accounts(admin: &mut PgConnection) -> Result<Accounts> {
    let roles = sqlx::query_as::<_, (String, Option<String>)>("SELECT rolname::text, rolpassword FROM pg_authid WHERE rolcanlogin")
        .fetch_all(&mut *admin)
        .await
        .map_err(db_error("list roles"))?;
    let databases = sqlx::query_scalar::<_, String>("SELECT datname::text FROM pg_database WHERE datallowconn").fetch_all(&mut *admin).await.map_err(db_error("list databases"))?;
    Ok(Accounts { roles: roles.into_iter().collect(), databases: databases.into_iter().collect() })
}

/// Opens one connection, with the seed's "Database connection failed" and the reason.
pub async fn connect(url: &Secret) -> Result<PgConnection> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url.expose())).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Error::DatabaseConnection { reason: describe(&e) }),
        Err(_) => Err(Error::DatabaseConnection { reason: "no answer within 5 seconds".to_owned() }),
    }
}

/// The server's own words, without anything that could carry the URL.
pub(crate) fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(_) => "TLS negotiation failed".to_owned(),
        sqlx::Error::Configuration(_) => "the URL is not a valid PostgreSQL URL".to_owned(),
        other => other.to_string(),
    }
}

/// Connects and runs a trivial query.
pub async fn verify(url: &Secret) -> Result<()> {
    let mut conn = connect(url).await?;
    sqlx::query("SELECT 1").execute(&mut conn).await.map_err(|e| Error::DatabaseConnection { reason: describe(&e) })?;
    let _ = conn.close().await;
    Ok(())
}

fn db_error(action: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::Database { action, message: describe(&e) }
}

/// Creates the tenant's role (login, no other privileges) and its database owned by it, closed
/// to every other role. If the database cannot be created, the role is dropped again.
pub async fn create_tenant_database(admin: &mut PgConnection, db: &TenantDatabase, password: &Secret) -> Result<()> {
    let role = quote_ident(&db.role);
    let database = quote_ident(&db.database);
    admin
        .execute(format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE {}", password_clause(password)?).as_str())
        .await
        .map_err(db_error("create the tenant's role"))?;
    let created = async {
        admin.execute(format!("CREATE DATABASE {database} OWNER {role}").as_str()).await?;
        admin.execute(format!("REVOKE ALL ON DATABASE {database} FROM PUBLIC").as_str()).await
    }
    .await;
    if let Err(e) = created {
        let _ = admin.execute(format!("DROP DATABASE IF EXISTS {database}").as_str()).await;
        let _ = admin.execute(format!("DROP ROLE IF EXISTS {role}").as_str()).await;
        return Err(db_error("create the tenant's database")(e));
    }
    Ok(())
}

/// Drops the tenant's database (closing its connections) and role. Missing ones are fine.
pub async fn drop_tenant_database(admin: &mut PgConnection, db: &TenantDatabase) -> Result<()> {
    admin.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&db.database)).as_str()).await.map_err(db_error("drop the tenant's database"))?;
    admin.execute(format!("DROP ROLE IF EXISTS {}", quote_ident(&db.role)).as_str()).await.map_err(db_error("drop the tenant's role"))?;
    Ok(())
}

/// The databases on the server that Tenantdesk created (`td_…`), each with its comment (which
/// names its project, see `ownership`).
pub async fn tenant_databases(admin: &mut PgConnection) -> Result<Vec<(String, Option<String>)>> {
    sqlx::query_as::<_, (String, Option<String>)>("SELECT datname::text, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE 'td\\_%' ORDER BY datname")
        .fetch_all(admin)
        .await
        .map_err(db_error("list databases"))
}

/// Runs one statement. A failure is the server's words, for the caller to file under what it was
/// doing.
pub async fn execute(conn: &mut PgConnection, sql: &str) -> std::result::Result<(), String> {
    conn.execute(sql).await.map(drop).map_err(|e| describe(&e))
}

/// Says goodbye to the server; a connection that is already gone needs nothing more.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}

/// The bytes every database on the server takes, when the server says.
pub async fn total_size(admin: &mut PgConnection) -> Option<f64> {
    sqlx::query_scalar::<_, i64>("SELECT sum(pg_database_size(datname))::bigint FROM pg_database").fetch_one(admin).await.ok().map(|s| s as f64)
}

/// The role owning `database`, when there is such a database.
pub async fn database_owner(admin: &mut PgConnection, database: &str) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1")
        .bind(database)
        .fetch_optional(admin)
        .await
        .map_err(|e| Error::Database { action: "find the database's owner", message: e.to_string() })
}

/// How many sessions are connected to `database` (other than this one).
pub async fn open_connections(admin: &mut PgConnection, database: &str) -> std::result::Result<i64, String> {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = $1").bind(database).fetch_one(admin).await.map_err(|e| describe(&e))
}

/// The SQL type of one column, `None` when the table has no such column.
pub async fn column_type(conn: &mut PgConnection, schema: &str, table: &str, column: &str) -> std::result::Result<Option<String>, String> {
    sqlx::query_scalar("SELECT data_type::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3")
        .bind(schema)
        .bind(table)
        .bind(column)
        .fetch_optional(conn)
        .await
        .map_err(|e| describe(&e))
}

/// The databases an earlier restore left when it was killed (`td_restore_…`, `td_replaced_…`)
/// carrying `comment_literal` (a quoted literal): the tenant's, never the live one.
pub async fn restore_leftovers(admin: &mut PgConnection, comment_literal: &str) -> Vec<String> {
    let query = format!(
        "SELECT datname::text FROM pg_database WHERE (datname LIKE 'td\\_restore\\_%' OR datname LIKE 'td\\_replaced\\_%') AND shobj_description(oid, 'pg_database') = {comment_literal}"
    );
    sqlx::query_scalar(&query).fetch_all(admin).await.unwrap_or_default()
}

/// Applies the migration files in `dir` (sqlx's format, recorded in `_sqlx_migrations`):
/// returns the ones applied now, as `<version>_<description>`, and how many were applied before.
pub async fn apply_migrations(dir: &std::path::Path, url: &Secret) -> Result<(Vec<String>, u32)> {
    let migrator = sqlx::migrate::Migrator::new(dir).await.map_err(|e| Error::Database { action: "read the migration files", message: e.to_string() })?;
    verify(url).await?;
    // A one-connection pool rather than a connection: `Migrator::run` on `&mut PgConnection`
    // makes the future not `Send` for every lifetime (an sqlx `Acquire` bound), which the
    // desktop app's background jobs need.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url.expose())
        .await
        .map_err(|e| Error::DatabaseConnection { reason: describe(&e) })?;
    let applied_before: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&pool).await.unwrap_or_default();
    let ran = migrator.run(&pool).await.map_err(|e| Error::Database { action: "apply the migrations", message: e.to_string() });
    pool.close().await;
    ran?;
    let (mut applied, mut before) = (Vec::new(), 0);
    for m in migrator.iter() {
        if applied_before.contains(&m.version) {
            before += 1;
        } else {
            applied.push(format!("{}_{}", m.version, m.description));
        }
    }
    Ok((applied, before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_identifiers_whatever_the_tenant_is_called() {
        let id = TenantId::parse("local_7f0c2b7e-3a51-4a8e-9d0e-2f7b1c9a4e11").expect("id");
        assert_eq!(TenantDatabase::for_tenant("my-project", &id).database, "td_my_project_1c9a4e11");
        let hostile = TenantDatabase::for_tenant("x\"; DROP TABLE y; --", &id);
        assert!(hostile.database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{}", hostile.database);
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn a_password_reaches_sql_only_as_its_scram_verifier() {
        let sql = alter_role_password("td_shop_1c9a4e11", &Secret::new("hunter2-secret")).expect("sql");
        assert!(sql.starts_with("ALTER ROLE \"td_shop_1c9a4e11\" PASSWORD 'SCRAM-SHA-256$4096:"), "{sql}");
        assert!(!sql.contains("hunter2"), "{sql}");
    }

    #[test]
    fn a_fresh_verifier_takes_its_password_and_no_other() {
        let fresh = scram_verifier(&Secret::new("hunter2-secret")).expect("verifier");
        assert!(fresh.starts_with("SCRAM-SHA-256$4096:"), "{fresh}");
        assert!(password_matches(&fresh, &Secret::new("hunter2-secret")));
        assert!(!password_matches(&fresh, &Secret::new("hunter2-secreT")));
        assert_ne!(fresh, scram_verifier(&Secret::new("hunter2-secret")).expect("verifier"), "a salt of its own each time");
    }
}
