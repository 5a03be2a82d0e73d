#!/usr/bin/env bash
# Prepares a fresh machine (Node 20, npm, python3, g++, git) for this repository:
# Debian packages the tests need, the pinned pnpm, and the workspace's dependencies.
# Idempotent: what is already there is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

# make: node-gyp builds keytar, node-pty and (when no prebuilt binary can be fetched) better-sqlite3 from source.
# chromium: @codex/login drives the real login flow in a headless browser (playwright-core).
# util-linux: flock(1) stands in for the original Codex holding its lock files.
# procps: pgrep checks that no sandboxed process outlives an interrupt.
APT_PACKAGES=(bubblewrap chromium dbus gnome-keyring libsecret-1-dev make procps util-linux)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "bootstrap: installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile --reporter=append-only
