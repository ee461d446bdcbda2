//! The file model against real files: every shape the CLI has written survives a round trip,
//! bad files are reported and left alone, and the use cases change exactly what they should.

use std::fs;
use std::path::Path;

use serde_json::Value;
use tenantdesk_core::keychain::{MemoryStore, SecretStore};
use tenantdesk_core::name::ProfileName;
use tenantdesk_core::profile::Profile;
use tenantdesk_core::registry::Registry;
use tenantdesk_core::session::{SessionIndex, SessionState};
use tenantdesk_core::{Error, Project, ops, store, testing};

fn read_fixture(rel: &str) -> String {
    fs::read_to_string(testing::fixtures().join(rel)).expect("fixture")
}

fn project() -> (tempfile::TempDir, Project) {
    let dir = testing::seed_project();
    let project = Project::open(dir.path()).expect("project");
    (dir, project)
}

fn rewrite_registry(path: &Path) -> String {
    let lock = store::lock(path).expect("lock");
    let mut registry = Registry::load(path).expect("load");
    registry.save(&lock, path).expect("save");
    fs::read_to_string(path).expect("read")
}

// ---- round trips -----------------------------------------------------------------------------

#[test]
fn cli_written_registries_round_trip_byte_for_byte() {
    for name in ["registry/cli-current.json", "registry/legacy.json", "registry/unknown-fields.json"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tenants.json");
        let original = read_fixture(name);
        fs::write(&path, &original).expect("write");
        assert_eq!(rewrite_registry(&path), original, "{name} changed on rewrite");
    }
}

#[test]
fn the_seed_registry_keeps_every_field_and_gains_the_cli_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tenants.json");
    fs::write(&path, read_fixture("registry/seed.json")).expect("write");
    let rewritten = rewrite_registry(&path);
    let before: Value = serde_json::from_str(&read_fixture("registry/seed.json")).expect("json");
    let mut after: Value = serde_json::from_str(&rewritten).expect("json");
    // The CLI always writes external_db_access; the seed's cloud entry leaves it out.
    assert_eq!(after["tenants"][1]["external_db_access"], Value::Bool(false));
    after["tenants"][1].as_object_mut().expect("obj").remove("external_db_access");
    assert_eq!(before, after);
    let cloud = &rewritten[rewritten.find("999bc654").expect("cloud entry")..];
    let order: Vec<usize> = ["\"name\"", "\"app_id\"", "\"hostname\"", "\"region\"", "\"tenant_type\""].iter().map(|k| cloud.find(k).expect(k)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "keys not in the CLI's order: {order:?}");
}

#[test]
fn legacy_and_both_local_id_shapes_are_read() {
    let legacy = Registry::parse(Path::new("legacy.json"), read_fixture("registry/legacy.json").as_bytes()).expect("parse");
    assert_eq!(legacy.tenants[0].shared_container_db.as_deref(), Some("old_shared_x1y2z3"));
    assert_eq!(legacy.tenants[1].sync_token.as_deref(), Some("legacy-sync-token-value"));
    let seed = Registry::parse(Path::new("seed.json"), read_fixture("registry/seed.json").as_bytes()).expect("parse");
    assert!(seed.tenants[0].id.is_local(), "local_<hex>");
    let current = Registry::parse(Path::new("c.json"), read_fixture("registry/cli-current.json").as_bytes()).expect("parse");
    assert!(current.tenants[0].id.is_local(), "local_<uuid>");
    assert!(!current.tenants[1].id.is_local());
}

#[test]
fn profiles_keep_unknown_keys_and_their_header_on_rewrite() {
    for name in ["profiles/seed.yaml", "profiles/cli-current.yaml"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("profile.yaml");
        let original = read_fixture(name);
        fs::write(&file, &original).expect("write");
        let profile = Profile::load(dir.path()).expect("load");
        let lock = store::lock(&file).expect("lock");
        profile.save(&lock).expect("save");
        let rewritten = fs::read_to_string(&file).expect("read");
        let before: serde_yaml::Value = serde_yaml::from_str(&original).expect("yaml");
        let after: serde_yaml::Value = serde_yaml::from_str(&rewritten).expect("yaml");
        assert_eq!(before, after, "{name}");
        let header: Vec<&str> = original.lines().take_while(|l| l.starts_with('#')).collect();
        assert!(rewritten.starts_with(&header.join("\n")), "{name} lost its header");
    }
}

#[test]
fn the_session_index_keeps_unknown_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index.json");
    fs::write(&path, read_fixture("sessions/index.json")).expect("write");
    let lock = store::lock(&path).expect("lock");
    let mut index = SessionIndex::load(&path).expect("load");
    index.save(&lock, &path).expect("save");
    let mut before: Value = serde_json::from_str(&read_fixture("sessions/index.json")).expect("json");
    let mut after: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
    before.as_object_mut().expect("obj").remove("updated_at");
    after.as_object_mut().expect("obj").remove("updated_at");
    assert_eq!(before, after);
}

// ---- bad files -------------------------------------------------------------------------------

#[test]
fn a_corrupt_registry_is_reported_with_its_position_and_left_untouched() {
    let (_dir, project) = project();
    let path = project.tenants_file();
    let broken = "{\n  \"tenants\": [\n    { \"id\": \"local_1\", \"name\": \"x\", }\n  ]\n";
    fs::write(&path, broken).expect("write");
    for result in [
        ops::tenants::remove_record(&project, "local_1", None).map(|_| ()),
        ops::select_tenant(&project, "local_1").map(|_| ()),
        ops::create_profile(&project, &ProfileName::parse("n").expect("name"), Some("local_1"), &MemoryStore::default()).map(|_| ()),
    ] {
        match result {
            Err(Error::Corrupt { line, column, .. }) => assert_eq!((line, column), (3, 37)),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    assert_eq!(fs::read_to_string(&path).expect("read"), broken);
}

#[test]
fn wrong_types_are_reported_not_guessed() {
    let (_dir, project) = project();
    let path = project.tenants_file();
    let wrong = r#"{"tenants": [{"id": "local_1", "name": 42}], "synced_at": "x"}"#;
    fs::write(&path, wrong).expect("write");
    let err = ops::list_tenants(&project).expect_err("must fail");
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid type"), "{err}");
    assert_eq!(fs::read_to_string(&path).expect("read"), wrong);
}

#[test]
fn a_malformed_profile_is_listed_with_its_problem() {
    let (_dir, project) = project();
    fs::create_dir_all(project.profiles_dir().join("broken")).expect("mkdir");
    fs::write(project.profiles_dir().join("broken/profile.yaml"), "name: [unclosed\n").expect("write");
    let profiles = ops::list_profiles(&project).expect("list");
    let broken = profiles.iter().find(|p| p.name == "broken").expect("listed");
    assert!(broken.problem.as_deref().is_some_and(|p| p.contains("YAML")), "{broken:?}");
    assert_eq!(profiles.iter().filter(|p| p.problem.is_none()).count(), 2);
}

#[test]
fn a_newer_session_store_is_refused() {
    let (_dir, project) = project();
    fs::write(project.sessions_file(), r#"{"version": 2, "sessions": {}}"#).expect("write");
    let err = ops::select_tenant(&project, "local_19bff27604c").expect_err("must fail");
    assert!(matches!(err, Error::SessionStoreVersion { found: 2, .. }), "{err:?}");
}

#[test]
fn path_traversal_in_names_touches_nothing() {
    let (dir, project) = project();
    let before = testing::tree(dir.path());
    for bad in ["../escape", "a/b", "..", ""] {
        assert!(ProfileName::parse(bad).is_err(), "{bad}");
        assert!(ops::delete_profile(&project, bad).is_err(), "{bad}");
        assert!(ops::show_profile(&project, bad).is_err(), "{bad}");
    }
    assert_eq!(before, testing::tree(dir.path()));
}

// ---- use cases -------------------------------------------------------------------------------

#[test]
fn selecting_a_tenant_and_back_restores_its_session_untouched() {
    let (_dir, project) = project();
    let original: Value = serde_json::from_str(&read_fixture("sessions/index.json")).expect("json");

    let cloud = ops::select_tenant(&project, "999bc654-9a64-49bc-98be-db976fc84e76").expect("select cloud");
    assert_eq!(cloud.profile.as_deref(), Some("staging"));
    assert_eq!(cloud.session_state, SessionState::Expired);
    let index = SessionIndex::load(&project.sessions_file()).expect("load");
    assert_eq!(index.active_key.as_deref(), Some("tenant_999bc654-9a64-49bc-98be-db976fc84e76"));
    assert_eq!(index.active_profile_name.as_deref(), Some("staging"));

    let local = ops::select_tenant(&project, "local_19bff27604c").expect("select local");
    assert_eq!(local.profile.as_deref(), Some("local"));
    assert_eq!(local.session_state, SessionState::Active);
    let after: Value = serde_json::from_str(&fs::read_to_string(project.sessions_file()).expect("read")).expect("json");
    assert_eq!(after["sessions"], original["sessions"], "sessions were modified");
    assert_eq!(after["active_key"], original["active_key"]);
    assert_eq!(after["active_profile_name"], original["active_profile_name"]);
    assert_eq!(after["future_top_field"], "kept");
}

#[test]
fn the_selection_drives_list_and_show() {
    let (_dir, project) = project();
    let list = ops::list_tenants(&project).expect("list");
    assert_eq!(list.selected.as_deref(), Some("local_19bff27604c"));
    assert!(list.tenants[0].selected && !list.tenants[1].selected);
    assert_eq!(list.tenants[0].database_url.as_deref(), Some("postgres://systemprompt:***@localhost:5432/systemprompt"));
    let shown = ops::show_tenant(&project, None).expect("show");
    assert_eq!(shown.tenant.id, "local_19bff27604c");
    assert_eq!(shown.profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["local"]);
    assert_eq!(shown.session_state, SessionState::Active);

    fs::remove_file(project.sessions_file()).expect("rm");
    // Tenants, none selected: "No tenant selected" ("No tenant configured" is for none at all).
    assert!(matches!(ops::show_tenant(&project, None), Err(Error::NoTenantSelected)));
    assert!(matches!(ops::show_tenant(&project, Some("nope")), Err(Error::TenantNotFound { .. })));
    // A shortened id from the list works as long as it is unambiguous.
    assert_eq!(ops::show_tenant(&project, Some("999bc654-9a64...")).expect("short").tenant.name, "my-project-prod");
}

#[test]
fn deleting_a_tenant_unlinks_its_profiles_and_drops_its_session() {
    let (_dir, project) = project();
    let deleted = ops::tenants::remove_record(&project, "local_19bff27604c", None).expect("delete");
    assert_eq!(deleted.unlinked_profiles, ["local"]);
    assert!(deleted.removed_session);
    let registry = Registry::load(&project.tenants_file()).expect("load");
    assert_eq!(registry.tenants.len(), 1);
    let profile = Profile::load(&project.profiles_dir().join("local")).expect("profile kept");
    assert_eq!(profile.tenant_id(), None);
    assert_eq!(profile.doc["cloud"]["tenants_path"].as_str(), Some("../../tenants.json"), "other keys kept");
    let index = SessionIndex::load(&project.sessions_file()).expect("load");
    assert!(index.active_key.is_none());
    assert!(index.entry("tenant_999bc654-9a64-49bc-98be-db976fc84e76").is_some(), "other session kept");
    assert!(matches!(ops::tenants::remove_record(&project, "local_19bff27604c", None), Err(Error::TenantNotFound { .. })));
}

#[test]
fn created_profiles_follow_the_project_cli_and_keep_the_pepper_in_the_keychain() {
    let (_dir, project) = project();
    let keychain = MemoryStore::default();
    // The seed's tenants.json (`tenant_type`) means a CLI before 0.73: the whole profile.
    let name = ProfileName::parse("local-test").expect("name");
    ops::create_profile(&project, &name, None, &keychain).expect("create");
    let profile = Profile::load(&project.profile_dir(&name)).expect("load");
    assert_eq!(profile.tenant_id().map(|i| i.to_string()).as_deref(), Some("local_19bff27604c"));
    assert!(profile.doc["cloud"].get("credentials_path").is_none() && profile.doc["cloud"].get("provider").is_none());
    assert_eq!(profile.doc["server"]["api_external_url"].as_str(), Some("http://localhost:8080"));
    assert_eq!(profile.jwt_issuer(), Some("http://localhost:8080"), "0.40 validates the issuer as a URL");
    for key in ["name", "display_name", "target", "site", "database", "server", "security", "paths", "rate_limits", "system_admin", "runtime", "secrets", "governance"] {
        assert!(profile.doc.get(key).is_some(), "missing section {key}");
    }
    let secrets: Value = serde_json::from_str(&fs::read_to_string(project.profile_dir(&name).join("secrets.json")).expect("secrets")).expect("json");
    assert_eq!(secrets["oauth_at_rest_pepper"], "***", "{secrets}");
    assert!(!secrets.to_string().contains("localdev"), "password written in plaintext: {secrets}");
    let pepper = keychain.get(&tenantdesk_core::keychain::SecretKey::new(
        format!("{}/profile/local-test", project.key()),
        tenantdesk_core::keychain::SecretKind::ProfileSecret("oauth_at_rest_pepper".to_owned()),
    ));
    assert!(pepper.expect("keychain").is_some_and(|p| p.expose().len() >= 32));
    assert!(matches!(ops::create_profile(&project, &name, None, &keychain), Err(Error::ProfileExists { .. })));

    // A project used with 0.73+ gets an overlay: external_url, no derived fields.
    let marks = project.marks_file();
    fs::write(&marks, r#"{"production":[],"systemprompt_version":"0.77.0"}"#).expect("write setting");
    let name = ProfileName::parse("today").expect("name");
    ops::create_profile(&project, &name, None, &keychain).expect("create");
    let profile = Profile::load(&project.profile_dir(&name)).expect("load");
    assert_eq!(profile.doc["server"]["external_url"].as_str(), Some("http://localhost:8080"));
    for derived in ["api_server_url", "api_external_url", "api_internal_url", "use_https", "cors_allowed_origins"] {
        assert!(profile.doc["server"].get(derived).is_none(), "derived server.{derived} written");
    }
    assert!(profile.jwt_issuer().is_none(), "derived security.jwt_issuer written");
    assert_eq!(profile.doc["cloud"]["provider"].as_str(), Some("docker_local"));
}

#[test]
fn a_profile_folder_a_killed_create_left_is_taken_over() {
    let (_dir, project) = project();
    let name = ProfileName::parse("half").expect("name");
    let dir = project.profile_dir(&name);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join(".profile.yaml.tmp-4242-abcdef"), "half a file").expect("debris");
    // A write in progress right now is not debris: its folder is not taken over.
    assert!(matches!(ops::create_profile(&project, &name, None, &MemoryStore::default()), Err(Error::ProfileExists { .. })));
    age(&dir.join(".profile.yaml.tmp-4242-abcdef"));
    assert!(ops::list_profiles(&project).expect("list").iter().all(|p| p.name != "half"));
    ops::create_profile(&project, &name, None, &MemoryStore::default()).expect("the debris does not block the name");
    assert!(Profile::load(&dir).is_ok());
    assert!(!dir.join(".profile.yaml.tmp-4242-abcdef").exists());
    // Debris under another name can be deleted by that name.
    let other = project.profiles_dir().join("other");
    fs::create_dir_all(&other).expect("mkdir");
    fs::write(other.join(".secrets.json.tmp-1-ff"), "{").expect("debris");
    age(&other.join(".secrets.json.tmp-1-ff"));
    ops::delete_profile(&project, "other").expect("delete the debris");
    assert!(!other.exists());
}

#[test]
fn a_cloud_profile_gets_the_cloud_builder_sections() {
    let (_dir, project) = project();
    let name = ProfileName::parse("production").expect("name");
    ops::create_profile(&project, &name, Some("999bc654-9a64-49bc-98be-db976fc84e76"), &MemoryStore::default()).expect("create");
    let profile = Profile::load(&project.profile_dir(&name)).expect("load");
    assert_eq!(profile.target(), "cloud");
    assert_eq!(profile.display_name(), Some("Production"));
    assert_eq!(profile.doc["server"]["api_external_url"].as_str(), Some("https://999bc6549a64.systemprompt.io"));
    assert_eq!(profile.doc["cloud"]["validation"].as_str(), Some("strict"));
    assert!(profile.doc["paths"]["system"].as_str().is_some_and(|p| p.starts_with("/app")));
}

#[test]
fn switching_sessions_changes_only_the_active_fields() {
    let (_dir, project) = project();
    let switched = ops::switch_session(&project, "staging").expect("switch");
    assert_eq!(switched.key, "tenant_999bc654-9a64-49bc-98be-db976fc84e76");
    assert_eq!(switched.session_state, SessionState::Expired);
    let sessions = ops::list_sessions(&project).expect("list");
    assert_eq!(sessions.iter().filter(|s| s.active).count(), 1);
    let json = serde_json::to_string(&sessions).expect("json");
    assert!(!json.contains("SECRET"), "a session token reached a view: {json}");
    assert!(matches!(ops::switch_session(&project, "ghost"), Err(Error::ProfileNotFound { .. })));
}

#[test]
fn projects_are_found_by_walking_up() {
    let (dir, project) = project();
    let deep = dir.path().join("a/b/c");
    fs::create_dir_all(&deep).expect("mkdir");
    assert_eq!(Project::discover(&deep).expect("found").root(), project.root());
    let elsewhere = tempfile::tempdir().expect("tempdir");
    assert!(matches!(Project::discover(elsewhere.path()), Err(Error::ProjectNotFound { .. })));
    assert!(matches!(Project::open(elsewhere.path()), Err(Error::NotAProject { .. })));
}

#[test]
fn production_tenants_need_their_name_to_be_deleted() {
    let (_dir, project) = project();
    let id = "999bc654-9a64-49bc-98be-db976fc84e76";
    assert!(ops::set_production(&project, id, true).expect("mark").production);
    assert!(ops::list_tenants(&project).expect("list").tenants[1].production);
    let registry_before = fs::read(project.tenants_file()).expect("read");
    for wrong in [None, Some("my-project"), Some("MY-PROJECT-PROD")] {
        let err = ops::tenants::remove_record(&project, id, wrong).expect_err("must refuse");
        assert!(matches!(err, Error::ConfirmationRequired { .. }), "{err:?}");
    }
    assert_eq!(registry_before, fs::read(project.tenants_file()).expect("read"), "refused delete changed the registry");
    ops::tenants::remove_record(&project, id, Some("my-project-prod")).expect("delete with the name");
    let marks = fs::read_to_string(project.marks_file()).expect("marks");
    assert!(!marks.contains(id), "the mark outlived the tenant: {marks}");
    assert!(!fs::read_to_string(project.tenants_file()).expect("read").contains("tenantdesk"), "marks leaked into the CLI's file");
}

/// Runs `check` on a thread and fails (instead of hanging the suite) if it does not return.
fn returns_within(secs: u64, check: impl FnOnce() -> Result<(), String> + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(check());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(result) => result.expect("check"),
        Err(_) => panic!("still blocked after {secs} s"),
    }
}

#[test]
fn special_files_in_a_files_place_are_refused_not_waited_on() {
    let (_dir, project) = project();
    let tenants = project.tenants_file();
    fs::remove_file(&tenants).expect("rm");
    assert!(std::process::Command::new("mkfifo").arg(&tenants).status().expect("mkfifo").success());
    let p = project.clone();
    returns_within(10, move || match ops::list_tenants(&p) {
        Err(Error::Invalid { message, .. }) if message.contains("not a regular file") => Ok(()),
        other => Err(format!("a FIFO as tenants.json: {other:?}")),
    });
    fs::remove_file(&tenants).expect("rm fifo");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", &tenants).expect("symlink");
    let p = project.clone();
    returns_within(10, move || match Registry::load(&p.tenants_file()) {
        Err(Error::Invalid { .. }) => Ok(()),
        other => Err(format!("/dev/zero as tenants.json: {other:?}")),
    });
}

#[cfg(unix)]
#[test]
fn links_are_followed_for_files_and_refused_for_folders_leading_out_of_the_project() {
    let (dir, project) = project();
    // tenants.json as a link to a file elsewhere in the project stays a link; the file it names
    // gets the change.
    let real = dir.path().join("registry-real.json");
    fs::rename(project.tenants_file(), &real).expect("move");
    std::os::unix::fs::symlink(&real, project.tenants_file()).expect("link");
    ops::select_tenant(&project, "local_19bff27604c").expect("select");
    ops::set_production(&project, "local_19bff27604c", true).expect("mark");
    let lock = store::lock(&project.tenants_file()).expect("lock");
    let mut registry = Registry::load(&project.tenants_file()).expect("load");
    registry.tenants.retain(|t| t.id.as_str() != "999bc654-9a64-49bc-98be-db976fc84e76");
    registry.save(&lock, &project.tenants_file()).expect("save");
    drop(lock);
    assert!(fs::symlink_metadata(project.tenants_file()).expect("meta").file_type().is_symlink(), "the link was replaced by a file");
    assert!(!fs::read_to_string(&real).expect("read").contains("999bc654"), "the linked file did not get the change");

    // A profile folder linked outside the project is not written through.
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("profile.yaml"), "name: away\ncloud:\n  tenant_id: local_19bff27604c\n").expect("write");
    std::os::unix::fs::symlink(outside.path(), project.profiles_dir().join("away")).expect("link");
    let err = ops::tenants::remove_record(&project, "local_19bff27604c", Some("my-project")).expect_err("unlinking the profile writes through the link");
    assert!(err.to_string().contains("links outside the project"), "{err}");
    assert!(
        Registry::load(&project.tenants_file()).expect("load").get(&tenantdesk_core::tenant::TenantId::parse("local_19bff27604c").expect("id")).is_some(),
        "the failed delete took the tenant out of the registry"
    );
    assert_eq!(fs::read_to_string(outside.path().join("profile.yaml")).expect("read"), "name: away\ncloud:\n  tenant_id: local_19bff27604c\n");
}

/// A seeded mutation loop over every fixture and the three file parsers (registry, profile,
/// sessions): no input panics, and a registry that loads writes back into one that loads the
/// same. Bounded by count (`TENANTDESK_FUZZ_ROUNDS`, default 5,000 per fixture), seeded so a
/// failure repeats (`TENANTDESK_FUZZ_SEED`).
#[test]
fn mutated_files_never_panic_and_what_loads_writes_back_the_same() {
    let rounds: usize = std::env::var("TENANTDESK_FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let mut seed: u64 = std::env::var("TENANTDESK_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_7e4a);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const SPICE: [&[u8]; 12] = [b"\"", b"{", b"}", b"[", b"]", b",", b":", b"\n", b"\x00", b"\xff\xfe", b"\"provider\": \"x\",", b"- "];
    let dir = tempfile::tempdir().expect("tempdir");
    for (fixture, kind) in [
        ("registry/seed.json", 0),
        ("registry/cli-current.json", 0),
        ("registry/legacy.json", 0),
        ("registry/unknown-fields.json", 0),
        ("profiles/seed.yaml", 1),
        ("profiles/cli-current.yaml", 1),
        ("sessions/index.json", 2),
    ] {
        let original = read_fixture(fixture).into_bytes();
        for round in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 4 {
                    0 if !bytes.is_empty() => {
                        let i = at.min(bytes.len() - 1);
                        bytes[i] ^= 1 << (next() % 8);
                    }
                    1 => bytes.splice(at..at, SPICE[(next() as usize) % SPICE.len()].iter().copied()).for_each(drop),
                    2 => bytes.truncate(at),
                    _ => {
                        let end = (at + (next() as usize) % 64).min(bytes.len());
                        let slice = bytes[at..end].to_vec();
                        bytes.splice(at..at, slice).for_each(drop);
                    }
                }
            }
            let case = format!("{fixture} round {round}");
            match kind {
                0 => {
                    if let Ok(mut registry) = Registry::parse(Path::new("t.json"), &bytes) {
                        let path = dir.path().join("tenants.json");
                        let lock = store::lock(&path).expect("lock");
                        registry.save(&lock, &path).unwrap_or_else(|e| panic!("{case}: a registry that loads does not save: {e}"));
                        let again = Registry::load(&path).unwrap_or_else(|e| panic!("{case}: written back, it does not load: {e}"));
                        assert_eq!(again.tenants, registry.tenants, "{case}");
                    }
                }
                1 => {
                    let profile = dir.path().join("p");
                    fs::create_dir_all(&profile).expect("mkdir");
                    fs::write(profile.join("profile.yaml"), &bytes).expect("write");
                    let _ = Profile::load(&profile);
                }
                _ => {
                    let path = dir.path().join("index.json");
                    fs::write(&path, &bytes).expect("write");
                    let _ = SessionIndex::load(&path).map(|index| index.entries().count());
                }
            }
        }
    }
}

/// Makes a file look a minute old, as a killed writer's temp file would.
fn age(path: &Path) {
    let file = fs::File::options().write(true).open(path).expect("open");
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60)).expect("set mtime");
}
