//! The project's SystemPrompt Cloud login as recorded, and the API client built from it: what
//! every cloud use case starts from.

use super::credentials::*;
use crate::cloud::{ClientOptions, CloudClient, DEFAULT_API_URL};
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::marks::{CloudLogin, TenantMarks};
use crate::project::Project;
/// The API's base URL: `TENANTDESK_CLOUD_URL`, else the one the project logged in to, else the
/// public API.
#[tracing::instrument(skip_all)]
pub fn api_url(project: Option<&Project>) -> String {
    if let Some(url) = std::env::var("TENANTDESK_CLOUD_URL").ok().filter(|u| !u.trim().is_empty()) {
        return url.trim().trim_end_matches('/').to_owned();
    }
    project.and_then(|p| TenantMarks::load(&p.marks_file()).ok()).and_then(|m| m.cloud).map_or_else(|| DEFAULT_API_URL.to_owned(), |c| c.api_url)
}

/// Whether the project has logged in (from its record; the keychain is not asked).
#[tracing::instrument(skip_all)]
pub fn logged_in(project: &Project) -> bool {
    login_record(project).is_some()
}

/// Who the project logged in as, and where (no network, no keychain).
#[tracing::instrument(skip_all)]
pub fn login_record(project: &Project) -> Option<CloudLogin> {
    TenantMarks::load(&project.marks_file()).ok().and_then(|m| m.cloud)
}

/// A client logged in as the project's account.
#[tracing::instrument(skip_all)]
pub fn client(project: &Project, secrets: &dyn SecretStore) -> Result<CloudClient> {
    // A project that never logged in is told so without a keychain round trip (and without a
    // keychain at all).
    if !logged_in(project) {
        return Err(Error::NotLoggedIn);
    }
    let token = secrets.get(&token_key(project))?.ok_or(Error::NotLoggedIn)?;
    CloudClient::new(&api_url(Some(project)), token, ClientOptions::from_env())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_never_logged_in_has_no_record_and_no_client() {
        let (_dir, project, keychain) = super::super::seed();
        assert!(!logged_in(&project));
        assert!(login_record(&project).is_none());
        assert!(matches!(client(&project, &keychain), Err(Error::NotLoggedIn)));
    }
}
