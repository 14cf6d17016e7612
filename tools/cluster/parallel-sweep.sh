#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs a sweep as N shards under GNU parallel (on this machine, or on others
# with parallel's --sshlogin) and merges the shard reports into the report
# of one run: `kvmsim merge` prints exactly what the single sweep prints.
#
#   tools/cluster/parallel-sweep.sh N OUTDIR [sweep options and scenarios...]
#   tools/cluster/parallel-sweep.sh 4 /tmp/sweep scenarios/ --seeds 0..99999
#
# Leaves OUTDIR/shard-K.json and .txt per shard and OUTDIR/merged.json;
# prints the merged result and exits with kvmsim merge's status. KVMSIM
# names the binary (default: kvmsim on PATH); PARALLEL_JOBS caps how many
# shards run at once (default: one per core).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 N OUTDIR [kvmsim sweep options and scenarios...]" >&2
  exit 2
fi
shards=$1
out=$2
shift 2
kvmsim=${KVMSIM:-kvmsim}
mkdir -p "$out"

# One shard: shard K writes its report and its text. A shard exits 1 when
# its part of the seeds misses a violation the scenario expects somewhere in
# the range; only the merge can judge that, so only statuses above 1 (bad
# input, an internal error, interrupted) fail the run.
run_shard() {
  local k=$1 status=0
  eval "local args=($SWEEP_ARGS)"
  "$KVMSIM_BIN" sweep "${args[@]}" --shard "$k/$SHARDS" --report "$OUT/shard-$k.json" \
    > "$OUT/shard-$k.txt" || status=$?
  [ "$status" -le 1 ] || { echo "shard $k/$SHARDS: kvmsim exited $status" >&2; return "$status"; }
}
export -f run_shard
# Arrays do not cross exec: the sweep's arguments travel shell-quoted.
SWEEP_ARGS=$(printf '%q ' "$@")
export SWEEP_ARGS KVMSIM_BIN=$kvmsim OUT=$out SHARDS=$shards

# --will-cite: GNU parallel's citation notice would interleave with output.
# --halt now,fail=1: a broken shard stops the others; its status is ours.
parallel --will-cite --halt now,fail=1 --jobs "${PARALLEL_JOBS:-100%}" run_shard ::: \
  $(seq 1 "$shards") || { echo "$0: a shard failed; see $out/shard-*.txt" >&2; exit 2; }

reports=()
for k in $(seq 1 "$shards"); do reports+=("$out/shard-$k.json"); done
exec "$kvmsim" merge "${reports[@]}" --report "$out/merged.json"
