#!/usr/bin/env bash
# Installs what `make run` and `make test` need and a fresh machine may lack: uv (from PyPI), and
# Java 17+ with Maven (Debian packages) for the local Kafka broker. PostgreSQL binaries are installed
# by devstack itself when it first needs them. Prints the path of uv on its last line.
set -euo pipefail

say() { printf 'ensure-tools: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    say "missing $*; install it (e.g. sudo apt-get install -y $*) and retry"
    exit 1
  fi
  say "installing $* from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null 2>&1 || apt_install maven

uv_bin=$(command -v uv || true)
# uv goes into a virtual environment of its own: Debian's python3 refuses `pip install --user` (PEP 668).
venv="${NPD_CACHE_DIR:-$HOME/.cache/npd}/uv-venv"
if [ -z "$uv_bin" ] && [ -x "$venv/bin/uv" ]; then
  uv_bin="$venv/bin/uv"
fi
if [ -z "$uv_bin" ]; then
  say "installing uv from PyPI into $venv"
  python3 -m venv "$venv" >&2 || { apt_install python3-venv; python3 -m venv "$venv" >&2; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.9" >&2
  uv_bin="$venv/bin/uv"
fi
echo "$uv_bin"
