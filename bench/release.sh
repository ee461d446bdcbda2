#!/usr/bin/env bash
# The release build's sizes and start-up, with and without the demo's cloud emulator in the app
# (the `demo` feature), against the minimal Tauri window (bench/hello) built the same way.
#
#   bash bench/release.sh        (RUNS=5 by default; TENANTDESK_RELEASE_TARGET as scripts/package.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
export CARGO_TARGET_DIR=${TENANTDESK_RELEASE_TARGET:-$PWD/target}
release=$CARGO_TARGET_DIR/release
without=$(mktemp -d)
trap 'rm -rf "$without"' EXIT

cargo build --release --locked -p tenantdesk-app --no-default-features --features custom-protocol
cp "$release/tenantdesk-app" "$without/tenantdesk-app"
cargo build --release --locked -p tenantdesk-app -p tenantdesk-cli -p tenantdesk-bench-hello

size() { stat -c %s "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "| binary | size |"
echo "|---|---:|"
echo "| tenantdesk-app (with the demo) | $(size "$release/tenantdesk-app") |"
echo "| tenantdesk-app (without the demo) | $(size "$without/tenantdesk-app") |"
echo "| tenantdesk (CLI) | $(size "$release/tenantdesk") |"
echo "| tenantdesk-bench-hello (minimal Tauri window) | $(size "$release/tenantdesk-bench-hello") |"
for deb in "$release"/bundle/deb/*.deb; do [ -f "$deb" ] && echo "| $(basename "$deb") | $(size "$deb") |"; done

export PROFILE=release TARGET_DIR=$CARGO_TARGET_DIR RUNS=${RUNS:-5}
echo; echo "start-up, with the demo:"
xvfb-run -a dbus-run-session -- node bench/app.mjs
echo; echo "start-up, without the demo:"
TENANTDESK_APP=$without/tenantdesk-app xvfb-run -a dbus-run-session -- node bench/app.mjs
