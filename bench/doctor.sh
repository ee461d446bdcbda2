#!/usr/bin/env bash
# `doctor` at 1,000 local tenants (crates/core/benches/doctor.rs): starts what it needs (dockerd,
# the test image, a keychain session) like scripts/test.sh. DOCTOR_TENANTS sets the count.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
prepare_postgres
with_keychain cargo bench --locked --profile "${PROFILE:-dev}" -p tenantdesk-core --bench doctor
