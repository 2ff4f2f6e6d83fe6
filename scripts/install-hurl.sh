#!/usr/bin/env bash
# Installs Hurl 8 for the `hurl` section of `cargo bench --bench suite` (the harness's one
# lifecycle against Hurl's, benches/hurl/): Debian's build dependencies of Hurl's libcurl and
# libxml bindings (apt-get update first, only when one is missing), then `cargo install hurl`.
# Does nothing when `hurl --version` already reports 8.x.
#
# HURL_VERSION (default 8.0.1) pins the release: Hurl 8.1 needs rustc 1.99, newer than this
# project's toolchain (Rust 1.95).
set -euo pipefail

version="${HURL_VERSION:-8.0.1}"
if command -v hurl >/dev/null 2>&1 && hurl --version 2>/dev/null | grep -q '^hurl 8\.'; then
    echo "install-hurl: $(hurl --version | head -n 1) already installed"
    exit 0
fi

packages=(libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

cargo install hurl --version "$version" --locked
hurl --version | head -n 1
