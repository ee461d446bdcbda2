//! Cloud provisioning runs as a job owned by the app, not by the window: closing and reopening the
//! window (or reloading it) loses nothing, since the window asks for the jobs and their progress
//! so far, then follows `provisioning-changed` events.

use std::sync::Mutex;

use serde::Serialize;
use tenantdesk_core::ops::provisioning::CloudProgress;

use crate::error::UiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Job {
    pub id: u32,
    /// The project the tenant is made in (its folder, as the overview's `root` says it): the
    /// window shows a job only with its own project open.
    pub project: String,
    pub name: String,
    pub region: String,
    /// RFC 3339.
    pub started_at: String,
    pub progress: Vec<CloudProgress>,
    pub state: JobState,
    pub error: Option<UiError>,
    /// The tenant's id once the API has named it.
    pub tenant_id: Option<String>,
    /// Picked up at start from what an earlier run of the app left unfinished.
    pub resumed: bool,
}

#[derive(Default)]
pub struct Jobs {
    book: Mutex<Book>,
}

/// The jobs, and the last id handed out: ids are never reused, since a dismissed job leaves the
/// list and a window may still hold it.
#[derive(Default)]
struct Book {
    last_id: u32,
    jobs: Vec<Job>,
}

impl Book {
    fn new_job(&mut self, project: &str, name: &str, region: &str, resumed: bool) -> Job {
        self.last_id += 1;
        Job {
            id: self.last_id,
            project: project.to_owned(),
            name: name.to_owned(),
            region: region.to_owned(),
            started_at: time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            progress: Vec::new(),
            state: JobState::Running,
            error: None,
            tenant_id: None,
            resumed,
        }
    }
}

/// How a job names its project: the project's folder as the overview's `root` says it, so the
/// window can match a job to the project it has open.
pub fn project_of(project: &tenantdesk_core::Project) -> String {
    project.root().display().to_string()
}

impl Jobs {
    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start(&self, project: &str, name: &str, region: &str, resumed: bool) -> Job {
        let mut book = self.book();
        let job = book.new_job(project, name, region, resumed);
        book.jobs.push(job.clone());
        job
    }

    /// Starts a picked-up job for tenant `tenant_id` unless a job of this run already has it (or a
    /// create of the same name has not learnt its id yet). One lock for the look and the start,
    /// so two pick-ups at once cannot both start one.
    pub fn start_for(&self, project: &str, tenant_id: &str, name: &str, region: &str) -> Option<Job> {
        let mut book = self.book();
        let tracked =
            book.jobs.iter().any(|j| j.state != JobState::Done && (j.tenant_id.as_deref() == Some(tenant_id) || (j.tenant_id.is_none() && j.name == name && j.project == project)));
        if tracked {
            return None;
        }
        let job = Job { tenant_id: Some(tenant_id.to_owned()), ..book.new_job(project, name, region, true) };
        book.jobs.push(job.clone());
        Some(job)
    }

    /// Applies `change` to job `id` and returns the job as it now is.
    pub fn update(&self, id: u32, change: impl FnOnce(&mut Job)) -> Option<Job> {
        let mut book = self.book();
        let job = book.jobs.iter_mut().find(|j| j.id == id)?;
        change(job);
        Some(job.clone())
    }

    pub fn progress(&self, id: u32, progress: CloudProgress) -> Option<Job> {
        self.update(id, |job| {
            if let CloudProgress::Phase { tenant_id, .. } = &progress {
                job.tenant_id = Some(tenant_id.clone());
            }
            job.progress.push(progress);
        })
    }

    pub fn all(&self) -> Vec<Job> {
        self.book().jobs.clone()
    }

    /// Takes a finished or failed job off the list; a running one stays (it is still working).
    pub fn dismiss(&self, id: u32) -> Vec<Job> {
        let mut book = self.book();
        book.jobs.retain(|j| j.id != id || j.state == JobState::Running);
        book.jobs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_keeps_every_step_and_learns_its_tenant() {
        let jobs = Jobs::default();
        let job = jobs.start("/p", "shop", "lhr", false);
        jobs.progress(job.id, CloudProgress::Checkout { url: "u".into(), needs_browser: false });
        let phase = CloudProgress::Phase { tenant_id: "t1".into(), event_type: "tenant_created".into(), message: None, elapsed_ms: 5, latency_ms: None };
        let now = jobs.progress(job.id, phase).expect("job");
        assert_eq!((now.progress.len(), now.tenant_id.as_deref()), (2, Some("t1")));
        let done = jobs.update(job.id, |j| j.state = JobState::Done).expect("job");
        assert_eq!(done.state, JobState::Done);
        assert_eq!(jobs.all().len(), 1);
        assert!(jobs.progress(99, CloudProgress::StreamLost { reason: String::new() }).is_none());
    }

    #[test]
    fn a_tenant_is_picked_up_once_and_never_beside_a_create_of_its_name() {
        let jobs = Jobs::default();
        let picked = jobs.start_for("/p", "t1", "shop", "lhr").expect("first pick-up");
        assert_eq!((picked.tenant_id.as_deref(), picked.resumed), (Some("t1"), true));
        assert!(jobs.start_for("/p", "t1", "shop", "lhr").is_none(), "picked up twice");
        jobs.start("/p", "blog", "iad", false);
        assert!(jobs.start_for("/p", "t2", "blog", "iad").is_none(), "picked up beside the create that is making it");
        jobs.update(picked.id, |j| j.state = JobState::Done);
        assert!(jobs.start_for("/p", "t1", "shop", "lhr").is_some(), "a finished job does not hold the tenant");
        // A tenant of the same name in another project is another tenant.
        assert_eq!(jobs.start_for("/q", "t9", "blog", "iad").map(|j| j.project).as_deref(), Some("/q"));
    }

    #[test]
    fn only_finished_jobs_are_dismissed_and_ids_are_never_reused() {
        let jobs = Jobs::default();
        let (done, running) = (jobs.start("/p", "shop", "lhr", false), jobs.start("/p", "blog", "iad", false));
        jobs.update(done.id, |j| j.state = JobState::Done);
        assert_eq!(jobs.dismiss(running.id).len(), 2, "a running job was dismissed");
        let left = jobs.dismiss(done.id);
        assert_eq!(left.iter().map(|j| j.id).collect::<Vec<_>>(), vec![running.id]);
        let next = jobs.start("/p", "wiki", "syd", false);
        assert!(next.id > running.id, "id {} handed out again", next.id);
    }
}
