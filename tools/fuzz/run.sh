#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs each fuzz target of BUILDDIR (tools/fuzz/build.sh) for SECONDS over
# its corpus, tools/fuzz/corpus/<target>/, with its dictionary. A target
# stops at its first crash, sanitizer report, leak, timeout (10 s per
# input) or input that takes more than 2 GiB, and the script then fails
# (after running the other targets); libFuzzer saves the input as
# BUILDDIR/fuzz-artifacts/<target>-crash-... (or -leak-, -timeout-, -oom-).
# New inputs it finds go to BUILDDIR/fuzz-corpus/<target>/, not into the
# repository (merge them in with -merge=1 when they are worth keeping).
# Usage: tools/fuzz/run.sh BUILDDIR SECONDS [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 BUILDDIR SECONDS [TARGET...]" >&2; exit 2; }
dir=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario trace report variants)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$dir/fuzz-artifacts"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$dir/fuzz-corpus/$t"
  echo "fuzz_$t: $seconds s"
  # -close_fd_mask=1: the report target prints what merge prints.
  "$dir/tools/fuzz/fuzz_$t" "$dir/fuzz-corpus/$t" "tools/fuzz/corpus/$t" \
    -dict="tools/fuzz/$t.dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=300000 -error_exitcode=77 -timeout_exitcode=77 -close_fd_mask=1 -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-artifacts/$t-" || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
