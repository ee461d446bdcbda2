#!/usr/bin/env bash
# The whole test suite. On a fresh Debian/Ubuntu machine with Rust and Node it first installs what
# the tests need (as root, or through sudo), then starts the services they use and runs every
# test: Rust unit and integration tests, the UI's component tests, and the WebDriver suite
# against the real app. Used as is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages
ensure_tauri_driver
build_ui

cargo test --workspace --locked
(cd ui && npx vitest run)
cargo build --locked -p tenantdesk-app
bash tests/e2e/run.sh
