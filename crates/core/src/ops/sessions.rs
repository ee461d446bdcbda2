//! The CLI's sessions: list, show, switch profile. Session tokens never leave this module.

use crate::audit;
use crate::error::{Error, Result};
use crate::name::ProfileName;
use crate::profile::Profile;
use crate::project::Project;
use crate::session::{LOCAL_KEY, SessionIndex, SessionState};
use crate::store;

use super::view::*;

#[tracing::instrument(skip_all)]
pub fn list_sessions(project: &Project) -> Result<Vec<SessionView>> {
    let sessions = SessionIndex::load(&project.sessions_file())?;
    let active = sessions.active_key.as_deref();
    Ok(sessions.entries().map(|s| SessionView::new(&s, active)).collect())
}

/// One session by key (`local`, `tenant_<id>`, or a tenant id); the active one when `None`.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_profile_moves_the_active_session_and_no_token_is_shown() {
        let (_dir, project, _) = super::super::seed();
        let switched = switch_session(&project, "staging").expect("switch");
        assert_eq!(switched.key, "tenant_999bc654-9a64-49bc-98be-db976fc84e76");
        let active = show_session(&project, None).expect("active");
        assert!(active.active && active.profile_name.as_deref() == Some("staging"));
        assert!(!format!("{:?}", list_sessions(&project).expect("list")).contains("SECRET"));
        assert!(matches!(show_session(&project, Some("nope")), Err(Error::SessionNotFound { .. })));
    }
}
