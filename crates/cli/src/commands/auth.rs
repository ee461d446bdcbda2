//! `cloud auth`: login (browser or token), logout, whoami.

use tenantdesk_core::Project;
use tenantdesk_core::ops;

use crate::args::*;
use crate::error::CliError;
use crate::{Context, emit, prompt, render};

pub async fn run(ctx: &Context, project: &Project, cmd: AuthCommand, json: bool) -> Result<(), CliError> {
    let keychain = ctx.desk.secrets();
    match cmd {
        AuthCommand::Login { with_token: true, api_url, .. } => {
            let token = prompt::secret("API token")?;
            emit(json, &ops::account::login_with_token(project, api_url.as_deref(), token, keychain).await?, render::account)
        }
        AuthCommand::Login { api_url, provider, no_browser, .. } => {
            let provider = match provider {
                Provider::Github => "github",
                Provider::Google => "google",
            };
            let account = ops::account::browser_login(project, api_url.as_deref(), provider, keychain, |url| {
                let opened = !no_browser && tenantdesk_core::cloud::login::open_browser(url);
                if opened {
                    eprintln!("Opened your browser to sign in. Waiting for it (5 minutes at most)…");
                } else {
                    eprintln!("Open this address in a browser to sign in (waiting 5 minutes at most):\n  {url}");
                }
            })
            .await?;
            emit(json, &account, render::account)
        }
        AuthCommand::Logout => {
            let was = ops::account::logout(project, keychain)?;
            emit(json, &serde_json::json!({ "logged_out": was }), |_| match &was {
                Some(email) => format!("Logged out {email}. tenants.json and local tenants are unchanged."),
                None => "Not logged in; nothing to do.".to_owned(),
            })
        }
        AuthCommand::Whoami => emit(json, &ops::account::whoami(project, keychain).await?, render::account),
    }
}
