# Shared by scripts/test.sh and scripts/run.sh: installs what building and testing need.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: the Tauri build (WebKitGTK, appindicator for the tray), and the test
# infrastructure (a virtual X server, a D-Bus session, WebKit's WebDriver).
PACKAGES=(
  build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev libdbus-1-dev
  xvfb xauth dbus-x11 webkit2gtk-driver
)

ensure_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_tauri_driver() {
  if ! tauri-driver --help >/dev/null 2>&1; then
    echo "Installing tauri-driver 2.1.0"
    cargo install tauri-driver --locked --version 2.1.0
  fi
}

# The web UI is built before the app, which embeds it.
build_ui() {
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npx vite build --logLevel warn)
}
