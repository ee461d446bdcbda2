//! Progress of slow Docker work: a bar of pulled bytes across the image's layers and a line per
//! step at a terminal; plain step lines on stderr otherwise (never on stdout, which belongs to
//! the result and to `--json`).

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use tenantdesk_core::ops::container::Progress;
use tenantdesk_core::ops::provisioning::CloudProgress;

pub struct Bar {
    bar: Option<ProgressBar>,
    quiet: bool,
    layers: HashMap<String, (f64, f64)>,
}

impl Bar {
    pub fn new(json: bool) -> Self {
        Self { bar: None, quiet: json, layers: HashMap::new() }
    }

    fn say(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.set_message(text.to_owned()),
            None => eprintln!("{text}"),
        }
    }

    pub fn update(&mut self, progress: &Progress) {
        match progress {
            Progress::Pulling { layer, status, current, total } => {
                if let (Some(c), Some(t)) = (current, total) {
                    self.layers.insert(layer.clone(), (*c, *t));
                }
                let (done, all) = self.layers.values().fold((0.0, 0.0), |(d, a), (c, t)| (d + c, a + t));
                if self.bar.is_none() && !self.quiet && std::io::stderr().is_terminal() {
                    let bar = ProgressBar::new(0);
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {decimal_bytes}/{decimal_total_bytes}").unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    self.bar = Some(bar);
                }
                match &self.bar {
                    Some(bar) => {
                        bar.set_length(all as u64);
                        bar.set_position(done as u64);
                        bar.set_message(format!("Pulling image: {} layers", self.layers.len()));
                    }
                    None if !self.quiet && !layer.is_empty() && (status == "Pull complete" || status == "Already exists") => {
                        eprintln!("Pulling image: layer {layer}: {status}");
                    }
                    None => {}
                }
            }
            Progress::Creating => self.say("Creating the shared PostgreSQL container…"),
            Progress::Starting => self.say("Starting it…"),
            Progress::WaitingForPostgres => self.say("Waiting for PostgreSQL to accept connections…"),
            Progress::Ready => self.say("PostgreSQL is ready"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Provisioning phases of a cloud tenant, one line each with the time since the create began,
/// on stderr (stdout belongs to the result).
pub struct Phases {
    quiet: bool,
}

impl Phases {
    pub fn new(json: bool) -> Self {
        Self { quiet: json }
    }

    pub fn show(&mut self, progress: &CloudProgress) {
        if self.quiet {
            return;
        }
        match progress {
            CloudProgress::Checkout { url, needs_browser: true } => eprintln!("Complete the checkout in your browser: {url}"),
            CloudProgress::Checkout { .. } => eprintln!("Checkout complete; provisioning…"),
            CloudProgress::Phase { event_type, message, elapsed_ms, .. } => {
                eprintln!("  [{:>6.1}s] {:<26}{}", *elapsed_ms as f64 / 1000.0, event_type, message.as_deref().unwrap_or(""));
            }
            CloudProgress::StreamLost { reason } => eprintln!("  Lost the event stream ({reason}); checking the status every 2 s"),
            CloudProgress::Polled { status, message, elapsed_ms } => {
                eprintln!("  [{:>6.1}s] status {:<19}{}", *elapsed_ms as f64 / 1000.0, status, message.as_deref().unwrap_or(""));
            }
            CloudProgress::Finishing { step } => eprintln!("  {step}…"),
        }
    }
}

/// A dump or restore: a spinner with the bytes moved and the table at hand at a terminal; a line
/// per table otherwise (stderr only).
pub struct Transfer {
    bar: Option<ProgressBar>,
    quiet: bool,
    verb: &'static str,
    last_table: Option<String>,
}

impl Transfer {
    pub fn new(json: bool, verb: &'static str) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {msg} · {decimal_bytes}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar, quiet: json, verb, last_table: None }
    }

    pub fn update(&mut self, step: &tenantdesk_core::pg_tools::Step) {
        if self.quiet {
            return;
        }
        let table = step.table.clone().unwrap_or_else(|| "…".to_owned());
        match &self.bar {
            Some(bar) => {
                bar.set_position(step.bytes as u64);
                bar.set_message(format!("{} {table}", self.verb));
            }
            None if step.table.is_some() && step.table != self.last_table => eprintln!("{} {table}", self.verb),
            None => {}
        }
        self.last_table = step.table.clone();
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
