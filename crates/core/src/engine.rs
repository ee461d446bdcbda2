//! Finding and talking to the Docker engine.
//!
//! The endpoint is, in order: an explicit setting, `DOCKER_HOST`, the current Docker context
//! (`DOCKER_CONTEXT` or `currentContext` in `~/.docker/config.json`, resolved through the
//! contexts' `meta.json`), then the platform's well-known sockets (Docker Engine, Docker Desktop,
//! rootless Docker, Podman). The first one that answers a ping is used, and the user is told which.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use serde::Serialize;

use crate::error::{Error, Result};

/// How long an endpoint may take to answer before the next one is tried.
const PING_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT_SECS: u64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://…`, `npipe:////./pipe/docker_engine`.
    pub uri: String,
    /// Where the endpoint came from: "setting", "DOCKER_HOST", "context <name>", "well-known socket".
    pub source: String,
}

/// A connected engine, with what it said about itself.
#[derive(Debug, Clone)]
pub struct Engine {
    pub docker: Docker,
    pub endpoint: Endpoint,
    pub version: String,
    pub api_version: String,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from)
}

fn docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG").map(PathBuf::from).or_else(|| home().map(|h| h.join(".docker")))
}

/// The host of the named Docker context, from `contexts/meta/*/meta.json`.
fn context_host(config_dir: &Path, name: &str) -> Option<String> {
    let entries = std::fs::read_dir(config_dir.join("contexts/meta")).ok()?;
    entries.flatten().find_map(|entry| {
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(entry.path().join("meta.json")).ok()?).ok()?;
        (meta["Name"].as_str() == Some(name)).then(|| meta["Endpoints"]["docker"]["Host"].as_str().map(str::to_owned)).flatten()
    })
}

fn current_context(config_dir: &Path) -> Option<String> {
    if let Some(name) = std::env::var("DOCKER_CONTEXT").ok().filter(|n| !n.is_empty()) {
        return Some(name);
    }
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(config_dir.join("config.json")).ok()?).ok()?;
    config["currentContext"].as_str().map(str::to_owned)
}

/// Every endpoint worth trying, most explicit first.
pub fn candidates(setting: Option<&str>) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let mut push = |uri: String, source: &str| {
        if !out.iter().any(|e: &Endpoint| e.uri == uri) {
            out.push(Endpoint { uri, source: source.to_owned() });
        }
    };
    if let Some(s) = setting.filter(|s| !s.is_empty()) {
        push(s.to_owned(), "setting");
    }
    if let Some(host) = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()) {
        push(host, "DOCKER_HOST");
    }
    if let Some(dir) = docker_config_dir()
        && let Some(name) = current_context(&dir).filter(|n| n != "default")
        && let Some(host) = context_host(&dir, &name)
    {
        push(host, &format!("context {name}"));
    }
    if cfg!(windows) {
        push("npipe:////./pipe/docker_engine".to_owned(), "well-known socket");
        push("npipe:////./pipe/dockerDesktopLinuxEngine".to_owned(), "well-known socket");
    } else {
        let mut sockets = vec![PathBuf::from("/var/run/docker.sock")];
        if let Some(h) = home() {
            sockets.push(h.join(".docker/desktop/docker.sock"));
            sockets.push(h.join(".docker/run/docker.sock"));
        }
        if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
            sockets.push(run.join("docker.sock"));
            sockets.push(run.join("podman/podman.sock"));
        }
        sockets.push(PathBuf::from("/run/podman/podman.sock"));
        for s in sockets {
            push(format!("unix://{}", s.display()), "well-known socket");
        }
    }
    out
}

fn client(uri: &str) -> Option<Docker> {
    let version = bollard::API_DEFAULT_VERSION;
    if let Some(path) = uri.strip_prefix("unix://") {
        Path::new(path).exists().then(|| Docker::connect_with_socket(path, REQUEST_TIMEOUT_SECS, version).ok()).flatten()
    } else if uri.starts_with("tcp://") || uri.starts_with("http://") {
        Docker::connect_with_http(uri, REQUEST_TIMEOUT_SECS, version).ok()
    } else if uri.starts_with("npipe://") {
        Docker::connect_with_host(uri).ok()
    } else {
        None
    }
}

/// Connects to the first endpoint that answers, negotiating the API version down to the engine's.
/// An explicit setting (the argument, else `TENANTDESK_DOCKER_HOST`) is the only endpoint tried:
/// the user chose that engine, and silently using another would be a surprise.
pub async fn connect(setting: Option<&str>) -> Result<Engine> {
    let configured = setting.map(str::to_owned).or_else(|| std::env::var("TENANTDESK_DOCKER_HOST").ok()).filter(|s| !s.is_empty());
    let candidates = match &configured {
        Some(uri) => vec![Endpoint { uri: uri.clone(), source: "setting".to_owned() }],
        None => candidates(None),
    };
    for endpoint in &candidates {
        let Some(docker) = client(&endpoint.uri) else { continue };
        let Ok(Ok(docker)) = tokio::time::timeout(PING_TIMEOUT, docker.negotiate_version()).await else { continue };
        let Ok(Ok(version)) = tokio::time::timeout(PING_TIMEOUT, docker.version()).await else { continue };
        return Ok(Engine { docker, endpoint: endpoint.clone(), version: version.version.unwrap_or_default(), api_version: version.api_version.unwrap_or_default() });
    }
    let tried = candidates.iter().map(|e| e.uri.as_str()).collect::<Vec<_>>().join(", ");
    Err(Error::DockerNotRunning { tried })
}

/// Maps an engine error to ours, naming what we were doing.
pub(crate) fn failed(action: &'static str) -> impl FnOnce(bollard::errors::Error) -> Error {
    move |e| match e {
        // A connection that fails or drops mid-request (the engine was stopped or killed) is the
        // engine not running, whatever layer of the HTTP client noticed it.
        bollard::errors::Error::IOError { .. }
        | bollard::errors::Error::HyperResponseError { .. }
        | bollard::errors::Error::HyperLegacyError { .. }
        | bollard::errors::Error::SocketNotFoundError(_) => Error::DockerNotRunning { tried: "the engine, which stopped answering mid-request (stopped or killed)".to_owned() },
        other => Error::Docker { action, message: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn contexts_are_resolved_through_their_meta_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta = dir.path().join("contexts/meta/abc123");
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(meta.join("meta.json"), r#"{"Name":"desktop-linux","Endpoints":{"docker":{"Host":"unix:///home/u/.docker/desktop/docker.sock"}}}"#).expect("write");
        std::fs::write(dir.path().join("config.json"), r#"{"currentContext":"desktop-linux"}"#).expect("write");
        assert_eq!(super::current_context(dir.path()).as_deref(), Some("desktop-linux"));
        assert_eq!(super::context_host(dir.path(), "desktop-linux").as_deref(), Some("unix:///home/u/.docker/desktop/docker.sock"));
        assert_eq!(super::context_host(dir.path(), "other"), None);
    }

    #[test]
    fn an_explicit_setting_comes_first() {
        let c = super::candidates(Some("tcp://127.0.0.1:2375"));
        assert_eq!(c[0].uri, "tcp://127.0.0.1:2375");
        assert_eq!(c[0].source, "setting");
        assert!(c.iter().any(|e| e.source == "well-known socket"));
    }
}
