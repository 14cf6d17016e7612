#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An example Slurm job array for a sweep too large for one machine: array
# task K runs shard K of N, writing its report to a shared directory; a merge
# job, queued to start after every task ended well, folds the reports into
# the report of one run (byte for byte what a single sweep prints).
#
# Submit the array and the merge in one go from a login node (SHARDS tasks,
# default 16, overriding the --array line below):
#   SWEEP_DIR=/shared/sweep SHARDS=64 tools/cluster/slurm-sweep.sh --submit \
#       scenarios/ --seeds 0..9999999
# or by hand:
#   SWEEP_DIR=/shared/sweep sbatch tools/cluster/slurm-sweep.sh scenarios/ --seeds 0..9999999
#   sbatch --dependency=afterok:<array job id> --wrap \
#       "kvmsim merge /shared/sweep/shard-*.json --report /shared/sweep/merged.json"
#
# Each task runs --jobs over the cores Slurm gave it. A task stopped before
# its end (time limit, preemption) leaves a partial report: finish it with
# `kvmsim sweep ... --shard K/N --report shard-K.json --resume shard-K.json`.
#SBATCH --job-name=kvmsim-sweep
#SBATCH --array=1-16
#SBATCH --cpus-per-task=4
#SBATCH --time=02:00:00
#SBATCH --output=kvmsim-sweep-%A_%a.out
# SIGINT 60 s before the time limit: the task writes its partial report
# instead of being killed without one.
#SBATCH --signal=INT@60
set -euo pipefail

kvmsim=${KVMSIM:-kvmsim}
dir=${SWEEP_DIR:?set SWEEP_DIR to a directory every node can write}

if [ "${1:-}" = --submit ]; then
  shift
  mkdir -p "$dir"
  shards=${SHARDS:-16}
  # --parsable: only the job id, for the dependency.
  array=$(sbatch --parsable --array=1-"$shards" --export=ALL "$0" "$@")
  reports=()
  for k in $(seq 1 "$shards"); do reports+=("$dir/shard-$k.json"); done
  # afterok on an array: after every task exited 0 (see the end of this file).
  sbatch --dependency=afterok:"$array" --job-name=kvmsim-merge --output="$dir/merged.txt" \
    --wrap "$(printf '%q ' "$kvmsim" merge "${reports[@]}" --report "$dir/merged.json" \
      --junit "$dir/junit.xml")"
  exit 0
fi

# One array task: shard K of N, N being the array's size.
k=${SLURM_ARRAY_TASK_ID:?run this under sbatch as a job array, or with --submit}
n=${SLURM_ARRAY_TASK_COUNT:?}
status=0
"$kvmsim" sweep "$@" --jobs "${SLURM_CPUS_PER_TASK:-1}" --shard "$k/$n" \
  --report "$dir/shard-$k.json" || status=$?
# 1 only says this shard's seeds alone do not meet the expectation of the
# whole range, which the merge judges; anything else (bad input, an internal
# error, 130: interrupted, partial) fails the task and holds back the merge.
[ "$status" -le 1 ] || exit "$status"
