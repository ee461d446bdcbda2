//! PostgreSQL's own dump and restore tools, run inside the container that serves the database
//! (`docker exec`), so client and server versions always match — a host `pg_dump` older than the
//! server refuses to dump it. Archives stream through the Docker API; nothing is written inside
//! the container.

use std::path::Path;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::engine::{Engine, failed};
use crate::error::{Error, Result};
use crate::shared_container::SUPERUSER;

/// Where a dump or restore has got to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Step {
    /// Bytes of the archive written (dump) or read (restore) so far (a float so the window's
    /// bindings can carry it).
    pub bytes: f64,
    /// The table being dumped or restored, as the tool says it.
    pub table: Option<String>,
}

/// What the tool said on stderr: its verbose lines become progress, the rest is kept for an
/// error message.
#[derive(Default)]
struct Said {
    version: Option<String>,
    errors: Vec<String>,
    partial: String,
}

impl Said {
    /// Takes a chunk of stderr; returns the table a complete line named, if any.
    fn take(&mut self, chunk: &[u8]) -> Option<String> {
        self.partial.push_str(&String::from_utf8_lossy(chunk));
        let mut table = None;
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            let line = line.trim();
            if let Some(v) = line.strip_prefix("pg_dump (PostgreSQL) ") {
                self.version = v.split_whitespace().next().map(str::to_owned);
            } else if let Some(t) = quoted_table(line) {
                table = Some(t);
            } else if line.contains("error") || line.contains("FATAL") || line.contains("ERROR") {
                self.errors.push(line.to_owned());
            }
        }
        table
    }

    fn reason(&self, code: Option<i64>) -> String {
        let said = self.errors.iter().rev().take(3).rev().cloned().collect::<Vec<_>>().join("; ");
        if said.is_empty() { format!("the tool exited with {}", code.map_or("no status".to_owned(), |c| c.to_string())) } else { said }
    }
}

/// `pg_dump: dumping contents of table "public.items"` → `public.items`.
fn quoted_table(line: &str) -> Option<String> {
    let rest = line.strip_prefix("pg_dump: dumping contents of table ").or_else(|| line.strip_prefix("pg_restore: processing data for table "))?;
    Some(rest.trim_matches('"').to_owned())
}

async fn start(engine: &Engine, container: &str, script: &str, args: &[&str], stdin: bool) -> Result<(String, StartExecResults)> {
    let mut cmd = vec!["sh".to_owned(), "-c".to_owned(), script.to_owned(), "sh".to_owned()];
    cmd.extend(args.iter().map(|a| (*a).to_owned()));
    let exec = CreateExecOptions {
        cmd: Some(cmd),
        user: Some("postgres".to_owned()),
        attach_stdin: Some(stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let created = engine.docker.create_exec(container, exec).await.map_err(failed("start a tool in the container"))?;
    let started = engine.docker.start_exec(&created.id, None).await.map_err(failed("start a tool in the container"))?;
    Ok((created.id, started))
}

/// A dump's output: the archive on stdout goes to `on_chunk`, the tool's words on stderr become
/// progress (and, kept, the reason if it fails).
async fn read_dump(
    output: &mut std::pin::Pin<Box<dyn futures_util::Stream<Item = std::result::Result<LogOutput, bollard::errors::Error>> + Send>>,
    on_chunk: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<Said> {
    let mut said = Said::default();
    let mut step = Step { bytes: 0.0, table: None };
    while let Some(item) = output.next().await {
        match item.map_err(failed("read the dump"))? {
            LogOutput::StdOut { message } => {
                on_chunk(&message)?;
                step.bytes += message.len() as f64;
                on_step(step.clone());
            }
            LogOutput::StdErr { message } => {
                if let Some(table) = said.take(&message) {
                    step.table = Some(table);
                    on_step(step.clone());
                }
            }
            _ => {}
        }
    }
    Ok(said)
}

async fn exit_code(engine: &Engine, id: &str) -> Result<Option<i64>> {
    Ok(engine.docker.inspect_exec(id).await.map_err(failed("read the tool's exit status"))?.exit_code)
}

/// Dumps `database` in custom format, passing each chunk of the archive to `on_chunk` and
/// reporting progress. Returns the server's PostgreSQL version.
pub async fn dump(
    engine: &Engine,
    container: &str,
    database: &str,
    on_chunk: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<String> {
    let script = format!("pg_dump --version >&2 && exec pg_dump -U {SUPERUSER} -d \"$1\" -Fc -v");
    let (id, started) = start(engine, container, &script, &[database], false).await?;
    let StartExecResults::Attached { mut output, .. } = started else {
        return Err(Error::SnapshotFailed { action: "dump the database", reason: "the container did not attach the tool's output".to_owned() });
    };
    let said = read_dump(&mut output, on_chunk, on_step).await?;
    let code = exit_code(engine, &id).await?;
    if code != Some(0) {
        return Err(Error::SnapshotFailed { action: "dump the database", reason: said.reason(code) });
    }
    Ok(said.version.unwrap_or_else(|| "unknown".to_owned()))
}

/// Dumps a database reachable only over the network (a cloud tenant's, through its external
/// access) with `image`'s own pg_dump, in a throwaway container on the host's network, so the
/// host needs no PostgreSQL client. The password goes in on the container's stdin, never into
/// its configuration (which `docker inspect` shows). Returns the dump's PostgreSQL version.
pub async fn dump_remote(
    engine: &Engine,
    image: &str,
    url: &crate::secret::Secret,
    on_chunk: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<String> {
    use bollard::models::{ContainerCreateBody, HostConfig};
    use bollard::query_parameters::{AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};
    let mut parsed = url::Url::parse(url.expose()).map_err(|e| Error::InvalidDatabaseUrl { reason: e.to_string() })?;
    let password = parsed.password().map(|p| percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned()).unwrap_or_default();
    let _ = parsed.set_password(None);
    let name = format!("tenantdesk-dump-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let script = "IFS= read -r PGPASSWORD; export PGPASSWORD; pg_dump --version >&2 && exec pg_dump -Fc -v -d \"$1\"";
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        entrypoint: Some(vec!["sh".to_owned(), "-c".to_owned(), script.to_owned(), "sh".to_owned(), parsed.to_string()]),
        user: Some("postgres".to_owned()),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        labels: Some(std::collections::HashMap::from([(crate::shared_container::LABEL_MANAGED.to_owned(), "true".to_owned())])),
        host_config: Some(HostConfig { network_mode: Some("host".to_owned()), ..Default::default() }),
        ..Default::default()
    };
    engine.docker.create_container(Some(CreateContainerOptionsBuilder::default().name(&name).build()), body).await.map_err(failed("create the dump's container"))?;
    let result = async {
        let attach = AttachContainerOptionsBuilder::default().stdin(true).stdout(true).stderr(true).stream(true).build();
        let mut attached = engine.docker.attach_container(&name, Some(attach)).await.map_err(failed("attach to the dump's container"))?;
        engine.docker.start_container(&name, None::<bollard::query_parameters::StartContainerOptions>).await.map_err(failed("start the dump's container"))?;
        attached.input.write_all(format!("{password}\n").as_bytes()).await.map_err(Error::io("send the password to", "the dump's container"))?;
        let _ = attached.input.shutdown().await;
        let said = read_dump(&mut attached.output, on_chunk, on_step).await?;
        let mut code = None;
        for _ in 0..100 {
            let state =
                engine.docker.inspect_container(&name, None::<bollard::query_parameters::InspectContainerOptions>).await.map_err(failed("read the dump's exit status"))?.state;
            if state.as_ref().and_then(|s| s.running) != Some(true) {
                code = state.and_then(|s| s.exit_code);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if code != Some(0) {
            return Err(Error::SnapshotFailed { action: "dump the database", reason: said.reason(code) });
        }
        Ok(said.version.unwrap_or_else(|| "unknown".to_owned()))
    }
    .await;
    let _ = engine.docker.remove_container(&name, Some(RemoveContainerOptionsBuilder::default().force(true).build())).await;
    result
}

/// Restores the archive at `file` into `database` (which must exist, empty), its objects owned by
/// `role`. Stops at the first error.
pub async fn restore(engine: &Engine, container: &str, database: &str, role: &str, file: &Path, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<()> {
    let script = format!("exec pg_restore -U {SUPERUSER} -d \"$1\" --no-owner --no-acl --role=\"$2\" --exit-on-error -v");
    let (id, started) = start(engine, container, &script, &[database, role], true).await?;
    let StartExecResults::Attached { mut output, mut input } = started else {
        return Err(Error::SnapshotFailed { action: "restore the snapshot", reason: "the container did not attach the tool's input".to_owned() });
    };
    let mut source = tokio::fs::File::open(file).await.map_err(Error::io("read", file))?;
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    // Fed and read at once: pg_restore talks while it reads, and a full pipe would stall both.
    let feed = async move {
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut source, &mut buf).await?;
            if n == 0 {
                break;
            }
            input.write_all(&buf[..n]).await?;
            counter.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        }
        input.shutdown().await
    };
    let mut said = Said::default();
    let read = async {
        let mut table = None;
        while let Some(item) = output.next().await {
            if let Ok(LogOutput::StdErr { message }) = item
                && let Some(t) = said.take(&message)
            {
                table = Some(t);
            }
            on_step(Step { bytes: sent.load(std::sync::atomic::Ordering::Relaxed) as f64, table: table.clone() });
        }
    };
    let (fed, ()) = tokio::join!(feed, read);
    let code = exit_code(engine, &id).await?;
    if code != Some(0) {
        return Err(Error::SnapshotFailed { action: "restore the snapshot", reason: said.reason(code) });
    }
    fed.map_err(|e| Error::SnapshotFailed { action: "restore the snapshot", reason: format!("the archive could not be sent: {e}") })?;
    Ok(())
}

/// Copies `source` into `target` (existing, empty) by a dump piped into a restore inside the
/// container, its objects owned by `role`: works while the source has open connections. A dump
/// that fails leaves pg_restore a short archive, which it refuses, so the copy fails too.
pub async fn copy(engine: &Engine, container: &str, source: &str, target: &str, role: &str, on_step: &mut (dyn FnMut(Step) + Send)) -> Result<()> {
    let script = format!("pg_dump -U {SUPERUSER} -d \"$1\" -Fc | pg_restore -U {SUPERUSER} -d \"$2\" --no-owner --no-acl --role=\"$3\" --exit-on-error -v");
    let (id, started) = start(engine, container, &script, &[source, target, role], false).await?;
    let StartExecResults::Attached { mut output, .. } = started else {
        return Err(Error::SnapshotFailed { action: "copy the database", reason: "the container did not attach the tool's output".to_owned() });
    };
    let mut said = Said::default();
    while let Some(item) = output.next().await {
        if let LogOutput::StdErr { message } = item.map_err(failed("read the copy's output"))?
            && let Some(table) = said.take(&message)
        {
            on_step(Step { bytes: 0.0, table: Some(table) });
        }
    }
    let code = exit_code(engine, &id).await?;
    if code != Some(0) {
        return Err(Error::SnapshotFailed { action: "copy the database", reason: said.reason(code) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn verbose_lines_name_tables_and_errors_are_kept() {
        let mut said = super::Said::default();
        assert_eq!(said.take(b"pg_dump (PostgreSQL) 15.20 (Debian)\npg_dump: dumping contents of table \"public.items\"\n"), Some("public.items".to_owned()));
        assert_eq!(said.version.as_deref(), Some("15.20"));
        assert_eq!(said.take(b"pg_restore: error: could not execute query: ERROR:  out of"), None);
        assert_eq!(said.take(b" memory\n"), None);
        assert_eq!(said.reason(Some(1)), "pg_restore: error: could not execute query: ERROR:  out of memory");
        assert_eq!(super::Said::default().reason(Some(2)), "the tool exited with 2");
    }
}
