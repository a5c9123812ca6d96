#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain (rustup's rustfmt and clippy).
# Safe to run again: it installs only what is missing.
set -euo pipefail

need_rust_component() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    rustup component add "$2"
  fi
}
need_rust_component fmt rustfmt
need_rust_component clippy clippy

# Headless Chromium for the browser check in tests/it/articles.rs, with a font to draw text in.
if ! command -v chromium >/dev/null 2>&1; then
  sudo_if_needed=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_if_needed=(sudo)
  fi
  "${sudo_if_needed[@]}" apt-get update
  "${sudo_if_needed[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
