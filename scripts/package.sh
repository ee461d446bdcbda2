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
gzip -9n < packaging/tenantdesk-app.1 > "$stage/tenantdesk-app.1.gz"
gzip -9n < packaging/changelog > "$stage/changelog.gz"

# The app's binary from the same release profile (--ci: no prompts), then the packages. The
# .deb's Depends are what dpkg-shlibdeps reads off both binaries (libc6, libgtk-3-0, … with the
# versions their symbols need), on top of what the bundler adds itself (WebKitGTK, GTK and the tray library, loaded at run time).
tauri() { (cd ui && TAURI_APP_PATH=../src-tauri TAURI_FRONTEND_PATH=. npx tauri "$@" >&2); }
tauri build --ci --no-bundle
shlibs=$(mktemp -d)
mkdir -p "$shlibs/debian" && printf 'Source: tenantdesk\n\nPackage: tenantdesk\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$cli" "$CARGO_TARGET_DIR/release/tenantdesk-app" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs"
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
configured=$(python3 -c 'import json; print(json.dumps(json.load(open("src-tauri/tauri.conf.json"))["bundle"]["linux"]["deb"]["depends"]))')
override=$(python3 -c 'import json, sys; deps = json.loads(sys.argv[1]) + [d.strip() for d in sys.argv[2].split(",")]; print(json.dumps({"bundle": {"linux": {"deb": {"depends": deps}}}}))' "$configured" "$depends")
tauri bundle --ci --bundles deb,rpm --config "$override"
ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm
