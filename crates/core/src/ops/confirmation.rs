//! What a person must do before an action runs: say yes, or type a name. Written once here and
//! asked for by each shell its own way (the CLI's `-y` and prompts, the window's dialogs); the
//! use cases themselves refuse a production tenant without its name.

use super::view::Snapshot;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::tenant::TenantType;

/// The confirmation an action needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The yes/no question (the CLI's `-y` answers it up front); `None` when only a name counts.
    pub question: Option<String>,
    /// Names to type, in the order a person is asked for them.
    pub names: Vec<TypedName>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedName {
    pub name: String,
    /// What to ask.
    pub prompt: String,
    /// A yes given up front stands in for the typed name (a script's `-y`).
    pub yes_instead: bool,
    /// The typed name is compared with `name` before the action starts; otherwise the use case
    /// itself refuses a wrong one (production tenants).
    pub compared: bool,
}

/// The tenant actions that need a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantAction {
    /// Delete it; `keep_snapshot` says whether a snapshot makes it undoable.
    Delete {
        keep_snapshot: bool,
    },
    RotateCredentials,
    RotateSyncToken,
    /// Cancel a cloud tenant's subscription.
    Cancel,
    /// Hand its credentials to a command, a terminal or the screen.
    UseCredentials,
}

fn production_name(name: &str, doing: &str) -> TypedName {
    TypedName { name: name.to_owned(), prompt: format!("'{name}' is production. Type its name to {doing}"), yes_instead: false, compared: false }
}

/// What `action` on tenant `id` (an id, a prefix or a name) needs.
pub fn for_tenant(project: &Project, id: &str, action: TenantAction) -> Result<Confirmation> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?;
    let view = snap.tenant_view(tenant);
    let name = tenant.name.as_str();
    let prod = |doing: &str| if view.production { vec![production_name(name, doing)] } else { Vec::new() };
    Ok(match action {
        TenantAction::Delete { keep_snapshot } => {
            let mut names = Vec::new();
            // The seed: deleting a cloud tenant cancels its subscription, so its name is typed.
            if tenant.tenant_type == TenantType::Cloud {
                let prompt = format!("Delete cloud tenant '{name}' and {}? This cannot be undone. Type its name to confirm", view.delete_destroys);
                names.push(TypedName { name: name.to_owned(), prompt, yes_instead: true, compared: true });
            }
            names.extend(prod("delete it"));
            let undo = if view.snapshots && keep_snapshot { "A snapshot is kept first, so it can be undone." } else { "This cannot be undone." };
            Confirmation { question: Some(format!("Delete tenant '{name}' and {}? {undo}", view.delete_destroys)), names }
        }
        TenantAction::RotateCredentials => {
            Confirmation { question: Some(format!("Rotate database credentials for '{name}'? This will generate a new password.")), names: prod("rotate its credentials") }
        }
        TenantAction::RotateSyncToken => Confirmation { question: Some(format!("Rotate the sync token for '{name}'? The old one stops working.")), names: Vec::new() },
        TenantAction::Cancel => Confirmation {
            question: Some(format!("Cancel the subscription of '{name}'?")),
            names: vec![TypedName { name: name.to_owned(), prompt: format!("Cancel the subscription of '{name}'? Type its name to confirm"), yes_instead: true, compared: true }],
        },
        TenantAction::UseCredentials => Confirmation { question: None, names: prod("use its credentials") },
    })
}

/// Replacing a tenant's data with `snapshot` (its tenant named as the snapshot names it).
pub fn for_restore(project: &Project, snapshot: &crate::snapshot::SnapshotInfo) -> Confirmation {
    let production =
        snapshot.tenant_id.as_deref().and_then(|t| Snapshot::load(project).ok().and_then(|s| s.find(project, t).ok().map(|t| s.marks.is_production(&t.id)))).unwrap_or(false);
    let name = &snapshot.tenant_name;
    Confirmation {
        question: Some(format!("Replace the data of '{name}' with snapshot {} ({})? Its current data is snapshotted first.", snapshot.id, snapshot.created_at)),
        names: if production { vec![production_name(name, "replace its data")] } else { Vec::new() },
    }
}

/// Deleting the shared container and every database in it: its name typed, or a yes up front.
pub fn for_container_reset(container: &str, keep_snapshots: bool) -> Confirmation {
    let kept = if keep_snapshots { " (a snapshot of each database is kept first)" } else { "" };
    Confirmation {
        question: Some(format!("Delete the shared container and ALL local tenants' data in it{kept}?")),
        names: vec![TypedName {
            name: container.to_owned(),
            prompt: format!("Type the container's name ({container}) to delete it and ALL its data"),
            yes_instead: true,
            compared: true,
        }],
    }
}

/// Dropping an orphan database: its name typed, or a yes up front.
pub fn for_orphan_drop(database: &str) -> Confirmation {
    Confirmation {
        question: Some(format!("Drop the database '{database}' and its role?")),
        names: vec![TypedName { name: database.to_owned(), prompt: format!("Type the database's name ({database}) to drop it"), yes_instead: true, compared: true }],
    }
}

impl Confirmation {
    /// Whether what a shell collected is enough: `yes` given up front, and the names typed.
    /// A name that is compared here and does not match refuses the action.
    pub fn check(&self, yes: bool, typed: Option<&str>) -> Result<()> {
        for n in self.names.iter().filter(|n| n.compared && !(n.yes_instead && yes)) {
            if typed != Some(n.name.as_str()) {
                return Err(Error::ConfirmationRequired { name: n.name.clone() });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_reset_needs_its_name_or_a_yes() {
        let c = for_container_reset("tenantdesk-postgres", true);
        assert!(c.check(false, None).is_err());
        assert!(c.check(false, Some("other")).is_err());
        c.check(false, Some("tenantdesk-postgres")).expect("the name");
        c.check(true, None).expect("a yes up front");
    }
}
