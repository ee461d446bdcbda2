//! The loopback end of browser login: a one-shot HTTP listener on 127.0.0.1 that waits for the
//! API to redirect the browser to `/callback?access_token=…` (or `?error=…`).
//!
//! Any local process or web page can reach a loopback port, so a forged callback could log the
//! user in as someone else (login CSRF). The redirect address carries a one-time `state` nonce
//! that the API hands back unchanged; a callback without it is refused and the wait goes on.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The CLI's callback port; another free one is used when it is taken.
const PREFERRED_PORT: u16 = 8765;

pub struct Callback {
    listener: TcpListener,
    state: String,
    pub redirect_uri: String,
}

impl Callback {
    pub async fn bind() -> Result<Self> {
        let listener = match TcpListener::bind(("127.0.0.1", PREFERRED_PORT)).await {
            Ok(l) => l,
            Err(_) => TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| Error::LoginFailed { reason: format!("no local port for the login callback: {e}") })?,
        };
        let port = listener.local_addr().map_err(|e| Error::LoginFailed { reason: e.to_string() })?.port();
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| Error::LoginFailed { reason: format!("no randomness for the sign-in nonce: {e}") })?;
        let state = crate::keychain::hex(&nonce);
        Ok(Self { listener, redirect_uri: format!("http://127.0.0.1:{port}/callback?state={state}"), state })
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
            if query.get("state") != Some(&self.state) {
                let page = "Refused: this sign-in did not start in Tenantdesk.";
                let reply = format!("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len());
                let _ = socket.write_all(reply.as_bytes()).await;
                continue;
            }
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

/// Opens `url` with the desktop's opener (`xdg-open`, `gio`, … on Linux; `open` on macOS; the
/// shell on Windows); false when there is none (a server, a container).
pub fn open_browser(url: &str) -> bool {
    open::that(url).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(redirect: &str, query: &str) -> String {
        let url = url::Url::parse(redirect).expect("url");
        let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", url.port().expect("port"))).await.expect("connect");
        socket.write_all(format!("GET /callback?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).await.expect("send");
        let mut reply = String::new();
        let _ = socket.read_to_string(&mut reply).await;
        reply
    }

    #[tokio::test]
    async fn a_callback_without_the_sign_ins_state_is_refused() {
        let callback = Callback::bind().await.expect("bind");
        let redirect = callback.redirect_uri.clone();
        let state = url::Url::parse(&redirect).expect("url").query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state in the redirect");
        assert_eq!(state.len(), 32);
        let waiting = tokio::spawn(callback.wait(Duration::from_secs(10)));
        assert!(get(&redirect, "access_token=attacker").await.starts_with("HTTP/1.1 403"));
        assert!(get(&redirect, "state=guess&access_token=attacker").await.starts_with("HTTP/1.1 403"));
        assert!(get(&redirect, &format!("state={state}&access_token=mine")).await.starts_with("HTTP/1.1 200"));
        let token = waiting.await.expect("join").expect("signed in");
        assert_eq!(token.expose(), "mine");
    }
}
