//! The use cases, each once. The CLI and the desktop app call these and only render the result.
//!
//! Every function takes the [`Project`] it works on and returns plain serialisable views, with
//! database URLs masked and session tokens left out: what leaves this module may be shown.

use std::collections::BTreeMap;
use std::fs;

use serde::Serialize;

use crate::audit;
use crate::cli_version::ProjectCli;
use crate::error::{Error, Result};
use crate::keychain::{SecretStore, generate_password};
use crate::last_known;
use crate::marks::TenantMarks;
use crate::name::{ProfileName, TenantName};
use crate::profile::{Profile, ProfileLayout};
use crate::project::Project;
use crate::registry::Registry;
use crate::session::{LOCAL_KEY, Session, SessionIndex, SessionState};
use crate::store;
use crate::tenant::{Tenant, TenantId, TenantType, mask_database_url};

pub mod cloud;
pub mod environment;
pub mod local;
pub mod migrations;
pub mod secrets;
pub mod snapshots;

/// A tenant as shown to the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub tenant_type: TenantType,
    /// The hosting provider as today's CLI names it: `docker_local`, `systemprompt`, or a
    /// self-managed tenant's (`kubernetes`, `gke`, …).
    pub provider: String,
    pub region: Option<String>,
    pub hostname: Option<String>,
    pub app_id: Option<String>,
    /// Masked: `postgres://user:***@host:port/db`.
    pub database_url: Option<String>,
    pub external_db_access: bool,
    pub docker_project: Option<String>,
    pub selected: bool,
    /// Marked production in Tenantdesk: deleting it needs its name typed.
    pub production: bool,
    /// Its colour (red when production) and icon.
    pub appearance: crate::appearance::Appearance,
    pub profiles: Vec<String>,
    /// What deleting the tenant destroys, in words a confirmation can show.
    pub delete_destroys: String,
    /// Whether its database can be snapshotted (Tenantdesk made it): deletes keep a snapshot
    /// first, so they can be undone.
    pub snapshots: bool,
}

/// What deleting `tenant` destroys: the data Tenantdesk would drop, or that only the record goes.
fn delete_destroys(tenant: &Tenant, marks: &TenantMarks) -> String {
    match tenant.tenant_type {
        TenantType::Cloud => "its SystemPrompt Cloud deployment and database (all of its data), and its subscription".to_owned(),
        TenantType::SelfManaged => format!("only its record: the deployment at {} is not touched", tenant.hostname.as_deref().unwrap_or("its host")),
        TenantType::Local => match (marks.databases.get(&tenant.id), &tenant.docker_project) {
            (Some(db), _) => format!("its database {} in the shared container '{}' (all of its data)", db.database, db.container),
            (None, Some(project)) => format!("its Docker compose project '{project}', container and volume (all of its data)"),
            (None, None) => "only its record: its database, which Tenantdesk did not make, is kept".to_owned(),
        },
    }
}

impl TenantView {
    fn new(tenant: &Tenant, selected: bool, production: bool, profiles: Vec<String>, marks: &TenantMarks) -> Self {
        Self {
            id: tenant.id.to_string(),
            name: tenant.name.clone(),
            tenant_type: tenant.tenant_type,
            provider: tenant.provider_name().to_owned(),
            region: tenant.region.clone(),
            hostname: tenant.hostname.clone(),
            app_id: tenant.app_id.clone(),
            database_url: tenant.effective_database_url().map(mask_database_url),
            external_db_access: tenant.external_db_access,
            docker_project: tenant.docker_project.clone(),
            selected,
            production,
            appearance: crate::appearance::Appearance::of(&tenant.id, marks.appearance.get(&tenant.id), production),
            profiles,
            delete_destroys: delete_destroys(tenant, marks),
            snapshots: tenant.tenant_type == TenantType::Local && marks.databases.contains_key(&tenant.id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TenantList {
    pub tenants: Vec<TenantView>,
    pub selected: Option<String>,
    pub synced_at: Option<String>,
    /// Local and self-managed tenants Tenantdesk last saw that `tenants.json` no longer holds
    /// (the CLI's `cloud auth logout` deletes the file): names, for an offer to restore them.
    pub restorable: Vec<String>,
}

/// A profile as shown to the user; `problem` is set when its file does not load.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileView {
    pub name: String,
    pub display_name: Option<String>,
    pub target: Option<String>,
    pub tenant_id: Option<String>,
    pub active: bool,
    pub problem: Option<String>,
    /// Why the project's CLI (0.73 and newer) would refuse this profile; `cloud profile upgrade`
    /// mends it. Empty when it loads, or when the project's CLI is older.
    pub refusals: Vec<String>,
}

/// A session as shown to the user. The token is never part of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SessionView {
    pub key: String,
    pub tenant_id: Option<String>,
    pub profile_name: Option<String>,
    pub user_email: Option<String>,
    pub user_type: Option<String>,
    pub created_at: Option<String>,
    pub last_used: Option<String>,
    pub expires_at: Option<String>,
    pub state: SessionState,
    pub active: bool,
}

impl SessionView {
    fn new(session: &Session, active_key: Option<&str>) -> Self {
        Self {
            key: session.key.clone(),
            tenant_id: session.key.strip_prefix("tenant_").map(str::to_owned),
            profile_name: session.profile_name.clone(),
            user_email: session.user_email.clone(),
            user_type: session.user_type.clone(),
            created_at: session.created_at.clone(),
            last_used: session.last_used.clone(),
            expires_at: session.expires_at.clone(),
            state: session.state(),
            active: active_key == Some(session.key.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TenantDetails {
    pub tenant: TenantView,
    pub profiles: Vec<ProfileView>,
    pub session: Option<SessionView>,
    pub session_state: SessionState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Selection {
    pub tenant: TenantView,
    pub profile: Option<String>,
    pub session_state: SessionState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CreatedTenant {
    pub tenant: TenantView,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeletedTenant {
    pub tenant: TenantView,
    pub unlinked_profiles: Vec<String>,
    pub removed_session: bool,
    /// The snapshot of its database kept before it was dropped (restoring it undoes the delete).
    pub snapshot: Option<crate::snapshot::SnapshotInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileDetails {
    pub profile: ProfileView,
    pub path: String,
    /// Every value with the file it comes from (`base.yaml` or the profile's own).
    pub values: Vec<crate::profile::ProfileValue>,
    pub tenant: Option<TenantView>,
    pub session: Option<SessionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SessionSwitch {
    pub profile: String,
    pub key: String,
    pub session_state: SessionState,
}

/// Everything the window shows about a project, read at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Overview {
    pub root: String,
    /// Which `systemprompt` CLI the project's files are written for.
    pub cli: crate::cli_version::CliInfo,
    /// Where the project's secrets live (`tenantdesk secrets mode`).
    pub secrets_mode: crate::marks::SecretsMode,
    pub tenants: TenantList,
    pub profiles: Vec<ProfileView>,
    pub sessions: Vec<SessionView>,
}

/// Everything read from `.systemprompt/` at one moment, for views that combine the files.
struct Snapshot {
    registry: Registry,
    marks: TenantMarks,
    sessions: SessionIndex,
    profiles: Vec<Result<Profile>>,
}

impl Snapshot {
    fn load(project: &Project) -> Result<Self> {
        Ok(Self {
            registry: Registry::load(&project.tenants_file())?,
            marks: TenantMarks::load(&project.marks_file())?,
            sessions: SessionIndex::load(&project.sessions_file())?,
            profiles: load_profiles(project)?,
        })
    }

    /// The project's CLI, from the files this snapshot already read.
    fn cli(&self) -> ProjectCli {
        ProjectCli::from_parts(&self.marks, || self.registry.dialect)
    }

    fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().flatten().find(|p| p.name == name)
    }

    /// The selected tenant is the active session slot's tenant (`tenant_<id>`), or, for the
    /// `local` slot, the tenant the active profile is linked to.
    fn selected(&self) -> Option<TenantId> {
        let key = self.sessions.active_key.as_deref()?;
        match key.strip_prefix("tenant_") {
            Some(id) => TenantId::parse(id).ok(),
            None if key == LOCAL_KEY => self.sessions.active_profile_name.as_deref().and_then(|name| self.profile(name)).and_then(Profile::tenant_id),
            None => None,
        }
    }

    fn profiles_by_tenant(&self) -> BTreeMap<TenantId, Vec<String>> {
        let mut map: BTreeMap<TenantId, Vec<String>> = BTreeMap::new();
        for profile in self.profiles.iter().flatten() {
            if let Some(id) = profile.tenant_id() {
                map.entry(id).or_default().push(profile.name.clone());
            }
        }
        map
    }

    fn tenant_view(&self, tenant: &Tenant) -> TenantView {
        let selected = self.selected().as_ref() == Some(&tenant.id);
        let profiles = self.profiles_by_tenant().remove(&tenant.id).unwrap_or_default();
        TenantView::new(tenant, selected, self.marks.is_production(&tenant.id), profiles, &self.marks)
    }

    /// Why nothing is selected: no tenant at all (the seed's words), or none chosen yet.
    fn no_selection(&self) -> Error {
        if self.registry.tenants.is_empty() { Error::NoTenantConfigured } else { Error::NoTenantSelected }
    }

    fn find(&self, project: &Project, needle: &str) -> Result<&Tenant> {
        self.registry.find(needle.trim()).ok_or_else(|| Error::TenantNotFound { id: needle.to_owned(), registry: project.tenants_file() })
    }

    fn profile_views(&self) -> Vec<ProfileView> {
        let active = self.sessions.active_profile_name.as_deref();
        let layered = self.cli().version.layered_profiles();
        self.profiles
            .iter()
            .map(|p| match p {
                Ok(p) => ProfileView {
                    name: p.name.clone(),
                    display_name: p.display_name().map(str::to_owned),
                    target: Some(p.target().to_owned()),
                    tenant_id: p.tenant_id().map(|id| id.to_string()),
                    active: active == Some(p.name.as_str()),
                    problem: None,
                    refusals: if layered { p.refusals() } else { Vec::new() },
                },
                Err(e) => ProfileView {
                    name: profile_name_of_error(e),
                    display_name: None,
                    target: None,
                    tenant_id: None,
                    active: false,
                    problem: Some(e.to_string()),
                    refusals: Vec::new(),
                },
            })
            .collect()
    }
}

fn profile_name_of_error(error: &Error) -> String {
    let path = match error {
        Error::Corrupt { path, .. } | Error::Invalid { path, .. } | Error::Io { path, .. } => path,
        Error::ProfileNotFound { name } => return name.clone(),
        _ => return String::new(),
    };
    path.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every folder under `profiles/` with a `profile.yaml`, by name; one that does not load is
/// listed with its error instead of hiding the others.
fn load_profiles(project: &Project) -> Result<Vec<Result<Profile>>> {
    let dir = project.profiles_dir();
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &dir)(e)),
    };
    let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| Profile::file(p).is_file()).collect();
    dirs.sort();
    Ok(dirs.iter().map(|d| Profile::load(d)).collect())
}

pub fn overview(project: &Project) -> Result<Overview> {
    let snap = Snapshot::load(project)?;
    last_known::remember(project, &snap.registry);
    let selected = snap.selected();
    let mut by_tenant = snap.profiles_by_tenant();
    let tenants = snap
        .registry
        .tenants
        .iter()
        .map(|t| {
            let profiles = by_tenant.remove(&t.id).unwrap_or_default();
            TenantView::new(t, selected.as_ref() == Some(&t.id), snap.marks.is_production(&t.id), profiles, &snap.marks)
        })
        .collect();
    let active = snap.sessions.active_key.as_deref();
    Ok(Overview {
        root: project.root().display().to_string(),
        cli: snap.cli().info(snap.registry.dialect),
        secrets_mode: snap.marks.secrets_mode,
        tenants: TenantList {
            tenants,
            selected: selected.map(|id| id.to_string()),
            synced_at: snap.registry.synced_at.clone(),
            restorable: last_known::restorable(project, &snap.registry).into_iter().map(|t| t.name).collect(),
        },
        profiles: snap.profile_views(),
        sessions: snap.sessions.entries().map(|s| SessionView::new(&s, active)).collect(),
    })
}

// ---- tenants ---------------------------------------------------------------------------------

pub fn list_tenants(project: &Project) -> Result<TenantList> {
    Ok(overview(project)?.tenants)
}

/// The selected tenant's id, or "No tenant selected" ("No tenant configured" when there is none).
pub fn selected_tenant(project: &Project) -> Result<TenantId> {
    let snap = Snapshot::load(project)?;
    snap.selected().ok_or_else(|| snap.no_selection())
}

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
fn register_tenant(project: &Project, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<CreatedTenant> {
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
    secrets::follow_mode(project, secrets)?;
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
pub fn restore_tenants(project: &Project, secrets: &dyn SecretStore) -> Result<Vec<TenantView>> {
    let result = restore(project).and_then(|restored| {
        secrets::follow_mode(project, secrets)?;
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
        let (masked, password) = local::split_password(&crate::tenant::parse_database_url(url.expose())?);
        if let Some(password) = password {
            secrets.set(&local::password_key(project, &tenant.id), &password)?;
        }
        tenant.database_url = Some(masked);
    }
    register_tenant(project, &tenant, secrets).inspect_err(|_| {
        let _ = secrets.delete(&local::password_key(project, &tenant.id));
    })
}

/// Fails early, before anything is created, when the name is taken.
fn check_name_free(project: &Project, name: &TenantName) -> Result<()> {
    let registry = Registry::load(&project.tenants_file())?;
    match registry.tenants.iter().find(|t| t.name == name.as_str()) {
        Some(existing) => Err(Error::TenantNameTaken { name: existing.name.clone(), id: existing.id.to_string() }),
        None => Ok(()),
    }
}

/// Removes a tenant from the registry, unlinks its profiles (they stay, pointing at no tenant)
/// and drops its session, clearing the selection if it was selected. A production tenant is
/// only deleted when `confirm_name` is its name. The registry entry goes last: a failure or a
/// kill before it leaves the tenant listed, and deleting it again finishes the job.
pub fn delete_tenant(project: &Project, id: &str, confirm_name: Option<&str>) -> Result<DeletedTenant> {
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

// ---- profiles --------------------------------------------------------------------------------

pub fn list_profiles(project: &Project) -> Result<Vec<ProfileView>> {
    Ok(Snapshot::load(project)?.profile_views())
}

pub fn show_profile(project: &Project, name: &str) -> Result<ProfileDetails> {
    let snap = Snapshot::load(project)?;
    let name = ProfileName::parse(name)?;
    let dir = project.profile_dir(&name);
    let profile = Profile::load(&dir)?;
    let view = snap.profile_views().into_iter().find(|p| p.name == profile.name).ok_or_else(|| Error::ProfileNotFound { name: name.to_string() })?;
    let tenant = profile.tenant_id().and_then(|id| snap.registry.get(&id).map(|t| snap.tenant_view(t)));
    let active_key = snap.sessions.active_key.as_deref();
    let session = snap.sessions.entry(&profile.session_key()).filter(|s| s.profile_name.as_deref() == Some(profile.name.as_str())).map(|s| SessionView::new(&s, active_key));
    Ok(ProfileDetails { profile: view, path: Profile::file(&dir).display().to_string(), values: profile.values(), tenant, session })
}

/// Creates a profile linked to `tenant` (the selected tenant when `None`), as the seed says.
pub fn create_profile(project: &Project, name: &ProfileName, tenant: Option<&str>, secrets: &dyn SecretStore) -> Result<ProfileView> {
    let result = new_profile(project, name, tenant, secrets);
    let tenant = result.as_ref().ok().and_then(|p| p.tenant_id.clone()).or_else(|| tenant.map(str::to_owned));
    audit::record_in(project, tenant.as_deref(), &format!("create profile {name}"), &result);
    result
}

fn new_profile(project: &Project, name: &ProfileName, tenant: Option<&str>, secrets: &dyn SecretStore) -> Result<ProfileView> {
    let snap = Snapshot::load(project)?;
    let tenant = match tenant {
        Some(id) => snap.find(project, id)?,
        None => {
            let id = snap.selected().ok_or_else(|| snap.no_selection())?;
            snap.find(project, id.as_str())?
        }
    };
    write_new_profile(project, name, tenant, secrets)?;
    secrets::follow_mode(project, secrets)?;
    let profile = Profile::load(&project.profile_dir(name))?;
    Ok(ProfileView {
        name: name.to_string(),
        display_name: profile.display_name().map(str::to_owned),
        target: Some(profile.target().to_owned()),
        tenant_id: Some(tenant.id.to_string()),
        active: false,
        problem: None,
        refusals: Vec::new(),
    })
}

/// Writes `profiles/<name>/{profile.yaml,secrets.json}` in the layout the project's CLI loads,
/// with a fresh OAuth pepper in the keychain. Creating the folder is the claim on the name (it
/// fails if another writer got there first); on any later failure the folder goes. A folder a
/// killed create left with no `profile.yaml` (only temp files) is debris, not a profile: it is
/// taken over.
fn write_new_profile(project: &Project, name: &ProfileName, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<()> {
    let parent = project.profiles_dir();
    fs::create_dir_all(&parent).map_err(Error::io("create", &parent))?;
    let dir = project.profile_dir(name);
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && is_debris(&dir) => {
            fs::remove_dir_all(&dir).map_err(Error::io("clear", &dir))?;
            fs::create_dir(&dir).map_err(Error::io("create", &dir))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::ProfileExists { name: name.to_string() });
        }
        Err(e) => return Err(Error::io("create", &dir)(e)),
    }
    let layout = ProfileLayout::for_cli(ProjectCli::detect(&project.state_dir()).version);
    let result = (|| {
        secrets.set(&secrets::profile_key(project, name.as_str(), secrets::PEPPER), &generate_password()?)?;
        let profile = Profile::build(name, dir.clone(), tenant, project.root(), layout);
        let lock = store::lock(&Profile::file(&dir))?;
        profile.save(&lock)?;
        let secrets = dir.join("secrets.json");
        let lock = store::lock(&secrets)?;
        store::write_atomic(&lock, &secrets, Profile::secrets_json(tenant).as_bytes(), store::PRIVATE)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&dir);
        let _ = secrets.delete(&secrets::profile_key(project, name.as_str(), secrets::PEPPER));
    }
    result
}

/// A profile folder holding nothing but the temp files of a write that was killed: temp files
/// untouched for a while (a create in progress right now has fresh ones).
fn is_debris(dir: &std::path::Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    let stale = |e: &fs::DirEntry| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age > std::time::Duration::from_secs(10)));
    entries.flatten().all(|e| store::is_temp_file(&e.file_name().to_string_lossy()) && stale(&e))
}

/// What upgrading a profile to the 0.73 layout changes (or, with `dry_run`, would change).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileUpgrade {
    pub name: String,
    /// The file's lines, `-` removed and `+` added, with a line of context around each change.
    pub diff: String,
    /// Why today's CLI refused the profile before the upgrade.
    pub refusals: Vec<String>,
    /// The 0600 copy of the file as it was; `None` for a dry run or when nothing changed.
    pub backup: Option<String>,
    pub applied: bool,
}

/// Moves a pre-0.73 profile to the layout today's CLI loads (see `Profile::upgraded`), after a
/// 0600 backup of the file; `dry_run` only says what would change.
pub fn upgrade_profile(project: &Project, name: &str, dry_run: bool) -> Result<ProfileUpgrade> {
    let result = upgrade(project, name, dry_run);
    if !dry_run {
        let tenant = result.as_ref().ok().and_then(|_| Profile::load(&project.profiles_dir().join(name)).ok()).and_then(|p| p.tenant_id()).map(|id| id.to_string());
        audit::record_in(project, tenant.as_deref(), &format!("upgrade profile {name}"), &result);
    }
    result
}

fn upgrade(project: &Project, name: &str, dry_run: bool) -> Result<ProfileUpgrade> {
    let name = ProfileName::parse(name)?;
    let dir = project.profile_dir(&name);
    let path = Profile::file(&dir);
    let lock = store::lock(&path)?;
    let profile = Profile::load(&dir)?;
    let registry = Registry::load(&project.tenants_file())?;
    let provider = profile
        .tenant_id()
        .and_then(|id| registry.get(&id).map(|t| t.provider_name().to_owned()))
        .unwrap_or_else(|| if profile.target() == "cloud" { crate::tenant::PROVIDER_SYSTEMPROMPT } else { crate::tenant::PROVIDER_DOCKER_LOCAL }.to_owned());
    let upgraded = profile.upgraded(&provider)?;
    let (before, after) = (profile.to_yaml(), upgraded.to_yaml());
    let mut out = ProfileUpgrade { name: name.to_string(), diff: line_diff(&before, &after), refusals: profile.refusals(), backup: None, applied: false };
    if dry_run || before == after {
        return Ok(out);
    }
    let stamp = crate::clock::now_rfc3339().replace(':', "-");
    let backup = dir.join(format!("profile.yaml.bak-{stamp}"));
    let backup_lock = store::lock(&backup)?;
    store::write_atomic(&backup_lock, &backup, before.as_bytes(), store::PRIVATE)?;
    upgraded.save(&lock)?;
    out.backup = Some(backup.display().to_string());
    out.applied = true;
    Ok(out)
}

/// A line diff of two small texts (longest common subsequence), changed lines with one line of
/// context: enough to show a profile's upgrade before it is made.
fn line_diff(before: &str, after: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            lines.push(('+', b[j]));
            j += 1;
        } else {
            lines.push(('-', a[i]));
            i += 1;
        }
    }
    let near = |k: usize| lines[k.saturating_sub(1)..(k + 2).min(lines.len())].iter().any(|(m, _)| *m != ' ');
    lines.iter().enumerate().filter(|(k, _)| near(*k)).map(|(_, (m, l))| format!("{m} {l}")).collect::<Vec<_>>().join("\n")
}

/// Deletes a profile's folder; if it was the active profile, the active profile is cleared.
pub fn delete_profile(project: &Project, name: &str) -> Result<ProfileView> {
    let result = remove_profile(project, name);
    let tenant = result.as_ref().ok().and_then(|p| p.tenant_id.clone());
    audit::record_in(project, tenant.as_deref(), &format!("delete profile {name}"), &result);
    result
}

fn remove_profile(project: &Project, name: &str) -> Result<ProfileView> {
    let name = ProfileName::parse(name)?;
    let dir = project.profile_dir(&name);
    if dir.is_dir() && is_debris(&dir) {
        fs::remove_dir_all(&dir).map_err(Error::io("delete", &dir))?;
        let problem = Some("only the temp files of an interrupted create were there".to_owned());
        return Ok(ProfileView { name: name.to_string(), display_name: None, target: None, tenant_id: None, active: false, problem, refusals: Vec::new() });
    }
    let profile = Profile::load(&dir)?;
    let view = ProfileView {
        name: profile.name.clone(),
        display_name: profile.display_name().map(str::to_owned),
        target: Some(profile.target().to_owned()),
        tenant_id: profile.tenant_id().map(|id| id.to_string()),
        active: false,
        problem: None,
        refusals: Vec::new(),
    };
    fs::remove_dir_all(&dir).map_err(Error::io("delete", &dir))?;
    let path = project.sessions_file();
    let lock = store::lock(&path)?;
    let mut sessions = SessionIndex::load(&path)?;
    if sessions.active_profile_name.as_deref() == Some(name.as_str()) {
        sessions.active_profile_name = None;
        sessions.save(&lock, &path)?;
    }
    Ok(view)
}

// ---- sessions --------------------------------------------------------------------------------

pub fn list_sessions(project: &Project) -> Result<Vec<SessionView>> {
    let sessions = SessionIndex::load(&project.sessions_file())?;
    let active = sessions.active_key.as_deref();
    Ok(sessions.entries().map(|s| SessionView::new(&s, active)).collect())
}

/// One session by key (`local`, `tenant_<id>`, or a tenant id); the active one when `None`.
pub fn show_session(project: &Project, key: Option<&str>) -> Result<SessionView> {
    let sessions = SessionIndex::load(&project.sessions_file())?;
    let key = match key {
        Some(k) if sessions.sessions.contains_key(k) || k == LOCAL_KEY => k.to_owned(),
        Some(k) => format!("tenant_{k}"),
        None => sessions.active_key.clone().ok_or(Error::NoTenantConfigured)?,
    };
    let session = sessions.entry(&key).ok_or(Error::SessionNotFound { key: key.clone() })?;
    Ok(SessionView::new(&session, sessions.active_key.as_deref()))
}

/// Switches to a profile, as `systemprompt admin session switch` does: its tenant's session slot
/// becomes active. Only the two active fields change.
pub fn switch_session(project: &Project, profile: &str) -> Result<SessionSwitch> {
    let result = switch(project, profile);
    let tenant = result.as_ref().ok().and_then(|s| s.key.strip_prefix("tenant_").map(str::to_owned));
    audit::record_in(project, tenant.as_deref(), &format!("switch to profile {profile}"), &result);
    result
}

fn switch(project: &Project, profile: &str) -> Result<SessionSwitch> {
    let name = ProfileName::parse(profile)?;
    let profile = Profile::load(&project.profile_dir(&name))?;
    let key = profile.session_key();
    let path = project.sessions_file();
    let lock = store::lock(&path)?;
    let mut sessions = SessionIndex::load(&path)?;
    sessions.activate(key.clone(), Some(profile.name.clone()));
    sessions.save(&lock, &path)?;
    let session_state = sessions.entry(&key).filter(|s| s.profile_name.as_deref() == Some(profile.name.as_str())).map_or(SessionState::None, |s| s.state());
    Ok(SessionSwitch { profile: profile.name, key, session_state })
}
