//! Provisioning events over SSE: the tenant's stored events first (after `Last-Event-ID`, if
//! given), then live ones, with `heartbeat` events in between, until `tenant_ready` or
//! `provisioning_failed`. A `drop_stream` fault closes the stream part-way.

use std::convert::Infallible;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

use crate::Shared;
use crate::api::{ApiError, ApiResult, operator, owned_tenant};
use crate::faults::Injected;
use crate::provision::FAILED;
use crate::store::{self, EventRow, TenantRow};

type EventStream = Sse<std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>>;

pub async fn tenant_events(State(shared): State<Shared>, Extension(injected): Extension<Injected>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<EventStream> {
    let account = operator(&shared, &headers).await?;
    let tenant = owned_tenant(&shared, &account, &id).await?;
    Ok(stream(shared, tenant, last_event_id(&headers), injected.drop_stream_after, false))
}

pub async fn checkout_events(State(shared): State<Shared>, Extension(injected): Extension<Injected>, headers: HeaderMap, Path(session): Path<String>) -> ApiResult<EventStream> {
    let account = operator(&shared, &headers).await?;
    let tenant = store::tenant_by_checkout(&shared.pool, &session)
        .await?
        .filter(|t| t.account_id == account.id)
        .ok_or_else(|| ApiError::new(axum::http::StatusCode::NOT_FOUND, "checkout_not_found", format!("Checkout not found: {session}")))?;
    Ok(stream(shared, tenant, last_event_id(&headers), injected.drop_stream_after, true))
}

fn last_event_id(headers: &HeaderMap) -> i64 {
    headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn stream(shared: Shared, tenant: TenantRow, after: i64, drop_after: Option<u32>, checkout: bool) -> EventStream {
    let (tx, rx) = mpsc::channel::<Event>(64);
    let live = shared.events.subscribe();
    tokio::spawn(feed(shared, tenant, after, drop_after, checkout, live, tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Sse::new(Box::pin(body))
}

async fn feed(shared: Shared, tenant: TenantRow, mut last: i64, drop_after: Option<u32>, checkout: bool, mut live: broadcast::Receiver<EventRow>, tx: mpsc::Sender<Event>) {
    let mut sent = 0u32;
    let mut heartbeat = tokio::time::interval(shared.settings().heartbeat);
    heartbeat.tick().await;
    // Returns false when the stream must end (terminal event, fault, or the client went away).
    let mut send = |e: &EventRow, last: &mut i64| {
        if e.seq <= *last {
            return true;
        }
        if drop_after.is_some_and(|n| sent >= n) {
            return false;
        }
        *last = e.seq;
        sent += 1;
        let mut data = json!({
            "tenant_id": e.tenant_id,
            "event_type": e.event_type,
            "status": e.status,
            "message": e.message,
            "sent_at_ms": e.sent_at_ms,
        });
        if e.event_type == "tenant_ready" {
            data["app_url"] = json!(format!("https://{}", tenant.hostname));
            data["fly_app_name"] = json!(tenant.app_id);
        }
        if checkout {
            data["checkout_session_id"] = json!(tenant.checkout_session_id);
            data["tenant_name"] = json!(tenant.name);
        }
        let event = Event::default().event("provisioning").id(e.seq.to_string()).data(data.to_string());
        tx.try_send(event).is_ok() && e.event_type != "tenant_ready" && e.event_type != FAILED
    };
    let Ok(mut backlog) = store::events_after(&shared.pool, &tenant.id, last).await else { return };
    // A retried provisioning replays only the current attempt, not the failure before it.
    if tenant.status != "failed"
        && let Some(failed) = backlog.iter().rposition(|e| e.event_type == FAILED)
    {
        last = backlog[failed].seq;
        backlog.drain(..=failed);
    }
    for e in &backlog {
        if !send(e, &mut last) {
            return;
        }
    }
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(e) if e.tenant_id == tenant.id => {
                    if !send(&e, &mut last) {
                        return;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let Ok(missed) = store::events_after(&shared.pool, &tenant.id, last).await else { return };
                    for e in &missed {
                        if !send(e, &mut last) {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = heartbeat.tick() => {
                if tx.send(Event::default().event("heartbeat").data("{}")).await.is_err() {
                    return;
                }
            }
        }
    }
}
