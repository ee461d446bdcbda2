#!/usr/bin/env bash
# Screenshots of the main screens at 800×600 and 1440×900, light and dark, for looking at a UI
# change: tests/artifacts/screens/. Needs what the test suite installs (bash scripts/test.sh once).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
build_ui
cargo build -p tenantdesk-app
exec xvfb-run -a -s "-screen 0 1600x1000x24" bash -c 'source scripts/lib.sh; trayer >/dev/null 2>&1 & with_keychain node tests/e2e/screens.mjs'
