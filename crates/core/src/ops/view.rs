//! What leaves core to be shown: the views of tenants, profiles and sessions, and the one read
//! of `.systemprompt/` ([`Snapshot`]) that every use case starts from.

use std::collections::BTreeMap;
use std::fs;

use serde::Serialize;

use crate::cli_version::ProjectCli;
use crate::error::{Error, Result};
use crate::last_known;
use crate::marks::TenantMarks;
use crate::profile::Profile;
use crate::project::Project;
use crate::registry::Registry;
use crate::session::{LOCAL_KEY, Session, SessionIndex, SessionState};
use crate::tenant::{Tenant, TenantId, TenantType, mask_database_url};

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
pub(crate) fn delete_destroys(tenant: &Tenant, marks: &TenantMarks) -> String {
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
    pub(crate) fn new(tenant: &Tenant, selected: bool, production: bool, profiles: Vec<String>, marks: &TenantMarks) -> Self {
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
    pub(crate) fn new(session: &Session, active_key: Option<&str>) -> Self {
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
pub(crate) struct Snapshot {
    pub(crate) registry: Registry,
    pub(crate) marks: TenantMarks,
    pub(crate) sessions: SessionIndex,
    pub(crate) profiles: Vec<Result<Profile>>,
}

impl Snapshot {
    pub(crate) fn load(project: &Project) -> Result<Self> {
        Ok(Self {
            registry: Registry::load(&project.tenants_file())?,
            marks: TenantMarks::load(&project.marks_file())?,
            sessions: SessionIndex::load(&project.sessions_file())?,
            profiles: load_profiles(project)?,
        })
    }

    /// The project's CLI, from the files this snapshot already read.
    pub(crate) fn cli(&self) -> ProjectCli {
        ProjectCli::from_parts(&self.marks, || self.registry.dialect)
    }

    pub(crate) fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().flatten().find(|p| p.name == name)
    }

    /// The selected tenant is the active session slot's tenant (`tenant_<id>`), or, for the
    /// `local` slot, the tenant the active profile is linked to.
    pub(crate) fn selected(&self) -> Option<TenantId> {
        let key = self.sessions.active_key.as_deref()?;
        match key.strip_prefix("tenant_") {
            Some(id) => TenantId::parse(id).ok(),
            None if key == LOCAL_KEY => self.sessions.active_profile_name.as_deref().and_then(|name| self.profile(name)).and_then(Profile::tenant_id),
            None => None,
        }
    }

    pub(crate) fn profiles_by_tenant(&self) -> BTreeMap<TenantId, Vec<String>> {
        let mut map: BTreeMap<TenantId, Vec<String>> = BTreeMap::new();
        for profile in self.profiles.iter().flatten() {
            if let Some(id) = profile.tenant_id() {
                map.entry(id).or_default().push(profile.name.clone());
            }
        }
        map
    }

    pub(crate) fn tenant_view(&self, tenant: &Tenant) -> TenantView {
        let selected = self.selected().as_ref() == Some(&tenant.id);
        let profiles = self.profiles_by_tenant().remove(&tenant.id).unwrap_or_default();
        TenantView::new(tenant, selected, self.marks.is_production(&tenant.id), profiles, &self.marks)
    }

    /// Why nothing is selected: no tenant at all (the seed's words), or none chosen yet.
    pub(crate) fn no_selection(&self) -> Error {
        if self.registry.tenants.is_empty() { Error::NoTenantConfigured } else { Error::NoTenantSelected }
    }

    pub(crate) fn find(&self, project: &Project, needle: &str) -> Result<&Tenant> {
        self.registry.find(needle.trim()).ok_or_else(|| Error::TenantNotFound { id: needle.to_owned(), registry: project.tenants_file() })
    }

    pub(crate) fn profile_views(&self) -> Vec<ProfileView> {
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

pub(crate) fn profile_name_of_error(error: &Error) -> String {
    let path = match error {
        Error::Corrupt { path, .. } | Error::Invalid { path, .. } | Error::Io { path, .. } => path,
        Error::ProfileNotFound { name } => return name.clone(),
        _ => return String::new(),
    };
    path.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every folder under `profiles/` with a `profile.yaml`, by name; one that does not load is
/// listed with its error instead of hiding the others.
pub(crate) fn load_profiles(project: &Project) -> Result<Vec<Result<Profile>>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overview_reads_the_seed_with_the_selection_from_the_active_session() {
        let (_dir, project, _) = super::super::seed();
        let o = overview(&project).expect("overview");
        assert_eq!(o.tenants.tenants.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["my-project", "my-project-prod"]);
        let selected: Vec<_> = o.tenants.tenants.iter().filter(|t| t.selected).map(|t| t.name.as_str()).collect();
        assert_eq!(selected.len(), 1, "exactly one tenant is selected: {selected:?}");
        assert_eq!(o.tenants.selected.as_deref(), o.tenants.tenants.iter().find(|t| t.selected).map(|t| t.id.as_str()));
        assert!(o.tenants.tenants.iter().all(|t| t.database_url.as_deref().is_none_or(|u| !u.contains("SECRET"))));
        assert_eq!(o.profiles.len(), 2);
    }
}
