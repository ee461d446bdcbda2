//! Cloning a tenant into a new local one: a file copy (`TEMPLATE`) when the source is idle, a
//! dump and restore when it is in use or in the cloud; masked columns overwritten in the copy.

use super::local::create_shared;
use super::snapshots::{new_database, restore_new, snapshot_cloud, target, undo_on_error};
use super::view::{CreatedTenant, Snapshot};
use crate::audit;
use crate::engine;
use crate::error::{Error, Result};
use crate::keychain::SecretStore;
use crate::marks::SharedDatabase;
use crate::name::TenantName;
use crate::ownership;
use crate::pg_tools::{self, Step};
use crate::postgres::{self, quote_ident};
use crate::project::Project;
use crate::shared_container::{self, SharedConfig};
use crate::snapshot::Reason;
use crate::tenant::{Tenant, TenantId, TenantType};

/// A column whose values a clone must not carry: `table.column` or `schema.table.column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedColumn {
    pub schema: String,
    pub table: String,
    pub column: String,
}

impl std::str::FromStr for MaskedColumn {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self> {
        let parts: Vec<&str> = value.trim().split('.').collect();
        let bad = || Error::InvalidName { kind: "masked column", value: value.to_owned(), reason: "name it as table.column or schema.table.column" };
        let (schema, table, column) = match parts.as_slice() {
            [t, c] => ("public", *t, *c),
            [s, t, c] => (*s, *t, *c),
            _ => return Err(bad()),
        };
        if [schema, table, column].iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        Ok(Self { schema: schema.to_owned(), table: table.to_owned(), column: column.to_owned() })
    }
}

/// Copies a local tenant into a new one with its own role, password and profile. An idle source
/// is copied by `CREATE DATABASE … TEMPLATE` (a file copy) and its objects given to the clone's
/// role; a source in use is copied by a dump piped into a restore inside the container. `masked`
/// columns are overwritten in the copy: text with a hash of the value, anything else with NULL.
#[tracing::instrument(skip_all)]
pub async fn clone_tenant(
    project: &Project,
    id: &str,
    name: &TenantName,
    masked: &[MaskedColumn],
    secrets: &dyn SecretStore,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<CreatedTenant> {
    let result = async {
        let found = Snapshot::load(project)?.find(project, id)?.clone();
        if found.tenant_type == TenantType::Cloud {
            return clone_from_cloud(project, &found, name, masked, secrets, on_step).await;
        }
        let (tenant, source) = target(project, id)?;
        let cfg = SharedConfig::from_env();
        if source.container != cfg.container {
            return Err(Error::SnapshotUnsupported {
                name: tenant.name.clone(),
                reason: format!(
                    "its database is in the container '{}', and new tenants are made in '{}'; snapshot it and restore the snapshot as a new tenant",
                    source.container, cfg.container
                ),
            });
        }
        let created = create_shared(project, name, &TenantId::new_local(), &cfg, secrets, &mut |_| {}).await?;
        let filled = async {
            let db = new_database(project, &created)?;
            let cfg = SharedConfig::new(&db.container, &cfg.image, db.port);
            if !template_copy(project, &cfg, &source, &db, &TenantId::parse(&created.tenant.id)?, secrets).await? {
                pg_tools::copy(&engine::connect(None).await?, &db.container, &source.database, &db.database, &db.role, on_step).await?;
            }
            mask(&cfg, &db, masked, secrets).await
        };
        let filled = filled.await;
        undo_on_error(project, created, filled, secrets).await
    }
    .await;
    audit::record_in(project, Some(id), &format!("clone into {name}"), &result);
    result
}

/// A cloud tenant's data in a new local tenant: a snapshot over its external access (switched on
/// for the dump), restored as the new tenant, then masked.
async fn clone_from_cloud(
    project: &Project,
    tenant: &Tenant,
    name: &TenantName,
    masked: &[MaskedColumn],
    secrets: &dyn SecretStore,
    on_step: &mut (dyn FnMut(Step) + Send),
) -> Result<CreatedTenant> {
    let note = format!("taken to clone {} into {name}", tenant.name);
    let taken = snapshot_cloud(project, tenant, Reason::Manual, Some(&note), true, secrets, on_step).await?;
    let created = restore_new(project, &taken.id, name, secrets, on_step).await?;
    let filled = async {
        let db = new_database(project, &created)?;
        mask(&SharedConfig::holding(&db), &db, masked, secrets).await
    };
    let filled = filled.await;
    undo_on_error(project, created, filled, secrets).await
}

fn clone_error(reason: String) -> Error {
    Error::SnapshotFailed { action: "clone the database", reason }
}

async fn run(conn: &mut postgres::PgConnection, sql: &str) -> Result<()> {
    postgres::execute(conn, sql).await.map_err(clone_error)
}

/// A superuser connection to one database of the shared container.
async fn superuser(cfg: &SharedConfig, database: &str, secrets: &dyn SecretStore) -> Result<postgres::PgConnection> {
    let password =
        secrets.get(&cfg.secret_key())?.ok_or_else(|| Error::DatabaseConnection { reason: "the shared container's superuser password is not in the keychain".to_owned() })?;
    postgres::connect(&shared_container::superuser_url(cfg, &password, database)).await
}

/// Replaces the clone's empty database by a file copy of the source, then moves every object to
/// the clone's role (`REASSIGN OWNED` also takes the source database itself, which goes back to
/// its role in the same transaction). Returns false, with the empty database as it was, when the
/// source has open connections: `TEMPLATE` refuses those.
async fn template_copy(project: &Project, cfg: &SharedConfig, source: &SharedDatabase, target: &SharedDatabase, target_id: &TenantId, secrets: &dyn SecretStore) -> Result<bool> {
    let mut admin = shared_container::admin(cfg, secrets).await?;
    let busy = postgres::open_connections(&mut admin, &source.database).await.map_err(clone_error)?;
    if busy > 0 {
        return Ok(false);
    }
    let (new_db, new_role) = (quote_ident(&target.database), quote_ident(&target.role));
    run(&mut admin, &format!("DROP DATABASE {new_db}")).await?;
    let copied = run(&mut admin, &format!("CREATE DATABASE {new_db} TEMPLATE {} OWNER {new_role}", quote_ident(&source.database))).await;
    if copied.is_err() {
        // A connection came in between: the empty database goes back, and the dump is used.
        run(&mut admin, &format!("CREATE DATABASE {new_db} OWNER {new_role}")).await?;
    }
    run(&mut admin, &format!("REVOKE ALL ON DATABASE {new_db} FROM PUBLIC")).await?;
    run(&mut admin, &ownership::comment_sql(&target.database, project, target_id)).await?;
    postgres::close(admin).await;
    if copied.is_err() {
        return Ok(false);
    }
    let mut conn = superuser(cfg, &target.database, secrets).await?;
    run(&mut conn, "BEGIN").await?;
    run(&mut conn, &format!("REASSIGN OWNED BY {} TO {new_role}", quote_ident(&source.role))).await?;
    run(&mut conn, &format!("ALTER DATABASE {} OWNER TO {}", quote_ident(&source.database), quote_ident(&source.role))).await?;
    run(&mut conn, "COMMIT").await?;
    postgres::close(conn).await;
    Ok(true)
}

/// Overwrites the masked columns in the clone: text-like ones with `masked-<md5>`, others NULL.
async fn mask(cfg: &SharedConfig, db: &SharedDatabase, masked: &[MaskedColumn], secrets: &dyn SecretStore) -> Result<()> {
    if masked.is_empty() {
        return Ok(());
    }
    let mut conn = superuser(cfg, &db.database, secrets).await?;
    for m in masked {
        let kind = postgres::column_type(&mut conn, &m.schema, &m.table, &m.column).await.map_err(clone_error)?;
        let Some(kind) = kind else {
            return Err(Error::SnapshotFailed { action: "mask the clone", reason: format!("it has no column {}.{}.{}", m.schema, m.table, m.column) });
        };
        let column = quote_ident(&m.column);
        let value = if ["text", "character varying", "character"].contains(&kind.as_str()) { format!("'masked-' || md5({column})") } else { "NULL".to_owned() };
        let sql = format!("UPDATE {}.{} SET {column} = {value} WHERE {column} IS NOT NULL", quote_ident(&m.schema), quote_ident(&m.table));
        run(&mut conn, &sql).await.map_err(|e| Error::SnapshotFailed { action: "mask the clone", reason: format!("{}.{}.{}: {e}", m.schema, m.table, m.column) })?;
    }
    postgres::close(conn).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_column_names_its_table_with_public_as_the_default_schema() {
        let c: MaskedColumn = "users.email".parse().expect("column");
        assert_eq!((c.schema.as_str(), c.table.as_str(), c.column.as_str()), ("public", "users", "email"));
        let c: MaskedColumn = "crm.people.phone".parse().expect("column");
        assert_eq!(c.schema, "crm");
        assert!("email".parse::<MaskedColumn>().is_err());
    }
}
