//! `cloud tenant`: list, select, show, create, delete, rotate, cancel, clone and mark tenants.

use tenantdesk_core::Project;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops;

use tenantdesk_core::ops::confirmation::TenantAction;
use tenantdesk_core::ops::report::{Live, TenantReport};

use crate::args::*;
use crate::error::CliError;
use crate::{Context, emit, progress, prompt, render};

pub fn run(ctx: &Context, project: &Project, cmd: TenantCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        TenantCommand::List { offline, wide } => {
            let (list, synced) = ctx.runtime()?.block_on(ops::report::list_with_sync(project, !offline, ctx.desk.secrets()))?;
            match synced {
                Some(Ok(report)) if !json => {
                    if !report.added.is_empty() {
                        eprintln!("Added from SystemPrompt Cloud: {}", report.added.join(", "));
                    }
                    for t in &report.unfinished {
                        eprintln!("{}", render::unfinished(t));
                    }
                    for t in &report.external_url_missing {
                        eprintln!("{}", render::external_url_missing(t));
                    }
                }
                Some(Err(e)) => eprintln!(
                    "{} Failed to sync cloud tenants: {}{}",
                    crate::paint::warning("Warning:"),
                    crate::render::terminal_safe(&e.to_string()),
                    crate::hint::of(&e).map(|h| format!("\n  {} {h}", crate::paint::hint("Hint:"))).unwrap_or_default()
                ),
                _ => {}
            }
            emit(json, &list, |l| render::tenant_list(l, wide))
        }
        TenantCommand::Select { id } => {
            let id = prompt::tenant_id(project, id, "select")?;
            emit(json, &ops::select_tenant(project, &id)?, render::selection)
        }
        TenantCommand::Show { id } => {
            let (details, live) = match ctx.runtime()?.block_on(ops::report::tenant_report(project, id.as_deref(), ctx.desk.secrets()))? {
                TenantReport::Unregistered(status) => return emit(json, &status, render::cloud_status),
                TenantReport::Registered { details, live } => (details, live),
            };
            let problem = |e: &tenantdesk_core::Error| serde_json::json!({ "code": e.code(), "message": e.to_string(), "hint": crate::hint::of(e) });
            let mut value = serde_json::to_value(&details).unwrap_or_default();
            match live {
                Some(Ok(Live::Cloud(s))) => {
                    value["cloud"] = serde_json::to_value(&s).unwrap_or_default();
                    emit(json, &value, |_| render::cloud_tenant_details(&details, &Ok(s.clone())))
                }
                Some(Err(e)) if details.tenant.tenant_type == tenantdesk_core::tenant::TenantType::Cloud => {
                    value["cloud_error"] = problem(&e);
                    emit(json, &value, |_| render::cloud_tenant_details(&details, &Err(e)))
                }
                Some(Ok(Live::Local(h))) => {
                    value["health"] = serde_json::to_value(&h).unwrap_or_default();
                    emit(json, &value, |_| render::tenant_details(&details, Some(&Ok(h.clone()))))
                }
                Some(Err(e)) => {
                    value["health_error"] = problem(&e);
                    emit(json, &value, |_| render::tenant_details(&details, Some(&Err(e))))
                }
                None => emit(json, &value, |_| render::tenant_details(&details, None)),
            }
        }
        TenantCommand::Create(args) if args.region.is_some() || args.kind == Some(TenantKind::Cloud) => create_cloud(ctx, project, args, json),
        TenantCommand::Restore { forget: true } => {
            ops::forget_removed_tenants(project)?;
            emit(json, &serde_json::json!({ "forgotten": true }), |_| "Forgotten: Tenantdesk no longer offers to restore them.".to_owned())
        }
        TenantCommand::Restore { forget: false } => emit(json, &ops::restore_tenants(project, ctx.desk.secrets())?, |r| render::restored(r)),
        TenantCommand::Add { id, name, hostname, provider, region, database_url } => {
            let database_url = match database_url {
                Some(url) if url == "-" => Some(prompt::secret("Database URL")?),
                Some(url) => Some(tenantdesk_core::secret::Secret::new(url)),
                None => None,
            };
            let new = ops::SelfManagedTenant { id: tenantdesk_core::tenant::TenantId::parse(&id)?, name: TenantName::parse(&name)?, provider, hostname, region, database_url };
            emit(json, &ops::add_self_managed_tenant(project, &new, ctx.desk.secrets())?, render::created_tenant)
        }
        TenantCommand::Create(args) => {
            let quick = args.name.is_some();
            let name = prompt::text(args.name, "Tenant name", "--name")?;
            let name = TenantName::parse(&name)?;
            // `--name` alone is the seed's quick start: the shared container, no questions.
            let url = match args.database_url {
                Some(url) if url == "-" => Some(prompt::secret("Database URL")?.expose().to_owned()),
                Some(url) => Some(url),
                None if !quick && prompt::interactive() => prompt::optional_text("Database URL (empty: a new database in Docker)")?,
                None => None,
            };
            let source = match url {
                Some(url) => ops::local::DatabaseSource::External { url, verify: !args.no_verify },
                None => ops::local::DatabaseSource::Shared { port: args.port },
            };
            let keychain = ctx.desk.secrets();
            let cfg = ctx.desk.container().clone();
            let mut bar = progress::Bar::new(json);
            let created = ctx.runtime()?.block_on(ops::local::create_local_tenant(project, &name, source, &cfg, keychain, &mut |p| bar.update(&p)));
            bar.finish();
            emit(json, &created?, render::created_tenant)
        }
        TenantCommand::Delete { id, yes, confirm_name, no_snapshot } => {
            let id = prompt::tenant_id(project, id, "delete")?;
            let needed = ops::confirmation::for_tenant(project, &id, TenantAction::Delete { keep_snapshot: !no_snapshot })?;
            let confirm_name = prompt::confirmation(&needed, yes, confirm_name, "tenant delete")?;
            let deleted = ctx.runtime()?.block_on(ops::delete_tenant(project, &id, confirm_name.as_deref(), !no_snapshot, ctx.desk.secrets()));
            emit(json, &deleted?, render::deleted_tenant)
        }
        TenantCommand::RotateCredentials { id, yes, confirm_name } => {
            let id = prompt::tenant_id(project, id, "rotate")?;
            let needed = ops::confirmation::for_tenant(project, &id, TenantAction::RotateCredentials)?;
            let confirm_name = prompt::confirmation(&needed, yes, confirm_name, "tenant rotate-credentials")?;
            let rotated = ctx.runtime()?.block_on(ops::rotation::rotate_credentials(project, &id, confirm_name.as_deref(), ctx.desk.secrets()));
            emit(json, &rotated?, render::rotated)
        }
        TenantCommand::RotateSyncToken { id, yes, confirm_name } => {
            let id = prompt::tenant_id(project, id, "rotate the sync token of")?;
            let needed = ops::confirmation::for_tenant(project, &id, TenantAction::RotateSyncToken)?;
            let confirm_name = prompt::confirmation(&needed, yes, confirm_name, "tenant rotate-sync-token")?;
            let rotated = ctx.runtime()?.block_on(ops::cloud::rotate_sync_token(project, &id, confirm_name.as_deref(), ctx.desk.secrets()))?;
            emit(json, &rotated, |r| format!("Rotated the sync token of '{}' ({}); the new one is in the keychain", r.name, r.tenant_id))
        }
        TenantCommand::ExternalDbAccess { id, enable, disable: _ } => {
            let id = prompt::tenant_id(project, id, "change external database access of")?;
            let changed = ctx.runtime()?.block_on(ops::cloud::set_external_db_access(project, &id, enable, ctx.desk.secrets()))?;
            emit(json, &changed, render::external_access)
        }
        TenantCommand::Cancel { id, yes } => {
            let id = prompt::tenant_id(project, id, "cancel")?;
            let needed = ops::confirmation::for_tenant(project, &id, TenantAction::Cancel)?;
            let confirm_name = prompt::confirmation(&needed, yes, None, "tenant cancel")?;
            let cancelled = ctx.runtime()?.block_on(ops::cloud::cancel_subscription(project, &id, confirm_name.as_deref(), ctx.desk.secrets()))?;
            emit(json, &cancelled, |c| format!("Cancelled the subscription of '{}' ({}). The tenant stays in tenants.json until you delete it.", c.name, c.tenant_id))
        }
        TenantCommand::RetryProvision { id } => {
            let mut phases = progress::Phases::new(json);
            let done = ctx.runtime()?.block_on(ops::provisioning::retry_provision(project, &id, ctx.desk.secrets(), &mut |p| phases.show(&p)));
            emit(json, &done?, render::created_cloud_tenant)
        }
        TenantCommand::Clone { id, name, mask } => {
            let name = TenantName::parse(&name)?;
            let mut bar = progress::Transfer::new(json, "Copying");
            let cloned = ctx.runtime()?.block_on(ops::clones::clone_tenant(project, &id, &name, &mask, ctx.desk.secrets(), &mut |s| bar.update(&s)));
            bar.finish();
            emit(json, &cloned?, render::created_tenant)
        }
        TenantCommand::Appearance { id, colour, default_colour, icon, no_icon } => {
            let change = ops::AppearanceChange { colour: if default_colour { Some(None) } else { colour.map(Some) }, icon: if no_icon { Some(None) } else { icon.map(Some) } };
            emit(json, &ops::set_appearance(project, &id, change)?, render::appearance)
        }
        TenantCommand::Production { id, off } => emit(json, &ops::set_production(project, &id, !off)?, render::production),
    }
}

fn create_cloud(ctx: &Context, project: &Project, args: CreateTenant, json: bool) -> Result<(), CliError> {
    let rt = ctx.runtime()?;
    let keychain = ctx.desk.secrets();
    let region = match args.region {
        Some(r) => r,
        None if prompt::interactive() => prompt::region()?,
        None => return Err(CliError::MissingArgument { what: "--region" }),
    };
    let name = TenantName::parse(&prompt::text(args.name, "Tenant name", "--name")?)?;
    let plan = match args.plan {
        Some(p) => Some(p),
        None if prompt::interactive() => {
            let plans = rt.block_on(ops::provisioning::plans(project, keychain))?;
            prompt::plan(&plans)?
        }
        None => None,
    };
    let request = ops::provisioning::CloudCreate { name, region, plan };
    let mut phases = progress::Phases::new(json);
    let created = rt.block_on(ops::provisioning::create_cloud_tenant(project, &request, keychain, &mut |p| phases.show(&p)));
    emit(json, &created?, render::created_cloud_tenant)
}
