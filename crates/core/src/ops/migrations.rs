//! `infra db migrate`: the project's migration files applied to a tenant's database with sqlx,
//! which records what it applied in `_sqlx_migrations` so a second run applies nothing.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::keychain::SecretStore;
use crate::postgres;
use crate::project::Project;
use crate::secret::Secret;

/// Where a project keeps its migrations, first match wins.
const FOLDERS: [&str; 2] = ["migrations", ".systemprompt/migrations"];

/// What a migration run did. A project without migrations is fine: `folder` is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MigrationReport {
    pub folder: Option<String>,
    pub applied: Vec<String>,
    pub already_applied: u32,
    /// Why the run failed, when it did (the tenant is kept either way).
    pub error: Option<String>,
}

fn folder(project: &Project) -> Option<PathBuf> {
    FOLDERS.iter().map(|f| project.root().join(f)).find(|p| p.is_dir())
}

/// Runs the migrations against `url`; failures are reported in the result, not raised, so a
/// tenant that was just created is never undone by a bad migration file.
#[tracing::instrument(skip_all)]
pub async fn run(project: &Project, url: &Secret) -> MigrationReport {
    match apply(project, url).await {
        Ok(report) => report,
        Err(e) => MigrationReport { folder: folder(project).map(|f| f.display().to_string()), error: Some(e.to_string()), ..Default::default() },
    }
}

async fn apply(project: &Project, url: &Secret) -> Result<MigrationReport> {
    let Some(dir) = folder(project) else { return Ok(MigrationReport::default()) };
    let (applied, already_applied) = postgres::apply_migrations(&dir, url).await?;
    Ok(MigrationReport { folder: Some(dir.display().to_string()), applied, already_applied, error: None })
}

/// `tenantdesk infra db migrate [--tenant ID]`: the selected (or given) tenant's database.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn migrate(project: &Project, id: Option<&str>, secrets: &dyn SecretStore) -> Result<MigrationReport> {
    let id = match id {
        Some(id) => id.to_owned(),
        None => super::tenants::selected_tenant(project)?.to_string(),
    };
    let url = super::credentials::database_url(project, &id, secrets)?;
    let result = apply(project, &url).await;
    crate::audit::record_in(project, Some(&id), "migrate", &result);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_project_without_migrations_has_nothing_to_apply() {
        let (_dir, project, _) = super::super::seed();
        let report = run(&project, &Secret::new("postgres://nobody@127.0.0.1:1/none")).await;
        assert_eq!(report, MigrationReport::default());
    }
}
