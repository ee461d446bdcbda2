//! Fixtures shared by the test suites of every crate (enabled by the `testing` feature, for
//! dev-dependencies only): the seed's project on disk, and a snapshot of a folder's files.

use std::fs;
use std::path::{Path, PathBuf};

/// `tests/fixtures` at the top of the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A temporary project holding the seed's registry, a seed-shaped `local` profile, a CLI-shaped
/// `staging` profile and a session for each tenant.
pub fn seed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join(".systemprompt");
    for sub in ["profiles/local", "profiles/staging", "sessions"] {
        fs::create_dir_all(state.join(sub)).expect("mkdir");
    }
    let f = fixtures();
    for (from, to) in [
        ("registry/seed.json", "tenants.json"),
        ("profiles/seed.yaml", "profiles/local/profile.yaml"),
        ("profiles/cli-current.yaml", "profiles/staging/profile.yaml"),
        ("sessions/index.json", "sessions/index.json"),
    ] {
        fs::copy(f.join(from), state.join(to)).expect("copy fixture");
    }
    dir
}

/// Every file below `root` with its bytes, sorted; advisory lock files are left out (taking a
/// lock is not a change).
pub fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".lock")) {
                out.push((path.clone(), fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}
