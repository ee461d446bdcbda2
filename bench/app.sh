#!/usr/bin/env bash
# Builds Tenantdesk and the hello baseline, then runs bench/app.mjs under Xvfb and D-Bus.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -p tenantdesk-app -p tenantdesk-bench-hello
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node bench/app.mjs
