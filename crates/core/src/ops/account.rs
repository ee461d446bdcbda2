//! The SystemPrompt Cloud login: token or browser sign-in, logout, who is logged in, and the
//! API client every cloud use case builds from it.

use std::time::Duration;

use serde::Serialize;

use super::credentials::*;
use super::login::*;
use super::sync::*;
use crate::audit;
use crate::cloud::{ClientOptions, CloudClient, login::Callback};
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::marks::{CloudLogin, TenantMarks};
use crate::project::Project;
use crate::secret::Secret;

const LOGIN_WAIT: Duration = Duration::from_secs(300);

/// Who is logged in, where.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Account {
    pub email: String,
    pub name: Option<String>,
    pub api_url: String,
    pub cloud_tenants: u32,
}

/// Logs in with a token the user already has (stdin, CI): checks it with `/auth/me`, keeps it in
/// the keychain, records the account, and merges the account's tenants into tenants.json.
#[tracing::instrument(skip_all)]
pub async fn login_with_token(project: &Project, api_url: Option<&str>, token: Secret, secrets: &dyn SecretStore) -> Result<Account> {
    let result = login(project, api_url, token, secrets).await;
    audit::record_in(project, None, "cloud login", &result);
    result
}

async fn login(project: &Project, api_url: Option<&str>, token: Secret, secrets: &dyn SecretStore) -> Result<Account> {
    let token = Secret::new(token.expose().trim());
    if token.is_empty() {
        return Err(Error::LoginFailed { reason: "the token is empty".to_owned() });
    }
    let base = api_url.map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_else(|| self::api_url(Some(project)));
    let client = CloudClient::new(&base, token.clone(), ClientOptions::from_env())?;
    let me = client.me().await?;
    let key = token_key(project);
    let previous = secrets.get(&key)?;
    secrets.set(&key, &token)?;
    let login = CloudLogin { api_url: base.clone(), user_email: me.user.email.clone(), authenticated_at: crate::clock::now_rfc3339() };
    let recorded = TenantMarks::update(&project.marks_file(), |m| m.cloud = Some(login)).and_then(|()| merge(project, &me.tenants));
    if let Err(e) = recorded {
        let _ = match previous {
            Some(p) => secrets.set(&key, &p),
            None => secrets.delete(&key),
        };
        return Err(e);
    }
    Ok(Account { email: me.user.email, name: me.user.name, api_url: base, cloud_tenants: me.tenants.len() as u32 })
}

/// Browser login: listens on a loopback port, asks the API where to send the browser, hands that
/// URL to `open` (which opens a browser or prints it), and waits up to 5 minutes for the token.
#[tracing::instrument(skip_all)]
pub async fn browser_login(project: &Project, api_url: Option<&str>, provider: &str, secrets: &dyn SecretStore, open: impl FnOnce(&str)) -> Result<Account> {
    let base = api_url.map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_else(|| self::api_url(Some(project)));
    let callback = Callback::bind().await?;
    let anonymous = CloudClient::anonymous(&base, ClientOptions::from_env())?;
    let authorize = anonymous.login_url(provider, &callback.redirect_uri).await?;
    open(&authorize);
    let token = callback.wait(LOGIN_WAIT).await?;
    login_with_token(project, Some(&base), token, secrets).await
}

/// Forgets the login: the token leaves the keychain and the account record goes. Unlike the
/// CLI, tenants.json stays (local tenants are never lost to a logout).
#[tracing::instrument(skip_all)]
pub fn logout(project: &Project, secrets: &dyn SecretStore) -> Result<Option<String>> {
    let result = (|| {
        let was = TenantMarks::load(&project.marks_file())?.cloud.map(|c| c.user_email);
        secrets.delete(&token_key(project))?;
        TenantMarks::update(&project.marks_file(), |m| m.cloud = None)?;
        Ok(was)
    })();
    audit::record_in(project, None, "cloud logout", &result);
    result
}

#[tracing::instrument(skip_all)]
pub async fn whoami(project: &Project, secrets: &dyn SecretStore) -> Result<Account> {
    let client = client(project, secrets)?;
    let me = client.me().await?;
    Ok(Account { email: me.user.email, name: me.user.name, api_url: client.base_url().to_owned(), cloud_tenants: me.tenants.len() as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_token_is_refused_and_logging_out_when_out_changes_nothing() {
        let (_dir, project, keychain) = super::super::seed();
        let before = std::fs::read(project.tenants_file()).expect("registry");
        assert!(matches!(login_with_token(&project, Some("http://127.0.0.1:9"), Secret::new("  "), &keychain).await, Err(Error::LoginFailed { .. })));
        assert_eq!(logout(&project, &keychain).expect("logout"), None);
        assert!(std::fs::read(project.tenants_file()).expect("registry") == before, "tenants.json changed");
        assert!(keychain.get(&token_key(&project)).expect("get").is_none());
    }
}
