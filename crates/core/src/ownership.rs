//! Which project a database in the shared container belongs to.
//!
//! One container serves every project on the machine, so "no tenant of the open project refers to
//! it" does not make a database an orphan: another project, open or not, may still use it. Each
//! database Tenantdesk makes or adopts says whose it is where the data is (`COMMENT ON DATABASE`
//! with the project's folder and the tenant's id), and the projects Tenantdesk has seen are listed
//! in its data folder (`projects.json`), which also finds the owners of databases made before the
//! comments. A database is an orphan only when no project that still exists lists it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::marks::TenantMarks;
use crate::postgres::{quote_ident, quote_literal};
use crate::project::Project;
use crate::registry::Registry;
use crate::store;
use crate::tenant::TenantId;

/// Another project's tenant that a database belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Claim {
    pub database: String,
    /// The project's folder.
    pub project: String,
    pub tenant_id: String,
    pub tenant_name: String,
}

/// What a database's comment records.
#[derive(Debug, Serialize, Deserialize)]
struct Owner {
    tenantdesk_project: String,
    tenant: String,
}

/// The statement that records `project`'s tenant `id` as the owner of `database`.
pub fn comment_sql(database: &str, project: &Project, id: &TenantId) -> String {
    let owner = Owner { tenantdesk_project: project.root().display().to_string(), tenant: id.to_string() };
    let text = serde_json::to_string(&owner).unwrap_or_default();
    format!("COMMENT ON DATABASE {} IS {}", quote_ident(database), quote_literal(&text))
}

/// The project folder and tenant id a database's comment names, if it has one of Tenantdesk's.
pub fn owner(comment: &str) -> Option<(PathBuf, String)> {
    serde_json::from_str::<Owner>(comment).ok().map(|o| (PathBuf::from(o.tenantdesk_project), o.tenant))
}

/// The project folder a database's comment names, if it has one of Tenantdesk's.
pub fn owner_in_comment(comment: &str) -> Option<PathBuf> {
    serde_json::from_str::<Owner>(comment).ok().map(|o| PathBuf::from(o.tenantdesk_project))
}

fn index_file() -> PathBuf {
    crate::project::data_dir().join("projects.json")
}

/// Adds a project to the machine's list (best effort: a list that cannot be written only means
/// owners are found by their databases' comments alone).
pub fn remember(project: &Project) {
    let path = index_file();
    let root = project.root().display().to_string();
    if known().iter().any(|p| p.as_os_str() == root.as_str()) {
        return;
    }
    let Ok(lock) = store::lock(&path) else { return };
    let mut projects: BTreeSet<String> = store::read(&path).ok().flatten().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    projects.insert(root);
    let _ = store::write_atomic(&lock, &path, serde_json::to_string_pretty(&projects).unwrap_or_default().as_bytes(), store::PRIVATE);
}

/// Every project Tenantdesk has seen on this machine.
pub fn known() -> Vec<PathBuf> {
    let projects: BTreeSet<String> = store::read(&index_file()).ok().flatten().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    projects.into_iter().map(PathBuf::from).collect()
}

/// The tenant of a project other than `this` that lists `database` in `container` and is still in
/// that project's registry. A project whose folder is gone claims nothing.
pub fn claimant(database: &str, container: &str, this: &Project, candidates: &[PathBuf]) -> Result<Option<Claim>> {
    for root in candidates {
        if root.as_path() == this.root() {
            continue;
        }
        let Ok(project) = Project::open(root) else { continue };
        if let Some(claim) = claim_in(&project, database, container) {
            return Ok(Some(claim));
        }
    }
    Ok(None)
}

fn claim_in(project: &Project, database: &str, container: &str) -> Option<Claim> {
    let marks = TenantMarks::load(&project.marks_file()).ok()?;
    let (id, _) = marks.databases.iter().find(|(_, db)| db.database == database && db.container == container)?;
    let registry = Registry::load(&project.tenants_file()).ok()?;
    let tenant = registry.get(id)?;
    Some(Claim { database: database.to_owned(), project: project.root().display().to_string(), tenant_id: id.to_string(), tenant_name: tenant.name.clone() })
}

/// The projects to ask about a database: the one its comment names, then every known one.
pub fn candidates(comment: Option<&str>) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = comment.and_then(owner_in_comment).into_iter().collect();
    for root in known() {
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_name_the_owner_and_quote_safely() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(&dir.path().join("it's")).expect("init");
        let id = TenantId::parse("local_1").expect("id");
        let sql = comment_sql("td_x_1", &project, &id);
        assert!(sql.starts_with("COMMENT ON DATABASE \"td_x_1\" IS '{"), "{sql}");
        assert!(sql.contains("it''s"), "{sql}");
        let text = serde_json::to_string(&Owner { tenantdesk_project: project.root().display().to_string(), tenant: "local_1".to_owned() }).expect("json");
        assert_eq!(owner_in_comment(&text).as_deref(), Some(project.root()));
        assert_eq!(owner_in_comment("made by hand"), None);
    }
}
