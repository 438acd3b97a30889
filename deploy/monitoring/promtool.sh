#!/usr/bin/env bash
# Prints the path of a promtool, taken once from Debian's `prometheus` package (apt-get download: no
# daemon is installed or started) into ~/.cache/npd/bin. deploy/tests/test_monitoring.py runs it.
set -euo pipefail
bin_dir="${NPD_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/npd/bin}"
if command -v promtool >/dev/null; then command -v promtool; exit 0; fi
if [ ! -x "$bin_dir/promtool" ]; then
    mkdir -p "$bin_dir"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get download prometheus >/dev/null 2>&1) || {
        echo "promtool: 'apt-get download prometheus' failed (run apt-get update once?)" >&2
        exit 2
    }
    dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
    mv "$work/x/usr/bin/promtool" "$bin_dir/promtool"
fi
echo "$bin_dir/promtool"
