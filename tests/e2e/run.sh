#!/usr/bin/env bash
# Runs the WebDriver suite against the built app, inside a private X server and D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- node --test tests/e2e/
