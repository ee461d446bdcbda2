#!/usr/bin/env bash
# The whole test suite. On a fresh Debian/Ubuntu machine with Rust and Node it first installs what
# the tests need (as root, or through sudo), starts the services they use (dockerd, a local image
# registry, a D-Bus session with gnome-keyring, Xvfb), builds the PostgreSQL test image, and runs
# every test: Rust unit and integration tests, the UI's component tests, and the WebDriver suite
# against the real app. Used as is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT

ensure_packages
link_target
ensure_tauri_driver
build_ui
export TENANTDESK_POSTGRES_IMAGE=tenantdesk-test/postgres:15
# Also sets CARGO_HOME/RUSTUP_HOME: Cargo's registry cache must survive the throwaway home of the
# keychain session.
prepare_postgres
start_registry
# Formatting (rustfmt.toml), where the toolchain has rustfmt: a minimal one has not, and the
# component cannot be fetched without rustup's servers.
if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all -- --check; else echo "rustfmt not installed: formatting not checked"; fi
build_oracles
with_keychain cargo test --workspace --locked
# The UI's types against the generated bindings (svelte-check), then its component tests.
(cd ui && npm run --silent check && npx vitest run)
cargo build --locked -p tenantdesk-app -p tenantdesk-cloud-emulator -p tenantdesk-cli
bash tests/e2e/run.sh
# The packages (.deb, .rpm) from Tauri's bundler, installed into a clean Debian and linted. The
# release build lives outside the checkout so reruns on one machine reuse it.
export TENANTDESK_RELEASE_TARGET=${TENANTDESK_RELEASE_TARGET:-/var/cache/tenantdesk-release/target}
as_root mkdir -p "$TENANTDESK_RELEASE_TARGET" /var/cache/tenantdesk-debroot
as_root chown "$(id -u):$(id -g)" "$TENANTDESK_RELEASE_TARGET" "$(dirname "$TENANTDESK_RELEASE_TARGET")"
mapfile -t packages < <(bash scripts/package.sh)
as_root bash tests/package/install.sh "${packages[@]}"
