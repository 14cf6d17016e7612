#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test twice: in an optimised build and in a build with
# AddressSanitizer and UndefinedBehaviorSanitizer; then fuzzes the input
# loaders for a while (tools/fuzz). Installs what is missing
# first, so it works on a fresh Debian 12 machine (and in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh

# Any sanitizer report fails the test that triggered it.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1

passed=0
failed=0
run_suite() {  # build-dir, meson options...
  local dir=$1
  shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@"
  ninja -C "$dir"
  local status=0
  meson test -C "$dir" --print-errorlogs || status=$?
  # Count doctest cases (and the schema check) from the test log.
  local log="$dir/meson-logs/testlog.txt"
  local p f
  p=$(grep -Eo 'test cases: *[0-9]+ \| *[0-9]+ passed' "$log" | awk '{s+=$(NF-1)} END {print s+0}')
  f=$(grep -Eo '[0-9]+ failed \| *[0-9]+ skipped' "$log" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
}

run_suite build --buildtype=release -Dtests=enabled
# -O1 and line tables only (-g1): sanitizer reports keep file and line, and
# the build takes half the time of -O2 with full debug info. A unity build
# (one translation unit per target) parses the heavy headers (Boost.Fiber,
# nlohmann/json, fmt) once per target instead of once per file: 4.5 instead
# of about 12 minutes on 2 cores, which keeps CI under 20 minutes. The
# release build above stays file by file, so a missing include still fails
# there; and two files defining the same name in an anonymous namespace
# fail here, which has so far only ever meant a copy to remove.
run_suite build-asan --buildtype=custom -Doptimization=1 -Ddebug=true -Dtests=enabled \
  -Db_sanitize=address,undefined -Dcpp_args=-g1 -Dunity=on

# The input loaders under libFuzzer, 20 s per target after every input of
# the corpora in tools/fuzz/corpus (tools/fuzz/README.md): a few minutes to
# build with clang, under 2 to run, so that CI stays within 20 minutes on 2
# cores; long runs are for outside CI (tools/fuzz/README.md). Any crash,
# sanitizer report, leak, timeout or out-of-memory counts as a failed test.
bash tools/fuzz/build.sh build-fuzz
if bash tools/fuzz/run.sh build-fuzz 20; then
  passed=$((passed + 1))
else
  echo "fuzz: failed (the input is in build-fuzz/fuzz-artifacts/)"
  failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
