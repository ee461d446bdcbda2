#!/usr/bin/env bash
# Renders the app icon (icons/tenantdesk.svg) at every size the freedesktop icon theme spec lists
# for apps (icons/hicolor/NxN.png, installed by the .deb/.rpm under /usr/share/icons/hicolor), plus
# the .icns and .ico the macOS and Windows bundles take. Rerun after changing the SVG; the results
# are committed so a build needs no renderer.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd ui && npx tauri icon ../icons/tenantdesk.svg -o "$out/all" >/dev/null 2>&1)
(cd ui && npx tauri icon ../icons/tenantdesk.svg -o "$out/sizes" --png 16,22,24,32,48,64,128,256,512 >/dev/null 2>&1)
mkdir -p icons/hicolor
for size in 16 22 24 32 48 64 128 256 512; do cp "$out/sizes/${size}x${size}.png" icons/hicolor/; done
cp "$out/all/icon.icns" "$out/all/icon.ico" icons/
cp icons/hicolor/128x128.png icons/icon.png
