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
