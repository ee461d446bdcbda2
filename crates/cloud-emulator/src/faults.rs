//! Fault injection, so the client's recovery can be tested against real HTTP: a fault is queued
//! through `POST /__emulator/faults` (or sent with one request in the `x-emulator-fault` header,
//! same JSON) and applies to the next `count` requests whose path contains `path`.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Shared;
use crate::api::ApiError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status before the handler runs (nothing happens server-side).
    Status { status: u16 },
    /// Run the handler, then answer with this status anyway: the work is done but the client
    /// never hears of it (a lost response).
    StatusAfter { status: u16 },
    /// Wait this long before handling the request.
    Delay { ms: u64 },
    /// Close the event stream after this many events.
    DropStream { after_events: u32 },
    /// The next provisioning started by this request fails at this phase (an event type).
    FailPhase { phase: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Applies to requests whose path contains this (all requests when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// Applies to requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// The queue of armed faults.
#[derive(Default)]
pub struct Faults(Mutex<Vec<Fault>>);

impl Faults {
    pub fn arm(&self, faults: Vec<Fault>) {
        if let Ok(mut q) = self.0.lock() {
            q.extend(faults);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut q) = self.0.lock() {
            q.clear();
        }
    }

    /// Takes one use of every armed fault that matches this request.
    fn take(&self, method: &str, path: &str) -> Vec<FaultKind> {
        let Ok(mut q) = self.0.lock() else { return Vec::new() };
        let mut taken = Vec::new();
        for f in q.iter_mut() {
            let path_ok = f.path.as_deref().is_none_or(|p| path.contains(p));
            let method_ok = f.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
            if f.count > 0 && path_ok && method_ok {
                f.count -= 1;
                taken.push(f.kind.clone());
            }
        }
        q.retain(|f| f.count > 0);
        taken
    }
}

/// What a handler must do differently for this request.
#[derive(Debug, Clone, Default)]
pub struct Injected {
    pub drop_stream_after: Option<u32>,
    pub fail_phase: Option<String>,
}

pub async fn middleware(State(shared): State<Shared>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__emulator") {
        return next.run(request).await;
    }
    let mut kinds = shared.faults.take(request.method().as_str(), &path);
    if let Some(header) = request.headers().get("x-emulator-fault").and_then(|v| v.to_str().ok()) {
        match serde_json::from_str::<Fault>(header) {
            Ok(f) => kinds.push(f.kind),
            Err(e) => return ApiError::new(StatusCode::BAD_REQUEST, "bad_fault", format!("x-emulator-fault: {e}")).into_response(),
        }
    }
    let mut injected = Injected::default();
    let mut after = None;
    for kind in kinds {
        match kind {
            FaultKind::Status { status } => return injected_status(status),
            FaultKind::StatusAfter { status } => after = Some(status),
            FaultKind::Delay { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            FaultKind::DropStream { after_events } => injected.drop_stream_after = Some(after_events),
            FaultKind::FailPhase { phase } => injected.fail_phase = Some(phase),
        }
    }
    request.extensions_mut().insert(injected);
    let response = next.run(request).await;
    match after {
        Some(status) => injected_status(status),
        None => response,
    }
}

fn injected_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::UNAUTHORIZED {
        return ApiError::unauthorized().into_response();
    }
    let body = serde_json::json!({ "error": { "code": "injected_fault", "message": format!("injected {}", status.as_u16()) } });
    Response::builder().status(status).header("content-type", "application/json").body(Body::from(body.to_string())).unwrap_or_else(|_| status.into_response())
}
