//! Moving secrets between the CLI's plaintext files and the OS keychain: importing what the
//! files hold (after a backup of each file), exporting back to them when the user asks for
//! CLI-compatible files, and setting a profile's secrets.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use super::credentials::{password_key, profile_key};
use crate::audit;
use crate::error::{Error, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore};
use crate::marks::{SecretsMode, TenantMarks};
use crate::name::ProfileName;
use crate::profile::Profile;
use crate::project::Project;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::store;

use crate::profile::MASK;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SecretsReport {
    /// What moved, one line each, never a value.
    pub moved: Vec<String>,
    /// Backups written before a file was changed (they hold the old plaintext: delete them once
    /// the keychain is known good).
    pub backups: Vec<String>,
    /// Files now holding plaintext secrets (export only).
    pub plaintext_files: Vec<String>,
}

fn internal_key(project: &Project, id: &crate::tenant::TenantId) -> SecretKey {
    SecretKey::new(format!("{}/{}/internal", project.key(), id), SecretKind::DatabasePassword)
}

/// The password in a URL, and the URL with it masked; None when there is no real password.
fn take_password(url: &str) -> Option<(Secret, String)> {
    let mut parsed = url::Url::parse(url).ok()?;
    let password = parsed.password().filter(|p| !p.is_empty() && *p != MASK)?;
    let secret = Secret::new(percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned());
    let _ = parsed.set_password(Some(MASK));
    Some((secret, parsed.to_string()))
}

/// The URL with the keychain's password in place of `***`, or of a stale one a rotation left in a
/// CLI-compatible file; None when it holds no password or already this one.
fn put_password(url: &str, password: &Secret) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    parsed.password().filter(|p| !p.is_empty())?;
    let _ = parsed.set_password(Some(password.expose()));
    let updated = parsed.to_string();
    (updated != url).then_some(updated)
}

fn backup(path: &Path, report: &mut SecretsReport) -> Result<()> {
    let stamp = crate::clock::now_rfc3339().replace(':', "-");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = path.with_file_name(format!("{name}.bak-{stamp}"));
    let bytes = store::read(path)?.unwrap_or_default();
    let lock = store::lock(&target)?;
    store::write_atomic(&lock, &target, &bytes, store::PRIVATE)?;
    report.backups.push(target.display().to_string());
    Ok(())
}

fn profile_secret_files(project: &Project) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(project.profiles_dir()) else { return Vec::new() };
    let mut out: Vec<(String, PathBuf)> =
        entries.flatten().map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().join("secrets.json"))).filter(|(_, p)| p.is_file()).collect();
    out.sort();
    out
}

fn write_json(path: &Path, value: &Map<String, Value>) -> Result<()> {
    // A profile's folder (or .systemprompt/ itself) linked elsewhere is not written through.
    if let Some(dir) = path.parent()
        && let Some(base) = dir.parent()
    {
        store::within(dir, base)?;
    }
    let lock = store::lock(path)?;
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    store::write_atomic(&lock, path, text.as_bytes(), store::PRIVATE)
}

/// Moves every secret found in the project's files into the keychain and masks the files:
/// tenants.json URLs, each profile's secrets.json, and credentials.json's API token. Each file
/// is backed up before it changes; a file is only rewritten after all of its secrets are stored.
#[tracing::instrument(skip_all)]
pub fn import(project: &Project, secrets: &dyn SecretStore) -> Result<SecretsReport> {
    let result = import_all(project, secrets);
    audit::record_in(project, None, "import secrets", &result);
    result
}

fn import_all(project: &Project, secrets: &dyn SecretStore) -> Result<SecretsReport> {
    let mut report = SecretsReport::default();
    let path = project.tenants_file();
    {
        let lock = store::lock(&path)?;
        let mut registry = Registry::load(&path)?;
        let mut changed = false;
        for t in &mut registry.tenants {
            if let Some((password, masked)) = t.database_url.as_deref().and_then(take_password) {
                secrets.set(&password_key(project, &t.id), &password)?;
                t.database_url = Some(masked);
                report.moved.push(format!("tenants.json: database password of '{}'", t.name));
                changed = true;
            }
            if let Some((password, masked)) = t.internal_database_url.as_deref().and_then(take_password) {
                secrets.set(&internal_key(project, &t.id), &password)?;
                t.internal_database_url = Some(masked);
                report.moved.push(format!("tenants.json: internal database password of '{}'", t.name));
                changed = true;
            }
        }
        if changed {
            backup(&path, &mut report)?;
            registry.save(&lock, &path)?;
        }
    }
    for (profile, file) in profile_secret_files(project) {
        let mut map = store::read_json_object(&file)?;
        let mut changed = false;
        for (key, value) in map.iter_mut() {
            let Some(text) = value.as_str().filter(|t| !t.is_empty() && *t != MASK) else { continue };
            if let Some((password, masked)) = take_password(text) {
                secrets.set(&profile_key(project, &profile, key), &password)?;
                *value = Value::String(masked);
            } else if !text.contains(":***@") {
                secrets.set(&profile_key(project, &profile, key), &Secret::new(text))?;
                *value = Value::String(MASK.to_owned());
            } else {
                continue;
            }
            report.moved.push(format!("profiles/{profile}/secrets.json: {key}"));
            changed = true;
        }
        if changed {
            backup(&file, &mut report)?;
            write_json(&file, &map)?;
        }
    }
    let credentials = project.state_dir().join("credentials.json");
    if credentials.is_file() {
        let mut map = store::read_json_object(&credentials)?;
        if let Some(token) = map.get("api_token").and_then(Value::as_str).filter(|t| !t.is_empty() && *t != MASK) {
            secrets.set(&super::credentials::token_key(project), &Secret::new(token))?;
            map.insert("api_token".to_owned(), Value::String(MASK.to_owned()));
            backup(&credentials, &mut report)?;
            write_json(&credentials, &map)?;
            report.moved.push("credentials.json: api_token".to_owned());
            // The CLI's login becomes Tenantdesk's too: same API, same account.
            let (api_url, email) = (map.get("api_url").and_then(Value::as_str), map.get("user_email").and_then(Value::as_str));
            if let (Some(api_url), Some(email)) = (api_url, email) {
                let login = crate::marks::CloudLogin { api_url: api_url.to_owned(), user_email: email.to_owned(), authenticated_at: crate::clock::now_rfc3339() };
                TenantMarks::update(&project.marks_file(), |m| {
                    m.cloud.get_or_insert(login);
                })?;
            }
        }
    }
    Ok(report)
}

/// Writes the keychain's values back into the plaintext files the `systemprompt` CLI reads
/// (0600), for users who ask for CLI-compatible files.
#[tracing::instrument(skip_all)]
pub fn export_cli_compatible(project: &Project, secrets: &dyn SecretStore) -> Result<SecretsReport> {
    let result = export_all(project, secrets);
    audit::record_in(project, None, "export secrets (CLI-compatible)", &result);
    result
}

fn export_all(project: &Project, secrets: &dyn SecretStore) -> Result<SecretsReport> {
    let mut report = SecretsReport::default();
    let path = project.tenants_file();
    {
        let lock = store::lock(&path)?;
        let mut registry = Registry::load(&path)?;
        let mut changed = false;
        for t in &mut registry.tenants {
            if let (Some(url), Some(password)) = (t.database_url.clone(), secrets.get(&password_key(project, &t.id))?)
                && let Some(plain) = put_password(&url, &password)
            {
                t.database_url = Some(plain);
                report.moved.push(format!("tenants.json: database password of '{}'", t.name));
                changed = true;
            }
            if let (Some(url), Some(password)) = (t.internal_database_url.clone(), secrets.get(&internal_key(project, &t.id))?)
                && let Some(plain) = put_password(&url, &password)
            {
                t.internal_database_url = Some(plain);
                changed = true;
            }
        }
        if changed {
            registry.save(&lock, &path)?;
            report.plaintext_files.push(path.display().to_string());
        }
    }
    for (profile, file) in profile_secret_files(project) {
        let mut map = store::read_json_object(&file)?;
        let mut changed = false;
        for (key, value) in map.iter_mut() {
            let Some(text) = value.as_str() else { continue };
            // A profile's database URL carries its tenant's password, kept once per tenant.
            let stored = match secrets.get(&profile_key(project, &profile, key))? {
                Some(stored) => stored,
                None if key == "database_url" => match profile_tenant(project, &profile).and_then(|id| secrets.get(&password_key(project, &id)).transpose()) {
                    Some(stored) => stored?,
                    None => continue,
                },
                None => continue,
            };
            let plain = if text == MASK { Some(stored.expose().to_owned()) } else { put_password(text, &stored) };
            if let Some(plain) = plain {
                *value = Value::String(plain);
                report.moved.push(format!("profiles/{profile}/secrets.json: {key}"));
                changed = true;
            }
        }
        if changed {
            write_json(&file, &map)?;
            report.plaintext_files.push(file.display().to_string());
        }
    }
    let credentials = project.state_dir().join("credentials.json");
    if credentials.is_file()
        && let Some(token) = secrets.get(&super::credentials::token_key(project))?
    {
        let mut map = store::read_json_object(&credentials)?;
        map.insert("api_token".to_owned(), Value::String(token.expose().to_owned()));
        write_json(&credentials, &map)?;
        report.moved.push("credentials.json: api_token".to_owned());
        report.plaintext_files.push(credentials.display().to_string());
    }
    Ok(report)
}

fn profile_tenant(project: &Project, profile: &str) -> Option<crate::tenant::TenantId> {
    Profile::load(&project.profiles_dir().join(profile)).ok()?.tenant_id()
}

/// Where this project's secrets live now.
#[tracing::instrument(skip_all)]
pub fn mode(project: &Project) -> Result<SecretsMode> {
    Ok(TenantMarks::load(&project.marks_file())?.secrets_mode)
}

/// Sets where the project's secrets live. `CliCompatible` writes the keychain's values into the
/// CLI's files now and after every later write; `Keychain` takes them out of the files again (a
/// 0600 backup of each first) and masks them from then on.
#[tracing::instrument(skip_all)]
pub fn set_mode(project: &Project, mode: SecretsMode, secrets: &dyn SecretStore) -> Result<SecretsReport> {
    // Ordered so that a kill between the two steps leaves files that agree with the stored mode
    // once the next write follows it: the setting before an export (the next write finishes it),
    // an import before the setting (the next write exports again, as the mode still says).
    let result = (|| match mode {
        SecretsMode::CliCompatible => {
            TenantMarks::update(&project.marks_file(), |m| m.secrets_mode = mode)?;
            export_all(project, secrets)
        }
        SecretsMode::Keychain => {
            let report = import_all(project, secrets)?;
            TenantMarks::update(&project.marks_file(), |m| m.secrets_mode = mode)?;
            Ok(report)
        }
    })();
    let action = match mode {
        SecretsMode::CliCompatible => "secrets mode cli-compatible",
        SecretsMode::Keychain => "secrets mode keychain",
    };
    audit::record_in(project, None, action, &result);
    result
}

/// After a write that put `***` in the CLI's files: in CLI-compatible mode the real values go
/// back in, so the project's `systemprompt` keeps working.
pub(super) fn follow_mode(project: &Project, secrets: &dyn SecretStore) -> Result<()> {
    if TenantMarks::load(&project.marks_file())?.secrets_mode == SecretsMode::CliCompatible {
        export_all(project, secrets)?;
    }
    Ok(())
}

/// Stores one of a profile's secrets (a provider API key, …) in the keychain and marks it in the
/// profile's secrets.json as kept elsewhere (`***`).
#[tracing::instrument(skip_all)]
pub fn set_profile_secret(project: &Project, profile: &str, key: &str, value: &Secret, secrets: &dyn SecretStore) -> Result<()> {
    let result = set_secret(project, profile, key, value, secrets);
    audit::record_in(project, None, &format!("set secret {key} of profile {profile}"), &result);
    result
}

fn set_secret(project: &Project, profile: &str, key: &str, value: &Secret, secrets: &dyn SecretStore) -> Result<()> {
    let name = ProfileName::parse(profile)?;
    let dir = project.profile_dir(&name);
    Profile::load(&dir)?;
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(Error::InvalidName { kind: "secret key", value: key.to_owned(), reason: "only ASCII letters, digits and '_' are allowed" });
    }
    if value.is_empty() {
        return Err(Error::InvalidName { kind: "secret value", value: String::new(), reason: "it is empty" });
    }
    secrets.set(&profile_key(project, profile, key), value)?;
    let file = dir.join("secrets.json");
    let mut map = if file.is_file() { store::read_json_object(&file)? } else { Map::new() };
    map.insert(key.to_owned(), Value::String(MASK.to_owned()));
    write_json(&file, &map)?;
    follow_mode(project, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_secret_goes_to_the_keychain_and_the_file_says_only_mask() {
        let (_dir, project, keychain) = super::super::seed();
        set_profile_secret(&project, "local", "ANTHROPIC_API_KEY", &Secret::new("sk-test-value"), &keychain).expect("set");
        assert_eq!(keychain.get(&profile_key(&project, "local", "ANTHROPIC_API_KEY")).expect("get").expect("stored").expose(), "sk-test-value");
        let file = std::fs::read_to_string(project.profiles_dir().join("local/secrets.json")).expect("secrets.json");
        assert!(!file.contains("sk-test-value") && file.contains(MASK), "{file}");
        assert_eq!(mode(&project).expect("mode"), SecretsMode::Keychain);
    }
}
