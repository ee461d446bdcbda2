//! Colour for the words a reader scans for: errors, warnings, hints, passed and failed checks.
//! `console` decides per stream: never when it is piped, with `NO_COLOR` set or `TERM=dumb`.
//! Text is made terminal-safe before it is painted; the paint itself is the only escape.

use console::style;

pub fn error(label: &str) -> String {
    style(label).red().bold().for_stderr().to_string()
}

pub fn warning(label: &str) -> String {
    style(label).yellow().bold().for_stderr().to_string()
}

pub fn hint(label: &str) -> String {
    style(label).cyan().for_stderr().to_string()
}

pub fn ok(label: &str) -> String {
    style(label).green().to_string()
}

pub fn fail(label: &str) -> String {
    style(label).red().bold().to_string()
}
