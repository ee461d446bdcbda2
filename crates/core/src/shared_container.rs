//! The seed's shared PostgreSQL container (`just db-up`): one container with a named volume,
//! bound to 127.0.0.1 only, labelled as Tenantdesk's, healthchecked, holding one database and one
//! role per local tenant.
//!
//! The superuser password comes from the OS's CSPRNG, lives in the keychain, and reaches the
//! container as a file copied into it before its first start (`POSTGRES_PASSWORD_FILE`), so it
//! appears neither in `docker inspect` nor in any file on the host.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, ContainerInspectResponse, HealthConfig, HostConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, DownloadFromContainerOptionsBuilder, EventsOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde::Serialize;
use sqlx::PgConnection;

use crate::engine::{Endpoint, Engine, failed};
use crate::error::{Error, Result};
use crate::keychain::{SecretKey, SecretKind, SecretStore, generate_password};
use crate::port;
use crate::postgres;
use crate::secret::Secret;

pub const LABEL_MANAGED: &str = "io.tenantdesk.managed";
pub const LABEL_ROLE: &str = "io.tenantdesk.role";
/// The shared container of local tenants; other roles (the cloud emulator's own server) are
/// Tenantdesk's too but are neither the shared container nor its orphans.
pub const ROLE_SHARED: &str = "shared-postgres";
pub const ROLE_EMULATOR: &str = "cloud-emulator-postgres";
pub const SUPERUSER: &str = "tenantdesk";
const PASSWORD_DIR: &str = "/tmp";
const PASSWORD_FILE: &str = "tenantdesk-superuser-password";
/// Where the volume is mounted: the parent of PGDATA in every official image (and where the
/// `systemprompt` CLI mounts its own for postgres:18-alpine).
const DATA_PATH: &str = "/var/lib/postgresql";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_IMAGE: &str = "postgres:18-alpine";

/// Which container, volume, image and port; from the environment, else the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedConfig {
    pub container: String,
    pub volume: String,
    pub image: String,
    pub port: u16,
    /// The `io.tenantdesk.role` label of the container and its volume.
    pub role: &'static str,
}

impl SharedConfig {
    pub fn new(container: &str, image: &str, port: u16) -> Self {
        Self { container: container.to_owned(), volume: format!("{container}-data"), image: image.to_owned(), port, role: ROLE_SHARED }
    }

    /// The shared container a tenant's database lives in, as the project's marks recorded it. The
    /// image is the configured one: only creating the container uses it.
    pub fn holding(db: &crate::marks::SharedDatabase) -> Self {
        Self::new(&db.container, &Self::from_env().image, db.port)
    }

    /// The same container under another role (see `ROLE_EMULATOR`).
    pub fn with_role(self, role: &'static str) -> Self {
        Self { role, ..self }
    }

    /// `TENANTDESK_POSTGRES_IMAGE`, `TENANTDESK_POSTGRES_PORT`, `TENANTDESK_SHARED_CONTAINER`.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::new(
            &var("TENANTDESK_SHARED_CONTAINER").unwrap_or_else(|| "tenantdesk-postgres".to_owned()),
            &var("TENANTDESK_POSTGRES_IMAGE").unwrap_or_else(|| DEFAULT_IMAGE.to_owned()),
            var("TENANTDESK_POSTGRES_PORT").and_then(|p| p.parse().ok()).unwrap_or(5432),
        )
    }

    /// The same container on `port` when one is known (the port an existing container was
    /// created with wins over the configured one).
    pub fn on_port(&self, port: Option<u16>) -> Self {
        Self { port: port.unwrap_or(self.port), ..self.clone() }
    }

    pub fn secret_key(&self) -> SecretKey {
        SecretKey::new(format!("docker/{}", self.container), SecretKind::SuperuserPassword)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Missing,
    Created,
    Starting,
    Healthy,
    Unhealthy,
    Stopped,
}

impl std::fmt::Display for ContainerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        f.write_str(&s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SharedStatus {
    pub state: ContainerState,
    pub container: String,
    pub image: String,
    pub port: Option<u16>,
    pub volume: String,
    /// Bytes used by the volume, when the engine reports it.
    pub data_size: Option<f64>,
    pub endpoint: Endpoint,
    pub engine_version: String,
    /// The image's tag names a newer image than the container runs (pulled since it was
    /// created): `recreate` moves the container onto it. Only filled in by `status_with_size`.
    pub newer_image: bool,
}

/// One step of bringing the container up, for a progress bar or a progress event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    Pulling { layer: String, status: String, current: Option<f64>, total: Option<f64> },
    Creating,
    Starting,
    WaitingForPostgres,
    Ready,
}

/// What `up` did, so a failed operation after it can undo exactly that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Started {
    pub created_container: bool,
    pub created_volume: bool,
    pub started: bool,
}

fn labels(cfg: &SharedConfig) -> HashMap<String, String> {
    HashMap::from([(LABEL_MANAGED.to_owned(), "true".to_owned()), (LABEL_ROLE.to_owned(), cfg.role.to_owned())])
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}

pub async fn status(engine: &Engine, cfg: &SharedConfig) -> Result<SharedStatus> {
    let mut status = SharedStatus {
        state: ContainerState::Missing,
        container: cfg.container.clone(),
        image: cfg.image.clone(),
        port: None,
        volume: cfg.volume.clone(),
        data_size: None,
        endpoint: engine.endpoint.clone(),
        engine_version: engine.version.clone(),
        newer_image: false,
    };
    let inspect = match engine.docker.inspect_container(&cfg.container, None).await {
        Ok(i) => i,
        Err(e) if is_not_found(&e) => return Ok(status),
        Err(e) => return Err(failed("inspect the shared container")(e)),
    };
    if let Some(image) = inspect.config.as_ref().and_then(|c| c.image.as_deref()) {
        status.image = match made_from(engine, image).await {
            MadeFrom::Tag(tag) => tag,
            MadeFrom::Untagged(id) => format!("{} (an earlier build, {})", cfg.image, short_id(&id)),
        };
    }
    status.port = bound_port(&inspect);
    let state = inspect.state.unwrap_or_default();
    let health = state.health.and_then(|h| h.status).map(|s| s.to_string());
    status.state = match (state.running.unwrap_or(false), state.status.map(|s| s.to_string()).as_deref(), health.as_deref()) {
        (true, _, Some("healthy")) => ContainerState::Healthy,
        (true, _, Some("unhealthy")) => ContainerState::Unhealthy,
        (true, _, _) => ContainerState::Starting,
        (false, Some("created"), _) => ContainerState::Created,
        _ => ContainerState::Stopped,
    };
    Ok(status)
}

/// The host port the container publishes PostgreSQL on.
fn bound_port(inspect: &ContainerInspectResponse) -> Option<u16> {
    inspect
        .host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
        .and_then(|p| p.get("5432/tcp").cloned().flatten())
        .and_then(|b| b.first().and_then(|b| b.host_port.as_deref().and_then(|p| p.parse().ok())))
}

/// What a container's image is to the user.
enum MadeFrom {
    /// A tag (or any other reference the container was made from).
    Tag(String),
    /// An image id no tag names any more: the container put back on the build it ran before a
    /// recreate that failed, since the configured tag names the new build by then.
    Untagged(String),
}

/// The container's image as the user knows it: the reference it was made from, or for one made
/// from an image id, a tag that still names that image.
async fn made_from(engine: &Engine, image: &str) -> MadeFrom {
    if !image.starts_with("sha256:") {
        return MadeFrom::Tag(image.to_owned());
    }
    let tags = engine.docker.inspect_image(image).await.ok().and_then(|i| i.repo_tags).unwrap_or_default();
    match tags.into_iter().next() {
        Some(tag) => MadeFrom::Tag(tag),
        None => MadeFrom::Untagged(image.to_owned()),
    }
}

fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

/// Whether the configured tag now names another image than the one the container runs (a newer
/// build pulled since). False without a container, and for a container made from another tag
/// than the configured one: that one is not "behind", it is something else. A container on an
/// untagged earlier build (put back after a failed recreate) is behind.
async fn behind_its_tag(engine: &Engine, cfg: &SharedConfig) -> Result<bool> {
    let inspect = match engine.docker.inspect_container(&cfg.container, None).await {
        Ok(i) => i,
        Err(e) if is_not_found(&e) => return Ok(false),
        Err(e) => return Err(failed("inspect the shared container")(e)),
    };
    let Some(image) = inspect.config.as_ref().and_then(|c| c.image.as_deref()) else { return Ok(false) };
    if let MadeFrom::Tag(tag) = made_from(engine, image).await
        && tag != cfg.image
    {
        return Ok(false);
    }
    Ok(image_id(engine, &cfg.image).await?.is_some_and(|tag| Some(tag) != inspect.image))
}

/// `status` plus the volume's size, which asks the engine to measure its disk usage (slow: only
/// for reports, never on the way to creating something).
pub async fn status_with_size(engine: &Engine, cfg: &SharedConfig) -> Result<SharedStatus> {
    let mut status = status(engine, cfg).await?;
    if status.state != ContainerState::Missing {
        status.data_size = volume_size(engine, &cfg.volume).await;
        status.newer_image = behind_its_tag(engine, cfg).await.unwrap_or(false);
    }
    Ok(status)
}

async fn volume_size(engine: &Engine, volume: &str) -> Option<f64> {
    let df = engine.docker.df(None::<bollard::query_parameters::DataUsageOptions>).await.ok()?;
    // Engines before API 1.52 report volumes in another shape; callers then ask PostgreSQL.
    let items = df.volume_usage?.items?;
    let item = items.into_iter().find(|v| v["Name"].as_str() == Some(volume))?;
    item["UsageData"]["Size"].as_f64().filter(|s| *s >= 0.0)
}

pub fn superuser_url(cfg: &SharedConfig, password: &Secret, database: &str) -> Secret {
    Secret::new(format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", password.expose(), cfg.port))
}

/// The superuser's password from the keychain, created on first use.
fn superuser_password(cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<Secret> {
    let key = cfg.secret_key();
    if let Some(existing) = secrets.get(&key)? {
        return Ok(existing);
    }
    let fresh = generate_password()?;
    secrets.set(&key, &fresh)?;
    Ok(fresh)
}

/// Pulls `image` unless the engine has it, reporting each layer's progress.
pub async fn ensure_image(engine: &Engine, image: &str, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<()> {
    if image_id(engine, image).await?.is_none() {
        pull_layers(engine, image, on_progress).await?;
    }
    Ok(())
}

/// How a pull changed what the tag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PullOutcome {
    /// The engine did not have the image before.
    Downloaded,
    /// The registry had a newer image under the tag.
    Updated,
    UpToDate,
}

/// What `pull` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Pulled {
    pub image: String,
    pub outcome: PullOutcome,
    /// The shared container exists and runs another image than the tag now names: it keeps that
    /// image until it is recreated (`recreate`).
    pub container_outdated: bool,
    /// The above in a sentence, with what to do next (the CLI and the window both show it).
    pub summary: String,
}

impl Pulled {
    fn new(image: &str, outcome: PullOutcome, container_outdated: bool) -> Self {
        let what = match outcome {
            PullOutcome::Downloaded => format!("Downloaded {image}."),
            PullOutcome::Updated => format!("Pulled a newer {image}."),
            PullOutcome::UpToDate => format!("{image} is up to date."),
        };
        let next =
            if container_outdated { " The shared container still runs the image it was created from; Recreating it moves it onto the new one and keeps its data." } else { "" };
        Self { image: image.to_owned(), outcome, container_outdated, summary: format!("{what}{next}") }
    }
}

/// Pulls the shared container's image from its registry even when the engine has it (a newer
/// build under the same tag), reporting each layer's progress.
pub async fn pull(engine: &Engine, cfg: &SharedConfig, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<Pulled> {
    let before = image_id(engine, &cfg.image).await?;
    pull_layers(engine, &cfg.image, on_progress).await?;
    let after = image_id(engine, &cfg.image).await?;
    let outcome = match (&before, &after) {
        (None, _) => PullOutcome::Downloaded,
        (Some(b), Some(a)) if b == a => PullOutcome::UpToDate,
        _ => PullOutcome::Updated,
    };
    Ok(Pulled::new(&cfg.image, outcome, behind_its_tag(engine, cfg).await?))
}

/// The id of the image a tag names on this engine, if it has it.
async fn image_id(engine: &Engine, image: &str) -> Result<Option<String>> {
    match engine.docker.inspect_image(image).await {
        Ok(inspect) => Ok(inspect.id),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(failed("inspect the PostgreSQL image")(e)),
    }
}

async fn pull_layers(engine: &Engine, image: &str, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<()> {
    let options = CreateImageOptionsBuilder::default().from_image(image).build();
    let mut pull = engine.docker.create_image(Some(options), None, None);
    while let Some(item) = pull.next().await {
        let info = item.map_err(|e| Error::ImagePull { image: image.to_owned(), message: e.to_string() })?;
        // Only layers: the stream's other lines ("Pulling from <repo>" under the tag's name,
        // "Digest: …", "Status: …") describe the pull as a whole.
        let (Some(layer), Some(status)) = (info.id, info.status) else { continue };
        if status.starts_with("Pulling from") {
            continue;
        }
        let detail = info.progress_detail.unwrap_or_default();
        on_progress(Progress::Pulling { layer, status, current: detail.current.map(|c| c as f64), total: detail.total.map(|t| t as f64) });
    }
    Ok(())
}

fn password_archive(password: &Secret) -> Result<bytes::Bytes> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(password.expose().len() as u64);
    // Readable by the server's own user inside the container, whatever its uid.
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, PASSWORD_FILE, password.expose().as_bytes())
        .and_then(|()| builder.into_inner())
        .map(bytes::Bytes::from)
        .map_err(|e| Error::Docker { action: "pack the password file", message: e.to_string() })
}

/// Brings the shared container up and waits until PostgreSQL accepts the superuser's
/// connections. Creates the container (and its volume) when missing, pulling the image first.
/// A container this call created is removed again if it never becomes ready.
pub async fn up(engine: &Engine, cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<Started> {
    let password = superuser_password(cfg, secrets)?;
    let mut started = Started::default();
    let current = status(engine, cfg).await?;
    let cfg = &cfg.on_port(current.port);
    match current.state {
        ContainerState::Missing => {
            port::preflight(Some(engine), cfg.port).await?;
            ensure_image(engine, &cfg.image, on_progress).await?;
            on_progress(Progress::Creating);
            started.created_volume = match engine.docker.inspect_volume(&cfg.volume).await {
                Ok(_) => false,
                Err(e) if is_not_found(&e) => {
                    let request = VolumeCreateRequest { name: Some(cfg.volume.clone()), labels: Some(labels(cfg)), ..Default::default() };
                    engine.docker.create_volume(request).await.map_err(failed("create the data volume"))?;
                    true
                }
                Err(e) => return Err(failed("inspect the data volume")(e)),
            };
            if let Err(e) = create(engine, cfg, &password).await {
                rollback(engine, cfg, started, secrets).await;
                return Err(e);
            }
            started.created_container = true;
        }
        ContainerState::Healthy | ContainerState::Starting | ContainerState::Unhealthy => {
            wait_ready(engine, cfg, &password, on_progress).await?;
            return Ok(started);
        }
        ContainerState::Created | ContainerState::Stopped => port::preflight(Some(engine), cfg.port).await.map_err(|e| match e {
            Error::PortTaken { port, holder, .. } => Error::ContainerPortTaken { container: cfg.container.clone(), port, holder },
            other => other,
        })?,
    }
    on_progress(Progress::Starting);
    let result = async {
        engine.docker.start_container(&cfg.container, None).await.map_err(failed("start the shared container"))?;
        wait_ready(engine, cfg, &password, on_progress).await
    }
    .await;
    if let Err(e) = result {
        rollback(engine, cfg, started, secrets).await;
        return Err(e);
    }
    started.started = true;
    // Also for a container made by an older Tenantdesk, which left the file filled in.
    forget_password_file(engine, cfg).await?;
    Ok(started)
}

/// Empties the password file once the data is initialised: the entrypoint reads it again at each
/// start (an empty one is fine for existing data) but it must not stay readable in the
/// container's writable layer, which `docker cp` and `docker commit` reach and which sits on the
/// host's disk.
async fn forget_password_file(engine: &Engine, cfg: &SharedConfig) -> Result<()> {
    let exec = bollard::exec::CreateExecOptions {
        cmd: Some(vec!["sh".to_owned(), "-c".to_owned(), format!(": > {PASSWORD_DIR}/{PASSWORD_FILE}")]),
        user: Some("0".to_owned()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let created = engine.docker.create_exec(&cfg.container, exec).await.map_err(failed("empty the password file"))?;
    if let bollard::exec::StartExecResults::Attached { mut output, .. } = engine.docker.start_exec(&created.id, None).await.map_err(failed("empty the password file"))? {
        while output.next().await.is_some() {}
    }
    let code = engine.docker.inspect_exec(&created.id).await.map_err(failed("empty the password file"))?.exit_code;
    if code != Some(0) {
        return Err(Error::Docker { action: "empty the password file", message: format!("the command exited with {code:?}") });
    }
    Ok(())
}

/// Moves the shared container onto the image its tag names now (after a pull), keeping the volume
/// and so every tenant's data. Refused, before anything changes, when the new image runs another
/// PostgreSQL major version or keeps its data elsewhere: that data needs an upgrade, not a new
/// container. When the new container does not come up, one on the previous image is put back.
pub async fn recreate(engine: &Engine, cfg: &SharedConfig, secrets: &dyn SecretStore, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<()> {
    let inspect = match engine.docker.inspect_container(&cfg.container, None).await {
        Ok(i) => i,
        // Nothing to move: the container is made on the new image.
        Err(e) if is_not_found(&e) => return up(engine, cfg, secrets, on_progress).await.map(|_| ()),
        Err(e) => return Err(failed("inspect the shared container")(e)),
    };
    ensure_image(engine, &cfg.image, on_progress).await?;
    let previous = inspect.image.clone().unwrap_or_default();
    if image_id(engine, &cfg.image).await?.as_deref() == Some(previous.as_str()) {
        return up(engine, cfg, secrets, on_progress).await.map(|_| ());
    }
    let env = inspect.config.as_ref().and_then(|c| c.env.clone()).unwrap_or_default();
    let data = data_layout(engine, &cfg.container, &env).await?;
    let wanted = image_layout(engine, &cfg.image).await?;
    if let Some(reason) = data.mismatch(&wanted) {
        return Err(Error::IncompatibleImage { image: cfg.image.clone(), reason });
    }
    let cfg = cfg.on_port(bound_port(&inspect));
    // A clean shutdown first: PostgreSQL writes a checkpoint, so the new container starts without
    // replaying the WAL (a killed server would).
    down(engine, &cfg).await?;
    engine
        .docker
        .remove_container(&cfg.container, Some(RemoveContainerOptionsBuilder::default().force(true).build()))
        .await
        .map_err(failed("remove the shared container (its volume stays)"))?;
    match up(engine, &cfg, secrets, on_progress).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let back = SharedConfig { image: previous, ..cfg.clone() };
            let restored = up(engine, &back, secrets, &mut |_| {}).await.is_ok();
            Err(Error::RecreateFailed { image: cfg.image, reason: e.to_string(), restored })
        }
    }
}

/// Where PostgreSQL keeps its data and which major version wrote (or would write) it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DataLayout {
    pgdata: String,
    major: Option<String>,
}

impl DataLayout {
    /// Why data laid out as `self` cannot be served by an image laid out as `image`.
    fn mismatch(&self, image: &DataLayout) -> Option<String> {
        match (&self.major, &image.major) {
            (_, None) => Some("the image does not say which PostgreSQL version it runs (no PG_MAJOR)".to_owned()),
            (Some(data), Some(new)) if data != new => Some(format!("it runs PostgreSQL {new}, and the data was written by PostgreSQL {data}")),
            _ if self.pgdata != image.pgdata => Some(format!("it keeps its data in {}, and the data is in {}", image.pgdata, self.pgdata)),
            _ => None,
        }
    }
}

fn env_value(env: &[String], key: &str) -> Option<String> {
    env.iter().find_map(|e| e.strip_prefix(key)?.strip_prefix('=').map(str::to_owned))
}

/// PGDATA as an environment sets it; official images keep it at their default otherwise.
fn pgdata(env: &[String]) -> String {
    env_value(env, "PGDATA").unwrap_or_else(|| "/var/lib/postgresql/data".to_owned())
}

/// The data's own version: PG_VERSION in the container's PGDATA, read through the engine (so a
/// stopped container works too).
async fn data_layout(engine: &Engine, container: &str, env: &[String]) -> Result<DataLayout> {
    let pgdata = pgdata(env);
    let options = DownloadFromContainerOptionsBuilder::default().path(&format!("{pgdata}/PG_VERSION")).build();
    let chunks: Vec<bytes::Bytes> = engine.docker.download_from_container(container, Some(options)).try_collect().await.map_err(failed("read the data's PostgreSQL version"))?;
    let unreadable = |e: std::io::Error| Error::Docker { action: "read the data's PostgreSQL version", message: e.to_string() };
    let archive = chunks.concat();
    let mut archive = tar::Archive::new(archive.as_slice());
    let mut major = String::new();
    if let Some(entry) = archive.entries().map_err(unreadable)?.next() {
        std::io::Read::read_to_string(&mut entry.map_err(unreadable)?, &mut major).map_err(unreadable)?;
    }
    Ok(DataLayout { pgdata, major: Some(major.trim().to_owned()).filter(|m| !m.is_empty()) })
}

/// What an image declares: PG_MAJOR and PGDATA in its environment, as the official images do.
async fn image_layout(engine: &Engine, image: &str) -> Result<DataLayout> {
    let inspect = engine.docker.inspect_image(image).await.map_err(failed("inspect the PostgreSQL image"))?;
    let env = inspect.config.and_then(|c| c.env).unwrap_or_default();
    Ok(DataLayout { pgdata: pgdata(&env), major: env_value(&env, "PG_MAJOR") })
}

async fn create(engine: &Engine, cfg: &SharedConfig, password: &Secret) -> Result<()> {
    let seconds = |s: i64| s * 1_000_000_000;
    let body = ContainerCreateBody {
        image: Some(cfg.image.clone()),
        env: Some(vec![format!("POSTGRES_USER={SUPERUSER}"), "POSTGRES_DB=postgres".to_owned(), format!("POSTGRES_PASSWORD_FILE={PASSWORD_DIR}/{PASSWORD_FILE}")]),
        labels: Some(labels(cfg)),
        exposed_ports: Some(vec!["5432/tcp".to_owned()]),
        healthcheck: Some(HealthConfig {
            test: Some(vec!["CMD-SHELL".to_owned(), format!("pg_isready -U {SUPERUSER} -d postgres")]),
            interval: Some(seconds(2)),
            timeout: Some(seconds(3)),
            retries: Some(5),
            start_period: Some(seconds(30)),
            start_interval: None,
        }),
        host_config: Some(HostConfig {
            port_bindings: Some(HashMap::from([("5432/tcp".to_owned(), Some(vec![PortBinding { host_ip: Some("127.0.0.1".to_owned()), host_port: Some(cfg.port.to_string()) }]))])),
            binds: Some(vec![format!("{}:{DATA_PATH}", cfg.volume)]),
            restart_policy: Some(RestartPolicy { name: Some(RestartPolicyNameEnum::UNLESS_STOPPED), maximum_retry_count: None }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(&cfg.container).build();
    engine.docker.create_container(Some(options), body).await.map_err(failed("create the shared container"))?;
    let upload = UploadToContainerOptionsBuilder::default().path(PASSWORD_DIR).build();
    engine
        .docker
        .upload_to_container(&cfg.container, Some(upload), bollard::body_full(password_archive(password)?))
        .await
        .map_err(failed("copy the password file into the container"))
}

/// Undoes what `up` did: a container it created goes, and a volume it created goes with it
/// (and with the volume, the superuser password that only that data knew).
async fn rollback(engine: &Engine, cfg: &SharedConfig, started: Started, secrets: &dyn SecretStore) {
    if started.created_container || started.created_volume {
        let _ = engine.docker.remove_container(&cfg.container, Some(RemoveContainerOptionsBuilder::default().force(true).build())).await;
    }
    // The password goes only with the data it protects: if the volume could not be removed (the
    // engine died), a retry finds the data and needs the password that initialised it.
    if started.created_volume && engine.docker.remove_volume(&cfg.volume, None::<bollard::query_parameters::RemoveVolumeOptions>).await.is_ok() {
        let _ = secrets.delete(&cfg.secret_key());
    }
}

/// Undoes a whole `up` from outside (a later step of a create failed).
pub async fn undo(engine: &Engine, cfg: &SharedConfig, started: Started, secrets: &dyn SecretStore) {
    if started.created_container {
        rollback(engine, cfg, started, secrets).await;
    } else if started.started {
        let _ = engine.docker.stop_container(&cfg.container, None::<bollard::query_parameters::StopContainerOptions>).await;
    }
}

/// Polls for a real superuser connection (faster than the healthcheck's interval), until
/// `READY_TIMEOUT`. A password the server rejects ends the wait at once.
async fn wait_ready(engine: &Engine, cfg: &SharedConfig, password: &Secret, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Result<()> {
    on_progress(Progress::WaitingForPostgres);
    let url = superuser_url(cfg, password, "postgres");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match postgres::verify(&url).await {
            Ok(()) => {
                on_progress(Progress::Ready);
                return Ok(());
            }
            Err(Error::DatabaseConnection { reason }) if reason.contains("password authentication failed") => {
                return Err(Error::DatabaseConnection {
                    reason: format!(
                        "the data in volume '{}' was initialised with another superuser password than the one in the keychain; a reset starts afresh (it deletes that data)",
                        cfg.volume
                    ),
                });
            }
            Err(_) if Instant::now() < deadline => {
                // A server that exited (even if Docker's restart policy brought it back) will not
                // become ready by waiting longer.
                // An engine that stopped answering is the cause, not a slow PostgreSQL.
                let inspect = match engine.docker.inspect_container(&cfg.container, None).await.map_err(failed("inspect the shared container")) {
                    Ok(i) => Some(i),
                    Err(Error::DockerNotRunning { .. }) => {
                        return Err(Error::DockerNotRunning { tried: format!("{} stopped answering while PostgreSQL was starting", engine.endpoint.uri) });
                    }
                    Err(_) => None,
                };
                let crashed = inspect.as_ref().and_then(|i| i.restart_count).is_some_and(|n| n > 0);
                let stopped = inspect.and_then(|i| i.state).and_then(|s| s.running) == Some(false);
                if crashed || stopped {
                    return Err(Error::Unhealthy { container: cfg.container.clone(), logs: tail_logs(engine, cfg).await });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(_) => return Err(Error::Unhealthy { container: cfg.container.clone(), logs: tail_logs(engine, cfg).await }),
        }
    }
}

async fn tail_logs(engine: &Engine, cfg: &SharedConfig) -> String {
    let lines: Vec<String> = logs(engine, cfg, false, 20).filter_map(|l| async move { l.ok() }).collect().await;
    lines.join("")
}

/// A superuser connection to the running shared container.
pub async fn admin(cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<PgConnection> {
    let password = secrets
        .get(&cfg.secret_key())?
        .ok_or_else(|| Error::DatabaseConnection { reason: "the shared container's superuser password is not in the keychain; start the shared container to set it".to_owned() })?;
    postgres::connect(&superuser_url(cfg, &password, "postgres")).await
}

pub async fn down(engine: &Engine, cfg: &SharedConfig) -> Result<()> {
    let options = StopContainerOptionsBuilder::default().t(10).build();
    match engine.docker.stop_container(&cfg.container, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
        Err(e) => Err(failed("stop the shared container")(e)),
    }
}

/// Removes the container and its volume (all local tenants' data) and the superuser password.
pub async fn remove(engine: &Engine, cfg: &SharedConfig, secrets: &dyn SecretStore) -> Result<()> {
    match engine.docker.remove_container(&cfg.container, Some(RemoveContainerOptionsBuilder::default().force(true).v(true).build())).await {
        Ok(()) => {}
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(failed("remove the shared container")(e)),
    }
    match engine.docker.remove_volume(&cfg.volume, Some(RemoveVolumeOptionsBuilder::default().force(true).build())).await {
        Ok(()) => {}
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(failed("remove the data volume")(e)),
    }
    secrets.delete(&cfg.secret_key())
}

/// The container's log lines, optionally following new ones.
pub fn logs<'a>(engine: &'a Engine, cfg: &SharedConfig, follow: bool, tail: usize) -> impl Stream<Item = Result<String>> + 'a {
    let options = LogsOptionsBuilder::default().follow(follow).stdout(true).stderr(true).tail(&tail.to_string()).build();
    engine.docker.logs(&cfg.container, Some(options)).map(|item| item.map(|l| l.to_string()).map_err(failed("read the container's logs")))
}

/// A Tenantdesk container's health changed (or it started or died).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HealthEvent {
    pub container: String,
    /// `start`, `die`, `health_status: healthy`, `health_status: unhealthy`, …
    pub action: String,
}

/// Follows the engine's events for Tenantdesk's containers, for callers that turn health
/// changes into tray state and notifications.
pub fn health_events(engine: &Engine) -> impl Stream<Item = Result<HealthEvent>> + '_ {
    let filters = HashMap::from([("type".to_owned(), vec!["container".to_owned()]), ("label".to_owned(), vec![format!("{LABEL_MANAGED}=true")])]);
    let options = EventsOptionsBuilder::default().filters(&filters).build();
    engine.docker.events(Some(options)).filter_map(|item| async move {
        match item {
            Err(e) => Some(Err(failed("follow the engine's events")(e))),
            Ok(event) => {
                let action = event.action.unwrap_or_default();
                let relevant = action == "start" || action == "die" || action.starts_with("health_status");
                let container = event.actor.and_then(|a| a.attributes).and_then(|a| a.get("name").cloned()).unwrap_or_default();
                relevant.then_some(Ok(HealthEvent { container, action }))
            }
        }
    })
}
/// The shared containers on this engine, of any Tenantdesk setup (another container name or
/// data folder), by name.
pub async fn managed_containers(engine: &Engine) -> Result<Vec<String>> {
    // Shared containers only (an older one, or another configuration's): not the emulator's server.
    let filters = HashMap::from([("label".to_owned(), vec![format!("{}=true", LABEL_MANAGED), format!("{}={}", LABEL_ROLE, ROLE_SHARED)])]);
    let list = engine.docker.list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build())).await.map_err(failed("list containers"))?;
    Ok(list.into_iter().filter_map(|c| c.names.and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_owned()))).collect())
}
