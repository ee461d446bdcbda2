//! Profiles: list, show, create (in the layout the project's CLI loads), upgrade to the 0.73
//! layout, delete.

use std::fs;

use serde::Serialize;

use crate::audit;
use crate::cli_version::ProjectCli;
use crate::error::{Error, Result};
use crate::keychain::{SecretStore, generate_password};
use crate::name::ProfileName;
use crate::profile::{Profile, ProfileLayout};
use crate::project::Project;
use crate::registry::Registry;
use crate::session::SessionIndex;
use crate::store;
use crate::tenant::Tenant;

use super::view::*;

#[tracing::instrument(skip_all)]
pub fn list_profiles(project: &Project) -> Result<Vec<ProfileView>> {
    Ok(Snapshot::load(project)?.profile_views())
}

#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
    super::secrets::follow_mode(project, secrets)?;
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
pub(crate) fn write_new_profile(project: &Project, name: &ProfileName, tenant: &Tenant, secrets: &dyn SecretStore) -> Result<()> {
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
        secrets.set(&super::credentials::profile_key(project, name.as_str(), super::credentials::PEPPER), &generate_password()?)?;
        let profile = Profile::build(name, dir.clone(), tenant, project.root(), layout);
        let lock = store::lock(&Profile::file(&dir))?;
        profile.save(&lock)?;
        let secrets = dir.join("secrets.json");
        let lock = store::lock(&secrets)?;
        store::write_atomic(&lock, &secrets, Profile::secrets_json(tenant).as_bytes(), store::PRIVATE)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&dir);
        let _ = secrets.delete(&super::credentials::profile_key(project, name.as_str(), super::credentials::PEPPER));
    }
    result
}

/// A profile folder holding nothing but the temp files of a write that was killed: temp files
/// untouched for a while (a create in progress right now has fresh ones).
pub(crate) fn is_debris(dir: &std::path::Path) -> bool {
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
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_created_for_the_selected_tenant_with_its_pepper_in_the_keychain_and_deleted_again() {
        let (_dir, project, keychain) = super::super::seed();
        let name = ProfileName::parse("extra").expect("name");
        let made = create_profile(&project, &name, Some("my-project"), &keychain).expect("create");
        assert_eq!(made.tenant_id.as_deref(), Some("local_19bff27604c"));
        assert!(keychain.get(&super::super::credentials::profile_key(&project, "extra", super::super::credentials::PEPPER)).expect("get").is_some());
        assert!(matches!(create_profile(&project, &name, Some("my-project"), &keychain), Err(Error::ProfileExists { .. })));
        assert_eq!(show_profile(&project, "extra").expect("show").profile.name, "extra");
        delete_profile(&project, "extra").expect("delete");
        assert_eq!(list_profiles(&project).expect("list").len(), 2);
        let diff = line_diff("a\nb\nc", "a\nx\nc");
        assert!(diff.contains("- b") && diff.contains("+ x") && diff.contains("  a"), "{diff}");
    }
}
