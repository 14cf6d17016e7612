#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tools/check_install_deps.py both ways: every package the build and the
# tests use is installed by tools/install-deps.sh; and a package taken out
# of that list, or cmake used by meson, is reported with status 1.
# Usage: check_install_deps_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
src=$1
build=$2
check=(/usr/bin/python3 "$src/tools/check_install_deps.py" --build-dir "$build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The log of a fresh setup: a reconfigured build directory logs cached
# dependency lookups without saying how they were found (through cmake or
# not).
meson setup "$tmp/setup" "$src" >"$tmp/setup.out" || { cat "$tmp/setup.out"; exit 1; }
log=$tmp/setup/meson-logs/meson-log.txt

echo "== the build, against tools/install-deps.sh"
"${check[@]}" --install-deps "$src/tools/install-deps.sh" --meson-log "$log"

expect_missing() {  # what, install-deps copy, meson log, pattern of the report
  local status=0 out
  out=$("${check[@]}" --install-deps "$2" --meson-log "$3") || status=$?
  echo "== $1"
  echo "$out"
  if [ "$status" -ne 1 ] || ! grep -qE "$4" <<<"$out"; then
    echo "FAIL: expected status 1 and a line matching '$4', got status $status"
    exit 1
  fi
}

sed 's/ libcli11-dev / /' "$src/tools/install-deps.sh" >"$tmp/install-deps.sh"
if cmp -s "$src/tools/install-deps.sh" "$tmp/install-deps.sh"; then
  echo "FAIL: tools/install-deps.sh does not list libcli11-dev"
  exit 1
fi
expect_missing "without libcli11-dev" "$tmp/install-deps.sh" "$log" '^libcli11-dev: .*/usr/include/CLI/'

# A run-time file no build line shows: the oblique face Graphviz renders
# italic labels with.
sed '/^  fonts-dejavu-extra$/d' "$src/tools/install-deps.sh" >"$tmp/no-fonts.sh"
if cmp -s "$src/tools/install-deps.sh" "$tmp/no-fonts.sh"; then
  echo "FAIL: tools/install-deps.sh does not list fonts-dejavu-extra"
  exit 1
fi
expect_missing "without fonts-dejavu-extra" "$tmp/no-fonts.sh" "$log" '^fonts-dejavu-extra: .*Oblique'

{ cat "$log"; echo "Found CMake: /usr/bin/cmake (3.25.1)"; } >"$tmp/cmake-log.txt"
expect_missing "meson used cmake" "$src/tools/install-deps.sh" "$tmp/cmake-log.txt" '/usr/bin/cmake'
