#!/usr/bin/env bash
# CPU used while awaiting: runs `(await (sleep_async 1000))` and prints wall
# time, user+sys CPU time and CPU/wall (target < 2%: await blocks, no spinning).
# Usage: bench/await_cpu.sh [--runs N]      (default 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    -h|--help) sed -n '2,4p' "$SCRIPT"; exit 0 ;;
    *) note "unknown argument: $1"; exit 2 ;;
  esac
done

ensure_gene
ensure_gnu_time
"$PYTHON" "$BENCHLIB" await-cpu --runs "$RUNS" --gene "$GENE" \
  --program "$PROGRAMS/await_sleep.gene" --gnu-time "$GNU_TIME"
