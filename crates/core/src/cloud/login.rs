//! The loopback end of browser login: a one-shot HTTP listener on 127.0.0.1 that waits for the
//! API to redirect the browser to `/callback?access_token=…` (or `?error=…`).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The CLI's callback port; another free one is used when it is taken.
const PREFERRED_PORT: u16 = 8765;

pub struct Callback {
    listener: TcpListener,
    pub redirect_uri: String,
}

impl Callback {
    pub async fn bind() -> Result<Self> {
        let listener = match TcpListener::bind(("127.0.0.1", PREFERRED_PORT)).await {
            Ok(l) => l,
            Err(_) => TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| Error::LoginFailed { reason: format!("no local port for the login callback: {e}") })?,
        };
        let port = listener.local_addr().map_err(|e| Error::LoginFailed { reason: e.to_string() })?.port();
        Ok(Self { listener, redirect_uri: format!("http://127.0.0.1:{port}/callback") })
    }

    /// Waits for the browser's redirect; other requests (a favicon) get a 404 and are ignored.
    pub async fn wait(self, limit: Duration) -> Result<Secret> {
        tokio::time::timeout(limit, self.accept())
            .await
            .unwrap_or_else(|_| Err(Error::LoginFailed { reason: format!("Authentication timed out after {} seconds", limit.as_secs()) }))
    }

    async fn accept(self) -> Result<Secret> {
        loop {
            let (mut socket, _) = self.listener.accept().await.map_err(|e| Error::LoginFailed { reason: e.to_string() })?;
            let mut buffer = vec![0u8; 8192];
            let mut read = 0;
            while read < buffer.len() {
                match socket.read(&mut buffer[read..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => read += n,
                }
                if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let head = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("/");
            let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else { continue };
            if url.path() != "/callback" {
                let _ = socket.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                continue;
            }
            let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
            let (page, result) = match (query.get("access_token"), query.get("error")) {
                (Some(token), _) if !token.is_empty() => ("Signed in. You can close this tab and return to Tenantdesk.", Ok(Secret::new(token.clone()))),
                (_, Some(error)) => ("Sign-in was not completed. You can close this tab.", Err(Error::LoginFailed { reason: format!("the browser sign-in ended with '{error}'") })),
                _ => ("Sign-in failed: no token arrived.", Err(Error::LoginFailed { reason: "No token received in callback".to_owned() })),
            };
            let html = format!("<!doctype html><meta charset=utf-8><title>Tenantdesk</title><p style=\"font:16px system-ui;margin:3rem\">{page}</p>");
            let reply = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}", html.len());
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
            return result;
        }
    }
}

/// Opens `url` with the desktop's opener; false when there is none (a server, a container).
pub fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener).arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
}
