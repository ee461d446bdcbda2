//! `doctor`, `audit` and `infra db migrate`: checking the machine, the log, and a tenant's schema.

use tenantdesk_core::ops;

use crate::args::AuditCommand;
use crate::error::CliError;
use crate::{Context, emit, render};

pub fn doctor(ctx: &Context) -> Result<(), CliError> {
    let project = ctx.project().ok();
    // Text comes line by line as each check finishes; JSON is one document at the end.
    let streaming = !ctx.json;
    if streaming {
        crate::say(&render::doctor_header());
    }
    let checks = ctx.runtime()?.block_on(ops::doctor::doctor(project.as_ref(), ctx.desk.secrets(), &mut |check| {
        if streaming {
            crate::say(&render::check(check));
        }
    }));
    if streaming {
        emit(false, &checks, |c| render::doctor_summary(c))?;
    } else {
        // The fix as the command line to run.
        let shown: Vec<_> = checks.iter().map(|c| serde_json::json!({ "what": c.what, "ok": c.ok, "detail": c.detail, "fix": c.fix.as_ref().map(crate::hint::say) })).collect();
        emit(true, &shown, |_| String::new())?;
    }
    if checks.iter().all(|c| c.ok) { Ok(()) } else { Err(CliError::ChecksFailed(checks.iter().filter(|c| !c.ok).count())) }
}

pub fn audit(ctx: &Context, cmd: AuditCommand) -> Result<(), CliError> {
    match cmd {
        AuditCommand::List { tenant, all } => {
            let project = if all { None } else { Some(ctx.project()?) };
            let entries = ctx.runtime()?.block_on(ops::history::entries(project.as_ref(), tenant.as_deref()))?;
            emit(ctx.json, &entries, |e| render::audit(e))
        }
        AuditCommand::Verify => {
            let verification = ctx.runtime()?.block_on(ops::history::verify())?;
            emit(ctx.json, &verification, render::verification)?;
            if verification.intact { Ok(()) } else { Err(CliError::ChecksFailed(verification.problems.len())) }
        }
    }
}

pub fn migrate(ctx: &Context, tenant: Option<String>) -> Result<(), CliError> {
    let project = ctx.project()?;
    let report = ctx.runtime()?.block_on(ops::migrations::migrate(&project, tenant.as_deref(), ctx.desk.secrets()))?;
    emit(ctx.json, &report, render::migrations)
}
