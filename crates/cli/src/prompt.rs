//! Asking for what is missing. A person at a terminal is asked; a script gets a clear error
//! naming the flag to pass, and destructive commands need `-y`, as the seed says.

use std::io::IsTerminal;

use std::io::Read;

use dialoguer::{Confirm, Input, Password, Select};
use tenantdesk_core::ops::confirmation::Confirmation;
use tenantdesk_core::secret::Secret;
use tenantdesk_core::{Project, ops};

use crate::error::CliError;

pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

pub fn text(given: Option<String>, label: &str, flag: &'static str) -> Result<String, CliError> {
    match given {
        Some(value) => Ok(value),
        None if interactive() => Ok(Input::<String>::new().with_prompt(label).interact_text()?),
        None => Err(CliError::MissingArgument { what: flag }),
    }
}

pub fn optional_text(label: &str) -> Result<Option<String>, CliError> {
    let value: String = Input::new().with_prompt(label).allow_empty(true).interact_text()?;
    Ok(Some(value).filter(|v| !v.trim().is_empty()))
}

pub fn confirm(yes: bool, question: &str, command: &'static str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(CliError::NeedsYes { command });
    }
    if Confirm::new().with_prompt(question).default(false).interact()? { Ok(()) } else { Err(CliError::Declined) }
}

/// The tenant id given, or one picked from the list.
pub fn tenant_id(project: &Project, given: Option<String>, action: &str) -> Result<String, CliError> {
    if let Some(id) = given {
        return Ok(id);
    }
    if !interactive() {
        return Err(CliError::MissingArgument { what: "<TENANT_ID>" });
    }
    let tenants = ops::list_tenants(project)?.tenants;
    if tenants.is_empty() {
        return Err(tenantdesk_core::Error::NoTenants.into());
    }
    let items: Vec<String> = tenants.iter().map(|t| format!("{}  {} ({})", crate::render::terminal_safe(&crate::render::one_line(&t.name)), t.id, t.tenant_type)).collect();
    let pick = Select::new().with_prompt(format!("Tenant to {action}")).items(&items).default(0).interact()?;
    Ok(tenants[pick].id.clone())
}

pub fn profile_name(project: &Project, given: Option<String>) -> Result<String, CliError> {
    if let Some(name) = given {
        return Ok(name);
    }
    if !interactive() {
        return Err(CliError::MissingArgument { what: "<PROFILE>" });
    }
    let profiles = ops::list_profiles(project)?;
    let items: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let pick = Select::new().with_prompt("Profile").items(&items).default(0).interact()?;
    Ok(profiles[pick].name.clone())
}

/// A secret value: from stdin when it is not a terminal (scripts pipe it in), else asked for
/// without echo. Never from argv, where other users' `ps` could see it.
pub fn secret(label: &str) -> Result<Secret, CliError> {
    if std::io::stdin().is_terminal() {
        return Ok(Secret::new(Password::new().with_prompt(label).interact()?));
    }
    let mut value = String::new();
    std::io::stdin().read_to_string(&mut value).map_err(CliError::Stdin)?;
    Ok(Secret::new(value.trim_end_matches(['\n', '\r'])))
}

/// A region from the list, with full names.
pub fn region() -> Result<String, CliError> {
    let items: Vec<String> = tenantdesk_core::cloud::REGIONS.iter().map(|r| format!("{} - {}", r.code, r.name)).collect();
    let pick = Select::new().with_prompt("Region").items(&items).default(0).interact()?;
    Ok(tenantdesk_core::cloud::REGIONS[pick].code.to_owned())
}

/// A plan, asked only when there is more than one.
pub fn plan(plans: &[tenantdesk_core::cloud::wire::Plan]) -> Result<Option<String>, CliError> {
    if plans.len() < 2 {
        return Ok(None);
    }
    let items: Vec<String> =
        plans.iter().map(|p| format!("{} ({} MB memory, {} GB volume)", p.name, p.memory_mb_default.unwrap_or_default(), p.volume_gb.unwrap_or_default())).collect();
    let pick = Select::new().with_prompt("Plan").items(&items).default(0).interact()?;
    Ok(Some(plans[pick].id.clone()))
}

/// Collects what core says an action needs ([`Confirmation`]): a name typed at a terminal when
/// none was given (unless `-y` stands in for it), else the yes/no question (`-y` answers it; a
/// script without it gets an error naming the flag). Returns the name to hand to the use case.
pub fn confirmation(needed: &Confirmation, yes: bool, given: Option<String>, command: &'static str) -> Result<Option<String>, CliError> {
    if given.is_none()
        && interactive()
        && let Some(n) = needed.names.iter().find(|n| !(n.yes_instead && yes))
    {
        let typed = text(None, &n.prompt, "--confirm-name")?;
        if n.compared && typed != n.name {
            return Err(CliError::NameMismatch);
        }
        return Ok(Some(typed));
    }
    if let Some(question) = &needed.question {
        confirm(yes, question, command)?;
    }
    Ok(given)
}

/// A production tenant's name, asked at a terminal when not given (scripts must pass it).
pub fn production_name(project: &Project, tenant: &str, given: Option<String>) -> Result<Option<String>, CliError> {
    let needed = ops::confirmation::for_tenant(project, tenant, ops::confirmation::TenantAction::UseCredentials)?;
    confirmation(&needed, false, given, "exec")
}
