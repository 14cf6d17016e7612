#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything kvmsim needs to build, test and render, from Debian 12's
# packages only. Idempotent: re-running it installs nothing new.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config
  libboost-fiber-dev libboost-context-dev
  nlohmann-json3-dev doctest-dev libcli11-dev libfmt-dev libssl-dev
  graphviz groff-base
  # The oblique face Graphviz uses for italic labels: without it the SVG's
  # text widths differ from the rendering in docs/ that test_render checks.
  fonts-dejavu-extra
  parallel
  python3 python3-jsonschema
  # The fuzz build (tools/fuzz/build.sh): clang, and libFuzzer with the
  # sanitizer runtimes (libclang_rt.fuzzer*.a).
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
