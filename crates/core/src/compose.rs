//! The per-tenant compose projects older `systemprompt` CLIs made for local tenants, found by
//! their `com.docker.compose.project` label: their state, and removing them with a tenant.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveVolumeOptions};

use crate::engine::{Engine, failed};
use crate::error::Result;
use crate::shared_container::ContainerState;

/// The state of each compose project's postgres container (the CLI's per-tenant databases).
pub async fn states(engine: &Engine) -> Result<HashMap<String, ContainerState>> {
    let filters = HashMap::from([("label".to_owned(), vec!["com.docker.compose.project".to_owned()])]);
    let list = engine.docker.list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build())).await.map_err(failed("list containers"))?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let project = c.labels.as_ref()?.get("com.docker.compose.project")?.clone();
            let status = c.status.unwrap_or_default();
            let state = match c.state.map(|s| s.to_string()).as_deref() {
                Some("running") if status.contains("(unhealthy)") => ContainerState::Unhealthy,
                Some("running") if status.contains("(health: starting)") => ContainerState::Starting,
                Some("running") => ContainerState::Healthy,
                Some("created") => ContainerState::Created,
                _ => ContainerState::Stopped,
            };
            Some((project, state))
        })
        .collect())
}

/// Removes a CLI-made compose project's containers and volumes, found by its label.
pub async fn remove(engine: &Engine, project: &str) -> Result<()> {
    let label = format!("com.docker.compose.project={project}");
    let filters = HashMap::from([("label".to_owned(), vec![label.clone()])]);
    let containers = engine
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build()))
        .await
        .map_err(failed("list the compose project's containers"))?;
    for c in containers {
        if let Some(id) = c.id {
            engine
                .docker
                .remove_container(&id, Some(RemoveContainerOptionsBuilder::default().force(true).v(true).build()))
                .await
                .map_err(failed("remove the compose project's container"))?;
        }
    }
    let volumes = engine.docker.list_volumes(Some(ListVolumesOptionsBuilder::default().filters(&filters).build())).await.map_err(failed("list the compose project's volumes"))?;
    for v in volumes.volumes.unwrap_or_default() {
        engine.docker.remove_volume(&v.name, None::<RemoveVolumeOptions>).await.map_err(failed("remove the compose project's volume"))?;
    }
    Ok(())
}
