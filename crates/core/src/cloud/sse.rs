//! Server-sent events, parsed from the response's byte stream as they arrive: `event:`, `data:`
//! (joined by newlines), `id:`, comments ignored, an empty line dispatches.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// `message` when the server named none.
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

/// Why a stream stopped giving events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The server closed it.
    Closed,
    /// No bytes, not even a heartbeat, for the idle limit.
    Idle,
    /// The connection failed.
    Broken(String),
}

#[derive(Default)]
struct Parser {
    buffer: Vec<u8>,
    current: SseEvent,
    has_data: bool,
}

impl Parser {
    fn push(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) {
        self.buffer.extend_from_slice(chunk);
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            self.line(line.trim_end_matches(['\n', '\r']), out);
        }
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data || !self.current.event.is_empty() {
                let mut event = std::mem::take(&mut self.current);
                if event.event.is_empty() {
                    event.event = "message".to_owned();
                }
                out.push(event);
            }
            self.has_data = false;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = line.split_once(':').map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
        match field {
            "event" => self.current.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
            }
            "id" => self.current.id = Some(value.to_owned()),
            _ => {}
        }
    }
}

/// Events from a streaming response body.
pub struct EventStream {
    body: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>,
    parser: Parser,
    ready: std::collections::VecDeque<SseEvent>,
}

impl EventStream {
    pub fn new(response: reqwest::Response) -> Self {
        Self { body: Box::pin(response.bytes_stream()), parser: Parser::default(), ready: Default::default() }
    }

    /// The next event, or why there is none: closed, idle for `idle`, or broken.
    pub async fn next(&mut self, idle: Duration) -> Result<SseEvent, StreamEnd> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(e);
            }
            match tokio::time::timeout(idle, self.body.next()).await {
                Err(_) => return Err(StreamEnd::Idle),
                Ok(None) => return Err(StreamEnd::Closed),
                Ok(Some(Err(e))) => return Err(StreamEnd::Broken(e.to_string())),
                Ok(Some(Ok(chunk))) => {
                    let mut out = Vec::new();
                    self.parser.push(&chunk, &mut out);
                    self.ready.extend(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_split_across_chunks() {
        let mut p = Parser::default();
        let mut out = Vec::new();
        p.push(b": hello\nevent: provisioning\nid: 1\nda", &mut out);
        assert!(out.is_empty());
        p.push(b"ta: {\"a\":1}\r\n\r\nevent: heartbeat\ndata: {}\n\ndata: x\ndata: y\n\n", &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], SseEvent { event: "provisioning".into(), data: "{\"a\":1}".into(), id: Some("1".into()) });
        assert_eq!(out[1].event, "heartbeat");
        assert_eq!((out[2].event.as_str(), out[2].data.as_str()), ("message", "x\ny"));
    }
}
