//! Local tenants' health, followed in the background: every few seconds the shared container and
//! each local tenant's database are checked (`core::tenantdesk_core::ops::databases::db_status`); a change updates the
//! tray's dots, tells the window, and a tenant turning unhealthy raises a notification.

use std::collections::BTreeMap;

use serde::Serialize;
use tenantdesk_core::ops::container::ContainerState;
use tenantdesk_core::ops::databases::{DbStatus, LocalHealth};

/// A tenant's dot in the tray and the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Dot {
    Healthy,
    Unhealthy,
    Unknown,
}

/// What the monitor last saw: each local tenant's dot, and the shared container's state (None:
/// Docker is not reachable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct HealthMap {
    pub dots: BTreeMap<String, Dot>,
    pub database: Option<ContainerState>,
}

pub fn dot(h: &LocalHealth) -> Dot {
    match (h.container, h.database_present) {
        (Some(ContainerState::Healthy), Some(true) | None) => Dot::Healthy,
        (Some(ContainerState::Healthy), Some(false)) => Dot::Unhealthy,
        (Some(ContainerState::Starting), _) | (None, _) => Dot::Unknown,
        (Some(_), _) => Dot::Unhealthy,
    }
}

impl HealthMap {
    pub fn from_status(status: &DbStatus) -> Self {
        Self { dots: status.tenants.iter().map(|t| (t.tenant_id.clone(), dot(t))).collect(), database: Some(status.shared.state) }
    }

    /// Docker could not be reached: every dot is unknown.
    pub fn unreachable(tenants: impl IntoIterator<Item = String>) -> Self {
        Self { dots: tenants.into_iter().map(|id| (id, Dot::Unknown)).collect(), database: None }
    }

    /// Tenants that were healthy in `before` and are unhealthy now.
    pub fn turned_unhealthy(&self, before: &HealthMap) -> Vec<String> {
        self.dots.iter().filter(|(id, dot)| **dot == Dot::Unhealthy && before.dots.get(*id) == Some(&Dot::Healthy)).map(|(id, _)| id.clone()).collect()
    }

    /// Of the tenants in `down` (an outage announced), those healthy again now — however they
    /// got there (a container starting shows as unknown in between).
    pub fn recovered(&self, down: &std::collections::BTreeSet<String>) -> Vec<String> {
        down.iter().filter(|id| self.dots.get(*id) == Some(&Dot::Healthy)).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(id: &str, container: Option<ContainerState>, present: Option<bool>) -> LocalHealth {
        LocalHealth { tenant_id: id.into(), name: id.into(), location: "shared".into(), database_present: present, container }
    }

    #[test]
    fn dots_follow_the_container_and_the_database() {
        assert_eq!(dot(&health("a", Some(ContainerState::Healthy), Some(true))), Dot::Healthy);
        assert_eq!(dot(&health("a", Some(ContainerState::Healthy), Some(false))), Dot::Unhealthy);
        assert_eq!(dot(&health("a", Some(ContainerState::Stopped), None)), Dot::Unhealthy);
        assert_eq!(dot(&health("a", None, None)), Dot::Unknown);
    }

    #[test]
    fn only_a_change_from_healthy_to_unhealthy_is_news() {
        let mut before = HealthMap::default();
        before.dots.insert("a".into(), Dot::Healthy);
        before.dots.insert("b".into(), Dot::Unknown);
        let mut now = HealthMap::default();
        now.dots.insert("a".into(), Dot::Unhealthy);
        now.dots.insert("b".into(), Dot::Unhealthy);
        assert_eq!(now.turned_unhealthy(&before), ["a"]);
        assert!(now.turned_unhealthy(&now).is_empty());
        // Back, through unknown while the container started: "a" (announced) recovered; "b" was
        // never announced down, so its health is no news.
        let down = std::collections::BTreeSet::from(["a".to_owned()]);
        let mut starting = HealthMap::default();
        starting.dots.insert("a".into(), Dot::Unknown);
        assert!(starting.recovered(&down).is_empty());
        let mut later = HealthMap::default();
        later.dots.insert("a".into(), Dot::Healthy);
        later.dots.insert("b".into(), Dot::Healthy);
        assert_eq!(later.recovered(&down), ["a"]);
    }
}
