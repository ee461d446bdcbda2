//! The API's error envelope and its two auth tiers: the operator's API token for account
//! endpoints, and a short-lived exchanged token (RFC 8693, `client_id=sp_web`) for tenant ones.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::Shared;
use crate::store::{self, Account, TenantRow};

/// `{"error": {"code", "message"}}` with a status, as the real API answers.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid or expired token")
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "tenant_not_found", format!("Tenant not found: {id}"))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("emulator storage: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")
}

/// Tier 1: the operator's API token.
pub async fn operator(shared: &Shared, headers: &HeaderMap) -> ApiResult<Account> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    store::account_by_token(&shared.pool, token).await?.ok_or_else(ApiError::unauthorized)
}

/// Tier 2: a token from the exchange, unexpired. The operator token itself is refused here, as
/// the real API has done since 2026-05.
pub async fn exchanged(shared: &Shared, headers: &HeaderMap) -> ApiResult<Account> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    let account = shared.exchanged_account(token).ok_or_else(ApiError::unauthorized)?;
    store::account(&shared.pool, &account).await?.ok_or_else(ApiError::unauthorized)
}

/// The account's own tenant (a deleted one, or another account's, is "not found").
pub async fn owned_tenant(shared: &Shared, account: &Account, id: &str) -> ApiResult<TenantRow> {
    match store::tenant(&shared.pool, id).await? {
        Some(t) if t.account_id == account.id && t.status != "deleted" => Ok(t),
        _ => Err(ApiError::not_found(id)),
    }
}

/// A random token with a readable prefix.
pub fn token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    let _ = getrandom::fill(&mut bytes);
    format!("{prefix}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub fn hex(n: usize) -> String {
    token("").chars().take(n).collect()
}
