//! Core's hints ([`Hint`]) said as the command lines a terminal user runs next.

use tenantdesk_core::Error as CoreError;
use tenantdesk_core::error::Hint;

/// What to do next about `error`, as a line of text.
pub fn of(error: &CoreError) -> Option<String> {
    error.hint().map(|h| say(&h))
}

pub fn say(hint: &Hint) -> String {
    match hint {
        Hint::Words(words) => words.clone(),
        Hint::InitProject => "Run 'tenantdesk init' in your project folder, or pass --project DIR".to_owned(),
        Hint::CreateTenant { or_list: true } => "Create one with 'tenantdesk cloud tenant create --type local --name <name>', or run 'tenantdesk cloud tenant list'".to_owned(),
        Hint::CreateTenant { or_list: false } => "Create one with 'tenantdesk cloud tenant create --type local --name <name>'".to_owned(),
        Hint::SelectTenant => "Run 'tenantdesk cloud tenant list' then 'tenantdesk cloud tenant select <name or id>'".to_owned(),
        Hint::CheckTenantIds { registry } => format!("Check {} for valid IDs, or run 'tenantdesk cloud tenant list'", registry.display()),
        Hint::CheckTenantId => "Check the id with 'tenantdesk cloud tenant list'".to_owned(),
        Hint::ListTenantTypes => "Run 'tenantdesk cloud tenant list' to see each tenant's type".to_owned(),
        Hint::ListProfiles => "Run 'tenantdesk cloud profile list' to see the profiles".to_owned(),
        Hint::ListSessions => "Run 'tenantdesk admin session list' to see the sessions".to_owned(),
        Hint::ListSnapshots => "Run 'tenantdesk snapshot list --all' to see every snapshot".to_owned(),
        Hint::ResetSessions { path } => format!("Delete {} and run 'tenantdesk admin session switch <profile>'", path.display()),
        Hint::ConfirmName { name } => format!("Pass --confirm-name {name} (or type it when asked)"),
        Hint::UnlockKeychain if cfg!(target_os = "linux") => {
            "Start and unlock a Secret Service (gnome-keyring or KWallet) in your session; 'tenantdesk doctor' checks it. Tenantdesk never falls back to plaintext files".to_owned()
        }
        Hint::UnlockKeychain => "Unlock your keychain and try again; Tenantdesk never falls back to plaintext files".to_owned(),
        Hint::StartDocker if cfg!(target_os = "linux") => "Start Docker: 'sudo systemctl start docker' (or start Docker Desktop), then retry".to_owned(),
        Hint::StartDocker => "Start Docker Desktop, then retry".to_owned(),
        Hint::CheckDocker => "Check 'docker info' and the engine's log, then retry".to_owned(),
        Hint::KeepImage => "Nothing was changed. Keep the image the container runs (set TENANTDESK_POSTGRES_IMAGE back), or move the data yourself (pg_dump, pg_upgrade); 'tenantdesk db reset' starts afresh on the new image and deletes the data".to_owned(),
        Hint::RecreateFailed { restored: true } => "The container is back on its previous image with all its data; 'tenantdesk db logs' shows why the new image did not start".to_owned(),
        Hint::RecreateFailed { restored: false } => "Neither image started; the data volume is untouched. Run 'tenantdesk doctor', then 'tenantdesk db up'".to_owned(),
        Hint::CheckImageName => "Check that the image's registry is reachable from the engine and the name is right (TENANTDESK_POSTGRES_IMAGE); an image built on this machine cannot be pulled".to_owned(),
        Hint::ChoosePort { free: Some(free) } => format!("Use --port {free}, which is free"),
        Hint::ChoosePort { free: None } => "Stop what holds the port, or choose another with --port".to_owned(),
        // Not --port: every local tenant's URL names the port the container was made on.
        Hint::FreeContainerPort { port, holder } => {
            format!("Stop {holder} (or move it off port {port}), then run 'tenantdesk db up'; the container keeps port {port} because its tenants' URLs name it")
        }
        Hint::StartDatabase => "Run 'tenantdesk db up' for local tenants, or check the URL, host, port and password".to_owned(),
        Hint::ReadContainerLog { server_side: true } => "Check 'tenantdesk db logs' for the server's side".to_owned(),
        Hint::ReadContainerLog { server_side: false } => "Check the container's logs with 'tenantdesk db logs'".to_owned(),
        Hint::LogIn => "Run 'tenantdesk cloud auth login' (or 'login --with-token' with a token on stdin)".to_owned(),
        Hint::LogInAgain { or_rotate: true } => "Run 'tenantdesk cloud auth login' again; for a tenant's database, 'tenantdesk cloud tenant rotate-credentials <id>'".to_owned(),
        Hint::LogInAgain { or_rotate: false } => "Run 'tenantdesk cloud auth login' again".to_owned(),
        Hint::CheckNetwork => "Check your network connection, or the API address in TENANTDESK_CLOUD_URL".to_owned(),
        Hint::RetryOrWaitLonger => "Retry; on a slow network raise TENANTDESK_CLOUD_TIMEOUT_MS".to_owned(),
        Hint::RotateCredentials { id } => format!("Run 'tenantdesk cloud tenant rotate-credentials {id} -y': the role gets a new password, kept in the keychain"),
        Hint::RetryProvision { id } => format!("Check 'tenantdesk cloud tenant show {id}' for status, then 'tenantdesk cloud tenant retry-provision {id}'"),
        Hint::FetchCredentials { id } => format!("Run 'tenantdesk cloud tenant retry-provision {id}': it fetches the tenant's credentials into the keychain"),
        Hint::ImportSecrets => "If a file of this project holds the password, run 'tenantdesk secrets import'; otherwise this machine never had it (the keychain is per machine)".to_owned(),
        Hint::RotateAgain { id } => format!("Run 'tenantdesk cloud tenant rotate-credentials {id} -y' again once SystemPrompt Cloud answers: a new rotation leaves the keychain with the live password"),
        Hint::UpgradeProfile { name } => format!("Make the change named above, then run 'tenantdesk cloud profile upgrade {name}' again; nothing was changed"),
        Hint::UseDatabaseUrl => "Pass --database-url postgres://user:password@host:port/db to use an existing database".to_owned(),
        Hint::OpenExternalAccess => "Pass --open-external-access: Tenantdesk switches its external database access on for the dump and off again after".to_owned(),
        Hint::ChooseTerminal => "Install a terminal emulator, or name the one to use: 'tenantdesk settings terminal <command>'".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_names_the_command_to_run() {
        assert_eq!(say(&Hint::ChoosePort { free: Some(5433) }), "Use --port 5433, which is free");
        assert!(say(&Hint::StartDatabase).contains("'tenantdesk db up'"));
        assert!(say(&Hint::RetryProvision { id: "t1".to_owned() }).contains("retry-provision t1"));
        assert_eq!(say(&Hint::Words("as they are".to_owned())), "as they are");
    }
}
