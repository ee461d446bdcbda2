# Shared by scripts/test.sh and scripts/run.sh: installs what building and testing need, and
# starts the services the tests use.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: the Tauri build (WebKitGTK, appindicator for the tray, D-Bus for the keychain),
# the real SystemPrompt crates the interop tests use as their oracle (bindgen needs libclang),
# and the test infrastructure (a virtual X server, a D-Bus session with gnome-keyring, WebKit's
# WebDriver, the Docker engine and a local image registry), and the package test (debootstrap for a
# clean Debian, lintian, desktop-file-validate, appstreamcli, rpm to read the .rpm, xwininfo).
PACKAGES=(
  build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-dev libdbus-1-dev
  xvfb xauth dbus dbus-x11 webkit2gtk-driver gnome-keyring libsecret-tools dunst trayer xclip python3-xlib
  docker.io docker-registry postgresql-client
  libclang-dev libglib2.0-bin fonts-noto-color-emoji
  debootstrap lintian desktop-file-utils appstream rpm x11-utils
)

ensure_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    # policy-rc.d keeps the packages from starting services of their own (dockerd, the registry).
    echo 'exit 101' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
    as_root rm -f /usr/sbin/policy-rc.d
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

STARTED=()
stop_started() {
  for pid in "${STARTED[@]}"; do as_root kill "$pid" 2>/dev/null || true; done
}

# Starts dockerd unless an engine already answers; stopped again on exit.
start_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  echo "Starting dockerd"
  as_root dockerd >"${TMPDIR:-/tmp}/tenantdesk-dockerd.log" 2>&1 &
  STARTED+=($!)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && return; sleep 0.5; done
  echo "dockerd did not start; see ${TMPDIR:-/tmp}/tenantdesk-dockerd.log" >&2
  return 1
}

# A local registry on 127.0.0.1 holding the test image, so that pulling is tested for real.
start_registry() {
  local port dir
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  dir=$(mktemp -d)
  cat >"$dir/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  STARTED+=($!)
  for _ in $(seq 40); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.25; done
  docker tag "$TENANTDESK_POSTGRES_IMAGE" "127.0.0.1:$port/tenantdesk-test/postgres:15"
  docker push -q "127.0.0.1:$port/tenantdesk-test/postgres:15" >/dev/null
  docker rmi -f "127.0.0.1:$port/tenantdesk-test/postgres:15" >/dev/null
  # An image whose layer exists nowhere but in the registry, so a pull really downloads bytes.
  head -c 8M /dev/urandom >"$dir/blob"
  tar -C "$dir" -c blob | docker import - "127.0.0.1:$port/tenantdesk-test/pull-probe:1" >/dev/null
  docker push -q "127.0.0.1:$port/tenantdesk-test/pull-probe:1" >/dev/null
  docker rmi -f "127.0.0.1:$port/tenantdesk-test/pull-probe:1" >/dev/null
  export TENANTDESK_TEST_REGISTRY="127.0.0.1:$port"
}

# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (the OS keychain
# the tests use), in a throwaway home so that no real keyring is touched.
with_keychain() {
  local home
  home=$(mktemp -d)
  # The login keyring's password, for the WebDriver test that answers its unlock prompt.
  HOME=$home XDG_DATA_HOME=$home/.local/share XDG_CONFIG_HOME=$home/.config TENANTDESK_TEST_KEYRING_PASSWORD=tenantdesk-test \
    dbus-run-session -- bash -c 'printf "%s" "$TENANTDESK_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' _ "$@"
}

# The PostgreSQL test image (built from Debian packages; no registry needed) in
# TENANTDESK_POSTGRES_IMAGE, and the Rust toolchain's homes, for the tests and benchmarks.
prepare_postgres() {
  start_docker
  export TENANTDESK_POSTGRES_IMAGE=${TENANTDESK_POSTGRES_IMAGE:-tenantdesk-test/postgres:15}
  bash tests/docker/postgres-image.sh "$TENANTDESK_POSTGRES_IMAGE"
  export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
}

# The real SystemPrompt crates (0.40 and 0.77) as a test oracle: two workspaces of their own
# under tests/interop/ (their sqlx 0.9 cannot share a build with ours), built into a target folder
# outside the checkout so that repeated CI runs on one machine reuse it (about 17 minutes cold on
# two cores, seconds warm). 0.77 declares rust-version 1.96; it builds and works on 1.95.
build_oracles() {
  local target=${TENANTDESK_INTEROP_TARGET:-/var/cache/tenantdesk-interop/target}
  as_root mkdir -p "$target" && as_root chown "$(id -u):$(id -g)" "$target" "$(dirname "$target")"
  (cd tests/interop/oracle-0.77 && CARGO_TARGET_DIR=$target cargo build --locked --ignore-rust-version -q)
  (cd tests/interop/oracle-0.40 && CARGO_TARGET_DIR=$target cargo build --locked -q)
  export TENANTDESK_ORACLES=$target/debug
}

# A fresh checkout (CI clones one per run) builds into a folder outside it, shared by the runs on
# one machine: the dependencies (Tauri, WebKit bindings, bollard, sqlx) are built once, and only
# the workspace's own crates again. `target` stays the path every script and test uses. One run
# at a time per machine: two at once would rebuild each other's binaries under them.
link_target() {
  local shared=${TENANTDESK_WORKSPACE_TARGET:-/var/cache/tenantdesk-workspace/target}
  # A checkout with a build folder of its own keeps it; a link from an earlier run gets its folder
  # back if the cache was cleared (else the build would fail on the dangling link).
  if [ -L target ]; then
    shared=$(readlink target)
  elif [ -e target ]; then
    return
  fi
  as_root mkdir -p "$shared" && as_root chown "$(id -u):$(id -g)" "$shared" "$(dirname "$shared")"
  [ -L target ] || ln -s "$shared" target
}
