//! `snapshot`: take, list, restore, delete, export and import snapshots.

use tenantdesk_core::Project;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops;

use crate::args::*;
use crate::error::CliError;
use crate::{Context, emit, progress, prompt, render};

pub fn run(ctx: &Context, project: &Project, cmd: SnapshotCommand, json: bool) -> Result<(), CliError> {
    use ops::snapshots;
    let keychain = ctx.desk.secrets();
    match cmd {
        SnapshotCommand::Create { tenant, note, open_external_access } => {
            let tenant = prompt::tenant_id(project, tenant, "snapshot")?;
            let mut bar = progress::Transfer::new(json, "Dumping");
            let taken = ctx.runtime()?.block_on(snapshots::create_snapshot(project, &tenant, note.as_deref(), open_external_access, keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &taken?, render::snapshot_taken)
        }
        SnapshotCommand::List { tenant, all } => emit(json, &ctx.runtime()?.block_on(snapshots::list_snapshots(project, tenant.as_deref(), all))?, |l| render::snapshots(l)),
        SnapshotCommand::Delete { snapshot, yes } => {
            let info = ctx.runtime()?.block_on(tenantdesk_core::snapshot::find(&snapshot))?;
            prompt::confirm(
                yes,
                &format!("Delete snapshot {} of '{}' ({}, {})? Its data cannot be restored afterwards.", info.id, info.tenant_name, render::size(Some(info.size)), info.created_at),
                "snapshot delete",
            )?;
            emit(json, &ctx.runtime()?.block_on(snapshots::delete_snapshot(project, &info.id))?, |s| format!("Deleted snapshot {} of '{}'", s.id, s.tenant_name))
        }
        SnapshotCommand::Export { snapshot, file } => {
            let info = ctx.runtime()?.block_on(snapshots::export_snapshot(project, &snapshot, &file))?;
            emit(json, &info, |s| format!("Wrote snapshot {} of '{}' to {} (and its manifest {}.json)", s.id, s.tenant_name, file.display(), file.display()))
        }
        SnapshotCommand::Import { file } => emit(json, &ctx.runtime()?.block_on(snapshots::import_snapshot(project, &file))?, render::snapshot_taken),
        SnapshotCommand::Restore { snapshot, as_name: Some(name), .. } => {
            let name = TenantName::parse(&name)?;
            let mut bar = progress::Transfer::new(json, "Restoring");
            let made = ctx.runtime()?.block_on(snapshots::restore_as(project, &snapshot, &name, keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &made?, render::created_tenant)
        }
        SnapshotCommand::Restore { snapshot, yes, confirm_name, .. } => {
            let info = ctx.runtime()?.block_on(tenantdesk_core::snapshot::find(&snapshot))?;
            let needed = ops::confirmation::for_restore(project, &info);
            let confirm_name = prompt::confirmation(&needed, yes, confirm_name, "snapshot restore --in-place")?;
            let mut bar = progress::Transfer::new(json, "Restoring");
            let restored = ctx.runtime()?.block_on(snapshots::restore_in_place(project, &info.id, confirm_name.as_deref(), keychain, &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &restored?, render::restored_snapshot)
        }
    }
}
