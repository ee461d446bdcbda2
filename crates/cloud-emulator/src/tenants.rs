//! Plans, checkout (which completes without payment) and every tenant endpoint.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiError, ApiResult, exchanged, operator, owned_tenant};
use crate::faults::Injected;
use crate::store::{self, TenantRow};
use crate::{Shared, provision};

pub struct Plan {
    pub id: &'static str,
    pub name: &'static str,
    pub price_id: &'static str,
    pub memory_mb: u32,
    pub volume_gb: u32,
}

pub const PLANS: [Plan; 2] = [
    Plan { id: "starter", name: "Starter", price_id: "pri_starter", memory_mb: 512, volume_gb: 1 },
    Plan { id: "pro", name: "Pro", price_id: "pri_pro", memory_mb: 2048, volume_gb: 10 },
];

/// The regions of the CLI's constant list.
pub const REGIONS: [&str; 8] = ["iad", "lhr", "fra", "ams", "sin", "nrt", "syd", "gru"];

pub fn plan(id: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.id == id)
}

/// `GET /api/v1/checkout/plans` → a bare array.
pub async fn plans(State(shared): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    operator(&shared, &headers).await?;
    Ok(Json(Value::Array(
        PLANS
            .iter()
            .map(|p| json!({ "id": p.id, "name": p.name, "paddle_price_id": p.price_id, "memory_mb_default": p.memory_mb, "volume_gb": p.volume_gb, "max_tenants": 10 }))
            .collect(),
    )))
}

#[derive(Deserialize)]
pub struct CheckoutRequest {
    price_id: String,
    region: String,
    #[serde(default)]
    redirect_uri: Option<String>,
    /// Not in the real API (which names tenants itself); Tenantdesk sends the name it was given.
    #[serde(default)]
    name: Option<String>,
}

/// `POST /api/v1/checkout`: the emulator needs no payment, so the subscription starts and
/// provisioning begins at once. An `Idempotency-Key` seen before returns the same checkout
/// instead of a second tenant.
pub async fn checkout(State(shared): State<Shared>, Extension(injected): Extension<Injected>, headers: HeaderMap, Json(req): Json<CheckoutRequest>) -> ApiResult<Json<Value>> {
    let account = operator(&shared, &headers).await?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(key) = &key
        && let Some(existing) = store::tenant_by_idempotency_key(&shared.pool, &account.id, key).await?
    {
        return Ok(Json(checkout_body(&shared, &existing)));
    }
    let plan = PLANS.iter().find(|p| p.price_id == req.price_id).ok_or_else(|| ApiError::bad_request(format!("unknown price_id '{}'", req.price_id)))?;
    if !REGIONS.contains(&req.region.as_str()) {
        return Err(ApiError::bad_request(format!("unknown region '{}'; one of {}", req.region, REGIONS.join(", "))));
    }
    let _ = req.redirect_uri;
    let id = uuid::Uuid::new_v4().to_string();
    let short = id.replace('-', "");
    let name = req.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| format!("tenant-{}", &short[..8]));
    if store::tenants_of(&shared.pool, &account.id).await?.iter().any(|t| t.name == name) {
        return Err(ApiError::conflict(format!("a tenant named '{name}' already exists")));
    }
    let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(30).collect();
    let app_id = format!("sp-{}", &short[..12]);
    let row = TenantRow {
        id: id.clone(),
        account_id: account.id.clone(),
        name,
        region: req.region,
        plan_id: plan.id.to_owned(),
        status: "provisioning".to_owned(),
        phase: None,
        message: Some("Waiting for payment".to_owned()),
        subscription_id: format!("sub_{}", &short[..16]),
        subscription_status: "active".to_owned(),
        hostname: format!("{app_id}.emulator.systemprompt.local"),
        app_id,
        db_role: format!("sp_{clean}_{}", &short[..8]),
        db_name: format!("sp_{clean}_{}", &short[..8]),
        db_password: api::hex(32),
        sync_token: None,
        external_db_access: false,
        checkout_session_id: format!("cs_{}", api::hex(24)),
        fail_phase: injected.fail_phase,
        provisioned_in_ms: None,
    };
    store::insert_tenant(&shared.pool, &row, key.as_deref()).await?;
    provision::start(shared.clone(), row.id.clone());
    Ok(Json(checkout_body(&shared, &row)))
}

fn checkout_body(shared: &Shared, t: &TenantRow) -> Value {
    json!({
        "checkout_url": format!("{}/checkout/{}", shared.base_url, t.checkout_session_id),
        "transaction_id": format!("txn_{}", &t.subscription_id[4..]),
        "checkout_session_id": t.checkout_session_id,
        // Not in the real API: the emulator's checkout needs no browser.
        "status": "completed",
    })
}

/// What a browser sees at `checkout_url`.
pub async fn checkout_page() -> Html<&'static str> {
    Html("<!doctype html><title>Checkout complete</title><p>The SystemPrompt Cloud emulator needs no payment: your tenant is being provisioned. You can close this page.</p>")
}

/// `GET …/{id}/status` → `{data: {status, message, app_url, secrets_url}}`.
pub async fn status(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    let ready = t.status == "ready";
    Ok(Json(json!({ "data": {
        "status": t.status,
        "phase": t.phase,
        "message": t.message,
        "app_url": ready.then(|| format!("https://{}", t.hostname)),
        "secrets_url": ready.then(|| format!("/api/v1/tenants/{}/credentials", t.id)),
    }})))
}

/// The status's `secrets_url`: the tenant's database URLs, unmasked.
pub async fn credentials(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    if t.status != "ready" {
        return Err(ApiError::conflict("the tenant is not ready yet"));
    }
    let url = shared.pg.tenant_url(&t.db_role, &t.db_password, &t.db_name);
    // The plan's bundled AI key, as the real bundle carries provider keys: derived from the
    // tenant, so it is stable and distinct per tenant.
    let anthropic = format!("sk-ant-emulated-{}", t.id.replace('-', ""));
    Ok(Json(json!({ "database_url": url, "internal_database_url": url, "app_url": format!("https://{}", t.hostname), "anthropic_api_key": anthropic })))
}

/// `POST …/{id}/rotate-credentials`: a new password for the tenant's role, really set.
pub async fn rotate_credentials(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    if t.status != "ready" {
        return Err(ApiError::conflict("the tenant is not ready; wait for provisioning to finish"));
    }
    let password = api::hex(32);
    shared.pg.rotate(&t.db_role, &password).await.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "database", e))?;
    store::set_field(&shared.pool, &t.id, "db_password", Some(&password)).await?;
    let url = shared.pg.tenant_url(&t.db_role, &password, &t.db_name);
    Ok(Json(json!({ "status": "rotated", "message": "Database credentials rotated", "internal_database_url": url, "external_database_url": url })))
}

/// `POST …/{id}/rotate-sync-token` (operator tier, as in CLI v0.10.3) → `{data: {sync_token}}`.
pub async fn rotate_sync_token(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = operator(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    let token = api::token("sp_sync_");
    store::set_field(&shared.pool, &t.id, "sync_token", Some(&token)).await?;
    Ok(Json(json!({ "data": { "sync_token": token } })))
}

/// `GET /api/v1/sync/verify` with `Authorization: Bearer <sync token>`: which tenant a sync
/// token belongs to, or 401 — how a rotated-out token is seen to be rejected.
pub async fn verify_sync_token(State(shared): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(ApiError::unauthorized)?;
    let tenant = store::tenant_by_sync_token(&shared.pool, token).await?.ok_or_else(ApiError::unauthorized)?;
    Ok(Json(json!({ "data": { "tenant_id": tenant } })))
}

#[derive(Deserialize)]
pub struct ExternalAccess {
    enabled: bool,
}

/// `PUT …/{id}/external-db-access {enabled}`.
pub async fn external_db_access(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>, Json(req): Json<ExternalAccess>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    store::set_external_access(&shared.pool, &t.id, req.enabled).await?;
    let url = req.enabled.then(|| shared.pg.tenant_url(&t.db_role, &t.db_password, &t.db_name));
    Ok(Json(json!({ "data": { "tenant_id": t.id, "external_db_access": req.enabled, "database_url": url } })))
}

/// `GET …/{id}/secrets` → bare `{keys}`.
pub async fn secret_keys(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    Ok(Json(json!({ "keys": store::secret_keys(&shared.pool, &t.id).await? })))
}

#[derive(Deserialize)]
pub struct SetSecrets {
    secrets: BTreeMap<String, String>,
}

/// `PUT …/{id}/secrets {secrets: {K: V}}` → no content.
pub async fn set_secrets(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>, Json(req): Json<SetSecrets>) -> ApiResult<StatusCode> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    for (k, v) in &req.secrets {
        store::put_secret(&shared.pool, &t.id, k, v).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/{id}/secrets/{key}`.
pub async fn delete_secret(State(shared): State<Shared>, headers: HeaderMap, Path((id, key)): Path<(String, String)>) -> ApiResult<StatusCode> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    if store::delete_secret(&shared.pool, &t.id, &key).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "secret_not_found", format!("Secret not found: {key}")))
    }
}

/// `DELETE /api/v1/tenants/{id}`: cancels the subscription and drops the database and role.
pub async fn delete(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    shared.pg.drop(&t.db_role, &t.db_name).await.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "database", e))?;
    store::set_status(&shared.pool, &t.id, "deleted", None, Some("Deleted")).await?;
    store::set_field(&shared.pool, &t.id, "subscription_status", Some("canceled")).await?;
    store::set_field(&shared.pool, &t.id, "sync_token", None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/{id}/subscription/cancel` → JSON `null`; the tenant keeps running until the period ends.
pub async fn cancel(State(shared): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    store::set_field(&shared.pool, &t.id, "subscription_status", Some("canceled")).await?;
    Ok(Json(Value::Null))
}

/// `POST …/{id}/retry-provision` → bare `{status}`: resumes a failed provisioning at the phase
/// that failed.
pub async fn retry_provision(State(shared): State<Shared>, Extension(injected): Extension<Injected>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = exchanged(&shared, &headers).await?;
    let t = owned_tenant(&shared, &account, &id).await?;
    match t.status.as_str() {
        "failed" => {
            store::set_field(&shared.pool, &t.id, "fail_phase", injected.fail_phase.as_deref()).await?;
            store::set_status(&shared.pool, &t.id, "provisioning", t.phase.as_deref(), Some("Retrying")).await?;
            provision::start(shared.clone(), t.id.clone());
            Ok(Json(json!({ "status": "provisioning" })))
        }
        other => Ok(Json(json!({ "status": other }))),
    }
}
