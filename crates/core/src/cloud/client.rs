//! The HTTP client of the SystemPrompt Cloud API (reqwest over rustls).
//!
//! - Operator bearer for `/auth/me`, `/tenants`, checkout and event streams; an RFC 8693 token
//!   exchange (`client_id=sp_web`) for `/tenants/{id}/…`, cached and refreshed 30 s before expiry.
//! - A 401 clears the exchanged token and retries once; a second 401 is "Access denied".
//! - Timeouts: 10 s to connect, 30 s per request (configurable); event streams have an idle limit
//!   instead, since they stay open for minutes.
//! - Retries with backoff on connection failures, timeouts and 5xx — for idempotent requests only
//!   (GET, PUT, DELETE, and a POST that carries an `Idempotency-Key`), so a retry never makes a
//!   second tenant or rotates twice.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::sse::EventStream;
use super::wire::{self, Data};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Timeouts and retries; the defaults are the `systemprompt` CLI's timeouts.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Extra attempts after the first, for idempotent requests.
    pub retries: u32,
    /// The first backoff; it doubles on each retry.
    pub backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_secs(10), request_timeout: Duration::from_secs(30), retries: 3, backoff: Duration::from_millis(250) }
    }
}

impl ClientOptions {
    /// The defaults, with `TENANTDESK_CLOUD_TIMEOUT_MS` (per request) when set.
    pub fn from_env() -> Self {
        let mut options = Self::default();
        if let Some(ms) = std::env::var("TENANTDESK_CLOUD_TIMEOUT_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
            options.request_timeout = Duration::from_millis(ms.max(1));
        }
        options
    }
}

/// Which credential a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Anonymous,
    Operator,
    Exchanged,
}

enum Body {
    None,
    Json(Value),
}

pub struct CloudClient {
    http: reqwest::Client,
    base: url::Url,
    token: Secret,
    options: ClientOptions,
    exchanged: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

/// rustls needs one process-wide crypto provider; ring is the one compiled in. Anything that
/// builds its own reqwest client in this process must call this first.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl CloudClient {
    pub fn new(base: &str, token: Secret, options: ClientOptions) -> Result<Self> {
        install_crypto_provider();
        let base = url::Url::parse(base.trim_end_matches('/')).map_err(|e| Error::CloudUnreachable { url: base.to_owned(), reason: format!("not a URL: {e}") })?;
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("tenantdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::CloudUnreachable { url: base.to_string(), reason: e.to_string() })?;
        Ok(Self { http, base, token, options, exchanged: tokio::sync::Mutex::new(None) })
    }

    /// A client with no token yet, for the login URL.
    pub fn anonymous(base: &str, options: ClientOptions) -> Result<Self> {
        Self::new(base, Secret::default(), options)
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn url(&self, path: &str) -> Result<url::Url> {
        self.base.join(path).map_err(|e| Error::CloudUnreachable { url: self.base.to_string(), reason: e.to_string() })
    }

    /// The exchanged tenant token, fetched when missing or within 30 s of expiry.
    async fn tenant_token(&self) -> Result<Secret> {
        let mut cached = self.exchanged.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && *until > Instant::now() + Duration::from_secs(30)
        {
            return Ok(token.clone());
        }
        #[derive(serde::Deserialize)]
        struct Exchanged {
            access_token: Secret,
            expires_in: Option<u64>,
        }
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            ("subject_token", self.token.expose()),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
            ("resource", self.base_url()),
            ("client_id", "sp_web"),
        ];
        let url = self.url("/api/v1/core/oauth/token")?;
        let mut attempt = 0;
        let response = loop {
            let sent = self.http.post(url.clone()).form(&form).timeout(self.options.request_timeout).send().await;
            match self.outcome(sent, &url, true, attempt).await? {
                Some(r) => break r,
                None => attempt += 1,
            }
        };
        if response.status() == StatusCode::UNAUTHORIZED {
            return Err(Error::AccessDenied { reason: "the API token was refused; it may have expired or been revoked".to_owned() });
        }
        let response = check(response).await?;
        let body: Exchanged = read_json(response, &url).await?;
        let until = Instant::now() + Duration::from_secs(body.expires_in.unwrap_or(300));
        *cached = Some((body.access_token.clone(), until));
        Ok(body.access_token)
    }

    /// Ok(Some) = a response to look at; Ok(None) = retry after backoff; Err = give up.
    async fn outcome(&self, sent: reqwest::Result<reqwest::Response>, url: &url::Url, idempotent: bool, attempt: u32) -> Result<Option<reqwest::Response>> {
        let retry = idempotent && attempt < self.options.retries;
        match sent {
            Ok(r) if r.status().is_server_error() && retry => {}
            Ok(r) => return Ok(Some(r)),
            Err(e) if retry && (e.is_timeout() || e.is_connect()) => {}
            Err(e) if e.is_timeout() => {
                return Err(Error::CloudTimeout { url: strip_query(url), secs: self.options.request_timeout.as_secs_f64() });
            }
            Err(e) => return Err(Error::CloudUnreachable { url: strip_query(url), reason: root_cause(&e) }),
        }
        tokio::time::sleep(self.options.backoff * 2u32.saturating_pow(attempt)).await;
        Ok(None)
    }

    async fn send(&self, tier: Tier, method: Method, path: &str, body: Body, idempotency_key: Option<&str>) -> Result<reqwest::Response> {
        let url = self.url(path)?;
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE) || idempotency_key.is_some();
        let mut attempt = 0;
        let mut refreshed = false;
        loop {
            let mut request = self.http.request(method.clone(), url.clone()).timeout(self.options.request_timeout);
            request = match tier {
                Tier::Anonymous => request,
                Tier::Operator => request.bearer_auth(self.token.expose()),
                Tier::Exchanged => request.bearer_auth(self.tenant_token().await?.expose()),
            };
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Body::Json(value) = &body {
                request = request.json(value);
            }
            let Some(response) = self.outcome(request.send().await, &url, idempotent, attempt).await? else {
                attempt += 1;
                continue;
            };
            if response.status() == StatusCode::UNAUTHORIZED {
                if tier == Tier::Exchanged && !refreshed {
                    refreshed = true;
                    *self.exchanged.lock().await = None;
                    continue;
                }
                return Err(Error::AccessDenied { reason: format!("the API refused {} {}", method, url.path()) });
            }
            return check(response).await;
        }
    }

    async fn json<T: DeserializeOwned>(&self, tier: Tier, method: Method, path: &str, body: Body, key: Option<&str>) -> Result<T> {
        let url = self.url(path)?;
        let response = self.send(tier, method, path, body, key).await?;
        read_json(response, &url).await
    }

    /// `GET /api/v1/auth/oauth/{provider}?redirect_uri=…` → where to send the browser.
    pub async fn login_url(&self, provider: &str, redirect_uri: &str) -> Result<String> {
        #[derive(serde::Deserialize)]
        struct Authorize {
            authorize_url: String,
        }
        let mut path = self.url(&format!("/api/v1/auth/oauth/{provider}"))?;
        path.query_pairs_mut().append_pair("redirect_uri", redirect_uri);
        let path = format!("{}?{}", path.path(), path.query().unwrap_or_default());
        Ok(self.json::<Authorize>(Tier::Anonymous, Method::GET, &path, Body::None, None).await?.authorize_url)
    }

    pub async fn me(&self) -> Result<wire::Me> {
        self.json(Tier::Operator, Method::GET, "/api/v1/auth/me", Body::None, None).await
    }

    pub async fn plans(&self) -> Result<Vec<wire::Plan>> {
        self.json(Tier::Operator, Method::GET, "/api/v1/checkout/plans", Body::None, None).await
    }

    /// Starts a checkout. The idempotency key makes a retried request return the first one's
    /// checkout rather than start a second tenant.
    pub async fn checkout(&self, request: &wire::CheckoutRequest<'_>, idempotency_key: &str) -> Result<wire::Checkout> {
        let body = serde_json::to_value(request).unwrap_or_default();
        self.json(Tier::Operator, Method::POST, "/api/v1/checkout", Body::Json(body), Some(idempotency_key)).await
    }

    /// A checkout's events; the stream ends after `idle` without bytes.
    pub async fn checkout_events(&self, session: &str, idle: Duration) -> Result<EventStream> {
        self.events(&format!("/api/v1/checkout/{}/events", segment(session)), idle).await
    }

    /// A tenant's provisioning events; the stream ends after `idle` without bytes.
    pub async fn tenant_events(&self, id: &str, idle: Duration) -> Result<EventStream> {
        self.events(&tenant_path(id, "/events"), idle).await
    }

    async fn events(&self, path: &str, idle: Duration) -> Result<EventStream> {
        let url = self.url(path)?;
        // The stream itself has no end, so no request timeout; but its answer (the headers) gets
        // the same deadline as any request, or a server that never answers stalls the create.
        let sent = self.http.get(url.clone()).bearer_auth(self.token.expose()).header("Accept", "text/event-stream").send();
        let response = match tokio::time::timeout(self.options.request_timeout, sent).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(Error::CloudUnreachable { url: strip_query(&url), reason: root_cause(&e) }),
            Err(_) => return Err(Error::CloudTimeout { url: strip_query(&url), secs: self.options.request_timeout.as_secs_f64() }),
        };
        if response.status() == StatusCode::UNAUTHORIZED {
            return Err(Error::AccessDenied { reason: format!("the API refused the event stream {}", url.path()) });
        }
        Ok(EventStream::new(check(response).await?, idle))
    }

    pub async fn status(&self, id: &str) -> Result<wire::Status> {
        let data: Data<wire::Status> = self.json(Tier::Exchanged, Method::GET, &tenant_path(id, "/status"), Body::None, None).await?;
        Ok(data.data)
    }

    /// The status's `secrets_url`, rebased on the API's base URL as the CLI does.
    pub async fn credentials(&self, secrets_url: &str) -> Result<wire::Credentials> {
        let path = url::Url::parse(secrets_url).map(|u| u.path().to_owned()).unwrap_or_else(|_| secrets_url.to_owned());
        self.json(Tier::Exchanged, Method::GET, &path, Body::None, None).await
    }

    pub async fn rotate_credentials(&self, id: &str) -> Result<wire::RotatedCredentials> {
        self.json(Tier::Exchanged, Method::POST, &tenant_path(id, "/rotate-credentials"), Body::None, None).await
    }

    pub async fn rotate_sync_token(&self, id: &str) -> Result<wire::SyncToken> {
        let data: Data<wire::SyncToken> = self.json(Tier::Operator, Method::POST, &tenant_path(id, "/rotate-sync-token"), Body::None, None).await?;
        Ok(data.data)
    }

    pub async fn set_external_db_access(&self, id: &str, enabled: bool) -> Result<wire::ExternalAccess> {
        let body = Body::Json(serde_json::json!({ "enabled": enabled }));
        let data: Data<wire::ExternalAccess> = self.json(Tier::Exchanged, Method::PUT, &tenant_path(id, "/external-db-access"), body, None).await?;
        Ok(data.data)
    }

    pub async fn delete_tenant(&self, id: &str) -> Result<()> {
        self.send(Tier::Exchanged, Method::DELETE, &tenant_path(id, ""), Body::None, None).await.map(drop)
    }

    pub async fn cancel_subscription(&self, id: &str) -> Result<()> {
        self.send(Tier::Exchanged, Method::POST, &tenant_path(id, "/subscription/cancel"), Body::None, None).await.map(drop)
    }

    pub async fn retry_provision(&self, id: &str) -> Result<wire::RetryStatus> {
        self.json(Tier::Exchanged, Method::POST, &tenant_path(id, "/retry-provision"), Body::None, None).await
    }
}

/// A value as one path segment: `/`, `?`, `#`, `%` and the rest are escaped, so an id read from a
/// file can never reach another endpoint (`../../__emulator/faults#` would otherwise).
fn segment(value: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    match value {
        // A lone dot segment is path syntax even escaped (`%2e%2e`); it names no tenant.
        "" | "." | ".." => "%00".to_owned(),
        _ => percent_encoding::utf8_percent_encode(value, SEGMENT).to_string(),
    }
}

fn tenant_path(id: &str, rest: &str) -> String {
    format!("/api/v1/tenants/{}{rest}", segment(id))
}

/// Non-2xx → the API's own `{error: {code, message}}`, or the status and the start of the body.
async fn check(response: reqwest::Response) -> Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<wire::ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), text.chars().take(500).collect()),
    };
    Err(Error::CloudApi { status: status.as_u16(), code, message })
}

async fn read_json<T: DeserializeOwned>(response: reqwest::Response, url: &url::Url) -> Result<T> {
    let bytes = response.bytes().await.map_err(|e| Error::CloudUnreachable { url: strip_query(url), reason: root_cause(&e) })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::CloudApi {
        status: 200,
        code: "unexpected_body".to_owned(),
        message: format!("{} answered with an unexpected body: {e}", url.path()),
    })
}

fn strip_query(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

/// reqwest's outer message is generic ("error sending request"); the innermost cause says why.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod path_tests {
    #[test]
    fn ids_from_files_stay_inside_their_path_segment() {
        assert_eq!(super::tenant_path("999bc654-9a64", "/status"), "/api/v1/tenants/999bc654-9a64/status");
        assert_eq!(super::tenant_path("../../../__emulator/faults#", ""), "/api/v1/tenants/..%2F..%2F..%2F__emulator%2Ffaults%23");
        assert_eq!(super::tenant_path("..", "/status"), "/api/v1/tenants/%00/status");
        let base = url::Url::parse("http://127.0.0.1:1/").expect("url");
        assert!(base.join(&super::tenant_path("../../x?y", "")).expect("join").path().starts_with("/api/v1/tenants/"));
    }
}
