//! The API's bodies, as the `systemprompt` CLI's client reads them (reference §10). Unknown fields
//! are ignored; fields the server may leave out are optional.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// `{"data": T}`, the envelope of most endpoints.
#[derive(Debug, Deserialize)]
pub struct Data<T> {
    pub data: T,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /api/v1/auth/me`, bare.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub user: User,
    #[serde(default)]
    pub tenants: Vec<TenantInfo>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanInfo {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub memory_mb: Option<u32>,
    #[serde(default)]
    pub volume_gb: Option<u32>,
}

/// A tenant as `/auth/me` lists it; its `database_url` may be masked.
#[derive(Debug, Clone, Deserialize)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default)]
    pub external_db_access: bool,
    #[serde(default)]
    pub subscription_status: Option<String>,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub plan: Option<PlanInfo>,
}

/// `GET /api/v1/checkout/plans`, a bare array.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub paddle_price_id: String,
    #[serde(default)]
    pub memory_mb_default: Option<u32>,
    #[serde(default)]
    pub volume_gb: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckoutRequest<'a> {
    pub price_id: &'a str,
    pub region: &'a str,
    /// The name to give the tenant (the emulator honours it; the real API may ignore it).
    pub name: &'a str,
}

/// `POST /api/v1/checkout`, bare.
#[derive(Debug, Clone, Deserialize)]
pub struct Checkout {
    pub checkout_url: String,
    pub checkout_session_id: String,
    /// `completed` when no payment step is needed (the emulator); absent from the real API.
    #[serde(default)]
    pub status: Option<String>,
}

/// One provisioning event (SSE `provisioning` / `message`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProvisioningEvent {
    pub tenant_id: String,
    pub event_type: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub app_url: Option<String>,
    /// When the server sent it (the emulator adds it; used to measure progress latency).
    #[serde(default)]
    pub sent_at_ms: Option<i64>,
}

/// `GET …/{id}/status` → `{data: …}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
    /// The phase being worked on or that failed (the emulator adds it).
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub app_url: Option<String>,
    #[serde(default)]
    pub secrets_url: Option<String>,
}

/// The status's `secrets_url`, bare.
#[derive(Deserialize)]
pub struct Credentials {
    pub database_url: Secret,
    #[serde(default)]
    pub internal_database_url: Option<Secret>,
    #[serde(default)]
    pub app_url: Option<String>,
    #[serde(default)]
    pub anthropic_api_key: Option<Secret>,
    #[serde(default)]
    pub openai_api_key: Option<Secret>,
    #[serde(default)]
    pub gemini_api_key: Option<Secret>,
}

/// `POST …/{id}/rotate-credentials`, bare.
#[derive(Deserialize)]
pub struct RotatedCredentials {
    pub internal_database_url: Secret,
    #[serde(default)]
    pub external_database_url: Option<Secret>,
}

/// `PUT …/{id}/external-db-access {enabled}` → `{data: …}`; the external URL (with the
/// tenant's password) only when enabled.
#[derive(Deserialize)]
pub struct ExternalAccess {
    pub external_db_access: bool,
    #[serde(default)]
    pub database_url: Option<Secret>,
}

/// `POST …/{id}/rotate-sync-token` → `{data: …}`.
#[derive(Deserialize)]
pub struct SyncToken {
    pub sync_token: Secret,
}

/// `POST …/{id}/retry-provision`, bare.
#[derive(Debug, Deserialize)]
pub struct RetryStatus {
    pub status: String,
}

/// `{"error": {"code", "message"}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}
