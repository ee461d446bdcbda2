//! SystemPrompt Cloud from the window: login, regions and plans, creating a cloud tenant as a
//! background job with live phases, live status, sync-token rotation and cancel.

use std::sync::Arc;

use tauri::State;
use tenantdesk_core::cloud::{REGIONS, Region, wire::Plan};
use tenantdesk_core::keychain::SecretStore;
use tenantdesk_core::marks::CloudLogin;
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::Overview;
use tenantdesk_core::ops::account::Account;
use tenantdesk_core::ops::cloud::{self, Cancelled, CloudStatus, SyncTokenRotated};
use tenantdesk_core::ops::provisioning::CloudCreate;

use super::then_overview;
use crate::error::UiError;
use crate::events::{Level, Notice};
use crate::jobs::{Job, JobState, Jobs};
use crate::shell::Shell;
use crate::state::AppState;

/// Who the project is logged in as (no network), and the regions with their full names.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct CloudInfo {
    pub login: Option<CloudLogin>,
    pub regions: Vec<Region>,
}

#[tauri::command]
#[specta::specta]
pub fn cloud_info(state: State<'_, AppState>) -> CloudInfo {
    CloudInfo { login: state.project().as_ref().and_then(tenantdesk_core::ops::login::login_record), regions: REGIONS.to_vec() }
}

/// Browser login: the API's sign-in page opens in the system browser (its address is also sent
/// as a `login-url` event, for when no browser opens); the token comes back to a loopback
/// listener in this process and goes straight to the keychain — it never reaches the window.
#[tauri::command]
#[specta::specta]
pub async fn cloud_login(state: State<'_, AppState>, api_url: Option<String>) -> Result<Account, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let secrets = state.secrets();
    let api_url = api_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let shell = state.shell();
    let account = tenantdesk_core::ops::account::browser_login(&project, api_url.as_deref(), "github", secrets.as_ref(), move |url| {
        shell.login_url(url);
        if std::env::var_os("TENANTDESK_NO_BROWSER").is_none() {
            // Whether a browser opened or not, the address is in the dialog (the event above).
            let _ = tenantdesk_core::cloud::login::open_browser(url);
        }
    })
    .await?;
    resume_unfinished(&state);
    Ok(account)
}

#[tauri::command]
#[specta::specta]
pub async fn cloud_logout(state: State<'_, AppState>) -> Result<Overview, UiError> {
    let secrets = state.secrets();
    then_overview(&state, move |p| tenantdesk_core::ops::account::logout(p, secrets.as_ref()).map(drop).map_err(Into::into)).await
}

#[tauri::command]
#[specta::specta]
pub async fn cloud_plans(state: State<'_, AppState>) -> Result<Vec<Plan>, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(tenantdesk_core::ops::provisioning::plans(&project, state.secrets().as_ref()).await?)
}

/// A sync's result: the project as it now is, and what the sync changed and found.
#[derive(serde::Serialize, specta::Type)]
pub struct Synced {
    pub overview: Overview,
    pub summary: String,
}

/// Merges the account's tenants into tenants.json (local tenants are never dropped). Tenants whose
/// provisioning has not finished here are followed from then on, as at start.
#[tauri::command]
#[specta::specta]
pub async fn cloud_sync(state: State<'_, AppState>) -> Result<Synced, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let report = tenantdesk_core::ops::sync::sync(&project, state.secrets().as_ref()).await?;
    if !report.unfinished.is_empty() {
        resume_unfinished(&state);
    }
    Ok(Synced { overview: then_overview(&state, |_| Ok(())).await?, summary: report.summary() })
}

/// Starts creating a cloud tenant and returns its job at once; phases follow as
/// `provisioning-changed` events. On success the new tenant is selected.
#[tauri::command]
#[specta::specta]
pub fn create_cloud_tenant(state: State<'_, AppState>, name: String, region: String, plan: Option<String>) -> Result<Job, UiError> {
    start_cloud_tenant(&state, name, region, plan)
}

/// `create_cloud_tenant`, for the demo too.
pub fn start_cloud_tenant(state: &AppState, name: String, region: String, plan: Option<String>) -> Result<Job, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let name = TenantName::parse(name.trim())?;
    if tenantdesk_core::cloud::region(&region).is_none() {
        return Err(tenantdesk_core::Error::UnknownRegion { code: region }.into());
    }
    if !tenantdesk_core::ops::login::logged_in(&project) {
        return Err(tenantdesk_core::Error::NotLoggedIn.into());
    }
    let job = state.jobs.start(&crate::jobs::project_of(&project), name.as_str(), &region, false);
    let request = CloudCreate { name, region, plan };
    let secrets = state.secrets();
    let job_run = JobRun::new(&Background::of(state), job.id);
    tauri::async_runtime::spawn(async move {
        let mut on_progress = job_run.reporter();
        let result = tenantdesk_core::ops::provisioning::create_cloud_tenant(&project, &request, secrets.as_ref(), &mut on_progress).await;
        job_run.finish(result.map(|c| c.created.tenant.id));
    });
    Ok(job)
}

/// Picks up a cloud tenant whose provisioning failed, as a new job.
#[tauri::command]
#[specta::specta]
pub fn retry_provision(state: State<'_, AppState>, id: String, name: String, region: String) -> Result<Job, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let app = Background::of(&state);
    let job = app.jobs.start(&crate::jobs::project_of(&project), &name, &region, false);
    follow_to_the_end(&app, project, id, job.id);
    Ok(job)
}

/// Runs `retry_provision` for tenant `id` as job `job`: follows it to the end and registers it.
fn follow_to_the_end(app: &Background, project: tenantdesk_core::Project, id: String, job: u32) {
    let secrets = app.secrets.clone();
    let job_run = JobRun::new(app, job);
    tauri::async_runtime::spawn(async move {
        let mut on_progress = job_run.reporter();
        let result = tenantdesk_core::ops::provisioning::retry_provision(&project, &id, secrets.as_ref(), &mut on_progress).await;
        job_run.finish(result.map(|c| c.created.tenant.id));
    });
}

/// Picks up what a previous run left unfinished (the app quit while a tenant was provisioning):
/// each tenant the account has and tenants.json does not becomes a job again — followed to the
/// end when it is still provisioning, shown failed (with Retry) when it failed, since retrying is
/// the user's call. Run in the background when a project opens and after a login; quietly does
/// nothing offline.
pub fn resume_unfinished(state: &AppState) {
    let Some(project) = state.project() else { return };
    if tenantdesk_core::ops::login::logged_in(&project) {
        tauri::async_runtime::spawn(resume(Background::of(state), project));
    }
}

async fn resume(app: Background, project: tenantdesk_core::Project) {
    let Ok(pick_ups) = tenantdesk_core::ops::sync::pick_ups(&project, app.secrets.as_ref()).await else { return };
    for tenantdesk_core::ops::sync::PickUp { tenant, failed } in pick_ups {
        let region = tenant.region.clone().unwrap_or_default();
        // Another pick-up (a second project open, a login) or a create of this run may have it.
        let Some(job) = app.jobs.start_for(&crate::jobs::project_of(&project), &tenant.id, &tenant.name, &region) else { continue };
        match failed {
            Some(error) => {
                if let Some(job) = app.jobs.update(job.id, |j| {
                    j.state = JobState::Failed;
                    j.error = Some(error.into());
                }) {
                    app.shell.provisioning(job);
                }
            }
            None => {
                follow_to_the_end(&app, project.clone(), tenant.id, job.id);
                app.shell.provisioning(job);
            }
        }
    }
}

/// What work outside a command needs from the app, owned, so it can outlive the command.
struct Background {
    jobs: Arc<Jobs>,
    shell: Arc<dyn Shell>,
    secrets: Arc<dyn SecretStore>,
}

impl Background {
    fn of(state: &AppState) -> Self {
        Self { jobs: state.jobs.clone(), shell: state.shell(), secrets: state.secrets() }
    }
}

/// A provisioning job running in the background: every step updates the job and is emitted;
/// the end records the new tenant on the job (the window offers to select it) and raises a notice
/// either way.
struct JobRun {
    jobs: Arc<Jobs>,
    shell: Arc<dyn Shell>,
    id: u32,
}

impl JobRun {
    fn new(app: &Background, id: u32) -> Self {
        Self { jobs: app.jobs.clone(), shell: app.shell.clone(), id }
    }

    fn reporter(&self) -> impl FnMut(tenantdesk_core::ops::provisioning::CloudProgress) + Send + use<> {
        let (jobs, shell, id) = (self.jobs.clone(), self.shell.clone(), self.id);
        move |p| {
            if let Some(job) = jobs.progress(id, p) {
                shell.provisioning(job);
            }
        }
    }

    fn finish(self, result: tenantdesk_core::Result<String>) {
        let (job, notice) = match result {
            Ok(tenant_id) => {
                // Not selected: what the project's commands act on changes only when the user
                // asks (the window offers "Select it").
                let job = self.jobs.update(self.id, |j| {
                    j.state = JobState::Done;
                    j.tenant_id = Some(tenant_id.clone());
                });
                let name = job.as_ref().map(|j| j.name.clone()).unwrap_or_default();
                (job, Notice { level: Level::Success, title: "Provisioning finished".into(), body: format!("{name} is ready; select it in the window or the tray to work in it") })
            }
            Err(e) => {
                let failed_tenant = match &e {
                    tenantdesk_core::Error::ProvisioningFailed { id, .. } => Some(id.clone()),
                    _ => None,
                };
                let error = UiError::from(e);
                let body = error.message.clone();
                let job = self.jobs.update(self.id, |j| {
                    j.state = JobState::Failed;
                    j.tenant_id = failed_tenant.or(j.tenant_id.take());
                    j.error = Some(error);
                });
                (job, Notice { level: Level::Error, title: "Provisioning failed".into(), body })
            }
        };
        if let Some(job) = job {
            self.shell.provisioning(job);
        }
        self.shell.notify(notice);
    }
}

/// Every provisioning job since the app started, so a reopened window resumes showing them.
#[tauri::command]
#[specta::specta]
pub fn provisioning_jobs(state: State<'_, AppState>) -> Vec<Job> {
    state.jobs.all()
}

/// Takes a finished or failed job off the list (for every window); returns the jobs left.
#[tauri::command]
#[specta::specta]
pub fn dismiss_job(state: State<'_, AppState>, id: u32) -> Vec<Job> {
    state.jobs.dismiss(id)
}

#[tauri::command]
#[specta::specta]
pub async fn cloud_status(state: State<'_, AppState>, id: String) -> Result<CloudStatus, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(cloud::status(&project, &id, state.secrets().as_ref()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rotate_sync_token(state: State<'_, AppState>, id: String, confirm_name: Option<String>) -> Result<SyncTokenRotated, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let rotated = cloud::rotate_sync_token(&project, &id, confirm_name.as_deref(), state.secrets().as_ref()).await?;
    state.shell().notify(Notice {
        level: Level::Success,
        title: "Sync token rotated".into(),
        body: format!("{}: the new token is in the keychain; the old one is rejected", rotated.name),
    });
    Ok(rotated)
}

/// Lets a cloud tenant's database take connections from outside SystemPrompt Cloud, or stops it;
/// tenants.json's masked `database_url` follows.
#[tauri::command]
#[specta::specta]
pub async fn set_external_db_access(state: State<'_, AppState>, id: String, enabled: bool) -> Result<Overview, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    let changed = cloud::set_external_db_access(&project, &id, enabled, state.secrets().as_ref()).await?;
    let body = if changed.enabled {
        format!("{}: its database now takes connections from outside SystemPrompt Cloud, with the password in the keychain", changed.name)
    } else {
        format!("{}: its database takes connections from SystemPrompt Cloud only", changed.name)
    };
    state.shell().notify(Notice { level: Level::Success, title: "External database access".into(), body });
    then_overview(&state, |_| Ok(())).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_subscription(state: State<'_, AppState>, id: String, confirm_name: String) -> Result<Cancelled, UiError> {
    let project = state.project().ok_or_else(UiError::no_project)?;
    Ok(cloud::cancel_subscription(&project, &id, Some(&confirm_name), state.secrets().as_ref()).await?)
}
