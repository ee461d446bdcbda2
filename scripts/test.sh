#!/usr/bin/env bash
# The whole test suite. On a fresh Debian/Ubuntu machine with Rust and Node it first installs what
# the tests need (as root, or through sudo), then starts the services they use and runs every
# test. Used as is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_packages
cargo test --workspace --locked
