//! A SystemPrompt project: the folder holding `.systemprompt/`, found like the CLI finds it, by
//! walking up from the current directory.

/// Whether a file name is one of the temp files an atomic write leaves for a moment (a watcher
/// ignores them).
pub use crate::store::is_temp_file;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::name::ProfileName;
use crate::registry::Registry;
use crate::store;

pub const STATE_DIR: &str = ".systemprompt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    root: PathBuf,
}

impl Project {
    /// The nearest folder at or above `start` that holds `.systemprompt/`.
    pub fn discover(start: &Path) -> Result<Self> {
        let start = absolute(start);
        start.ancestors().find(|dir| dir.join(STATE_DIR).is_dir()).map(|root| Self { root: root.to_owned() }).ok_or(Error::ProjectNotFound { start })
    }

    /// Exactly `dir`, which must hold `.systemprompt/` (what `--project DIR` means).
    pub fn open(dir: &Path) -> Result<Self> {
        let root = absolute(dir);
        if root.join(STATE_DIR).is_dir() { Ok(Self { root }) } else { Err(Error::NotAProject { dir: root }) }
    }

    /// Creates `.systemprompt/` in `dir` (with the CLI's `*` .gitignore and an empty registry)
    /// unless it exists; an existing project is left as it is.
    pub fn init(dir: &Path) -> Result<Self> {
        let project = Self { root: absolute(dir) };
        let state = project.state_dir();
        fs::create_dir_all(&state).map_err(Error::io("create", &state))?;
        let gitignore = state.join(".gitignore");
        if !gitignore.exists() {
            fs::write(&gitignore, "*\n").map_err(Error::io("write", &gitignore))?;
        }
        let tenants = project.tenants_file();
        let lock = store::lock(&tenants)?;
        if store::read(&tenants)?.is_none() {
            Registry::default().save(&lock, &tenants)?;
        }
        Ok(project)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    pub fn tenants_file(&self) -> PathBuf {
        self.state_dir().join("tenants.json")
    }

    pub fn sessions_file(&self) -> PathBuf {
        self.state_dir().join("sessions").join("index.json")
    }

    /// A short, stable key for this project (FNV-1a of its path), so that keychain entries of
    /// two projects never collide even when their tenant ids do.
    pub fn key(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.root.to_string_lossy().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    pub fn marks_file(&self) -> PathBuf {
        crate::marks::TenantMarks::file(&self.state_dir())
    }

    pub fn profiles_dir(&self) -> PathBuf {
        self.state_dir().join("profiles")
    }

    pub fn profile_dir(&self, name: &ProfileName) -> PathBuf {
        self.profiles_dir().join(name.as_str())
    }
}

/// Tenantdesk's own data folder: `TENANTDESK_DATA_DIR`, else `$XDG_DATA_HOME/tenantdesk`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TENANTDESK_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(std::env::temp_dir)
            .join("tenantdesk")
    })
}

/// A folder as a person types it in a window: trimmed, and `~` / `~/…` meaning their home, as a
/// shell would expand it.
pub fn typed_folder(text: &str, home: Option<&Path>) -> PathBuf {
    let text = text.trim();
    match (text.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_owned(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(text),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_folder_expands_the_home_tilde_only() {
        let home = Path::new("/home/ada");
        assert_eq!(typed_folder(" ~/work/shop ", Some(home)), Path::new("/home/ada/work/shop"));
        assert_eq!(typed_folder("~", Some(home)), home);
        // `~bob` is another user's home, which a window cannot know: left as typed.
        assert_eq!(typed_folder("~bob/x", Some(home)), Path::new("~bob/x"));
        assert_eq!(typed_folder("/srv/~/x", Some(home)), Path::new("/srv/~/x"));
        assert_eq!(typed_folder("~/x", None), Path::new("~/x"));
    }
}
