#!/usr/bin/env bash
# 10,000 concurrent `sleep_async 100` awaited with gene/all, against Node 20
# (setTimeout promises + Promise.all) and Python asyncio (gather of
# asyncio.sleep(0.1)): wall time and whole-process peak RSS, plus memory per
# pending future = (peak RSS with N sleeps - peak RSS with 0 sleeps) / N.
# Usage: bench/many_sleeps.sh [--runs N] [--count N]   (defaults 3, 10000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=3
COUNT=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    --count) COUNT="${2:?--count needs a number}"; shift 2 ;;
    --count=*) COUNT="${1#--count=}"; shift ;;
    -h|--help) sed -n '2,6p' "$SCRIPT"; exit 0 ;;
    *) note "unknown argument: $1"; exit 2 ;;
  esac
done

try_gene
ensure_gnu_time
NODE="$(command -v node || true)"
[ -n "$NODE" ] || note "note: node not found; node column skipped"

"$PYTHON" "$BENCHLIB" many-sleeps --runs "$RUNS" --count "$COUNT" \
  --programs "$PROGRAMS" --gene "$GENE" --node "$NODE" \
  --python "$PYTHON" --gnu-time "$GNU_TIME"
