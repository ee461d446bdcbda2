//! "Try the demo": the cloud emulator in this process on 127.0.0.1, a sample project with a local
//! tenant (in the shared PostgreSQL container) and a cloud tenant (provisioned live, so the
//! window shows its phases), all without a SystemPrompt account or internet access.

use std::path::PathBuf;

use tenantdesk_cloud_emulator::{Config, PgServer, Settings};
use tenantdesk_core::name::TenantName;
use tenantdesk_core::ops::local::{self, DatabaseSource};
use tenantdesk_core::ops::{self, Overview};
use tenantdesk_core::secret::Secret;
use tenantdesk_core::{Error, Project};

use crate::error::UiError;
use crate::state::AppState;

/// The running emulator, kept in the app's state while the app runs.
pub type Emulator = tenantdesk_cloud_emulator::Running;

pub const LOCAL_NAME: &str = "demo-local";
pub const CLOUD_NAME: &str = "demo-cloud";

fn demo_dir(state: &AppState) -> Result<PathBuf, UiError> {
    match std::env::var_os("TENANTDESK_DEMO_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => state.shell().data_dir().map(|d| d.join("demo")).ok_or_else(|| UiError::internal("Finding the data folder")),
    }
}

/// Whether `project` is the demo's while its cloud — the emulator, which lives only inside a
/// running app — is not running (the project reopened after the app quit): its cloud tenants
/// cannot answer until the demo is started again.
pub fn stopped(state: &AppState, project: &Project) -> bool {
    let running = state.emulator.lock().map(|e| e.is_some()).unwrap_or(false);
    let same = |a: &std::path::Path, b: &std::path::Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    !running && demo_dir(state).is_ok_and(|dir| same(&dir.join("project"), project.root()))
}

/// Starts the demo (again): the emulator, its login, and the sample tenants when missing.
pub async fn start(state: &AppState) -> Result<Overview, UiError> {
    let dir = demo_dir(state)?;
    let project_dir = dir.join("project");
    std::fs::create_dir_all(&project_dir).map_err(|e| Error::Io { action: "create", path: project_dir.clone(), source: e })?;
    let project = Project::open(&project_dir).or_else(|_| Project::init(&project_dir))?;
    let secrets = state.secrets();

    // The emulator's tenants get their databases in the shared container, like local tenants.
    let cfg = state.container();
    let shell = state.shell();
    let status = tenantdesk_core::ops::container::db_up(&cfg, secrets.as_ref(), &mut |p| shell.docker_progress(p)).await?;
    let cfg = cfg.on_port(status.port);
    let admin: Secret = ops::container::superuser_url(&cfg, secrets.as_ref())?;

    let running = {
        let existing = state.emulator.lock().map(|e| e.as_ref().map(|r| (r.url.clone(), r.demo_token.clone()))).unwrap_or(None);
        match existing {
            Some(r) => r,
            None => {
                let postgres = PgServer::new(admin).map_err(|e| UiError::internal(&format!("Starting the demo ({e})")))?;
                let config = Config { data_dir: dir.join("cloud"), port: 0, postgres, settings: Settings::default() };
                let running = tenantdesk_cloud_emulator::start(config).await.map_err(|e| UiError {
                    code: "demo".into(),
                    message: "The demo's cloud could not start".to_owned(),
                    detail: Some(e.to_string()),
                    hint: Some(format!("Check that {} is writable, then try the demo again", dir.display())),
                    fix: None,
                })?;
                let pair = (running.url.clone(), running.demo_token.clone());
                if let Ok(mut slot) = state.emulator.lock() {
                    *slot = Some(running);
                }
                pair
            }
        }
    };
    // The emulator's port changes from run to run; logging in again records the new address.
    tenantdesk_core::ops::account::login_with_token(&project, Some(&running.0), Secret::new(running.1), secrets.as_ref()).await?;
    state.set_project(project.clone());

    let tenants = ops::list_tenants(&project)?.tenants;
    if !tenants.iter().any(|t| t.name == LOCAL_NAME) {
        let name = TenantName::parse(LOCAL_NAME)?;
        let created = local::create_local_tenant(&project, &name, DatabaseSource::Shared { port: None }, &cfg, secrets.as_ref(), &mut |_| {}).await?;
        ops::select_tenant(&project, &created.tenant.id)?;
    }
    if !tenants.iter().any(|t| t.name == CLOUD_NAME) && !state.jobs.all().iter().any(|j| j.name == CLOUD_NAME) {
        crate::commands::cloud::start_cloud_tenant(state, CLOUD_NAME.to_owned(), "lhr".to_owned(), None)?;
    }
    Ok(ops::overview(&project)?)
}
