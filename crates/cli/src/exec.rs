//! `tenantdesk exec`: the user's command as a child with the tenant's environment. The values go
//! from memory to the child's environment only — not to a file, and not to any argv.

use tenantdesk_core::ops::environment::TenantEnvironment;

/// Runs `command` and returns the exit code to leave with: the child's own, or 128 + the signal
/// that ended it, as a shell reports it. Ctrl-C reaches the child from the terminal (one process
/// group), so tenantdesk only waits; a SIGTERM sent to tenantdesk alone is passed on.
pub async fn run(env: &TenantEnvironment, command: &[String]) -> std::io::Result<i32> {
    let mut cmd = tokio::process::Command::new(&command[0]);
    cmd.args(&command[1..]);
    for v in &env.variables {
        cmd.env(&v.name, v.value.expose());
    }
    let mut child = cmd.spawn()?;
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        loop {
            tokio::select! {
                status = child.wait() => return Ok(code(status?)),
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {
                    if let Some(pid) = child.id() {
                        // std has no kill(2) for a signal other than SIGKILL, and unsafe code is
                        // not allowed here: the system's `kill` sends it.
                        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    Ok(code(child.wait().await?))
}

fn code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    status.code().unwrap_or(1)
}
