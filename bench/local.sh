#!/usr/bin/env bash
# Local-tenant creation against raw Docker and psql baselines (crates/core/benches/local.rs):
# starts what it needs (dockerd, the test image, a keychain session) like scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
start_docker
export TENANTDESK_POSTGRES_IMAGE=${TENANTDESK_POSTGRES_IMAGE:-tenantdesk-test/postgres:15}
bash tests/docker/postgres-image.sh "$TENANTDESK_POSTGRES_IMAGE"
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
with_keychain cargo bench --locked -p tenantdesk-core --bench local
