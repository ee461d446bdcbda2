//! Server-sent events from a streaming response, parsed by `eventsource-stream` (the WHATWG
//! rules: `event:`, `data:` lines joined by newlines, comments, `id:`, `retry:`, events split
//! across chunks), with an idle limit on the bytes: a heartbeat or a comment keeps the stream
//! alive, silence ends it.

use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// `message` when the server named none.
    pub event: String,
    pub data: String,
}

/// Why a stream stopped giving events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The server closed it.
    Closed,
    /// No bytes, not even a heartbeat, for the idle limit.
    Idle,
    /// The connection failed, or what came was not an event stream.
    Broken(String),
}

/// What cut the bytes short, carried through the parser as its transport error.
#[derive(Debug)]
enum Cut {
    Idle,
    Broken(String),
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::Idle => f.write_str("idle"),
            Cut::Broken(reason) => f.write_str(reason),
        }
    }
}

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<Cut>>> + Send>>;

/// Events from a streaming response body.
pub struct EventStream {
    events: Events,
}

impl EventStream {
    /// The events of `response`, ending once no bytes arrive for `idle`.
    pub fn new(response: reqwest::Response, idle: Duration) -> Self {
        Self::from_chunks(response.bytes_stream().map(|chunk| chunk.map_err(|e| e.to_string())), idle)
    }

    fn from_chunks<B: AsRef<[u8]> + Send + 'static>(chunks: impl Stream<Item = Result<B, String>> + Send + 'static, idle: Duration) -> Self {
        let bytes = tokio_stream::StreamExt::timeout(chunks, idle).map(|chunk| match chunk {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(reason)) => Err(Cut::Broken(reason)),
            Err(_) => Err(Cut::Idle),
        });
        Self { events: Box::pin(bytes.eventsource()) }
    }

    /// The next event, or why there is none: closed, idle, or broken.
    pub async fn next(&mut self) -> Result<SseEvent, StreamEnd> {
        match self.events.next().await {
            None => Err(StreamEnd::Closed),
            Some(Ok(e)) => Ok(SseEvent { event: e.event, data: e.data }),
            Some(Err(EventStreamError::Transport(Cut::Idle))) => Err(StreamEnd::Idle),
            Some(Err(EventStreamError::Transport(Cut::Broken(reason)))) => Err(StreamEnd::Broken(reason)),
            Some(Err(e)) => Err(StreamEnd::Broken(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<&'static [u8], String>> + Send + 'static {
        futures_util::stream::iter(parts.iter().map(|p| Ok(p.as_bytes())).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn events_split_across_chunks_arrive_whole_and_the_end_is_told() {
        let mut events = EventStream::from_chunks(
            chunks(&[": hello\nevent: provisioning\nid: 1\nda", "ta: {\"a\":1}\r\n\r\nevent: heartbeat\ndata: {}\n\ndata: x\ndata: y\n\n"]),
            Duration::from_secs(5),
        );
        assert_eq!(events.next().await, Ok(SseEvent { event: "provisioning".into(), data: "{\"a\":1}".into() }));
        assert_eq!(events.next().await.map(|e| e.event), Ok("heartbeat".into()));
        assert_eq!(events.next().await, Ok(SseEvent { event: "message".into(), data: "x\ny".into() }));
        assert_eq!(events.next().await, Err(StreamEnd::Closed));
    }

    #[tokio::test]
    async fn silence_ends_the_stream_but_a_comment_keeps_it() {
        // Real time (paused time would need tokio's test-util, a second build of everything on
        // tokio): bytes every 600 ms under a 1 s limit, then 3 s of silence.
        let timed = futures_util::stream::iter([(0, "event: a\ndata: 1\n\n"), (600, ": still here\n"), (600, "event: b\ndata: 2\n\n"), (3000, "event: c\ndata: 3\n\n")]).then(
            |(after, part)| async move {
                tokio::time::sleep(Duration::from_millis(after)).await;
                Ok::<_, String>(part.as_bytes())
            },
        );
        let mut events = EventStream::from_chunks(timed, Duration::from_secs(1));
        assert_eq!(events.next().await.map(|e| e.event), Ok("a".into()));
        // 1.2 s between the events, never a second without bytes.
        assert_eq!(events.next().await.map(|e| e.event), Ok("b".into()));
        assert_eq!(events.next().await, Err(StreamEnd::Idle));
    }

    #[tokio::test]
    async fn a_broken_connection_says_why() {
        let broken = futures_util::stream::iter([Ok("event: a\ndata: 1\n\n".as_bytes()), Err("connection reset".to_owned())]);
        let mut events = EventStream::from_chunks(broken, Duration::from_secs(5));
        assert_eq!(events.next().await.map(|e| e.event), Ok("a".into()));
        assert_eq!(events.next().await, Err(StreamEnd::Broken("connection reset".into())));
    }
}
