#!/usr/bin/env bash
# bench/health.mjs: the app and the CLI (debug builds), dockerd and the test image like
# scripts/test.sh, a keychain session and Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
prepare_postgres
cargo build --locked -p tenantdesk-app -p tenantdesk-cli
TENANTDESK_DATA_DIR=$(mktemp -d)
export TENANTDESK_DATA_DIR
xvfb-run -a -s "-screen 0 1280x800x24" bash -c 'source scripts/lib.sh; with_keychain node bench/health.mjs'
rm -rf "$TENANTDESK_DATA_DIR"
