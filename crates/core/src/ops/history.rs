//! The audit log, as the user asks for it: one project's entries (or every project's), one
//! tenant's by any name the user knows it by, and the check of the hash chain.

pub use crate::audit::{Entry, Verification};
use crate::error::Result;
use crate::project::Project;

/// The entries of `project` (every project's, and the shared container's, with `None`), oldest
/// first; only `tenant`'s when given (an id, an id prefix or a name, resolved in the project).
#[tracing::instrument(skip_all)]
pub async fn entries(project: Option<&Project>, tenant: Option<&str>) -> Result<Vec<Entry>> {
    let tenant = match (project, tenant) {
        (Some(p), Some(t)) => crate::audit::Subject::of(p, Some(t)).id,
        (None, t) => t.map(str::to_owned),
        (_, None) => None,
    };
    let root = project.map(|p| p.root().display().to_string());
    crate::audit::list(root.as_deref(), tenant.as_deref()).await
}

/// Checks the hash chain: edited and deleted entries are reported.
#[tracing::instrument(skip_all)]
pub async fn verify() -> Result<Verification> {
    crate::audit::verify().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tenant_named_by_its_name_finds_the_entries_of_its_id() {
        let (_dir, project, _) = super::super::seed();
        super::super::tenants::select_tenant(&project, "my-project").expect("select");
        let by_name = entries(Some(&project), Some("my-project")).await.expect("entries");
        assert!(by_name.iter().any(|e| e.action == "select" && e.tenant.as_deref() == Some("local_19bff27604c")), "{by_name:?}");
        assert!(verify().await.expect("verify").intact);
    }
}
