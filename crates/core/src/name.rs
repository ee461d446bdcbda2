//! Names the user types: tenant names and profile names. A profile name becomes a folder under
//! `.systemprompt/profiles/` and both end up in session keys and database names, so they are
//! checked once, here, and carried as types that cannot hold an invalid value.

use std::fmt;

use crate::error::{Error, Result};

const MAX_LEN: usize = 63;

fn check(kind: &'static str, value: &str) -> Result<()> {
    let fail = |reason| Err(Error::InvalidName { kind, value: value.to_owned(), reason });
    if value.is_empty() {
        return fail("it is empty");
    }
    if value.len() > MAX_LEN {
        return fail("it is longer than 63 characters");
    }
    if value.contains('/') || value.contains('\\') || value.contains("..") {
        return fail("it may not contain '/', '\\' or '..'");
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return fail("only ASCII letters, digits, '-' and '_' are allowed");
    }
    if !value.as_bytes()[0].is_ascii_alphanumeric() {
        return fail("it must start with a letter or digit");
    }
    // A profile name is a folder: Windows cannot create these, so a project holding one would
    // not check out there.
    let upper = value.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT")) && upper.len() == 4 && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        return fail("it is a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9)");
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            pub fn parse(value: &str) -> Result<Self> {
                check($kind, value)?;
                Ok(Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = Error;
            fn from_str(value: &str) -> Result<Self> {
                Self::parse(value)
            }
        }
    };
}

name_type!(
    /// A tenant's display name as Tenantdesk creates it (`my-project`).
    TenantName,
    "tenant name"
);
name_type!(
    /// A profile's name, which is also its folder name (`local`, `staging`).
    ProfileName,
    "profile name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in ["my-project", "local", "prod_2", "A1", &"x".repeat(63)] {
            assert!(ProfileName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_hostile_names_with_a_reason() {
        for (bad, reason) in [
            ("", "empty"),
            ("../etc", "'..'"),
            ("CON", "Windows reserves"),
            ("lpt1", "Windows reserves"),
            ("a/b", "'/'"),
            ("a\\b", "'/'"),
            ("it's", "only ASCII"),
            ("a;drop", "only ASCII"),
            ("naïve", "only ASCII"),
            ("with space", "only ASCII"),
            ("-flag", "start with"),
            (&"x".repeat(64), "longer"),
        ] {
            let err = TenantName::parse(bad).expect_err(bad).to_string();
            assert!(err.contains(reason), "{bad}: {err}");
        }
    }
}
