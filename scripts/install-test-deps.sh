#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain (rustup's rustfmt and clippy).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_rust_component() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    rustup component add "$2"
  fi
}
need_rust_component fmt rustfmt
need_rust_component clippy clippy

# Debian packages the integration tests drive:
# - chromium (and a font to draw text in): the browser check in tests/it/articles.rs;
# - nginx: serving an exported mirror in tests/it/mirror.rs;
# - python3 and pip, when PyPI's micropub library (below) is missing;
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# - libxml2-utils: xmllint checks the sitemaps against their schemas in tests/it/in_process.rs;
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# - iproute2: a public-looking address on lo for the SSRF test in tests/it/review.rs.
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing+=(iproute2)
micropub_importable() {
  python3 -c 'import micropub; micropub.Client' >/dev/null 2>&1
}
if ! micropub_importable; then
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-pip)
  elif ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3-pip)
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo_if_needed=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_if_needed=(sudo)
  fi
  "${sudo_if_needed[@]}" apt-get update
  "${sudo_if_needed[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

# PyPI's micropub client library (0.0.9: a Client over requests) drives the Micropub endpoint in
# tests/it/micropub.rs. Debian's own python3 refuses pip installs unless told otherwise (PEP 668).
if ! micropub_importable; then
  python3 -m pip install --quiet micropub==0.0.9 \
    || python3 -m pip install --quiet --break-system-packages micropub==0.0.9
fi

# PyPI's mf2py (the microformats parser of the IndieWeb) reads the h-entry and h-card markup of
# the pages in tests/it/in_process.rs.
if ! python3 -c 'import mf2py' >/dev/null 2>&1; then
  python3 -m pip install --quiet mf2py==2.0.1 \
    || python3 -m pip install --quiet --break-system-packages mf2py==2.0.1
fi

# PyPI's flask-websub (a WebSub hub; its Celery tasks run eagerly, so no broker) drives the
# WebSub subscriber in tests/it/websub.rs through tests/websub/hub.py.
if ! python3 -c 'import flask_websub, celery, flask' >/dev/null 2>&1; then
  python3 -m pip install --quiet flask-websub==0.4.1 flask==3.1.3 celery==5.7.0 \
    || python3 -m pip install --quiet --break-system-packages flask-websub==0.4.1 flask==3.1.3 celery==5.7.0
fi

# PyPI's ronkyuu (a Webmention sender, which discovers our endpoint itself) drives the
# Webmention endpoint in tests/it/comments.rs.
if ! python3 -c 'import ronkyuu' >/dev/null 2>&1; then
  python3 -m pip install --quiet ronkyuu==0.9 \
    || python3 -m pip install --quiet --break-system-packages ronkyuu==0.9
fi

# axe-core and playwright-core (npm) run the accessibility check of the pages in
# tests/it/in_process.rs in Debian's chromium (installed above), at pinned versions.
if [ ! -d tests/a11y/node_modules/axe-core ] || [ ! -d tests/a11y/node_modules/playwright-core ]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo_if_needed=()
    if [ "$(id -u)" -ne 0 ]; then
      sudo_if_needed=(sudo)
    fi
    "${sudo_if_needed[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
  fi
  (cd tests/a11y && npm ci --no-audit --no-fund)
fi
