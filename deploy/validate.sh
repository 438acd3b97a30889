#!/usr/bin/env bash
# Renders every overlay under deploy/k8s/overlays with a pinned kustomize and checks the output offline
# (deploy/validate.py). Needs Go (to build kustomize once, from the Go module proxy) and uv.
# Extra arguments go to validate.py, e.g. an overlay path or --kube-version 1.35; `--kustomize-path` alone
# only builds kustomize if needed and prints its path (deploy/tests use it).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${NPD_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/npd/bin}"
kustomize="$bin_dir/kustomize-$KUSTOMIZE_VERSION"

if [ ! -x "$kustomize" ]; then
    command -v go >/dev/null || { echo "validate: 'go' is needed once to build kustomize" >&2; exit 2; }
    echo "validate: building kustomize $KUSTOMIZE_VERSION into $bin_dir (once)" >&2
    mkdir -p "$bin_dir"
    build_dir="$(mktemp -d)"
    trap 'rm -rf "$build_dir"' EXIT
    if ! GOBIN="$build_dir" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
        >"$build_dir/go.log" 2>&1; then
        cat "$build_dir/go.log" >&2
        echo "validate: building kustomize failed" >&2
        exit 2
    fi
    # Moved into place only once built, so an interrupted build never leaves a broken binary behind.
    mv "$build_dir/kustomize" "$kustomize"
fi

if [ "${1:-}" = "--kustomize-path" ]; then
    echo "$kustomize"
    exit 0
fi

cd "$deploy_dir/.."
exec "${UV:-uv}" run --frozen python deploy/validate.py --kustomize "$kustomize" "$@"
