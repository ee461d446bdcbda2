#!/usr/bin/env bash
# Runs the WebDriver suite against the built app, inside a private X server with a tray (trayer,
# a real panel) and a D-Bus session with gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
exec xvfb-run -a -s "-screen 0 1280x800x24" bash -c 'source scripts/lib.sh; trayer >/dev/null 2>&1 & with_keychain node --test --test-concurrency=1 tests/e2e/' 
