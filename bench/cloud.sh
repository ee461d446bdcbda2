#!/usr/bin/env bash
# Cloud-tenant creation against the emulator's own provisioning time, and progress latency
# (crates/cloud-emulator/benches/cloud.rs). Starts dockerd and builds the test image like
# scripts/test.sh; the audit log goes to a throwaway folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
prepare_postgres
TENANTDESK_DATA_DIR=$(mktemp -d)
export TENANTDESK_DATA_DIR
cargo bench --locked -p tenantdesk-cloud-emulator --bench cloud
rm -rf "$TENANTDESK_DATA_DIR"
