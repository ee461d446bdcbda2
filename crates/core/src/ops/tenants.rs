//! Tenants as records: list, show, select, register, restore after a logout, self-managed
//! tenants, the production mark and the appearance. What a tenant's database needs is in
//! [`super::local`] and [`super::cloud`]; this module never touches Docker or the network.

use crate::audit;
use crate::cli_version::ProjectCli;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::last_known;
use crate::marks::TenantMarks;
use crate::name::{ProfileName, TenantName};
use crate::profile::Profile;
use crate::project::Project;
use crate::registry::Registry;
use crate::session::{SessionIndex, SessionState};
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType};

use super::profiles::write_new_profile;
use super::view::*;

#[tracing::instrument(skip_all)]
pub fn list_tenants(project: &Project) -> Result<TenantList> {
    Ok(overview(project)?.tenants)
}

/// The selected tenant's id, or "No tenant selected" ("No tenant configured" when there is none).
#[tracing::instrument(skip_all)]
pub fn selected_tenant(project: &Project) -> Result<TenantId> {
    let snap = Snapshot::load(project)?;
    snap.selected().ok_or_else(|| snap.no_selection())
}

#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn show_tenant(project: &Project, id: Option<&str>) -> Result<TenantDetails> {
    let snap = Snapshot::load(project)?;
    let tenant = match id {
        Some(id) => snap.find(project, id)?,
        None => {
            let id = snap.selected().ok_or_else(|| snap.no_selection())?;
            snap.find(project, id.as_str())?
        }
    };
    let view = snap.tenant_view(tenant);
    let profiles = snap.profile_views().into_iter().filter(|p| p.tenant_id.as_deref() == Some(tenant.id.as_str())).collect();
    let active_key = snap.sessions.active_key.as_deref();
    let session = snap.sessions.entry(&tenant.id.session_key()).map(|s| SessionView::new(&s, active_key));
    let session_state = session.as_ref().map_or(SessionState::None, |s| s.state);
    Ok(TenantDetails { tenant: view, profiles, session, session_state })
}

/// Makes `id` the active tenant: the sessions index's active slot moves to the tenant's key and
/// the active profile to the one its session was made with (or its first profile). The sessions
/// themselves are not touched, so switching back restores them.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn select_tenant(project: &Project, id: &str) -> Result<Selection> {
    let result = select(project, id);
    audit::record_in(project, Some(id), "select", &result);
    result
}

fn select(project: &Project, id: &str) -> Result<Selection> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?;
    let key = tenant.id.session_key();
    let path = project.sessions_file();
    let lock = store::lock(&path)?;
    let mut sessions = SessionIndex::load(&path)?;
    let linked = |name: &str| snap.profile(name).and_then(Profile::tenant_id).as_ref() == Some(&tenant.id);
    let from_session = sessions.entry(&key).and_then(|s| s.profile_name).filter(|n| linked(n));
    let profile = from_session.or_else(|| snap.profiles.iter().flatten().find(|p| p.tenant_id().as_ref() == Some(&tenant.id)).map(|p| p.name.clone()));
    sessions.activate(key.clone(), profile.clone());
    sessions.save(&lock, &path)?;
    let session_state = sessions.entry(&key).map_or(SessionState::None, |s| s.state());
    Ok(Selection { tenant: TenantView { selected: true, ..snap.tenant_view(tenant) }, profile, session_state })
}

/// Writes a new tenant to the registry and gives it a default profile named after it. If the
/// profile cannot be written, the registry entry is taken back.
pub(crate) fn register_tenant(project: &Project, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
    let path = project.tenants_file();
    {
        let lock = store::lock(&path)?;
        let mut registry = Registry::load(&path)?;
        // The same id may already be there (a cloud tenant a sync listed before its provisioning
        // finished here): that entry is completed, not refused.
        if let Some(existing) = registry.tenants.iter().find(|t| t.name == tenant.name && t.id != tenant.id) {
            return Err(Error::TenantNameTaken { name: tenant.name.clone(), id: existing.id.to_string() });
        }
        registry.upsert(tenant.clone());
        registry.save(&lock, &path)?;
    }
    let profile = match ProfileName::parse(&tenant.name) {
        Ok(name) => match write_new_profile(project, &name, tenant, secrets) {
            Ok(()) => Some(name.to_string()),
            Err(Error::ProfileExists { .. }) => None,
            Err(e) => {
                unregister_tenant(project, &tenant.id)?;
                return Err(e);
            }
        },
        Err(_) => None,
    };
    super::secrets::follow_mode(project, secrets)?;
    let profiles = profile.iter().cloned().collect();
    let marks = TenantMarks::load(&project.marks_file()).unwrap_or_default();
    Ok(CreatedTenant { tenant: TenantView::new(tenant, false, false, profiles, &marks), profile })
}

fn unregister_tenant(project: &Project, id: &TenantId) -> Result<()> {
    let path = project.tenants_file();
    let lock = store::lock(&path)?;
    let mut registry = Registry::load(&path)?;
    if registry.remove(id).is_some() {
        registry.save(&lock, &path)?;
    }
    Ok(())
}

/// Puts back the local and self-managed tenants a `systemprompt cloud auth logout` took out of
/// `tenants.json` (from Tenantdesk's last-known copy; their passwords are still in the keychain).
/// Records already back are left alone.
#[tracing::instrument(skip_all)]
pub fn restore_tenants(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<TenantView>> {
    let result = restore(project).and_then(|restored| {
        super::secrets::follow_mode(project, secrets)?;
        Ok(restored)
    });
    audit::record_in(project, None, "restore tenants removed by a logout", &result);
    result
}

fn restore(project: &Project) -> Result<Vec<TenantView>> {
    let records = last_known::restorable(project, &Registry::load(&project.tenants_file())?);
    let path = project.tenants_file();
    let lock = store::lock(&path)?;
    let mut registry = Registry::load(&path)?;
    let marks = TenantMarks::load(&project.marks_file())?;
    let mut restored = Vec::new();
    for tenant in records {
        if registry.get(&tenant.id).is_none() {
            restored.push(TenantView::new(&tenant, false, marks.is_production(&tenant.id), Vec::new(), &marks));
            registry.tenants.push(tenant);
        }
    }
    if !restored.is_empty() {
        registry.save(&lock, &path)?;
    }
    Ok(restored)
}

/// Declines the offer to restore tenants a logout removed: they are forgotten.
#[tracing::instrument(skip_all)]
pub fn forget_removed_tenants(project: &Project) -> Result<()> {
    last_known::forget(project);
    audit::record_in(project, None, "forget tenants removed by a logout", &Ok::<(), Error>(()));
    Ok(())
}

/// A self-managed tenant to record, as 0.75's `cloud tenant add` takes it.
#[derive(Debug, Clone)]
pub struct SelfManagedTenant {
    pub id: TenantId,
    pub name: TenantName,
    pub provider: String,
    pub hostname: String,
    pub region: Option<String>,
    /// Its database URL, password and all; the password goes to the keychain.
    pub database_url: Option<crate::secret::Secret>,
}

/// Records a tenant hosted on the user's own infrastructure (`kubernetes`, `gke`, …): only the
/// record, its default profile and, when given, its database password in the keychain.
/// Tenantdesk runs nothing for it and never calls the SystemPrompt Cloud API about it.
#[tracing::instrument(skip_all)]
pub fn add_self_managed_tenant(project: &Project, new: &SelfManagedTenant, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
    let result = add_self_managed(project, new, secrets);
    audit::record_in(project, Some(new.id.as_str()), &format!("add self-managed tenant {}", new.name), &result);
    result
}

fn add_self_managed(project: &Project, new: &SelfManagedTenant, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
    check_name_free(project, &new.name)?;
    let registry = Registry::load(&project.tenants_file())?;
    if registry.get(&new.id).is_some() {
        return Err(Error::TenantNameTaken { name: new.name.to_string(), id: new.id.to_string() });
    }
    if registry.dialect.unwrap_or_else(|| ProjectCli::detect(&project.state_dir()).dialect()) == crate::tenant::Dialect::TenantType {
        return Err(Error::SelfManagedNeedsProvider);
    }
    let mut tenant = Tenant::new(new.id.clone(), new.name.to_string(), TenantType::SelfManaged, None);
    tenant.provider = Some(new.provider.clone());
    tenant.hostname = Some(new.hostname.clone());
    tenant.region = new.region.clone();
    if let Some(url) = &new.database_url {
        let (masked, password) = super::credentials::split_password(&crate::tenant::parse_database_url(url.expose())?);
        if let Some(password) = password {
            secrets.set(&super::credentials::password_key(project, &tenant.id), &password)?;
        }
        tenant.database_url = Some(masked);
    }
    register_tenant(project, &tenant, secrets).inspect_err(|_| {
        let _ = secrets.delete(&super::credentials::password_key(project, &tenant.id));
    })
}

/// Fails early, before anything is created, when the name is taken.
pub(crate) fn check_name_free(project: &Project, name: &TenantName) -> Result<()> {
    let registry = Registry::load(&project.tenants_file())?;
    match registry.tenants.iter().find(|t| t.name == name.as_str()) {
        Some(existing) => Err(Error::TenantNameTaken { name: existing.name.clone(), id: existing.id.to_string() }),
        None => Ok(()),
    }
}

/// Removes a tenant's record (not its data: see [`super::deletion`]) from the registry, unlinks its profiles (they stay, pointing at no tenant)
/// and drops its session, clearing the selection if it was selected. A production tenant is
/// only deleted when `confirm_name` is its name. The registry entry goes last: a failure or a
/// kill before it leaves the tenant listed, and deleting it again finishes the job.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn remove_record(project: &Project, id: &str, confirm_name: Option<&str>) -> Result<DeletedTenant> {
    let path = project.tenants_file();
    let marks = TenantMarks::load(&project.marks_file())?;
    let tenant = Registry::load(&path)?.find(id.trim()).cloned().ok_or_else(|| Error::TenantNotFound { id: id.to_owned(), registry: path.clone() })?;
    marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    let mut unlinked_profiles = Vec::new();
    for profile in load_profiles(project)?.into_iter().flatten() {
        if profile.tenant_id().as_ref() != Some(&tenant.id) {
            continue;
        }
        let lock = store::lock(&Profile::file(&profile.dir))?;
        let mut fresh = Profile::load(&profile.dir)?;
        fresh.unlink_tenant();
        fresh.save(&lock)?;
        unlinked_profiles.push(profile.name);
    }
    let sessions_path = project.sessions_file();
    let lock = store::lock(&sessions_path)?;
    let mut sessions = SessionIndex::load(&sessions_path)?;
    let key = tenant.id.session_key();
    let removed_session = sessions.sessions.remove(&key).is_some();
    let was_active = sessions.active_key.as_deref() == Some(key.as_str());
    if was_active {
        sessions.active_key = None;
        sessions.active_profile_name = None;
    }
    if removed_session || was_active {
        sessions.save(&lock, &sessions_path)?;
    }
    drop(lock);
    let lock = store::lock(&path)?;
    let mut registry = Registry::load(&path)?;
    if registry.remove(&tenant.id).is_some() {
        registry.save(&lock, &path)?;
    }
    if marks.is_production(&tenant.id) || marks.appearance.contains_key(&tenant.id) {
        forget_marks(project, &tenant.id)?;
    }
    // Deleted here on purpose: not a record to offer back.
    last_known::forget(project);
    Ok(DeletedTenant { tenant: TenantView::new(&tenant, false, false, Vec::new(), &marks), unlinked_profiles, removed_session, snapshot: None })
}

/// Marks a tenant as production (or not). Production tenants are shown with a warning colour and
/// need their name typed to delete.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn set_production(project: &Project, id: &str, production: bool) -> Result<TenantView> {
    let result = mark(project, id, production);
    let action = if production { "mark production" } else { "unmark production" };
    audit::record_in(project, Some(id), action, &result);
    result
}

fn mark(project: &Project, id: &str, production: bool) -> Result<TenantView> {
    let tenant_id = Snapshot::load(project)?.find(project, id)?.id.clone();
    mark_production(project, &tenant_id, production)?;
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, tenant_id.as_str())?;
    Ok(snap.tenant_view(tenant))
}

/// Drops a deleted tenant's production mark and appearance.
fn forget_marks(project: &Project, id: &TenantId) -> Result<()> {
    let path = project.marks_file();
    let lock = store::lock(&path)?;
    let mut marks = TenantMarks::load(&path)?;
    let production = marks.production.remove(id);
    if production || marks.appearance.remove(id).is_some() {
        marks.save(&lock, &path)?;
    }
    Ok(())
}

/// What to change of a tenant's appearance: `None` keeps that part as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppearanceChange {
    /// A colour to use, or `Some(None)` for the tenant's own default again.
    pub colour: Option<Option<crate::appearance::Colour>>,
    /// An icon, or `Some(None)` for none.
    pub icon: Option<Option<crate::appearance::Icon>>,
}

/// Gives a tenant a colour and an icon, shown in the list, the window title, the tray and the
/// prompt of a terminal opened in it. Red is production's and cannot be chosen.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn set_appearance(project: &Project, id: &str, change: AppearanceChange) -> Result<TenantView> {
    let result = restyle(project, id, change);
    audit::record_in(project, Some(result.as_ref().map(|t| t.id.as_str()).unwrap_or(id)), "change appearance", &result);
    result
}

fn restyle(project: &Project, id: &str, change: AppearanceChange) -> Result<TenantView> {
    if change.colour == Some(Some(crate::appearance::Colour::Red)) {
        return Err(Error::InvalidChoice { kind: "colour", value: "red".to_owned(), choices: "any colour but red, which is kept for production tenants".to_owned() });
    }
    let tenant_id = Snapshot::load(project)?.find(project, id)?.id.clone();
    let path = project.marks_file();
    let lock = store::lock(&path)?;
    let mut marks = TenantMarks::load(&path)?;
    let mut chosen = marks.appearance.get(&tenant_id).copied().unwrap_or_default();
    if let Some(colour) = change.colour {
        chosen.colour = colour;
    }
    if let Some(icon) = change.icon {
        chosen.icon = icon;
    }
    if chosen == crate::appearance::Chosen::default() {
        marks.appearance.remove(&tenant_id);
    } else {
        marks.appearance.insert(tenant_id.clone(), chosen);
    }
    marks.save(&lock, &path)?;
    drop(lock);
    let snap = Snapshot::load(project)?;
    Ok(snap.tenant_view(snap.find(project, tenant_id.as_str())?))
}

fn mark_production(project: &Project, id: &TenantId, production: bool) -> Result<()> {
    let path = project.marks_file();
    let lock = store::lock(&path)?;
    let mut marks = TenantMarks::load(&path)?;
    let changed = if production { marks.production.insert(id.clone()) } else { marks.production.remove(id) };
    if changed {
        marks.save(&lock, &path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_by_name_marks_production_and_removes_the_record_with_its_name_typed() {
        let (_dir, project, keychain) = super::super::seed();
        let chosen = select_tenant(&project, "my-project-prod").expect("select by name");
        assert!(chosen.tenant.selected);
        assert_eq!(selected_tenant(&project).expect("selected").as_str(), chosen.tenant.id);
        set_production(&project, "my-project", true).expect("mark");
        assert!(matches!(remove_record(&project, "my-project", None), Err(Error::ConfirmationRequired { .. })));
        let gone = remove_record(&project, "my-project", Some("my-project")).expect("remove");
        assert_eq!(gone.unlinked_profiles, ["local"]);
        assert_eq!(list_tenants(&project).expect("list").tenants.len(), 1);
        let taken = add_self_managed_tenant(
            &project,
            &SelfManagedTenant {
                id: TenantId::parse("sm_1").expect("id"),
                name: TenantName::parse("my-project-prod").expect("name"),
                provider: "gke".to_owned(),
                hostname: "h".to_owned(),
                region: None,
                database_url: None,
            },
            &keychain,
        );
        assert!(matches!(taken, Err(Error::TenantNameTaken { .. })), "{taken:?}");
    }
}
