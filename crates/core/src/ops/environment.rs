//! A tenant's environment for the user's own commands (`tenantdesk exec`, `tenantdesk env`):
//! its database URL with the real password, its profile's secrets, and the variables that point
//! the `systemprompt` CLI at that profile — read from the keychain into memory, never to disk, and
//! without moving the project's active tenant.

use serde::Serialize;

use super::credentials::database_url;
use super::credentials::profile_key;
use super::view::Snapshot;
use crate::audit;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::name::ProfileName;
use crate::profile::{MASK, Profile};
use crate::project::Project;
use crate::secret::Secret;

/// One variable; its value stays a `Secret` until a caller decides to show or pass it.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value: Secret,
    /// Whether the value is a secret (shown masked unless revealed).
    pub secret: bool,
}

/// The environment of one tenant, through one of its profiles.
#[derive(Debug, Clone)]
pub struct TenantEnvironment {
    pub tenant_id: String,
    pub tenant_name: String,
    pub profile: Option<String>,
    pub production: bool,
    pub variables: Vec<Variable>,
}

/// A variable as printed: the value masked unless revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShownVariable {
    pub name: String,
    pub value: String,
}

impl TenantEnvironment {
    /// The variables with secret values as `***`, or real when `reveal` (which is audited).
    fn shown(&self, project: &Project, reveal: bool) -> Vec<ShownVariable> {
        if reveal {
            audit::record_in(project, Some(&self.tenant_id), "reveal environment", &Ok::<(), Error>(()));
        }
        self.variables.iter().map(|v| ShownVariable { name: v.name.clone(), value: if v.secret && !reveal { MASK.to_owned() } else { v.value.expose().to_owned() } }).collect()
    }
}

/// The environment of tenant `id` (an id or a unique prefix) through `profile`, or through the
/// profile its session was made with, or its first profile. A production tenant needs its name
/// in `confirm_name`.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn environment(project: &Project, id: &str, profile: Option<&str>, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<TenantEnvironment> {
    gather(project, id, profile, Some(confirm_name), secrets)
}

/// What `env` prints: masked values need no confirmation (they show nothing); revealed ones
/// need a production tenant's name, as `exec` does; references show no value either.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn printable(project: &Project, id: &str, profile: Option<&str>, view: View, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Vec<ShownVariable>> {
    let confirm = (view == View::Revealed).then_some(confirm_name);
    let env = gather(project, id, profile, confirm, secrets)?;
    Ok(match view {
        View::References => env.references(),
        View::Masked => env.shown(project, false),
        View::Revealed => env.shown(project, true),
    })
}

/// How `env` shows the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Masked,
    Revealed,
    /// `tenantdesk://<tenant>/<name>` in place of each secret.
    References,
}

/// The environment of `exec`: a tenant's, an env file's (references resolved), or both (the
/// file's lines last).
#[tracing::instrument(skip_all)]
pub fn for_exec(
    project: &Project,
    tenant: Option<&str>,
    env_file: Option<&std::path::Path>,
    profile: Option<&str>,
    confirm_name: Option<&str>,
    secrets: &dyn SecretStore,
) -> Result<TenantEnvironment> {
    let mut env = match tenant {
        Some(id) => environment(project, id, profile, confirm_name, secrets)?,
        None => TenantEnvironment { tenant_id: String::new(), tenant_name: String::new(), profile: None, production: false, variables: Vec::new() },
    };
    if let Some(file) = env_file {
        env.variables.extend(resolve_env_file(project, file, confirm_name, secrets)?);
    }
    Ok(env)
}

/// Records a run of `exec`: the program's name only (its arguments may hold anything) and whether
/// it could be started.
#[tracing::instrument(skip_all)]
pub fn record_exec(project: &Project, env: &TenantEnvironment, command: &[String], started: &std::io::Result<i32>) {
    let program = command.first().map(|c| std::path::Path::new(c).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()).unwrap_or_default();
    let outcome = match started {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::Io { action: "run", path: command.first().map(Into::into).unwrap_or_default(), source: std::io::Error::new(e.kind(), e.to_string()) }),
    };
    audit::record_in(project, (!env.tenant_id.is_empty()).then_some(env.tenant_id.as_str()), &format!("exec {program}"), &outcome);
}

/// What opening a terminal did, for the message that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenedTerminal {
    pub tenant_name: String,
    pub profile: Option<String>,
    pub emulator: crate::terminal::Emulator,
}

/// Opens the user's terminal in the project folder with tenant `id`'s environment (as `exec`
/// passes it) and a prompt naming the tenant in its colour. A production tenant needs its name.
/// The active tenant does not change, and closing the terminal changes nothing.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub fn open_terminal(project: &Project, id: &str, profile: Option<&str>, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<OpenedTerminal> {
    let result = terminal_in(project, id, profile, confirm_name, secrets);
    audit::record_in(project, Some(id), "open terminal", &result);
    result
}

fn terminal_in(project: &Project, id: &str, profile: Option<&str>, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<OpenedTerminal> {
    let env = environment(project, id, profile, confirm_name, secrets)?;
    let marks = crate::marks::TenantMarks::load(&project.marks_file())?;
    let appearance = marks.appearance(&crate::tenant::TenantId::parse(&env.tenant_id)?);
    let emulator = crate::terminal::find(crate::settings::Settings::load()?.terminal.as_deref())?;
    let start_files = crate::project::data_dir().join("terminal");
    crate::terminal::open(
        &emulator,
        crate::terminal::Launch {
            dir: project.root(),
            variables: env.variables.into_iter().map(|v| (v.name, v.value)).collect(),
            tenant_name: &env.tenant_name,
            appearance,
            start_files: &start_files,
        },
    )?;
    Ok(OpenedTerminal { tenant_name: env.tenant_name, profile: env.profile, emulator })
}

/// The terminal setting and the emulator it leads to (or why there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TerminalSetting {
    pub setting: Option<String>,
    pub emulator: Option<crate::terminal::Emulator>,
    pub problem: Option<String>,
}

/// Reads the terminal setting (`None`), or sets it (`Some("")` clears it).
#[tracing::instrument(skip_all)]
pub fn terminal_setting(change: Option<&str>) -> Result<TerminalSetting> {
    let settings = match change {
        Some(command) => crate::settings::Settings::update(|s| s.terminal = Some(command.trim().to_owned()).filter(|c| !c.is_empty()))?,
        None => crate::settings::Settings::load()?,
    };
    let found = crate::terminal::find(settings.terminal.as_deref());
    Ok(TerminalSetting { setting: settings.terminal, problem: found.as_ref().err().map(ToString::to_string), emulator: found.ok() })
}

/// `confirm`: `Some(name)` checks a production tenant's name; `None` skips the check (nothing
/// secret leaves).
fn gather(project: &Project, id: &str, profile: Option<&str>, confirm: Option<Option<&str>>, secrets: &dyn SecretStore) -> Result<TenantEnvironment> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    if let Some(confirm_name) = confirm {
        snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    }
    let linked = |p: &Profile| p.tenant_id().as_ref() == Some(&tenant.id);
    let profile = match profile {
        Some(name) => {
            let name = ProfileName::parse(name)?;
            let found = snap.profile(name.as_str()).cloned().ok_or_else(|| Error::ProfileNotFound { name: name.to_string() })?;
            if !linked(&found) {
                return Err(Error::Invalid { path: Profile::file(&found.dir), message: format!("profile '{}' belongs to another tenant than '{}'", found.name, tenant.name) });
            }
            Some(found)
        }
        None => {
            let from_session = snap.sessions.entry(&tenant.id.session_key()).and_then(|s| s.profile_name).and_then(|n| snap.profile(&n).cloned()).filter(linked);
            from_session.or_else(|| snap.profiles.iter().flatten().find(|p| linked(p)).cloned())
        }
    };
    let mut variables = vec![Variable { name: "TENANTDESK_TENANT".to_owned(), value: Secret::new(tenant.id.to_string()), secret: false }];
    if tenant.effective_database_url().is_some() {
        variables.push(Variable { name: "DATABASE_URL".to_owned(), value: database_url(project, tenant.id.as_str(), secrets)?, secret: true });
    }
    if let Some(profile) = &profile {
        variables.push(Variable { name: "SYSTEMPROMPT_PROFILE".to_owned(), value: Secret::new(Profile::file(&profile.dir).display().to_string()), secret: false });
        let file = profile.dir.join("secrets.json");
        if let Some(bytes) = crate::store::read(&file)? {
            let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| Error::json(&file, &e))?;
            for (key, value) in map.iter().filter(|(k, _)| k.as_str() != "database_url") {
                let Some(text) = value.as_str() else { continue };
                let value = if text == MASK {
                    secrets
                        .get(&profile_key(project, &profile.name, key))?
                        .ok_or_else(|| Error::KeychainUnavailable { reason: format!("the keychain has no '{key}' for profile '{}'", profile.name) })?
                } else {
                    Secret::new(text.to_owned())
                };
                variables.push(Variable { name: key.to_ascii_uppercase(), value, secret: true });
            }
        }
    }
    Ok(TenantEnvironment {
        tenant_id: tenant.id.to_string(),
        tenant_name: tenant.name.clone(),
        profile: profile.map(|p| p.name),
        production: snap.marks.is_production(&tenant.id),
        variables,
    })
}

/// How an env file names a tenant's variable instead of holding its value.
pub const REFERENCE_SCHEME: &str = "tenantdesk://";

impl TenantEnvironment {
    /// The variables as references (`NAME=tenantdesk://<tenant>/<name>`), for an env file that
    /// can be committed: `exec --env-file` resolves them at run time.
    fn references(&self) -> Vec<ShownVariable> {
        self.variables
            .iter()
            .map(|v| ShownVariable {
                name: v.name.clone(),
                value: if v.secret { format!("{REFERENCE_SCHEME}{}/{}", self.tenant_id, v.name.to_ascii_lowercase()) } else { v.value.expose().to_owned() },
            })
            .collect()
    }
}

/// One `KEY=value` line of a `.env` file: `export` prefixes, comments and quotes are understood
/// as shells and dotenv loaders read them.
fn parse_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let value = value.trim();
    let value = match (value.chars().next(), value.chars().last()) {
        (Some(q @ ('\'' | '"')), Some(end)) if value.len() >= 2 && end == q => value[1..value.len() - 1].to_owned(),
        _ => value.split(" #").next().unwrap_or(value).trim().to_owned(),
    };
    Some((key.to_owned(), value))
}

/// The variables of an env file, references resolved from the keychain: a value
/// `tenantdesk://<tenant>/<name>` becomes that tenant's variable; any other value is passed as it
/// is. An unknown tenant or variable is an error naming the line.
fn resolve_env_file(project: &Project, path: &std::path::Path, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Vec<Variable>> {
    let bytes = crate::store::read(path)?.ok_or_else(|| Error::Invalid { path: path.to_owned(), message: "it does not exist".to_owned() })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut environments: std::collections::BTreeMap<String, TenantEnvironment> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let Some((key, value)) = parse_line(line) else { continue };
        let Some(reference) = value.strip_prefix(REFERENCE_SCHEME) else {
            out.push(Variable { name: key, value: Secret::new(value), secret: false });
            continue;
        };
        let bad = |message: String| Error::Invalid { path: path.to_owned(), message: format!("line {}: {message}", number + 1) };
        let (tenant, name) = reference.split_once('/').ok_or_else(|| bad(format!("'{value}' is not tenantdesk://<tenant>/<variable>")))?;
        if !environments.contains_key(tenant) {
            let env = environment(project, tenant, None, confirm_name, secrets).map_err(|e| bad(format!("'{value}': {e}")))?;
            environments.insert(tenant.to_owned(), env);
        }
        let env = &environments[tenant];
        let found = env.variables.iter().find(|v| v.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
            let known: Vec<String> = env.variables.iter().map(|v| v.name.to_ascii_lowercase()).collect();
            bad(format!("tenant '{}' has no '{name}' (it has: {})", env.tenant_name, known.join(", ")))
        })?;
        out.push(Variable { name: key, value: found.value.clone(), secret: true });
    }
    Ok(out)
}

/// What `import-env` moved into the keychain; never a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportedEnv {
    pub profile: String,
    pub keys: Vec<String>,
    pub backup: String,
    /// Whether the values' lines were taken out of the env file.
    pub removed: bool,
}

/// Moves an env file's values into the keychain as secrets of `profile` (its `secrets.json`
/// marks them `***`), after a 0600 backup of the file; with `remove`, those lines leave the file.
/// References and empty values are left alone.
#[tracing::instrument(skip_all)]
pub fn import_env(project: &Project, path: &std::path::Path, profile: &str, remove: bool, secrets: &dyn SecretStore) -> Result<ImportedEnv> {
    let result = import(project, path, profile, remove, secrets);
    audit::record_in(project, None, &format!("import env file into profile {profile}"), &result);
    result
}

fn import(project: &Project, path: &std::path::Path, profile: &str, remove: bool, secrets: &dyn SecretStore) -> Result<ImportedEnv> {
    let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let name = ProfileName::parse(profile)?;
    Profile::load(&project.profile_dir(&name))?;
    let bytes = crate::store::read(path)?.ok_or_else(|| Error::Invalid { path: path.to_owned(), message: "it does not exist".to_owned() })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let moved: Vec<(String, String)> = text.lines().filter_map(parse_line).filter(|(_, v)| !v.is_empty() && !v.starts_with(REFERENCE_SCHEME)).collect();
    let stamp = crate::clock::now_rfc3339().replace(':', "-");
    let backup = path.with_file_name(format!("{}.bak-{stamp}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
    let lock = crate::store::lock(&backup)?;
    crate::store::write_atomic(&lock, &backup, &bytes, crate::store::PRIVATE)?;
    for (key, value) in &moved {
        super::secrets::set_profile_secret(project, name.as_str(), key, &Secret::new(value.clone()), secrets)?;
    }
    if remove {
        let kept: String = text.lines().filter(|l| parse_line(l).is_none_or(|(k, _)| !moved.iter().any(|(m, _)| *m == k))).map(|l| format!("{l}\n")).collect();
        let lock = crate::store::lock(path)?;
        crate::store::write_atomic(&lock, path, kept.as_bytes(), crate::store::PRIVATE)?;
    }
    Ok(ImportedEnv { profile: name.to_string(), keys: moved.into_iter().map(|(k, _)| k).collect(), backup: backup.display().to_string(), removed: remove })
}

#[cfg(test)]
mod tests {
    #[test]
    fn env_lines_are_read_as_shells_read_them() {
        assert_eq!(super::parse_line("export A_KEY='x y'"), Some(("A_KEY".to_owned(), "x y".to_owned())));
        assert_eq!(super::parse_line("B=\"q\""), Some(("B".to_owned(), "q".to_owned())));
        assert_eq!(super::parse_line("C=plain # note"), Some(("C".to_owned(), "plain".to_owned())));
        assert_eq!(super::parse_line("# comment"), None);
        assert_eq!(super::parse_line("not a line"), None);
        assert_eq!(super::parse_line("BAD KEY=1"), None);
    }
}
