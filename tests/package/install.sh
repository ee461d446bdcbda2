#!/usr/bin/env bash
# Installs the .deb into a clean Debian made here, as a user would (`apt install ./…deb`), and
# checks what the package promises: the CLI works, the app shows its window, completions load in
# bash, `man tenantdesk` renders, and removing the package leaves nothing of it but the user's
# data. Lints the package (lintian: errors fail), its desktop entry and its AppStream metadata, and
# lists the .rpm's files (no clean RPM system can be made here: no Fedora archive is reachable).
#
#   tests/package/install.sh <tenantdesk.deb> [tenantdesk.rpm]
#
# The clean Debian is debootstrap's minimal bookworm, imported once as a Docker image
# (tenantdesk-test/debian-clean:bookworm) and started afresh for every run; the packages apt
# downloads are kept in /var/cache/tenantdesk-debroot so a rerun fetches only what changed.
set -euo pipefail
deb=$(realpath "$1")
rpm=${2:+$(realpath "$2")}
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$here/../artifacts/package
mkdir -p "$artifacts"
image=tenantdesk-test/debian-clean:bookworm
cache=/var/cache/tenantdesk-debroot
name=tenantdesk-install-$$
work=$(mktemp -d)
fail() { echo "install test: $*" >&2; exit 1; }
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  [ -n "${xvfb:-}" ] && kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== lint: lintian, desktop-file-validate, appstreamcli"
# Errors fail; warnings are shown. Overrides are for what a bundler-made package cannot change
# and are listed with their reasons in tests/package/lintian-suppressed.
lintian --fail-on error --suppress-tags-from-file "$here/lintian-suppressed" "$deb"
dpkg-deb -x "$deb" "$work/deb"
desktop=$(find "$work/deb/usr/share/applications" -name '*.desktop')
[ -n "$desktop" ] || fail "the package has no desktop entry"
desktop-file-validate "$desktop"
appstreamcli validate --no-net --pedantic "$work/deb/usr/share/metainfo/io.tenantdesk.app.metainfo.xml"
for size in 16 22 24 32 48 64 128 256 512; do
  [ -f "$work/deb/usr/share/icons/hicolor/${size}x${size}/apps/tenantdesk-app.png" ] || fail "no ${size}x${size} icon"
done
if [ -n "$rpm" ]; then
  rpm -qpl "$rpm" >"$work/rpm-files" 2>/dev/null
  for f in /usr/bin/tenantdesk /usr/bin/tenantdesk-app /usr/share/man/man1/tenantdesk.1.gz /usr/share/applications/Tenantdesk.desktop; do
    grep -qx "$f" "$work/rpm-files" || fail "the .rpm lacks $f"
  done
fi

echo "== a clean Debian"
if ! docker image inspect "$image" >/dev/null 2>&1; then
  echo "   debootstrap bookworm (once per machine)"
  debootstrap --variant=minbase bookworm "$work/root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; fail "debootstrap failed"; }
  tar -C "$work/root" -c . | docker import - "$image" >/dev/null
  rm -rf "$work/root"
fi
mkdir -p "$cache/archives/partial"

# A private X server the container's app draws on, through its socket.
display=$(for n in $(seq 90 120); do [ -e /tmp/.X11-unix/X$n ] || { echo $n; break; }; done)
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done

docker run -d --name "$name" --network host \
  -v "$deb:/tmp/tenantdesk.deb:ro" -v "$cache/archives:/var/cache/apt/archives" \
  -v /tmp/.X11-unix:/tmp/.X11-unix:ro -e DISPLAY=":$display" \
  "$image" sleep infinity >/dev/null
in_root() { docker exec -e DEBIAN_FRONTEND=noninteractive "$name" bash -c "$1"; }

echo "== apt install ./tenantdesk.deb"
# Depends alone must be enough for everything below; what it recommends (Docker, a Secret
# Service) must resolve too, checked without installing it (their services cannot start in a
# container without an init).
in_root 'apt-get update -qq && apt-get install -s ./tmp/tenantdesk.deb >/tmp/apt-sim.log 2>&1 || { tail -30 /tmp/apt-sim.log; exit 1; }'
in_root 'apt-get install -y -qq --no-install-recommends ./tmp/tenantdesk.deb >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }'
# What a user of the CLI has beside it: man to read the page. Not a dependency of the package.
in_root 'apt-get install -y -qq --no-install-recommends man-db >/dev/null 2>&1'

echo "== the CLI"
version=$(in_root 'tenantdesk --version')
[ "$version" = "tenantdesk $(dpkg-deb -f "$deb" Version)" ] || fail "tenantdesk --version printed '$version'"
in_root 'mkdir -p /srv/project && cd /srv/project && tenantdesk init >/dev/null && tenantdesk cloud tenant list' >"$work/list" \
  || fail "tenantdesk init / cloud tenant list failed: $(cat "$work/list")"
grep -q "No tenants" "$work/list" || fail "cloud tenant list printed: $(cat "$work/list")"
in_root 'test -d /srv/project/.systemprompt' || fail "init made no .systemprompt"

echo "== completions and the man page"
completed=$(in_root 'source /usr/share/bash-completion/completions/tenantdesk
  COMP_WORDS=(tenantdesk clo); COMP_CWORD=1; COMP_LINE="tenantdesk clo"; COMP_POINT=${#COMP_LINE}
  _tenantdesk tenantdesk clo tenantdesk; printf "%s\n" "${COMPREPLY[@]}"')
[ "$completed" = "cloud" ] || fail "bash completion of 'tenantdesk clo' gave '$completed'"
in_root 'zsh --version >/dev/null 2>&1 || true; test -s /usr/share/zsh/vendor-completions/_tenantdesk && test -s /usr/share/fish/vendor_completions.d/tenantdesk.fish'
in_root 'MANWIDTH=80 man -P cat tenantdesk 2>/dev/null' >"$work/man"
grep -q "^NAME" "$work/man" && grep -q "tenantdesk" "$work/man" || fail "man tenantdesk rendered: $(head -5 "$work/man")"

echo "== the app shows its window"
docker exec -d "$name" bash -c 'cd /srv/project && exec tenantdesk-app >/tmp/app.log 2>&1'
window=""
for _ in $(seq 150); do
  window=$(DISPLAY=":$display" xwininfo -root -tree 2>/dev/null | grep -m1 '"Tenantdesk' || true)
  [ -n "$window" ] && break
  sleep 0.2
done
[ -n "$window" ] || { in_root 'cat /tmp/app.log'; fail "no Tenantdesk window appeared"; }
# The web view has drawn the UI, not an empty frame: the screenshot has the UI's many colours.
sleep 3
DISPLAY=":$display" /usr/bin/python3 "$here/screenshot.py" "$artifacts/installed-app.png" >"$work/colours" \
  || fail "could not take a screenshot"
colours=$(cat "$work/colours")
[ "$colours" -gt 20 ] || fail "the window looks empty ($colours colours; see $artifacts/installed-app.png)"
docker exec "$name" pkill -f tenantdesk-app || true

echo "== apt purge tenantdesk"
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's#^\./##; s#^/##; s#^#/#')
in_root 'apt-get purge -y -qq tenantdesk >/dev/null 2>&1'
for f in $files; do
  in_root "test ! -e '$f'" || fail "$f is left after purge"
done
in_root 'test -f /srv/project/.systemprompt/tenants.json' || fail "purging removed the user's project"
echo "install test: ok ($(echo "$files" | wc -l) files installed and removed; screenshot in $artifacts/installed-app.png)"
