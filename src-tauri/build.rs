// tauri.conf.json lives at the top of the repository (DESIGN.md's layout); tauri-build is told
// where. Listing the commands here makes Tauri generate an `allow-<command>` permission for
// each, so the main window can call only what its capability grants.
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "overview",
        "open_project",
        "recent_projects",
        "select_tenant",
        "tenant_details",
        "tenant_health",
        "create_local_tenant",
        "delete_tenant",
        "rotate_credentials",
        "set_production",
        "restore_tenants",
        "profile_details",
        "add_self_managed_tenant",
        "set_secrets_mode",
        "preview_profile_upgrade",
        "upgrade_profile",
        "create_profile",
        "delete_profile",
        "switch_profile",
        "tray_available",
        "start_demo",
        "health",
        "cloud_info",
        "cloud_login",
        "cloud_logout",
        "cloud_plans",
        "cloud_sync",
        "create_cloud_tenant",
        "retry_provision",
        "provisioning_jobs",
        "dismiss_job",
        "cloud_status",
        "rotate_sync_token",
        "set_external_db_access",
        "cancel_subscription",
        "docker_status",
        "docker_action",
        "docker_pull",
        "docker_logs",
        "port_check",
        "follow_docker_logs",
        "adopt_orphan",
        "drop_orphan",
        "tenant_secrets",
        "copy_connection_string",
        "copy_text",
        "activity",
        "verify_activity",
    ]);
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json").app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
