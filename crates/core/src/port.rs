//! Port pre-flight: before a container binds a port on 127.0.0.1, make sure it is free, and when
//! it is not, say who holds it (a Tenantdesk container, another container by name, or a host
//! process by name and pid where the OS tells) and offer the next free one.

use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener};

use bollard::query_parameters::ListContainersOptionsBuilder;

use crate::engine::Engine;
use crate::error::{Error, Result};

/// True when nothing listens on `port` on the loopback interface (nor on all interfaces).
pub fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() && TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
}

/// The first free port after `port`.
pub fn next_free(port: u16) -> Option<u16> {
    (port.saturating_add(1)..=port.saturating_add(200)).find(|p| is_free(*p))
}

/// Checks `port`; `Error::PortTaken` names its holder and offers a free port.
pub async fn preflight(engine: Option<&Engine>, port: u16) -> Result<()> {
    if is_free(port) {
        return Ok(());
    }
    let holder = match engine {
        Some(e) => container_holding(e, port).await,
        None => None,
    }
    .or_else(|| process_holding(port))
    .unwrap_or_else(|| "another program".to_owned());
    Err(Error::PortTaken { port, holder, free: next_free(port) })
}

async fn container_holding(engine: &Engine, port: u16) -> Option<String> {
    let containers = engine.docker.list_containers(Some(ListContainersOptionsBuilder::default().build())).await.ok()?;
    containers.into_iter().find_map(|c| {
        let publishes = c.ports.iter().flatten().any(|p| p.public_port == Some(port));
        if !publishes {
            return None;
        }
        let name = c.names.iter().flatten().next().map(|n| n.trim_start_matches('/').to_owned()).unwrap_or_default();
        let ours = c.labels.as_ref().is_some_and(|l| l.contains_key(crate::shared_container::LABEL_MANAGED));
        Some(if ours { format!("Tenantdesk's container '{name}'") } else { format!("the container '{name}'") })
    })
}

/// The process listening on `port`, from `/proc/net/tcp{,6}` and the processes' socket fds.
#[cfg(target_os = "linux")]
fn process_holding(port: u16) -> Option<String> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9)) else { continue };
            let listening = *state == "0A";
            let local_port = local.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if listening && local_port == Some(port) {
                inodes.push(format!("socket:[{inode}]"));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let mut names: HashMap<u32, String> = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| inodes.iter().any(|i| target.to_string_lossy() == *i)));
        if holds {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            names.insert(pid, comm.trim().to_owned());
        }
    }
    let (pid, name) = names.into_iter().min_by_key(|(pid, _)| *pid)?;
    Some(format!("the process '{name}' (pid {pid})"))
}

#[cfg(not(target_os = "linux"))]
fn process_holding(_port: u16) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_plain_listener_is_named_and_another_port_offered() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let err = super::preflight(None, port).await.expect_err("taken");
        match err {
            crate::Error::PortTaken { port: p, holder, free } => {
                assert_eq!(p, port);
                assert!(holder.contains(&format!("pid {}", std::process::id())), "{holder}");
                let free = free.expect("a free port");
                assert!(free > port && super::is_free(free));
            }
            other => panic!("{other:?}"),
        }
        drop(listener);
        assert!(super::preflight(None, port).await.is_ok());
    }
}
