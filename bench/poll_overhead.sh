#!/usr/bin/env bash
# Cost of event-loop polling in ordinary code: fib.gene and loop.gene run with
# `gene run --poll-interval 100` (the default) and `--poll-interval 0` (polling
# disabled), alternating, same binary, same run. Prints the medians and the
# overhead percentage (target < 1%).
# Usage: bench/poll_overhead.sh [--runs N]      (default 10 per variant)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    -h|--help) sed -n '2,6p' "$SCRIPT"; exit 0 ;;
    *) note "unknown argument: $1"; exit 2 ;;
  esac
done

ensure_gene
"$PYTHON" "$BENCHLIB" poll --runs "$RUNS" --programs "$PROGRAMS" --gene "$GENE" --on 100

# Wall time on a shared 2-core machine is noisy at the 1% level; instruction counts are
# not. With valgrind present, count the instructions of smaller inputs both ways.
if command -v valgrind >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  printf '(fn fib [n] (if (n < 2) n else ((fib (n - 1)) + (fib (n - 2)))))\n(println (fib 22))\n' > "$tmp/fib.gene"
  printf '(var i 0)\n(while (i < 1000000) (i += 1))\n(println i)\n' > "$tmp/loop.gene"
  echo
  echo "instructions executed (valgrind --tool=callgrind), poll=100 vs poll=0:"
  printf '%-8s %16s %16s %10s\n' program poll=100 poll=0 overhead
  for prog in fib loop; do
    counts=()
    for pi in 100 0; do
      n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$GENE" run --poll-interval "$pi" "$tmp/$prog.gene" 2>&1 >/dev/null \
        | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,)
      counts+=("$n")
    done
    awk -v p="$prog" -v a="${counts[0]}" -v b="${counts[1]}" \
      'BEGIN { printf "%-8s %16d %16d %9.2f%%\n", p, a, b, (a - b) * 100.0 / b }'
  done
fi
