//! Rotating a tenant's database credentials: a local role's password here, a cloud tenant's
//! through [`super::cloud`]. Production tenants need their name typed.

use super::credentials::*;
use super::view::*;
use crate::audit;
use crate::error::{Error, Result};
use crate::keychain::{SecretStore, generate_password};
use crate::postgres::{self};
use crate::project::Project;
use crate::secret::Secret;
use crate::shared_container::{self, SharedConfig};
use crate::tenant::{TenantType, parse_database_url};

/// Gives a local tenant's role a new CSPRNG password: sets it (as the shared container's
/// superuser, or with the old credentials elsewhere), proves the new one connects and the old one
/// no longer does, then stores it in the keychain. If storing fails, the old password is put
/// back, so nothing is lost at any step. Production tenants need their name typed.
#[tracing::instrument(skip_all, fields(tenant = id))]
pub async fn rotate_credentials(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Rotated> {
    let result = rotate(project, id, confirm_name, secrets).await;
    audit::record_in(project, Some(id), "rotate credentials", &result);
    result
}

async fn rotate(project: &Project, id: &str, confirm_name: Option<&str>, secrets: &dyn SecretStore) -> Result<Rotated> {
    let snap = Snapshot::load(project)?;
    let tenant = snap.find(project, id)?.clone();
    if tenant.tenant_type == TenantType::Cloud {
        return super::cloud::rotate_credentials(project, id, confirm_name, secrets).await;
    }
    tenant.refuse_self_managed("rotating credentials")?;
    snap.marks.confirm(&tenant.id, &tenant.name, confirm_name)?;
    settle_rotation(project, &tenant.id, secrets).await?;
    let old = database_url(project, tenant.id.as_str(), secrets)?;
    let old_url = parse_database_url(old.expose())?;
    let role = percent_decode(old_url.username());
    let fresh = generate_password()?;
    // In a shared container the superuser sets it, so a role whose password was changed behind
    // Tenantdesk's back (doctor finds those) is mended by rotating; elsewhere the role itself.
    let admin = snap.marks.databases.get(&tenant.id).map(SharedConfig::holding);
    let set_password = |url: Secret, password: Secret| {
        let (role, admin) = (role.clone(), admin.clone());
        async move {
            let mut conn = match &admin {
                Some(cfg) => shared_container::admin(cfg, secrets).await?,
                None => postgres::connect(&url).await?,
            };
            let sql = postgres::alter_role_password(&role, &password)?;
            let result = postgres::execute(&mut conn, &sql).await;
            postgres::close(conn).await;
            result.map_err(|message| Error::Database { action: "set the new password", message })
        }
    };
    let mut new_url = old_url.clone();
    let _ = new_url.set_password(Some(fresh.expose()));
    let new = Secret::new(new_url.to_string());
    // Journalled before the role changes: from here on a kill at any instant leaves one of the two
    // passwords in the keychain that the role takes, and `settle_rotation` finds which.
    let pending = pending_password_key(project, &tenant.id);
    secrets.set(&pending, &fresh)?;
    if let Err(e) = set_password(old.clone(), fresh.clone()).await {
        secrets.delete(&pending)?;
        return Err(e);
    }
    let proven = async {
        postgres::verify(&new).await?;
        match postgres::verify(&old).await {
            Err(Error::DatabaseConnection { .. }) => Ok(()),
            _ => Err(Error::Database { action: "retire the old password", message: "the old password still connects".to_owned() }),
        }
    }
    .await;
    let stored = match proven {
        Ok(()) => secrets.set(&password_key(project, &tenant.id), &fresh),
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        let old_password = Secret::new(percent_decode(old_url.password().unwrap_or_default()));
        set_password(new, old_password).await?;
        secrets.delete(&pending)?;
        return Err(e);
    }
    secrets.delete(&pending)?;
    super::secrets::follow_mode(project, secrets)?;
    Ok(Rotated { tenant_id: tenant.id.to_string(), name: tenant.name.clone(), role, database_url: tenant.effective_database_url().unwrap_or_default().to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_production_tenant_is_not_rotated_without_its_name() {
        let (_dir, project, keychain) = super::super::seed();
        super::super::tenants::set_production(&project, "my-project", true).expect("mark");
        let refused = rotate_credentials(&project, "my-project", None, &keychain).await;
        assert!(matches!(refused, Err(Error::ConfirmationRequired { .. })), "{refused:?}");
    }
}
