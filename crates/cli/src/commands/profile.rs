//! `cloud profile` and `admin session`: profiles and the sessions they switch between.

use tenantdesk_core::Project;
use tenantdesk_core::name::ProfileName;
use tenantdesk_core::ops;

use crate::args::*;
use crate::error::CliError;
use crate::{Context, emit, prompt, render};

pub fn run(ctx: &Context, project: &Project, cmd: ProfileCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        ProfileCommand::List => emit(json, &ops::list_profiles(project)?, |p| render::profile_list(p)),
        ProfileCommand::Show { name } => emit(json, &ops::show_profile(project, &name)?, render::profile_details),
        ProfileCommand::Create { name, tenant, credentials_path, tenants_path } => {
            for (key, given) in [("credentials_path", &credentials_path), ("tenants_path", &tenants_path)] {
                if given.is_some() {
                    return Err(tenantdesk_core::Error::RefusedProfileKey { key }.into());
                }
            }
            let name = ProfileName::parse(&prompt::text(name, "Profile name", "<NAME>")?)?;
            emit(json, &ops::create_profile(project, &name, tenant.as_deref(), ctx.desk.secrets())?, render::created_profile)
        }
        ProfileCommand::Upgrade { name, dry_run } => emit(json, &ops::upgrade_profile(project, &name, dry_run)?, render::profile_upgrade),
        ProfileCommand::SetSecret { profile, key } => {
            let value = prompt::secret(&format!("Value of {key} for profile '{profile}'"))?;
            ops::secrets::set_profile_secret(project, &profile, &key, &value, ctx.desk.secrets())?;
            emit(json, &serde_json::json!({ "profile": profile, "key": key, "stored": "keychain" }), |_| {
                format!("Stored {key} for profile '{profile}' in the keychain (secrets.json marks it ***)")
            })
        }
        ProfileCommand::Delete { name, yes } => {
            prompt::confirm(yes, &format!("Delete profile '{name}' and its folder?"), "profile delete")?;
            emit(json, &ops::delete_profile(project, &name)?, render::deleted_profile)
        }
    }
}

pub fn session(project: &Project, cmd: SessionCommand, json: bool) -> Result<(), CliError> {
    match cmd {
        SessionCommand::List => emit(json, &ops::list_sessions(project)?, |s| render::session_list(s)),
        SessionCommand::Show { key } => emit(json, &ops::show_session(project, key.as_deref())?, render::session),
        SessionCommand::Switch { profile } => {
            let profile = prompt::profile_name(project, profile)?;
            emit(json, &ops::switch_session(project, &profile)?, render::switched)
        }
    }
}
