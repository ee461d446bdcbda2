#!/usr/bin/env bash
# Local-tenant creation against raw Docker and psql baselines (crates/core/benches/local.rs):
# starts what it needs (dockerd, the test image, a keychain session) like scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
prepare_postgres
start_registry
with_keychain cargo bench --locked -p tenantdesk-core --bench local
