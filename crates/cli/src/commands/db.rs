//! `db`: the shared PostgreSQL container — up, down, pull, recreate, status, logs, reset, and
//! its orphans.

use std::io::Write;

use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops;

use crate::args::*;
use crate::error::CliError;
use crate::{Context, emit, progress, prompt, render};

pub async fn run(ctx: &Context, cmd: DbCommand, json: bool) -> Result<(), CliError> {
    let cfg = ctx.desk.container().clone();
    let keychain = ctx.desk.secrets();
    match cmd {
        DbCommand::Up => {
            let mut bar = progress::Bar::new(json);
            let status = ops::container::db_up(&cfg, keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Down => emit(json, &ops::container::db_down(&cfg).await?, render::shared_status),
        DbCommand::Pull => {
            let mut bar = progress::Bar::new(json);
            let pulled = ops::container::db_pull(&cfg, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &pulled?, |p| p.summary.clone())
        }
        DbCommand::Recreate { no_snapshot } => {
            if !no_snapshot && !json {
                eprintln!("Keeping a snapshot of every database in the container first…");
            }
            let mut bar = progress::Bar::new(json);
            let status = ops::container::db_recreate(&cfg, !no_snapshot, keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Status { watch } => {
            let project = ctx.project().ok();
            emit(json, &ops::databases::db_status(project.as_ref(), &cfg, keychain).await?, render::db_status)?;
            if watch {
                let mut shown = Ok(());
                ops::container::watch_health(&mut |event| {
                    shown = emit(json, &event, render::health_event);
                    shown.is_ok()
                })
                .await?;
                shown?;
            }
            Ok(())
        }
        DbCommand::Logs { follow, tail } => {
            let mut stdout = std::io::stdout();
            ops::container::read_logs(&cfg, follow, tail, &mut |text| {
                let _ = write!(stdout, "{text}");
                let _ = stdout.flush();
                true
            })
            .await?;
            Ok(())
        }
        DbCommand::Reset { yes, no_snapshot } => {
            prompt::confirmation(&ops::confirmation::for_container_reset(&cfg.container, !no_snapshot), yes, None, "db reset")?;
            if !no_snapshot && !json {
                eprintln!("Keeping a snapshot of every database in the container first…");
            }
            let mut bar = progress::Bar::new(json);
            let status = ops::container::db_reset(&cfg, !no_snapshot, keychain, &mut |p| bar.update(&p)).await;
            bar.finish();
            emit(json, &status?, render::shared_status)
        }
        DbCommand::Adopt { database, name } => {
            let project = ctx.project()?;
            let name = TenantName::parse(&name)?;
            emit(json, &ops::databases::adopt_orphan_database(&project, &cfg, keychain, &database, &name).await?, render::created_tenant)
        }
        DbCommand::DropOrphan { database, yes } => {
            let project = ctx.project()?;
            prompt::confirmation(&ops::confirmation::for_orphan_drop(&database), yes, None, "db drop-orphan")?;
            ops::databases::drop_orphan_database(&project, &cfg, keychain, &database).await?;
            emit(json, &database, |d| format!("Dropped orphan database '{d}'"))
        }
    }
}
