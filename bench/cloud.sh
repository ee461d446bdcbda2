#!/usr/bin/env bash
# Cloud-tenant creation against the emulator's own provisioning time, and progress latency
# (crates/cloud-emulator/benches/cloud.rs). Starts dockerd and builds the test image like
# scripts/test.sh; the audit log goes to a throwaway folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
start_docker
export TENANTDESK_POSTGRES_IMAGE=${TENANTDESK_POSTGRES_IMAGE:-tenantdesk-test/postgres:15}
bash tests/docker/postgres-image.sh "$TENANTDESK_POSTGRES_IMAGE"
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
TENANTDESK_DATA_DIR=$(mktemp -d)
export TENANTDESK_DATA_DIR
cargo bench --locked -p tenantdesk-cloud-emulator --bench cloud
rm -rf "$TENANTDESK_DATA_DIR"
