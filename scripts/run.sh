#!/usr/bin/env bash
# Runs Tenantdesk's desktop app, after installing what it needs to build on Debian/Ubuntu.
# Usage: bash scripts/run.sh [PROJECT_DIR]   (default: the most recent project, or the one here)
#        bash scripts/run.sh --demo          (a sample project, a local tenant in Docker and a cloud
#                                              tenant on the built-in SystemPrompt Cloud emulator)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages
build_ui
# The demo's tenants need the Docker engine; start it when it is installed but not running.
if [[ " $* " == *" --demo "* ]]; then start_docker; fi
exec cargo run --locked -p tenantdesk-app -- "$@"
