//! How a tenant looks wherever it is named — the list, the window title, the tray menu and the
//! prompt of a terminal opened in it — so working in the wrong one is hard to miss. Red means
//! production and nothing else: a production tenant is always red, and red cannot be chosen.

use serde::{Deserialize, Serialize};

use crate::tenant::TenantId;

/// A tenant's colour. Each has an emoji square (circles are health dots) for places that show only text (the tray menu,
/// the window title).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Blue,
    Green,
    Purple,
    Orange,
    Yellow,
    Brown,
    Grey,
    /// Production's: shown, never chosen.
    Red,
}

/// The colours a user can choose, in the order the window offers them.
pub const CHOOSABLE: [Colour; 7] = [Colour::Blue, Colour::Green, Colour::Purple, Colour::Orange, Colour::Yellow, Colour::Brown, Colour::Grey];

impl Colour {
    pub fn emoji(self) -> &'static str {
        match self {
            Colour::Blue => "🟦",
            Colour::Green => "🟩",
            Colour::Purple => "🟪",
            Colour::Orange => "🟧",
            Colour::Yellow => "🟨",
            Colour::Brown => "🟫",
            Colour::Grey => "⬜",
            Colour::Red => "🟥",
        }
    }

    /// The colour as 24-bit RGB, for a terminal prompt.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Colour::Blue => (59, 130, 246),
            Colour::Green => (34, 197, 94),
            Colour::Purple => (168, 85, 247),
            Colour::Orange => (249, 115, 22),
            Colour::Yellow => (234, 179, 8),
            Colour::Brown => (161, 98, 7),
            Colour::Grey => (148, 163, 184),
            Colour::Red => (239, 68, 68),
        }
    }

    /// A tenant nobody gave a colour still gets one of its own, the same on every run, so two
    /// tenants side by side rarely look alike.
    fn default_for(id: &TenantId) -> Colour {
        // FNV-1a: stable across runs and Rust versions, unlike the std hasher.
        let hash = id.as_str().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        CHOOSABLE[(hash % CHOOSABLE.len() as u64) as usize]
    }
}

/// Parses a colour or icon name as the CLI takes it (`blue`, `rocket`); an unknown name is an
/// error listing the choices.
fn parse_name<T: serde::de::DeserializeOwned + Serialize>(kind: &'static str, value: &str, choices: &[T]) -> crate::Result<T> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_ascii_lowercase())).map_err(|_| {
        let names: Vec<String> = choices.iter().filter_map(|c| serde_json::to_value(c).ok()).filter_map(|v| v.as_str().map(str::to_owned)).collect();
        crate::Error::InvalidChoice { kind, value: value.to_owned(), choices: names.join(", ") }
    })
}

impl std::str::FromStr for Colour {
    type Err = crate::Error;
    fn from_str(value: &str) -> crate::Result<Self> {
        match parse_name("colour", value, &CHOOSABLE)? {
            Colour::Red => Err(crate::Error::InvalidChoice {
                kind: "colour",
                value: value.to_owned(),
                choices: format!("{} (red is kept for production tenants)", CHOOSABLE.map(|c| format!("{c:?}").to_ascii_lowercase()).join(", ")),
            }),
            colour => Ok(colour),
        }
    }
}

impl std::str::FromStr for Icon {
    type Err = crate::Error;
    fn from_str(value: &str) -> crate::Result<Self> {
        parse_name("icon", value, &ICONS)
    }
}

pub const ICONS: [Icon; 8] = [Icon::Database, Icon::Rocket, Icon::Flask, Icon::Star, Icon::Bolt, Icon::Home, Icon::Tools, Icon::Globe];

/// A small picture beside a tenant's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Icon {
    Database,
    Rocket,
    Flask,
    Star,
    Bolt,
    Home,
    Tools,
    Globe,
}

impl Icon {
    pub fn glyph(self) -> &'static str {
        match self {
            Icon::Database => "🗄",
            Icon::Rocket => "🚀",
            Icon::Flask => "🧪",
            Icon::Star => "⭐",
            Icon::Bolt => "⚡",
            Icon::Home => "🏠",
            Icon::Tools => "🛠",
            Icon::Globe => "🌐",
        }
    }
}

/// What the user chose for a tenant (kept in Tenantdesk's marks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chosen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<Colour>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Icon>,
}

/// How a tenant is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Appearance {
    pub colour: Colour,
    pub icon: Option<Icon>,
}

impl Appearance {
    pub fn of(id: &TenantId, chosen: Option<&Chosen>, production: bool) -> Self {
        let colour = if production { Colour::Red } else { chosen.and_then(|c| c.colour).filter(|c| *c != Colour::Red).unwrap_or_else(|| Colour::default_for(id)) };
        Appearance { colour, icon: chosen.and_then(|c| c.icon) }
    }

    /// `🟦 🚀 ` — the tenant's marks for a line of text, ending in a space.
    pub fn prefix(&self) -> String {
        match self.icon {
            Some(icon) => format!("{} {} ", self.colour.emoji(), icon.glyph()),
            None => format!("{} ", self.colour.emoji()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_red_whatever_was_chosen_and_red_cannot_be_chosen() {
        let id = TenantId::parse("local_1").expect("valid");
        let chosen = Chosen { colour: Some(Colour::Blue), icon: Some(Icon::Rocket) };
        assert_eq!(Appearance::of(&id, Some(&chosen), true), Appearance { colour: Colour::Red, icon: Some(Icon::Rocket) });
        assert_eq!(Appearance::of(&id, Some(&chosen), false).colour, Colour::Blue);
        let red = Chosen { colour: Some(Colour::Red), icon: None };
        assert_ne!(Appearance::of(&id, Some(&red), false).colour, Colour::Red);
        assert!(!CHOOSABLE.contains(&Colour::Red));
    }

    #[test]
    fn an_unchosen_colour_is_stable_and_varies_between_tenants() {
        let a = Appearance::of(&TenantId::parse("local_a").expect("valid"), None, false).colour;
        assert_eq!(a, Appearance::of(&TenantId::parse("local_a").expect("valid"), None, false).colour);
        let colours: std::collections::BTreeSet<_> = (0..20).map(|i| Appearance::of(&TenantId::parse(&format!("local_{i}")).expect("valid"), None, false).colour as u8).collect();
        assert!(colours.len() > 3, "{colours:?}");
    }

    #[test]
    fn names_parse_as_the_cli_takes_them() {
        assert_eq!("Blue".parse::<Colour>().expect("valid"), Colour::Blue);
        assert_eq!("rocket".parse::<Icon>().expect("valid"), Icon::Rocket);
        let red = "red".parse::<Colour>().expect_err("refused").to_string();
        assert!(red.contains("kept for production"), "{red}");
        let unknown = "teal".parse::<Colour>().expect_err("refused").to_string();
        assert!(unknown.contains("blue, green"), "{unknown}");
    }
}
