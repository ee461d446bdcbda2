#!/usr/bin/env bash
# Runs Tenantdesk's desktop app, after installing what it needs to build on Debian/Ubuntu.
# Usage: bash scripts/run.sh [PROJECT_DIR]   (default: the most recent project, or the one here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages
build_ui
exec cargo run --locked -p tenantdesk-app -- "$@"
