//! Which `systemprompt` CLI a project is used with, so that what Tenantdesk writes loads in it.
//!
//! Two changes matter: 0.73 moved profiles to a layered layout (`base.yaml` under
//! `<env>/profile.yaml`, derived fields refused) and 0.75 replaced `tenant_type` with `provider`
//! in `tenants.json`. An existing file keeps the dialect it was read in; the version decides only
//! for what Tenantdesk creates anew.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::marks::TenantMarks;
use crate::registry::Registry;
use crate::tenant::Dialect;

/// The CLI version whose formats Tenantdesk writes when nothing says otherwise: today's.
pub const TODAY: Version = Version(0, 77, 0);
/// The seed's world, assumed for a project whose `tenants.json` says `tenant_type`.
pub const SEED: Version = Version(0, 40, 0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// `0.77.0`, `v0.40`, or the last word of `systemprompt 0.77.0`.
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().last()?.trim_start_matches('v');
        let mut parts = word.split(['.', '-', '+']).map(|p| p.parse::<u64>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().and_then(Result::ok).unwrap_or(0);
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Self(major, minor, patch))
    }

    pub fn dialect(self) -> Dialect {
        Dialect::of_cli((self.0, self.1, self.2))
    }

    /// Profiles are `base.yaml` + an overlay with no derived fields since 0.73.
    pub fn layered_profiles(self) -> bool {
        self >= Version(0, 73, 0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Where the version came from, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    /// `systemprompt --version` of the CLI on PATH.
    Path,
    /// `systemprompt_version` in `.systemprompt/tenantdesk.json`.
    Setting,
    /// The dialect of the project's `tenants.json`.
    Files,
    Default,
}

/// The project's CLI as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CliInfo {
    pub version: String,
    pub source: VersionSource,
    /// The dialect of `tenants.json` as it is (or as a new one will be written).
    pub dialect: Dialect,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectCli {
    pub version: Version,
    pub source: VersionSource,
}

impl ProjectCli {
    pub fn detect(state_dir: &Path) -> Self {
        if let Some(version) = on_path() {
            return Self { version, source: VersionSource::Path };
        }
        let marks = TenantMarks::load(&TenantMarks::file(state_dir)).unwrap_or_default();
        let from_files = || Registry::load(&state_dir.join("tenants.json")).ok().and_then(|r| r.dialect);
        Self::from_parts(&marks, from_files)
    }

    /// `detect` from files already read (the project's marks, and the registry's dialect, asked
    /// only when the PATH and the setting say nothing).
    pub fn from_parts(marks: &TenantMarks, file_dialect: impl FnOnce() -> Option<Dialect>) -> Self {
        if let Some(version) = on_path() {
            return Self { version, source: VersionSource::Path };
        }
        if let Some(version) = marks.systemprompt_version.as_deref().and_then(Version::parse) {
            return Self { version, source: VersionSource::Setting };
        }
        match file_dialect() {
            Some(Dialect::TenantType) => Self { version: SEED, source: VersionSource::Files },
            Some(Dialect::Provider) => Self { version: TODAY, source: VersionSource::Files },
            None => Self { version: TODAY, source: VersionSource::Default },
        }
    }

    pub fn dialect(self) -> Dialect {
        self.version.dialect()
    }

    /// What the user is told about the project's files: the dialect `tenants.json` is in (or
    /// will be written in) and the CLI new files are made for.
    pub fn summary(self, file_dialect: Option<Dialect>) -> String {
        let registry = match file_dialect {
            Some(d) => format!("tenants.json uses {d}"),
            None => format!("a new tenants.json will use {}", self.dialect()),
        };
        let profiles = if self.version.layered_profiles() { "layered profiles (base.yaml + overlay)" } else { "whole profiles" };
        format!("{registry}; new profiles are {profiles}, for {}", self.describe())
    }

    pub fn info(self, file_dialect: Option<Dialect>) -> CliInfo {
        CliInfo { version: self.version.to_string(), source: self.source, dialect: file_dialect.unwrap_or_else(|| self.dialect()), summary: self.summary(file_dialect) }
    }

    pub fn describe(self) -> String {
        let from = match self.source {
            VersionSource::Path => "the systemprompt on PATH",
            VersionSource::Setting => "this project's setting",
            VersionSource::Files => "this project's tenants.json",
            VersionSource::Default => "no CLI found; today's release",
        };
        format!("systemprompt {} ({from})", self.version)
    }
}

/// The version of the `systemprompt` on PATH, asked at most once a minute: the window reads it
/// on every refresh, and a CLI installed meanwhile is seen within that minute.
pub fn on_path() -> Option<Version> {
    static CACHE: std::sync::Mutex<Option<(Instant, Option<Version>)>> = std::sync::Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match *cache {
        Some((at, version)) if at.elapsed() < Duration::from_secs(60) => version,
        _ => {
            let version = ask_path();
            *cache = Some((Instant::now(), version));
            version
        }
    }
}

/// `systemprompt --version` (`TENANTDESK_SYSTEMPROMPT_BIN` names another binary), with a
/// deadline so a hanging binary cannot stall a write.
fn ask_path() -> Option<Version> {
    let bin = std::env::var_os("TENANTDESK_SYSTEMPROMPT_BIN").unwrap_or_else(|| "systemprompt".into());
    let mut child = Command::new(bin).arg("--version").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    Version::parse(out.lines().next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_decide_the_dialect_and_the_profile_layout() {
        assert_eq!(Version::parse("systemprompt 0.77.0"), Some(Version(0, 77, 0)));
        assert_eq!(Version::parse("v0.40"), Some(Version(0, 40, 0)));
        assert_eq!(Version::parse("nonsense"), None);
        assert_eq!(Version(0, 74, 9).dialect(), Dialect::TenantType);
        assert_eq!(Version(0, 75, 0).dialect(), Dialect::Provider);
        assert!(!Version(0, 72, 3).layered_profiles());
        assert!(Version(0, 73, 0).layered_profiles());
    }
}
