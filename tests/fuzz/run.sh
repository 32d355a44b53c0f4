#!/usr/bin/env bash
# Runs every fuzz target of a `fuzz` build (bin/fuzz_*) for SECONDS each, two at a time at nice 15 (or
# $FUZZ_NICE), each starting from its committed seed corpus (tests/fuzz/corpus/<target>/, never written
# to) with its dictionary. New inputs, logs and crashes land in BUILD/fuzz-runs/<target>/{corpus,crashes,log}.
# Prints each target's executions and the total; exits 1 when any target found a crash, leak or hang.
#   usage: tests/fuzz/run.sh [SECONDS [BUILD [TARGET...]]]   (defaults: 60, build/fuzz, every bin/fuzz_*)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
nice=${FUZZ_NICE:-15}
build=$(cd "${2:-$here/../../build/fuzz}" && pwd)
shift $(( $# > 2 ? 2 : $# ))
out=$build/fuzz-runs
mkdir -p "$out"

run_one() {
  local bin=$1 name dir dict=()
  name=$(basename "$bin")
  dir=$out/$name
  rm -rf "$dir/crashes" && mkdir -p "$dir/corpus" "$dir/crashes"
  [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
  local rc=0
  nice -n "$nice" "$bin" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/" "${dict[@]}" "$dir/corpus" "$here/corpus/$name" >"$dir/log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  echo "$name: ${execs:-0} executions, exit $rc"
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$dir/crashes")" ]; then
    echo "$name: FOUND A PROBLEM; log $dir/log, inputs:" "$dir"/crashes/*
    grep -m1 -A30 -E '^==[0-9]+==ERROR|runtime error|deadly signal|ALARM' "$dir/log" || tail -30 "$dir/log"
    return 1
  fi
}
export -f run_one
export here seconds nice out

shopt -s nullglob
targets=("$build"/bin/fuzz_*)
if [ $# -gt 0 ]; then
  targets=()
  for name in "$@"; do targets+=("$build/bin/$name"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in $build/bin (build the fuzz preset first)" >&2
  exit 1
fi
rc=0
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one "$1"' _ {} | tee "$out/summary" || rc=1
total=$(awk '{ s += $2 } END { print s + 0 }' <(grep -E '^fuzz_[a-z_]+: [0-9]+ executions' "$out/summary"))
echo "fuzz: $total executions in total"
exit $rc
