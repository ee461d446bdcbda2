//! Text output, in the seed's words and layout. Everything here takes the views `ops` returns,
//! which never carry a secret, and produces a string.

use std::fmt::Write;

use tenantdesk_core::ops::cloud::ExternalAccessChanged;
use tenantdesk_core::ops::container::{HealthEvent, SharedStatus};
use tenantdesk_core::ops::credentials::Rotated;
use tenantdesk_core::ops::databases::{DbStatus, LocalHealth};
use tenantdesk_core::ops::doctor::Check;
use tenantdesk_core::ops::sync::{ExternalUrlMissing, Unfinished};
use tenantdesk_core::ops::{CreatedTenant, DeletedTenant, ProfileDetails, ProfileView, Selection, SessionSwitch, SessionView, TenantDetails, TenantList, TenantView};
use tenantdesk_core::session::SessionState;
use tenantdesk_core::tenant::{TenantId, TenantType};

use crate::error::CliError;

const RULE: &str = "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━";

/// Text for a terminal: control characters from files or the network (`\e[2J`, a title escape,
/// a bell) are shown as escapes instead of acting on the terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            '\u{1b}' => "\\e".to_owned(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// One value from a file or the network on one line: a newline in a tenant's name must not forge
/// a line of output.
pub fn one_line(value: &str) -> String {
    value.replace('\n', "\\n").replace('\r', "\\r")
}

pub fn error(error: &CliError, json: bool) {
    let hint = error.hint();
    // The failed checks are the report already printed; a second JSON document would break it.
    if json && !matches!(error, CliError::ChecksFailed(_)) {
        let body = serde_json::json!({
            "error": { "code": error.code(), "message": error.to_string(), "hint": hint }
        });
        println!("{}", serde_json::to_string_pretty(&body).unwrap_or_default());
    }
    eprintln!("{} {}", crate::paint::error("Error:"), terminal_safe(&error.to_string()));
    if let Some(hint) = hint {
        eprintln!("  {} {}", crate::paint::hint("Hint:"), terminal_safe(&hint));
    }
}

pub fn initialised(root: &str) -> String {
    format!("Initialised SystemPrompt project in {root}\n  Next: tenantdesk cloud tenant create --type local --name <name>")
}

fn short_id(id: &str) -> String {
    TenantId::parse(id).map_or_else(|_| id.to_owned(), |id| id.short())
}

/// The offer to put back what a `systemprompt cloud auth logout` took out of tenants.json.
fn restore_offer(list: &TenantList) -> String {
    if list.restorable.is_empty() {
        return String::new();
    }
    let names: Vec<String> = list.restorable.iter().map(|n| one_line(n)).collect();
    format!(
        "\n\ntenants.json no longer lists {} (the systemprompt CLI's 'cloud auth logout' deletes the whole file).\n  Restore them, passwords and all: tenantdesk cloud tenant restore   (or forget them: --forget)",
        names.join(", ")
    )
}

/// The seed's table, with column headers: ids cut to a prefix that is still unique in the list
/// (any command takes it), or whole with `wide`; the selected tenant marked in its own column.
pub fn tenant_list(list: &TenantList, wide: bool) -> String {
    if list.tenants.is_empty() {
        return format!("No tenants configured.\n  Create one: tenantdesk cloud tenant create --type local --name <name>{}", restore_offer(list));
    }
    let ids: Vec<String> = list.tenants.iter().map(|t| t.id.clone()).collect();
    let ids = if wide { ids } else { unique_prefixes(&ids) };
    let any_region = list.tenants.iter().any(|t| t.region.is_some());
    let mut rows = vec![vec!["ID".to_owned(), String::new(), "TYPE".to_owned(), "NAME".to_owned(), if any_region { "REGION".to_owned() } else { String::new() }]];
    for (t, id) in list.tenants.iter().zip(ids) {
        let marker = if t.selected { "(selected)" } else { "" };
        rows.push(vec![one_line(&id), marker.to_owned(), kind(t), one_line(&t.name), t.region.as_deref().map(one_line).unwrap_or_default()]);
    }
    let mut out = format!("Tenants\n{RULE}\n{}", table(&rows));
    if list.selected.is_none() {
        out.push_str("\n\nNo tenant selected. Run: tenantdesk cloud tenant select <name or id>");
    }
    out.push_str(&restore_offer(list));
    out
}

/// Rows as aligned columns (by characters, not bytes), two spaces indented, three between; the
/// last column is not padded and empty columns take no room.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |v| v.chars().count())).max().unwrap_or(0)).collect();
    let shown: Vec<usize> = (0..columns).filter(|&c| widths[c] > 0).collect();
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            let cells: Vec<String> = shown.iter().map(|&c| format!("{:<w$}", row.get(c).map_or("", String::as_str), w = widths[c])).collect();
            format!("  {}", cells.join("   ").trim_end())
        })
        .collect();
    lines.join("\n")
}

/// Each id cut to the seed's short form (13 characters and "...") or longer where two would
/// otherwise look the same; ids of 20 characters or fewer are shown whole.
fn unique_prefixes(ids: &[String]) -> Vec<String> {
    const SHORT: usize = 13;
    let cut = |id: &str, n: usize| -> Option<String> { (id.chars().count() > 20 && n < id.chars().count()).then(|| id.chars().take(n).collect()) };
    ids.iter()
        .map(|id| {
            let mut n = SHORT;
            while let Some(prefix) = cut(id, n) {
                if !ids.iter().any(|other| other != id && other.starts_with(&prefix)) {
                    return format!("{prefix}...");
                }
                n += 1;
            }
            id.clone()
        })
        .collect()
}

/// `local`, `cloud`, or a self-managed tenant's provider (`kubernetes`).
fn kind(t: &TenantView) -> String {
    match t.tenant_type {
        TenantType::SelfManaged => t.provider.clone(),
        other => other.to_string(),
    }
}

fn field(out: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "  {:<15}{}", format!("{label}:"), one_line(&value.to_string()));
}

fn tenant_fields(out: &mut String, t: &TenantView) {
    field(out, "ID", &t.id);
    field(out, "Name", &t.name);
    match t.tenant_type {
        TenantType::SelfManaged => field(out, "Type", format!("self-managed ({})", t.provider)),
        other => field(out, "Type", other),
    }
    if t.tenant_type != TenantType::Local {
        field(out, "Hostname", t.hostname.as_deref().unwrap_or("-"));
        field(out, "Region", t.region.as_deref().unwrap_or("-"));
        if let Some(app) = &t.app_id {
            field(out, "App", app);
        }
        field(out, "External DB", if t.external_db_access { "enabled" } else { "disabled" });
    }
    field(out, "Database", t.database_url.as_deref().unwrap_or("(none)"));
    if let Some(project) = &t.docker_project {
        field(out, "Docker project", project);
    }
    field(out, "Selected", if t.selected { "yes" } else { "no" });
    if t.production {
        field(out, "Production", "yes (deleting needs its name typed)");
    }
}

fn session_summary(session: Option<&SessionView>, state: SessionState) -> String {
    match session {
        None => "none".to_owned(),
        Some(s) => {
            let who = s.user_email.as_deref().unwrap_or("unknown user");
            let until = s.expires_at.as_deref().unwrap_or("unknown");
            format!("{state} ({who}, profile {}, expires {until})", s.profile_name.as_deref().unwrap_or("-"))
        }
    }
}

pub fn tenant_details(d: &TenantDetails, health: Option<&Result<LocalHealth, tenantdesk_core::Error>>) -> String {
    let mut out = format!("Tenant: {}\n", one_line(&d.tenant.name));
    tenant_fields(&mut out, &d.tenant);
    field(&mut out, "Appearance", appearance_words(&d.tenant));
    match health {
        Some(Ok(h)) => {
            let db = match h.database_present {
                Some(true) => "present",
                Some(false) => "MISSING",
                None => "not checked",
            };
            let container = h.container.map_or_else(String::new, |c| format!(", container {c}"));
            field(&mut out, "Live state", format!("database {db}{container} ({})", h.location));
        }
        Some(Err(why)) => {
            field(&mut out, "Live state", format!("not checked: {why}"));
            if let Some(hint) = crate::hint::of(why) {
                field(&mut out, "", hint);
            }
        }
        None => {}
    }
    let profiles: Vec<&str> = d.profiles.iter().map(|p| p.name.as_str()).collect();
    field(&mut out, "Profiles", if profiles.is_empty() { "(none)".to_owned() } else { profiles.join(", ") });
    field(&mut out, "Session", session_summary(d.session.as_ref(), d.session_state));
    out.trim_end().to_owned()
}

pub fn selection(s: &Selection) -> String {
    let mut out = format!("Selected tenant '{}' ({})", one_line(&s.tenant.name), s.tenant.id);
    match (&s.profile, s.session_state) {
        (Some(p), SessionState::Active) => {
            let _ = write!(out, "\n  Profile '{p}' is active; its session was restored.");
        }
        (Some(p), _) => {
            let _ = write!(out, "\n  Profile '{p}' is active. No active session — run 'systemprompt admin session login'.");
        }
        (None, _) => {
            let _ = write!(out, "\n  This tenant has no profile yet. Create one: tenantdesk cloud profile create <name>");
        }
    }
    out
}

pub fn created_tenant(c: &CreatedTenant) -> String {
    let mut out = format!("Created {} tenant '{}' ({})", kind(&c.tenant), one_line(&c.tenant.name), c.tenant.id);
    if let Some(url) = &c.tenant.database_url {
        let _ = write!(out, "\n  Database: {url}");
    }
    match &c.profile {
        Some(p) => {
            let _ = write!(out, "\n  Profile:  {p}");
        }
        None => out.push_str("\n  A profile with this name already exists; create one with: tenantdesk cloud profile create <name>"),
    }
    let _ = write!(out, "\n  Next: tenantdesk cloud tenant select {}", c.tenant.id);
    out
}

pub fn production(t: &TenantView) -> String {
    if t.production {
        format!("'{}' is marked production: deleting it now needs its name typed", one_line(&t.name))
    } else {
        format!("'{}' is no longer marked production", one_line(&t.name))
    }
}

fn appearance_words(t: &TenantView) -> String {
    let a = t.appearance;
    let colour = format!("{:?}", a.colour).to_ascii_lowercase();
    let colour = if t.production { format!("{colour} (production)") } else { colour };
    match a.icon {
        Some(icon) => format!("{} {colour}, {} {}", a.colour.emoji(), icon.glyph(), format!("{icon:?}").to_ascii_lowercase()),
        None => format!("{} {colour}", a.colour.emoji()),
    }
}

pub fn appearance(t: &TenantView) -> String {
    format!("'{}' is shown as {}", one_line(&t.name), appearance_words(t))
}

pub fn opened_terminal(o: &tenantdesk_core::ops::environment::OpenedTerminal) -> String {
    let profile = o.profile.as_deref().map_or_else(String::new, |p| format!(" (profile {p})"));
    format!("Opened {} in '{}'{profile}; closing it changes nothing", o.emulator.command.join(" "), one_line(&o.tenant_name))
}

pub fn terminal_setting(t: &tenantdesk_core::ops::environment::TerminalSetting) -> String {
    let setting = t.setting.as_deref().map_or_else(|| "none (found the way your desktop finds it)".to_owned(), |s| format!("'{s}'"));
    let used = match (&t.emulator, &t.problem) {
        (Some(e), _) => format!("{} (by {})", e.command.join(" "), e.found_by),
        (None, Some(p)) => p.clone(),
        (None, None) => "none".to_owned(),
    };
    format!("Terminal setting: {setting}\nTerminal used:    {used}")
}

pub fn deleted_tenant(d: &DeletedTenant) -> String {
    let mut out = format!("Deleted tenant '{}' ({})\n  Destroyed: {}", one_line(&d.tenant.name), d.tenant.id, d.tenant.delete_destroys);
    if !d.unlinked_profiles.is_empty() {
        let _ = write!(out, "\n  Unlinked profiles (kept): {}", d.unlinked_profiles.join(", "));
    }
    if d.removed_session {
        out.push_str("\n  Removed its session");
    }
    if let Some(s) = &d.snapshot {
        let _ = write!(out, "\n  Kept snapshot {} ({}). Undo: tenantdesk snapshot restore {} --as {}", s.id, size(Some(s.size)), s.id, one_line(&d.tenant.name));
    }
    out
}

fn reason(r: tenantdesk_core::snapshot::Reason) -> &'static str {
    use tenantdesk_core::snapshot::Reason;
    match r {
        Reason::Manual => "manual",
        Reason::BeforeDelete => "before delete",
        Reason::BeforeDropOrphan => "before drop-orphan",
        Reason::BeforeRestore => "before restore",
        Reason::BeforeReset => "before reset",
        Reason::BeforeRecreate => "before recreate",
    }
}

pub fn snapshot_taken(s: &tenantdesk_core::snapshot::SnapshotInfo) -> String {
    format!("Snapshot {} of '{}' ({}, PostgreSQL {}, sha256 {}…)", s.id, one_line(&s.tenant_name), size(Some(s.size)), s.pg_version, &s.sha256[..12.min(s.sha256.len())])
}

pub fn autostart(a: &tenantdesk_core::autostart::Autostart) -> String {
    match (&a.enabled, &a.program) {
        (true, Some(p)) => format!("Tenantdesk starts at login, hidden in the tray ({p}; entry {})", a.entry),
        (true, None) => format!("An autostart entry exists at {}, but names no program", a.entry),
        (false, _) => "Tenantdesk does not start at login (turn it on: tenantdesk settings autostart on)".to_owned(),
    }
}

pub fn retention(r: &tenantdesk_core::ops::snapshots::Retention) -> String {
    format!(
        "Snapshots: {} using {} in {}\nAutomatic ones kept: the newest {} of each tenant, and any younger than {} days (manual ones stay until deleted)",
        r.count,
        size(Some(r.bytes)),
        r.folder,
        r.keep,
        r.days
    )
}

pub fn snapshots(list: &[tenantdesk_core::snapshot::SnapshotInfo]) -> String {
    if list.is_empty() {
        return "No snapshots. Take one with: tenantdesk snapshot create <tenant>".to_owned();
    }
    let mut out = format!("{:<13} {:<20} {:<21} {:>9}  {:<19} NOTE", "ID", "TENANT", "TAKEN", "SIZE", "REASON");
    for s in list {
        let taken = s.created_at.get(..19).unwrap_or(&s.created_at).replace('T', " ");
        let _ = write!(
            out,
            "\n{:<13} {:<20} {:<21} {:>9}  {:<19} {}",
            s.id,
            one_line(&s.tenant_name),
            taken,
            size(Some(s.size)),
            reason(s.reason),
            one_line(s.note.as_deref().unwrap_or(""))
        );
    }
    out
}

pub fn restored_snapshot(r: &tenantdesk_core::ops::snapshots::Restored) -> String {
    format!(
        "Restored snapshot {} into '{}' ({}); its URL, role and password are unchanged.\n  Its data from before is in snapshot {} (undo: tenantdesk snapshot restore {} --in-place)",
        r.snapshot.id,
        one_line(&r.name),
        r.snapshot.created_at,
        r.kept.id,
        r.kept.id
    )
}

pub fn profile_list(profiles: &[ProfileView]) -> String {
    if profiles.is_empty() {
        return "No profiles found.\n  Create a profile with: tenantdesk cloud profile create <name>".to_owned();
    }
    let mut out = format!("Profiles\n{RULE}\n");
    for p in profiles {
        let marker = if p.active { "(active) " } else { "" };
        match &p.problem {
            Some(problem) => {
                let _ = writeln!(out, "  {:<21}{marker}unreadable: {problem}", p.name);
            }
            None => {
                let tenant = p.tenant_id.as_deref().map_or_else(|| "(no tenant)".to_owned(), short_id);
                let _ = writeln!(out, "  {:<21}{marker}{:<8}{tenant}", one_line(&p.name), p.target.as_deref().unwrap_or("local"));
                if !p.refusals.is_empty() {
                    let _ =
                        writeln!(out, "  {:<21}refused by today's systemprompt: {}\n  {:<21}upgrade: tenantdesk cloud profile upgrade {}", "", p.refusals.join("; "), "", p.name);
                }
            }
        }
    }
    out.trim_end().to_owned()
}

pub fn profile_details(d: &ProfileDetails) -> String {
    let mut out = format!("Profile: {}\n", d.profile.name);
    field(&mut out, "Display name", d.profile.display_name.as_deref().unwrap_or("-"));
    field(&mut out, "Target", d.profile.target.as_deref().unwrap_or("local"));
    field(&mut out, "File", &d.path);
    let tenant = match (&d.tenant, &d.profile.tenant_id) {
        (Some(t), _) => format!("{} ({})", one_line(&t.name), t.id),
        (None, Some(id)) => format!("{id} (not in tenants.json)"),
        (None, None) => "(none)".to_owned(),
    };
    field(&mut out, "Tenant", tenant);
    field(&mut out, "Active", if d.profile.active { "yes" } else { "no" });
    let state = d.session.as_ref().map_or(SessionState::None, |s| s.state);
    field(&mut out, "Session", session_summary(d.session.as_ref(), state));
    if !d.profile.refusals.is_empty() {
        field(&mut out, "Refused by", format!("systemprompt 0.73+: {}; run 'tenantdesk cloud profile upgrade {}'", d.profile.refusals.join("; "), d.profile.name));
    }
    if !d.values.is_empty() {
        let _ = writeln!(out, "\n  Values                                    From");
        for v in &d.values {
            let value = if v.reference { format!("{} (from the environment)", v.value) } else { v.value.clone() };
            let _ = writeln!(out, "  {:<42}{}", format!("{} = {}", v.key, one_line(&value)), v.from);
        }
    }
    out.trim_end().to_owned()
}

pub fn profile_upgrade(u: &tenantdesk_core::ops::ProfileUpgrade) -> String {
    let mut out = String::new();
    if !u.refusals.is_empty() {
        let _ = writeln!(out, "Today's systemprompt refuses profile '{}': {}.", one_line(&u.name), u.refusals.join("; "));
    }
    if u.diff.is_empty() {
        let _ = write!(out, "Profile '{}' is already in the 0.73 layout; nothing to change.", one_line(&u.name));
        return out;
    }
    let _ = writeln!(out, "{}", u.diff);
    match &u.backup {
        Some(backup) if u.applied => {
            let _ = write!(out, "Upgraded profile '{}'. The file as it was: {backup}", one_line(&u.name));
        }
        _ => {
            let _ = write!(out, "Dry run: nothing changed. Apply with: tenantdesk cloud profile upgrade {}", u.name);
        }
    }
    out
}

pub fn created_profile(p: &ProfileView) -> String {
    format!("Created profile '{}' for tenant {}\n  Next: tenantdesk admin session switch {}", one_line(&p.name), p.tenant_id.as_deref().unwrap_or("-"), p.name)
}

pub fn deleted_profile(p: &ProfileView) -> String {
    format!("Deleted profile '{}'", p.name)
}

pub fn session_list(sessions: &[SessionView]) -> String {
    if sessions.is_empty() {
        return "No sessions.\n  Select a tenant with: tenantdesk cloud tenant select <id>".to_owned();
    }
    let mut out = format!("Sessions\n{RULE}\n");
    for s in sessions {
        let marker = if s.active { "(active) " } else { "" };
        let _ = writeln!(
            out,
            "  {:<21}{marker}{:<8}{:<16}{}",
            s.tenant_id.as_deref().map_or_else(|| s.key.clone(), short_id),
            s.state.to_string(),
            s.profile_name.as_deref().unwrap_or("-"),
            s.user_email.as_deref().unwrap_or("-")
        );
    }
    out.trim_end().to_owned()
}

pub fn session(s: &SessionView) -> String {
    let mut out = format!("Session: {}\n", s.key);
    field(&mut out, "State", s.state);
    field(&mut out, "Active", if s.active { "yes" } else { "no" });
    field(&mut out, "Profile", s.profile_name.as_deref().unwrap_or("-"));
    field(&mut out, "User", s.user_email.as_deref().unwrap_or("-"));
    field(&mut out, "User type", s.user_type.as_deref().unwrap_or("-"));
    field(&mut out, "Created", s.created_at.as_deref().unwrap_or("-"));
    field(&mut out, "Last used", s.last_used.as_deref().unwrap_or("-"));
    field(&mut out, "Expires", s.expires_at.as_deref().unwrap_or("-"));
    out.trim_end().to_owned()
}

pub fn switched(s: &SessionSwitch) -> String {
    let mut out = format!("Switched to profile '{}'", s.profile);
    if s.session_state != SessionState::Active {
        out.push_str("\n  No active session — run 'systemprompt admin session login' to create one.");
    }
    out
}

/// A byte count in the window's unit too (decimal, as GNOME Files and Docker Desktop count):
/// kB below a megabyte, MB below a gigabyte, GB above.
pub fn size(bytes: Option<f64>) -> String {
    match bytes {
        None => "unknown".to_owned(),
        Some(b) if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        Some(b) if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        Some(b) => format!("{:.1} kB", b / 1e3),
    }
}

pub fn shared_status(s: &SharedStatus) -> String {
    let mut out = format!("Shared PostgreSQL container: {}\n", s.container);
    field(&mut out, "State", s.state);
    field(&mut out, "Port", s.port.map_or_else(|| "-".to_owned(), |p| format!("127.0.0.1:{p}")));
    if s.newer_image {
        field(&mut out, "Image", format!("{} (a newer build is pulled: 'tenantdesk db recreate' moves the container onto it, keeping its data)", s.image));
    } else {
        field(&mut out, "Image", &s.image);
    }
    field(&mut out, "Volume", &s.volume);
    field(&mut out, "Data size", size(s.data_size));
    field(&mut out, "Engine", format!("Docker {} at {} ({})", s.engine_version, s.endpoint.uri, s.endpoint.source));
    out.trim_end().to_owned()
}

pub fn db_status(s: &DbStatus) -> String {
    let mut out = shared_status(&s.shared);
    if !s.tenants.is_empty() {
        out.push_str("\n\nLocal tenants\n");
        out.push_str(RULE);
        for t in &s.tenants {
            let db = match t.database_present {
                Some(true) => "database present",
                Some(false) => "DATABASE MISSING",
                None => "database not checked",
            };
            let container = t.container.map_or_else(String::new, |c| format!(", container {c}"));
            let _ = write!(out, "\n  {:<21}{} — {}{container}, {db}", short_id(&t.tenant_id), one_line(&t.name), t.location);
        }
    }
    if !s.other_projects.is_empty() {
        out.push_str("\n\nOther projects' databases (theirs; left alone)\n");
        out.push_str(RULE);
        for c in &s.other_projects {
            let _ = write!(out, "\n  {}    tenant '{}' of {}", c.database, c.tenant_name, c.project);
        }
    }
    if !s.orphan_databases.is_empty() {
        out.push_str("\n\nOrphans (no project on this machine claims them)\n");
        out.push_str(RULE);
        for d in &s.orphan_databases {
            let _ = write!(out, "\n  database {d}    adopt: tenantdesk db adopt {d} --name <name>    drop: tenantdesk db drop-orphan {d} -y");
        }
    }
    if !s.other_setups.is_empty() {
        out.push_str("\n\nOther Tenantdesk setups on this engine (another container name or data folder; left alone)\n");
        out.push_str(RULE);
        for c in &s.other_setups {
            let _ = write!(out, "\n  container {c}");
        }
    }
    out
}

pub fn health_event(e: &HealthEvent) -> String {
    format!("{}: {}", e.container, e.action)
}

pub fn rotated(r: &Rotated) -> String {
    format!(
        "Rotated the database password of '{}' (role {})\n  The new password is in the keychain; the old one no longer connects.\n  Update any external system that used the old credentials.",
        r.name, r.role
    )
}

pub fn unfinished(t: &Unfinished) -> String {
    format!(
        "Not finished: {} ({}) is still provisioning on SystemPrompt Cloud, or failed.\n  Hint: Run 'tenantdesk cloud tenant retry-provision {}' to follow it to the end and register it",
        t.name,
        t.region.as_deref().unwrap_or("no region"),
        t.id
    )
}

pub fn external_url_missing(t: &ExternalUrlMissing) -> String {
    format!(
        "External database access for '{}' was switched on outside this project; tenants.json has no external URL for it yet.\n  Hint: Run 'tenantdesk cloud tenant external-db-access {} --enable' to fetch it",
        t.name, t.id
    )
}

pub fn external_access(c: &ExternalAccessChanged) -> String {
    match &c.database_url {
        Some(url) if c.enabled => {
            format!(
                "External database access is on for '{}'\n  database_url: {url}\n  The password is the tenant's own, in the keychain; turn it off with --disable.",
                one_line(&c.name)
            )
        }
        _ => format!("External database access is off for '{}': its database takes connections from SystemPrompt Cloud only.", one_line(&c.name)),
    }
}

pub fn doctor_header() -> String {
    format!("Tenantdesk doctor\n{RULE}")
}

/// One line of `doctor`, shown as soon as its check finishes; terminal-safe already, since its
/// mark is painted.
pub fn check(c: &Check) -> String {
    let mark = if c.ok { crate::paint::ok("ok  ") } else { crate::paint::fail("FAIL") };
    format!("  {mark} {}: {}", terminal_safe(&one_line(&c.what)), terminal_safe(&one_line(&c.detail)))
}

/// After the checks: how many failed, and each fix once, with the checks it is for — a stopped
/// container is one line to run, not one per tenant.
pub fn doctor_summary(checks: &[Check]) -> String {
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
    if failed.is_empty() {
        return format!("\nAll {} checks passed.", checks.len());
    }
    let mut fixes: Vec<(String, Vec<&str>)> = Vec::new();
    for c in &failed {
        let Some(fix) = &c.fix else { continue };
        let fix = crate::hint::say(fix);
        match fixes.iter_mut().find(|(f, _)| *f == fix) {
            Some((_, whats)) => whats.push(&c.what),
            None => fixes.push((fix, vec![&c.what])),
        }
    }
    let mut out = format!("\n{} of {} {} failed.", failed.len(), checks.len(), plural(checks.len(), "check", "checks"));
    for (fix, whats) in fixes {
        let _ = write!(out, "\n  fix: {fix}");
        if whats.len() > 1 || failed.len() > 1 {
            let _ = write!(out, "\n       for {}", for_checks(&whats));
        }
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The checks a fix is for: all of them when few, the first three and a count when many.
fn for_checks(whats: &[&str]) -> String {
    const SHOWN: usize = 3;
    let named: Vec<String> = whats.iter().take(SHOWN).map(|w| one_line(w)).collect();
    match whats.len() {
        n if n <= SHOWN => named.join(", "),
        n => format!("{} and {} more ({n} checks)", named.join(", "), n - SHOWN),
    }
}

pub fn audit(entries: &[tenantdesk_core::ops::history::Entry]) -> String {
    if entries.is_empty() {
        return "No audit entries yet.".to_owned();
    }
    let mut out = format!("Audit log\n{RULE}");
    for e in entries {
        let tenant = e.tenant.as_deref().map_or_else(|| "-".to_owned(), short_id);
        let _ = write!(out, "\n  {:>4}  {}  {:<21}{}  — {}", e.seq, e.at, tenant, e.action, e.outcome);
    }
    out
}

pub fn verification(v: &tenantdesk_core::ops::history::Verification) -> String {
    if v.intact {
        return format!("Audit log intact: {} entries, hash chain verified", v.entries);
    }
    let mut out = format!("Audit log TAMPERED: {} entries, {} problem(s)", v.entries, v.problems.len());
    for p in &v.problems {
        let _ = write!(out, "\n  {p}");
    }
    out
}

pub fn secrets_report(r: &tenantdesk_core::ops::secrets::SecretsReport) -> String {
    if r.moved.is_empty() {
        return "Nothing to move: no secrets found there.".to_owned();
    }
    let mut out = String::from("Moved:");
    for m in &r.moved {
        let _ = write!(out, "\n  {m}");
    }
    if !r.backups.is_empty() {
        out.push_str("\nBackups (they hold the old plaintext; delete them once the keychain is known good):");
        for b in &r.backups {
            let _ = write!(out, "\n  {b}");
        }
    }
    if !r.plaintext_files.is_empty() {
        out.push_str("\nWARNING: these files now hold plaintext secrets (mode 0600), as asked with --cli-compatible:");
        for f in &r.plaintext_files {
            let _ = write!(out, "\n  {f}");
        }
    }
    out
}

pub fn account(a: &tenantdesk_core::ops::account::Account) -> String {
    format!("Logged in to {} as {}{}\n  Cloud tenants: {}", a.api_url, a.email, a.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(), a.cloud_tenants)
}

pub fn migrations(r: &tenantdesk_core::ops::migrations::MigrationReport) -> String {
    match (&r.folder, &r.error) {
        (_, Some(error)) => format!("Migrations failed: {error}"),
        (None, None) => "No migrations folder (migrations/ or .systemprompt/migrations/); nothing to apply".to_owned(),
        (Some(folder), None) if r.applied.is_empty() => format!("Database is up to date ({} migration(s) in {folder})", r.already_applied),
        (Some(folder), None) => format!("Applied {} migration(s) from {folder}: {}", r.applied.len(), r.applied.join(", ")),
    }
}

pub fn cloud_status(s: &tenantdesk_core::ops::cloud::CloudStatus) -> String {
    let mut out = format!("Cloud tenant (not registered in this project)\n{RULE}\n");
    cloud_fields(&mut out, s);
    out.truncate(out.trim_end().len());
    out
}

fn cloud_fields(out: &mut String, s: &tenantdesk_core::ops::cloud::CloudStatus) {
    field(out, "ID", &s.id);
    if let Some(name) = &s.name {
        field(out, "Name", name);
    }
    field(out, "Status", &s.status);
    if let Some(phase) = &s.phase {
        field(out, "Phase", phase);
    }
    if let Some(message) = &s.message {
        field(out, "Message", message);
    }
    if let Some(host) = &s.hostname {
        field(out, "Hostname", host);
    }
    if let Some(region) = &s.region {
        let name = tenantdesk_core::cloud::region(region).map(|r| format!(" ({})", r.name)).unwrap_or_default();
        field(out, "Region", format!("{region}{name}"));
    }
    if let Some(plan) = &s.plan {
        field(out, "Plan", &plan.name);
    }
    if let Some(sub) = &s.subscription_status {
        field(out, "Subscription", sub);
    }
    if s.status == "failed" {
        let _ = writeln!(out, "\n  Retry with: tenantdesk cloud tenant retry-provision {}", s.id);
    }
}

pub fn cloud_tenant_details(d: &TenantDetails, live: &Result<tenantdesk_core::ops::cloud::CloudStatus, tenantdesk_core::Error>) -> String {
    let mut out = tenant_details(d, None);
    out.push_str("\n\nLive status\n");
    out.push_str(RULE);
    out.push('\n');
    match live {
        Ok(s) => cloud_fields(&mut out, s),
        Err(e) => {
            let _ = writeln!(out, "  Unavailable: {e}");
            if let Some(hint) = crate::hint::of(e) {
                let _ = writeln!(out, "  Hint: {hint}");
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

pub fn created_cloud_tenant(c: &tenantdesk_core::ops::provisioning::CreatedCloudTenant) -> String {
    let mut out = created_tenant(&c.created);
    let _ = write!(out, "\n  Region: {}", c.region);
    if let Some(host) = &c.hostname {
        let _ = write!(out, "\n  Ready at: https://{host}");
    }
    let _ = write!(out, "\n  {}", migrations(&c.migrations));
    out
}

pub fn restored(tenants: &[TenantView]) -> String {
    if tenants.is_empty() {
        return "Nothing to restore: tenants.json lists every tenant Tenantdesk last saw.".to_owned();
    }
    let names: Vec<String> = tenants.iter().map(|t| format!("{} ({})", one_line(&t.name), kind(t))).collect();
    format!("Restored {} tenant(s) to tenants.json: {}", tenants.len(), names.join(", "))
}

pub fn secrets_mode(mode: tenantdesk_core::marks::SecretsMode) -> String {
    match mode {
        tenantdesk_core::marks::SecretsMode::Keychain => {
            "Secrets mode: keychain. Secrets are in the OS keychain only; the CLI's files hold ***.".to_owned()
        }
        tenantdesk_core::marks::SecretsMode::CliCompatible => "Secrets mode: cli-compatible. Secrets are in the OS keychain and, for the systemprompt CLI, in plaintext in its 0600 files (tenants.json, each profile's secrets.json, credentials.json), refreshed on every Tenantdesk write.".to_owned(),
    }
}

/// `NAME=value` lines (dotenv), or `export NAME='value'` for a shell, values quoted so a shell
/// reads them back as they are.
pub fn environment(vars: &[tenantdesk_core::ops::environment::ShownVariable], shell: bool) -> String {
    vars.iter()
        .map(|v| {
            let quoted = format!("'{}'", v.value.replace('\'', "'\\''"));
            if shell { format!("export {}={quoted}", v.name) } else { format!("{}={quoted}", v.name) }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn imported_env(i: &tenantdesk_core::ops::environment::ImportedEnv) -> String {
    let mut out = format!("Moved {} value(s) into the keychain for profile '{}': {}", i.keys.len(), one_line(&i.profile), i.keys.join(", "));
    let _ = write!(out, "\n  The file as it was (0600): {}", i.backup);
    if i.removed {
        out.push_str("\n  Their lines were taken out of the file.");
    } else {
        out.push_str("\n  The file still holds them; --remove takes them out (or delete it).");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_cut_only_as_far_as_they_stay_unique() {
        let ids = ["999bc654-9a64-49bc-98be-db976fc84e76", "999bc654-9a64-4fff-98be-db976fc84e76", "0123abcd-0000-4000-8000-000000000000", "local_19bff27604c"].map(String::from);
        assert_eq!(unique_prefixes(&ids), ["999bc654-9a64-49...", "999bc654-9a64-4f...", "0123abcd-0000...", "local_19bff27604c"]);
    }

    /// The table the window's `bytes` is tested against too: one unit for sizes in both shells.
    #[test]
    fn sizes_read_as_the_window_shows_them() {
        let cases: Vec<(f64, String)> = serde_json::from_str(include_str!("../../../tests/fixtures/units/sizes.json")).expect("tests/fixtures/units/sizes.json is JSON");
        for (bytes, shown) in cases {
            assert_eq!(size(Some(bytes)), shown, "{bytes} bytes");
        }
    }

    #[test]
    fn columns_line_up_by_characters_and_empty_ones_take_no_room() {
        let rows = [vec!["ID", "", "NAME"], vec!["a", "", "ünïcode"], vec!["bbbb", "", "x"]].map(|r| r.into_iter().map(String::from).collect::<Vec<_>>());
        assert_eq!(table(&rows), "  ID     NAME\n  a      ünïcode\n  bbbb   x");
    }
}
