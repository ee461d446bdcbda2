//! Provisioning: the documented phases in order, each stored as an event and broadcast to the
//! event streams. `database_created` makes the tenant's real role and database. A phase can be
//! made to fail (fault injection); retry resumes at the phase that failed; a restart of the
//! emulator resumes any provisioning that was under way.

use std::time::Duration;

use crate::Shared;
use crate::store::{self, TenantRow};

/// The event types of a successful provisioning, in order (`provisioning_failed` ends a failed one).
pub const PHASES: [&str; 10] = [
    "subscription_created",
    "tenant_created",
    "database_created",
    "secrets_stored",
    "vm_provisioning_started",
    "vm_provisioning_progress",
    "vm_provisioned",
    "secrets_configured",
    "infrastructure_ready",
    "tenant_ready",
];

pub const FAILED: &str = "provisioning_failed";

/// Runs (or resumes) the tenant's provisioning in the background, until it ends or the
/// emulator stops.
pub fn start(shared: Shared, id: String) {
    let owner = shared.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = run(&shared, &id).await {
            let message = format!("emulator error: {e}");
            let _ = store::set_status(&shared.pool, &id, "failed", None, Some(&message)).await;
            if let Ok(event) = store::append_event(&shared.pool, &id, FAILED, "failed", Some(&message)).await {
                let _ = shared.events.send(event);
            }
        }
    });
    owner.track(task.abort_handle());
}

async fn emit(shared: &Shared, id: &str, event_type: &str, status: &str, message: &str) -> Result<(), sqlx::Error> {
    let event = store::append_event(&shared.pool, id, event_type, status, Some(message)).await?;
    let _ = shared.events.send(event);
    Ok(())
}

async fn run(shared: &Shared, id: &str) -> Result<(), sqlx::Error> {
    let Some(t) = store::tenant(&shared.pool, id).await? else { return Ok(()) };
    if store::started_ms(&shared.pool, id).await?.is_none() {
        store::set_timing(&shared.pool, id, Some(crate::now_ms()), None).await?;
    }
    let from = t.phase.as_deref().and_then(|p| PHASES.iter().position(|x| *x == p)).unwrap_or(0);
    for phase in &PHASES[from..] {
        store::set_status(&shared.pool, id, "provisioning", Some(phase), Some(&describe(phase, &t, 0))).await?;
        let delay = shared.settings().phase_delay;
        if t.fail_phase.as_deref() == Some(phase) {
            tokio::time::sleep(delay).await;
            let message = format!("{} failed: the machine in {} did not come up (injected fault)", label(phase), t.region);
            store::set_field(&shared.pool, id, "fail_phase", None).await?;
            store::set_status(&shared.pool, id, "failed", Some(phase), Some(&message)).await?;
            emit(shared, id, FAILED, "failed", &message).await?;
            return Ok(());
        }
        let steps = if *phase == "vm_provisioning_progress" { 3 } else { 1 };
        for step in 1..=steps {
            tokio::time::sleep(delay).await;
            if *phase == "database_created"
                && let Err(e) = shared.pg.create(&t.db_role, &t.db_name, &current_password(shared, id).await?).await
            {
                let message = format!("Database creation failed: {e}");
                store::set_status(&shared.pool, id, "failed", Some(phase), Some(&message)).await?;
                emit(shared, id, FAILED, "failed", &message).await?;
                return Ok(());
            }
            if *phase == "tenant_ready" {
                // Ready before the event goes out, so a client that acts on it finds it ready.
                let started = store::started_ms(&shared.pool, id).await?.unwrap_or_else(crate::now_ms);
                store::set_timing(&shared.pool, id, None, Some(crate::now_ms() - started)).await?;
                store::set_status(&shared.pool, id, "ready", None, Some("Tenant ready")).await?;
                emit(shared, id, phase, "ready", &describe(phase, &t, step)).await?;
            } else {
                emit(shared, id, phase, "provisioning", &describe(phase, &t, step)).await?;
            }
        }
    }
    Ok(())
}

async fn current_password(shared: &Shared, id: &str) -> Result<String, sqlx::Error> {
    Ok(store::tenant(&shared.pool, id).await?.map(|t| t.db_password).unwrap_or_default())
}

fn label(phase: &str) -> &'static str {
    match phase {
        "subscription_created" => "Subscription",
        "tenant_created" => "Tenant record",
        "database_created" => "Database",
        "secrets_stored" => "Credentials",
        "vm_provisioning_started" | "vm_provisioning_progress" | "vm_provisioned" => "Machine",
        "secrets_configured" => "Secrets",
        "infrastructure_ready" => "Infrastructure",
        _ => "Provisioning",
    }
}

fn describe(phase: &str, t: &TenantRow, step: u32) -> String {
    match phase {
        "subscription_created" => format!("Subscription active ({} plan)", crate::tenants::plan(&t.plan_id).map_or("unknown", |p| p.name)),
        "tenant_created" => format!("Tenant '{}' created", t.name),
        "database_created" => "PostgreSQL database created".to_owned(),
        "secrets_stored" => "Database credentials stored".to_owned(),
        "vm_provisioning_started" => format!("Starting a machine in {}", t.region),
        "vm_provisioning_progress" => format!("Machine booting ({step}/3)"),
        "vm_provisioned" => format!("Machine {} running", t.app_id),
        "secrets_configured" => "Secrets configured on the machine".to_owned(),
        "infrastructure_ready" => "Infrastructure ready".to_owned(),
        "tenant_ready" => format!("Tenant ready at https://{}", t.hostname),
        _ => phase.to_owned(),
    }
}

/// Waits this long between phases (the realism of a demo; zero for benchmarks).
pub fn default_phase_delay() -> Duration {
    Duration::from_millis(400)
}
