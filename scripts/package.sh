#!/usr/bin/env bash
# Builds the release packages (.deb and .rpm) with Tauri's bundler: the desktop app, the
# `tenantdesk` CLI on PATH, its shell completions and man page, the desktop entry, icons at every
# hicolor size and AppStream metadata. Prints the packages' paths. The bundler is configured for
# AppImage, .dmg and .msi as well, which need tools this machine has not (README, Install).
#
# The release build reuses $TENANTDESK_RELEASE_TARGET (a folder outside the checkout) so repeated
# runs on one machine rebuild only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${TENANTDESK_RELEASE_TARGET:-$PWD/target}
stage=$PWD/target/package
rm -rf "$stage" "$CARGO_TARGET_DIR/release/bundle" && mkdir -p "$stage/completions"

(cd ui && npx vite build --logLevel warn)
cargo build --release --locked -p tenantdesk-cli
cli=$CARGO_TARGET_DIR/release/tenantdesk
cp "$cli" "$stage/tenantdesk"
"$cli" completions bash > "$stage/completions/tenantdesk.bash"
"$cli" completions zsh > "$stage/completions/_tenantdesk"
"$cli" completions fish > "$stage/completions/tenantdesk.fish"
"$cli" man | gzip -9n > "$stage/tenantdesk.1.gz"

# The app's binary comes from the same release profile; --ci skips the bundler's prompts.
(cd ui && TAURI_APP_PATH=../src-tauri TAURI_FRONTEND_PATH=. npx tauri build --ci --bundles deb,rpm >&2)
ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm
