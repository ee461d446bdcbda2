//! Browser login (authorize URL → consent page → redirect to the client's loopback callback with
//! a new API token), the account endpoints, and the token exchange.

use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiError, ApiResult, operator};
use crate::store::{self, TenantRow};
use crate::{DEMO_EMAIL, Shared};

#[derive(Deserialize)]
pub struct LoginQuery {
    redirect_uri: Option<String>,
}

/// `GET /api/v1/auth/oauth/{github|google}?redirect_uri=…` → bare `{authorize_url}`.
pub async fn login_url(State(shared): State<Shared>, Path(provider): Path<String>, Query(q): Query<LoginQuery>) -> ApiResult<Json<Value>> {
    if !matches!(provider.as_str(), "github" | "google") {
        return Err(ApiError::bad_request(format!("unknown provider '{provider}'")));
    }
    let redirect = q.redirect_uri.ok_or_else(|| ApiError::bad_request("redirect_uri is required"))?;
    let parsed = url::Url::parse(&redirect).map_err(|_| ApiError::bad_request("redirect_uri is not a URL"))?;
    if !matches!(parsed.host_str(), Some("127.0.0.1" | "localhost")) {
        return Err(ApiError::bad_request("redirect_uri must be a loopback address"));
    }
    let mut url = url::Url::parse(&format!("{}/oauth/consent", shared.base_url)).map_err(|e| ApiError::bad_request(e.to_string()))?;
    url.query_pairs_mut().append_pair("provider", &provider).append_pair("redirect_uri", &redirect);
    Ok(Json(json!({ "authorize_url": url.to_string() })))
}

#[derive(Deserialize)]
pub struct ConsentQuery {
    provider: String,
    redirect_uri: String,
}

/// The page a browser lands on: who is signing in, and Allow / Deny.
pub async fn consent_page(Query(q): Query<ConsentQuery>) -> Html<String> {
    let escape = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>SystemPrompt Cloud (emulator) — sign in</title>
<style>body{{font:15px system-ui;max-width:28rem;margin:4rem auto;color:#222}}input{{width:100%;padding:.4rem;margin:.3rem 0 1rem}}button{{padding:.5rem 1rem;margin-right:.5rem}}</style></head>
<body><h1>Sign in to SystemPrompt Cloud</h1><p>Emulated {provider} sign-in. Tenantdesk asks to manage your tenants.</p>
<form method="post" action="/oauth/consent"><input type="hidden" name="redirect_uri" value="{redirect}">
<label>Account email<input name="email" id="email" value="{email}"></label>
<button type="submit" name="decision" value="allow" id="allow">Allow</button><button type="submit" name="decision" value="deny" id="deny">Deny</button></form></body></html>"#,
        provider = escape(&q.provider),
        redirect = escape(&q.redirect_uri),
        email = DEMO_EMAIL,
    ))
}

#[derive(Deserialize)]
pub struct Consent {
    redirect_uri: String,
    email: Option<String>,
    decision: String,
}

/// Allow → redirect to the loopback callback with `?access_token=`; Deny → `?error=access_denied`.
pub async fn consent(State(shared): State<Shared>, Form(form): Form<Consent>) -> ApiResult<Response> {
    let mut target = url::Url::parse(&form.redirect_uri).map_err(|_| ApiError::bad_request("redirect_uri is not a URL"))?;
    if form.decision != "allow" {
        target.query_pairs_mut().append_pair("error", "access_denied");
        return Ok(Redirect::to(target.as_str()).into_response());
    }
    let email = form.email.filter(|e| e.contains('@')).unwrap_or_else(|| DEMO_EMAIL.to_owned());
    let account = store::ensure_account(&shared.pool, &email).await?;
    let token = api::token("sp_op_");
    store::add_token(&shared.pool, &token, &account).await?;
    target.query_pairs_mut().append_pair("access_token", &token);
    Ok(Redirect::to(target.as_str()).into_response())
}

/// `GET /api/v1/auth/me` → bare `{user, customer, tenants: [TenantInfo]}`.
pub async fn me(State(shared): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let account = operator(&shared, &headers).await?;
    let tenants = store::tenants_of(&shared.pool, &account.id).await?;
    Ok(Json(json!({
        "user": { "id": account.id, "email": account.email, "name": account.name },
        "customer": { "id": format!("cus_{}", &account.id[..8]) },
        "tenants": tenants.iter().map(|t| tenant_info(&shared, t)).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/tenants` → `{data: [{id, name, fly_app_name, fly_hostname, hostname}]}`.
pub async fn tenants(State(shared): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let account = operator(&shared, &headers).await?;
    let tenants = store::tenants_of(&shared.pool, &account.id).await?;
    let data: Vec<Value> =
        tenants.iter().map(|t| json!({ "id": t.id, "name": t.name, "fly_app_name": t.app_id, "fly_hostname": format!("{}.fly.dev", t.app_id), "hostname": t.hostname })).collect();
    Ok(Json(json!({ "data": data })))
}

/// The TenantInfo of `/auth/me`: the database URL is masked, as the real API does.
pub fn tenant_info(shared: &Shared, t: &TenantRow) -> Value {
    let plan = crate::tenants::plan(&t.plan_id);
    json!({
        "id": t.id,
        "name": t.name,
        "database_url": shared.pg.tenant_url(&t.db_role, "***", &t.db_name),
        "external_db_access": t.external_db_access,
        "subscription_id": t.subscription_id,
        "subscription_status": t.subscription_status,
        "app_id": t.app_id,
        "hostname": t.hostname,
        "region": t.region,
        "status": match t.status.as_str() { "ready" => "active", "deleted" => "deleted", _ => "pending" },
        "plan": plan.map(|p| json!({ "id": p.id, "name": p.name, "memory_mb": p.memory_mb, "volume_gb": p.volume_gb })),
    })
}

#[derive(Deserialize)]
pub struct Exchange {
    grant_type: String,
    subject_token: String,
    client_id: Option<String>,
}

/// `POST /api/v1/core/oauth/token` (form): the RFC 8693 exchange of an operator token for a
/// short-lived tenant token.
pub async fn exchange(State(shared): State<Shared>, Form(form): Form<Exchange>) -> ApiResult<Json<Value>> {
    if form.grant_type != "urn:ietf:params:oauth:grant-type:token-exchange" {
        return Err(ApiError::bad_request("unsupported grant_type"));
    }
    if form.client_id.as_deref() != Some("sp_web") {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_client", "client_id must be sp_web"));
    }
    let account = store::account_by_token(&shared.pool, &form.subject_token).await?.ok_or_else(ApiError::unauthorized)?;
    let token = api::token("sp_tx_");
    let ttl = shared.settings().exchange_ttl_secs;
    shared.remember_exchanged(&token, &account.id, ttl);
    Ok(Json(json!({ "access_token": token, "expires_in": ttl, "token_type": "Bearer" })))
}
