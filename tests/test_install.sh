#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `meson install` into a temporary directory: exactly the binaries, the
# scenarios with their schemas and README, the built-in kernel states (an
# example for --variants-file), kvmsim(1) and the bash completion; the man
# page renders without a groff warning and describes every command
# `kvmsim --help` lists; the completion, sourced in bash, completes commands
# and each command's options.
# Usage: test_install.sh SOURCE_ROOT BUILD_DIR PREFIX BINDIR DATADIR MANDIR GROFF
set -euo pipefail
src=$1 build=$2 prefix=$3 bindir=$4 datadir=$5 mandir=$6 groff=$7
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/dest
fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet
root=$dest$prefix

echo "== installed files"
(cd "$dest" && find . -type f | sed 's/^\.//' | sort) | tee "$work/installed"
{
  echo "$prefix/$bindir/kvmsim"
  echo "$prefix/$bindir/kvmsim-bench"
  echo "$prefix/$mandir/man1/kvmsim.1"
  echo "$prefix/$datadir/bash-completion/completions/kvmsim"
  echo "$prefix/$datadir/kvmsim/kernel-states.json"
  (cd "$src/scenarios" && find . -type f | sed "s|^\./||") | sed "s|^|$prefix/$datadir/kvmsim/scenarios/|"
} | sort >"$work/expected"
diff -u "$work/expected" "$work/installed" || fail "installed files differ from the expected (above)"
[ -f "$root/$datadir/kvmsim/scenarios/schema.json" ] || fail "no schema.json"
[ -f "$root/$datadir/kvmsim/scenarios/README.md" ] || fail "no scenarios/README.md"
[ -f "$root/$datadir/kvmsim/scenarios/output-schemas/kvmsim-sweep.schema.json" ] || fail "no output schemas"
cmp "$src/model/variants/kernel-states.json" "$root/$datadir/kvmsim/kernel-states.json" ||
  fail "the installed kernel-states.json is not model/variants/kernel-states.json"

"$root/$bindir/kvmsim" --version | grep -q '^kvmsim ' || fail "the installed kvmsim does not run"

# The commands as kvmsim's own help lists them.
mapfile -t commands < <("$root/$bindir/kvmsim" --help |
  sed -n '/^Subcommands:/,/^$/p' | awk 'NF && !/^Subcommands:/ {print $1}')
[ "${#commands[@]}" -ge 10 ] || fail "kvmsim --help lists ${#commands[@]} commands"
echo "== commands: ${commands[*]}"

echo "== the man page"
man=$root/$mandir/man1/kvmsim.1
warnings=$("$groff" -man -Tutf8 -ww -z "$man" 2>&1)
[ -z "$warnings" ] || fail "groff warns: $warnings"
page=$("$groff" -man -Tutf8 "$man" 2>/dev/null | sed 's/.\x08//g')
head -12 <<<"$page"
for c in "${commands[@]}"; do
  grep -qE "^ +kvmsim $c$" <<<"$page" || fail "the man page has no section 'kvmsim $c'"
done
grep -q -- '--seeds' <<<"$page" || fail "the man page does not show --seeds"

echo "== the completion"
complete() {  # words...: what the completion offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
           _kvmsim; echo "${COMPREPLY[*]}"' _ "$root/$datadir/bash-completion/completions/kvmsim" "$@"
}
expect() {  # expected, words...
  local want=$1 got
  shift
  got=$(complete "$@")
  echo "$* -> $got"
  [ "$got" = "$want" ] || fail "'$*' completes to '$got', not '$want'"
}
expect sweep kvmsim sw
expect --seeds kvmsim sweep --se
expect "--variants-file --variant" kvmsim run scenario.json --var
expect --feature kvmsim run scenario.json --fe
expect "sleep-sets none" kvmsim explore x.json --reduction ''
expect "$src/scenarios/schema.json" kvmsim sweep "$src/scenarios/sch"
for c in "${commands[@]}"; do
  [[ " $(complete kvmsim "$c") " == *" $c "* ]] || fail "'kvmsim $c' does not complete to $c"
done
