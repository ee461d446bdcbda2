#!/usr/bin/env bash
# Many keychain entries read at once against one by one (crates/core/benches/keychain.rs), in a
# keychain session of its own like scripts/test.sh. KEYCHAIN_ENTRIES sets the count.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
with_keychain cargo bench --locked --profile "${PROFILE:-dev}" -p tenantdesk-core --bench keychain
