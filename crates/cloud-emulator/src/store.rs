//! The emulator's state in an embedded SQLite file, so accounts, tenants and their event history
//! survive a restart (a provisioning that was cut off by the restart resumes).

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

pub type DbResult<T> = Result<T, sqlx::Error>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    status TEXT NOT NULL,
    phase TEXT,
    message TEXT,
    subscription_id TEXT NOT NULL,
    subscription_status TEXT NOT NULL,
    app_id TEXT NOT NULL,
    hostname TEXT NOT NULL,
    db_role TEXT NOT NULL,
    db_name TEXT NOT NULL,
    db_password TEXT NOT NULL,
    sync_token TEXT,
    external_db_access INTEGER NOT NULL DEFAULT 0,
    checkout_session_id TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    fail_phase TEXT,
    created_at TEXT NOT NULL,
    provisioning_started_ms INTEGER,
    provisioned_in_ms INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    tenant_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    sent_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE TABLE IF NOT EXISTS secrets (
    tenant_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tenant_id, key)
);
";

pub async fn open(dir: &Path) -> DbResult<SqlitePool> {
    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    let options = SqliteConnectOptions::new().filename(dir.join("emulator.db")).create_if_missing(true);
    let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
    sqlx::raw_sql(SCHEMA).execute(&pool).await?;
    Ok(pool)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// One cloud tenant as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct TenantRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub region: String,
    pub plan_id: String,
    pub status: String,
    pub phase: Option<String>,
    pub message: Option<String>,
    pub subscription_id: String,
    pub subscription_status: String,
    pub app_id: String,
    pub hostname: String,
    pub db_role: String,
    pub db_name: String,
    pub db_password: String,
    pub sync_token: Option<String>,
    pub external_db_access: bool,
    pub checkout_session_id: String,
    pub fail_phase: Option<String>,
    pub provisioned_in_ms: Option<i64>,
}

impl TenantRow {
    fn from_row(r: &sqlx::sqlite::SqliteRow) -> DbResult<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            account_id: r.try_get("account_id")?,
            name: r.try_get("name")?,
            region: r.try_get("region")?,
            plan_id: r.try_get("plan_id")?,
            status: r.try_get("status")?,
            phase: r.try_get("phase")?,
            message: r.try_get("message")?,
            subscription_id: r.try_get("subscription_id")?,
            subscription_status: r.try_get("subscription_status")?,
            app_id: r.try_get("app_id")?,
            hostname: r.try_get("hostname")?,
            db_role: r.try_get("db_role")?,
            db_name: r.try_get("db_name")?,
            db_password: r.try_get("db_password")?,
            sync_token: r.try_get("sync_token")?,
            external_db_access: r.try_get::<i64, _>("external_db_access")? != 0,
            checkout_session_id: r.try_get("checkout_session_id")?,
            fail_phase: r.try_get("fail_phase")?,
            provisioned_in_ms: r.try_get("provisioned_in_ms")?,
        })
    }
}

/// One provisioning event as stored (and replayed to late subscribers).
#[derive(Debug, Clone)]
pub struct EventRow {
    pub tenant_id: String,
    pub seq: i64,
    pub event_type: String,
    pub status: String,
    pub message: Option<String>,
    pub sent_at_ms: i64,
}

pub async fn account_by_email(pool: &SqlitePool, email: &str) -> DbResult<Option<Account>> {
    let row = sqlx::query("SELECT id, email, name FROM accounts WHERE email = ?").bind(email).fetch_optional(pool).await?;
    row.map(|r| Ok(Account { id: r.try_get("id")?, email: r.try_get("email")?, name: r.try_get("name")? })).transpose()
}

pub async fn ensure_account(pool: &SqlitePool, email: &str) -> DbResult<Account> {
    if let Some(a) = account_by_email(pool, email).await? {
        return Ok(a);
    }
    let name = email.split('@').next().unwrap_or(email).to_owned();
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO accounts (id, email, name) VALUES (?, ?, ?)").bind(&id).bind(email).bind(&name).execute(pool).await?;
    Ok(Account { id, email: email.to_owned(), name })
}

pub async fn add_token(pool: &SqlitePool, token: &str, account: &Account) -> DbResult<()> {
    sqlx::query("INSERT INTO tokens (token, account_id, created_at) VALUES (?, ?, ?)").bind(token).bind(&account.id).bind(crate::now_rfc3339()).execute(pool).await.map(drop)
}

/// The oldest token of an account: the one the emulator prints at start.
pub async fn first_token(pool: &SqlitePool, account: &Account) -> DbResult<Option<String>> {
    sqlx::query_scalar("SELECT token FROM tokens WHERE account_id = ? ORDER BY created_at, token LIMIT 1").bind(&account.id).fetch_optional(pool).await
}

pub async fn account_by_token(pool: &SqlitePool, token: &str) -> DbResult<Option<Account>> {
    let row = sqlx::query("SELECT a.id, a.email, a.name FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token = ?").bind(token).fetch_optional(pool).await?;
    row.map(|r| Ok(Account { id: r.try_get("id")?, email: r.try_get("email")?, name: r.try_get("name")? })).transpose()
}

pub async fn account(pool: &SqlitePool, id: &str) -> DbResult<Option<Account>> {
    let row = sqlx::query("SELECT id, email, name FROM accounts WHERE id = ?").bind(id).fetch_optional(pool).await?;
    row.map(|r| Ok(Account { id: r.try_get("id")?, email: r.try_get("email")?, name: r.try_get("name")? })).transpose()
}

pub async fn insert_tenant(pool: &SqlitePool, t: &TenantRow, idempotency_key: Option<&str>) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO tenants (id, account_id, name, region, plan_id, status, phase, message, subscription_id, subscription_status,
            app_id, hostname, db_role, db_name, db_password, sync_token, external_db_access, checkout_session_id, idempotency_key,
            fail_phase, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.id)
    .bind(&t.account_id)
    .bind(&t.name)
    .bind(&t.region)
    .bind(&t.plan_id)
    .bind(&t.status)
    .bind(&t.phase)
    .bind(&t.message)
    .bind(&t.subscription_id)
    .bind(&t.subscription_status)
    .bind(&t.app_id)
    .bind(&t.hostname)
    .bind(&t.db_role)
    .bind(&t.db_name)
    .bind(&t.db_password)
    .bind(&t.sync_token)
    .bind(t.external_db_access as i64)
    .bind(&t.checkout_session_id)
    .bind(idempotency_key)
    .bind(&t.fail_phase)
    .bind(crate::now_rfc3339())
    .execute(pool)
    .await
    .map(drop)
}

const TENANT_COLUMNS: &str = "id, account_id, name, region, plan_id, status, phase, message, subscription_id, subscription_status, app_id, hostname,
    db_role, db_name, db_password, sync_token, external_db_access, checkout_session_id, fail_phase, provisioned_in_ms";

pub async fn tenant(pool: &SqlitePool, id: &str) -> DbResult<Option<TenantRow>> {
    let row = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?")).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(TenantRow::from_row).transpose()
}

pub async fn tenant_by_idempotency_key(pool: &SqlitePool, account: &str, key: &str) -> DbResult<Option<TenantRow>> {
    let row = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE account_id = ? AND idempotency_key = ?")).bind(account).bind(key).fetch_optional(pool).await?;
    row.as_ref().map(TenantRow::from_row).transpose()
}

pub async fn tenant_by_checkout(pool: &SqlitePool, session: &str) -> DbResult<Option<TenantRow>> {
    let row = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE checkout_session_id = ?")).bind(session).fetch_optional(pool).await?;
    row.as_ref().map(TenantRow::from_row).transpose()
}

/// The account's tenants that are not deleted, oldest first.
pub async fn tenants_of(pool: &SqlitePool, account: &str) -> DbResult<Vec<TenantRow>> {
    let rows =
        sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE account_id = ? AND status != 'deleted' ORDER BY created_at, id")).bind(account).fetch_all(pool).await?;
    rows.iter().map(TenantRow::from_row).collect()
}

/// Tenants whose provisioning was under way when the emulator stopped.
pub async fn provisioning(pool: &SqlitePool) -> DbResult<Vec<TenantRow>> {
    let rows = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE status = 'provisioning'")).fetch_all(pool).await?;
    rows.iter().map(TenantRow::from_row).collect()
}

pub async fn set_status(pool: &SqlitePool, id: &str, status: &str, phase: Option<&str>, message: Option<&str>) -> DbResult<()> {
    sqlx::query("UPDATE tenants SET status = ?, phase = ?, message = ? WHERE id = ?").bind(status).bind(phase).bind(message).bind(id).execute(pool).await.map(drop)
}

pub async fn set_field(pool: &SqlitePool, id: &str, column: &'static str, value: Option<&str>) -> DbResult<()> {
    sqlx::query(&format!("UPDATE tenants SET {column} = ? WHERE id = ?")).bind(value).bind(id).execute(pool).await.map(drop)
}

pub async fn set_external_access(pool: &SqlitePool, id: &str, enabled: bool) -> DbResult<()> {
    sqlx::query("UPDATE tenants SET external_db_access = ? WHERE id = ?").bind(enabled as i64).bind(id).execute(pool).await.map(drop)
}

pub async fn set_timing(pool: &SqlitePool, id: &str, started_ms: Option<i64>, provisioned_in_ms: Option<i64>) -> DbResult<()> {
    sqlx::query("UPDATE tenants SET provisioning_started_ms = COALESCE(?, provisioning_started_ms), provisioned_in_ms = ? WHERE id = ?")
        .bind(started_ms)
        .bind(provisioned_in_ms)
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

pub async fn started_ms(pool: &SqlitePool, id: &str) -> DbResult<Option<i64>> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT provisioning_started_ms FROM tenants WHERE id = ?").bind(id).fetch_optional(pool).await.map(Option::flatten)
}

pub async fn append_event(pool: &SqlitePool, tenant: &str, event_type: &str, status: &str, message: Option<&str>) -> DbResult<EventRow> {
    let sent_at_ms = crate::now_ms();
    // One statement, so the next number is taken atomically even with two writers.
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO events (tenant_id, seq, event_type, status, message, sent_at_ms) \
         SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM events WHERE tenant_id = ? RETURNING seq",
    )
    .bind(tenant)
    .bind(event_type)
    .bind(status)
    .bind(message)
    .bind(sent_at_ms)
    .bind(tenant)
    .fetch_one(pool)
    .await?;
    Ok(EventRow { tenant_id: tenant.to_owned(), seq, event_type: event_type.to_owned(), status: status.to_owned(), message: message.map(str::to_owned), sent_at_ms })
}

pub async fn events_after(pool: &SqlitePool, tenant: &str, after: i64) -> DbResult<Vec<EventRow>> {
    let rows = sqlx::query("SELECT tenant_id, seq, event_type, status, message, sent_at_ms FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq")
        .bind(tenant)
        .bind(after)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(EventRow {
                tenant_id: r.try_get("tenant_id")?,
                seq: r.try_get("seq")?,
                event_type: r.try_get("event_type")?,
                status: r.try_get("status")?,
                message: r.try_get("message")?,
                sent_at_ms: r.try_get("sent_at_ms")?,
            })
        })
        .collect()
}

pub async fn secret_keys(pool: &SqlitePool, tenant: &str) -> DbResult<Vec<String>> {
    sqlx::query_scalar("SELECT key FROM secrets WHERE tenant_id = ? ORDER BY key").bind(tenant).fetch_all(pool).await
}

pub async fn put_secret(pool: &SqlitePool, tenant: &str, key: &str, value: &str) -> DbResult<()> {
    sqlx::query("INSERT INTO secrets (tenant_id, key, value) VALUES (?, ?, ?) ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value")
        .bind(tenant)
        .bind(key)
        .bind(value)
        .execute(pool)
        .await
        .map(drop)
}

pub async fn delete_secret(pool: &SqlitePool, tenant: &str, key: &str) -> DbResult<bool> {
    Ok(sqlx::query("DELETE FROM secrets WHERE tenant_id = ? AND key = ?").bind(tenant).bind(key).execute(pool).await?.rows_affected() > 0)
}

pub async fn tenant_by_sync_token(pool: &SqlitePool, token: &str) -> DbResult<Option<String>> {
    sqlx::query_scalar("SELECT id FROM tenants WHERE sync_token = ? AND status != 'deleted'").bind(token).fetch_optional(pool).await
}
