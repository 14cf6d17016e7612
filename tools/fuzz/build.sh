#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the fuzz targets in BUILDDIR (default build-fuzz): clang, with
# AddressSanitizer and UndefinedBehaviorSanitizer, the libraries
# instrumented for libFuzzer's coverage feedback (-Dfuzz=true). -O1 and line
# tables (-g1) as tools/test.sh's sanitizer build: reports keep file and
# line. Usage: tools/fuzz/build.sh [BUILDDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-fuzz}

[ -f "$dir/build.ninja" ] ||
  CC=clang CXX=clang++ meson setup "$dir" --buildtype=custom -Doptimization=1 -Ddebug=true \
    -Dcpp_args=-g1 -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
    -Dtests=disabled -Dunity=on
ninja -C "$dir" tools/fuzz/fuzz_scenario tools/fuzz/fuzz_trace tools/fuzz/fuzz_report \
  tools/fuzz/fuzz_variants
