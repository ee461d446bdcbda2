//! Timestamps in the RFC 3339 UTC form the CLI writes (`2026-01-30T10:00:00.123456Z`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) fn now_rfc3339() -> String {
    // Formatting a UTC timestamp as RFC 3339 cannot fail for years 0..=9999.
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

pub(crate) fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Milliseconds since the Unix epoch (to compare with a server's send time).
pub(crate) fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
