//! SystemPrompt Cloud: the API client, its wire types, server-sent events and the login callback.
//! The use cases that drive them are in `ops::cloud`.

pub mod client;
pub mod login;
pub mod sse;
pub mod wire;

pub use client::{ClientOptions, CloudClient, install_crypto_provider};

/// The public API; `TENANTDESK_CLOUD_URL` or the project's login setting override it.
pub const DEFAULT_API_URL: &str = "https://api.systemprompt.io";

/// A region tenants can be created in: the CLI's constant list, with full names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
}

pub const REGIONS: [Region; 8] = [
    Region { code: "iad", name: "US East (Virginia)" },
    Region { code: "lhr", name: "Europe (London)" },
    Region { code: "fra", name: "Europe (Frankfurt)" },
    Region { code: "ams", name: "Europe (Amsterdam)" },
    Region { code: "sin", name: "Asia Pacific (Singapore)" },
    Region { code: "nrt", name: "Asia Pacific (Tokyo)" },
    Region { code: "syd", name: "Asia Pacific (Sydney)" },
    Region { code: "gru", name: "South America (São Paulo)" },
];

pub fn region(code: &str) -> Option<Region> {
    REGIONS.iter().copied().find(|r| r.code == code.trim().to_lowercase())
}
