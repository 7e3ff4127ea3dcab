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
