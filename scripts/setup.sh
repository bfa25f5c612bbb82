#!/usr/bin/env bash
# Installs what l7trace needs on Debian 12, skipping what is already there.
# Usage: scripts/setup.sh DENO_VERSION [apt-package ...]
set -euo pipefail
deno_version=$1
shift

missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages ${missing[*]}: run as root, or apt-get install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! deno --version 2>/dev/null | grep -q "^deno ${deno_version} "; then
  if ! command -v npm >/dev/null; then
    echo "setup: Deno ${deno_version} comes from npm, and npm is missing: apt-get install npm" >&2
    exit 1
  fi
  echo "setup: installing Deno ${deno_version} from npm"
  npm install -g --silent "deno@${deno_version}" >/dev/null
  hash -r
  deno --version | head -1
fi
