//! Follows the open project's `.systemprompt/` folder, so that edits made by the `tenantdesk` CLI,
//! the `systemprompt` CLI or a text editor reach the window and the tray without a reload.
//!
//! One thread owns the OS watcher. Bursts of events (a write is a temp file plus a rename) are
//! folded into one refresh after a short quiet period.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tenantdesk_core::Project;

/// Long enough to fold a write's temp-file and rename events, short enough to feel instant.
const QUIET: Duration = Duration::from_millis(60);

enum Msg {
    Follow(Project),
    Changed,
}

/// Tells the watcher thread which project to follow.
#[derive(Clone)]
pub struct WatchHandle(Sender<Msg>);

impl WatchHandle {
    pub fn follow(&self, project: Project) {
        let _ = self.0.send(Msg::Follow(project));
    }
}

/// Our own lock files and temp files, and the `systemprompt` CLI's temp files
/// (`.<name>.<pid>.<nonce>.tmp`), change on every write; the rename that finishes a write is what
/// matters.
fn relevant(event: &notify::Event) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        !(name.ends_with(".lock") || tenantdesk_core::project::is_temp_file(&name))
    })
}

struct Follower<F> {
    refresh: F,
    events: Sender<Msg>,
    current: Option<(Project, Option<notify::RecommendedWatcher>)>,
}

impl<F: FnMut(&Project)> Follower<F> {
    fn follow(&mut self, project: Project) {
        let tx = self.events.clone();
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if res.is_ok_and(|e| relevant(&e)) {
                let _ = tx.send(Msg::Changed);
            }
        })
        .and_then(|mut w| w.watch(&project.state_dir(), RecursiveMode::Recursive).map(|()| w));
        (self.refresh)(&project);
        // Without a watcher the window still works; it only misses outside edits.
        self.current = Some((project, watcher.ok()));
    }

    fn refresh_current(&mut self) {
        if let Some((project, _)) = &self.current {
            (self.refresh)(project);
        }
    }
}

/// Starts the watcher thread; `refresh` runs on it once when a project is followed and after
/// every burst of changes.
pub fn spawn(refresh: impl FnMut(&Project) + Send + 'static) -> std::io::Result<WatchHandle> {
    let (tx, rx) = mpsc::channel();
    let mut follower = Follower { refresh, events: tx.clone(), current: None };
    std::thread::Builder::new().name("project-watcher".to_owned()).spawn(move || {
        while let Ok(msg) = rx.recv() {
            let mut next = match msg {
                Msg::Follow(project) => Some(project),
                Msg::Changed => None,
            };
            if next.is_none() {
                loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(Msg::Changed) => {}
                        Ok(Msg::Follow(p)) => next = Some(p),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            }
            match next {
                Some(project) => follower.follow(project),
                None => follower.refresh_current(),
            }
        }
    })?;
    Ok(WatchHandle(tx))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use tenantdesk_core::{Project, ops};

    #[test]
    fn temp_files_of_either_writer_are_not_changes() {
        let event =
            |name: &str| notify::Event::new(notify::EventKind::Create(notify::event::CreateKind::File)).add_path(std::path::PathBuf::from(format!("/p/.systemprompt/{name}")));
        assert!(!super::relevant(&event(".tenants.json.4242.9f8e7d.tmp")), "the CLI's temp file");
        assert!(!super::relevant(&event(".tenants.json.tmp-4242-abcdef")), "Tenantdesk's temp file");
        assert!(!super::relevant(&event(".tenants.json.lock")));
        assert!(super::relevant(&event("tenants.json")));
    }

    #[test]
    fn outside_edits_trigger_one_refresh_each() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = Project::init(dir.path()).expect("init");
        let (tx, rx) = mpsc::channel();
        let handle = super::spawn(move |p: &Project| {
            let _ = tx.send(ops::list_tenants(p).map(|l| l.tenants.len()));
        })
        .expect("spawn");
        handle.follow(project.clone());
        let first = rx.recv_timeout(Duration::from_secs(5)).expect("initial refresh");
        assert_eq!(first.expect("list"), 0);
        // An edit by another program: the seed's registry copied in by hand.
        std::fs::write(project.tenants_file(), r#"{"tenants":[{"id":"local_1","name":"a"},{"id":"local_2","name":"b"}],"synced_at":"2026-01-30T10:00:00Z"}"#).expect("write");
        let after = rx.recv_timeout(Duration::from_secs(5)).expect("refresh after the edit");
        assert_eq!(after.expect("list"), 2);
        // Reads do not feed back into refreshes.
        assert!(rx.recv_timeout(Duration::from_millis(400)).is_err(), "refreshed without a change");
    }
}
