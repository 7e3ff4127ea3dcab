#!/usr/bin/env bash
# Median wall time of fib(30) and a 10M-iteration while loop in
# gene (release build), python3, lua5.4 and node, all in the same run.
# Usage: bench/compare.sh [--runs N]      (default 5)
# Env:   GENE_BIN=path, GENE_REBUILD=1 (see bench/lib/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    -h|--help) sed -n '2,5p' "$SCRIPT"; exit 0 ;;
    *) note "unknown argument: $1"; exit 2 ;;
  esac
done

try_gene
ensure_lua
NODE="$(command -v node || true)"
[ -n "$NODE" ] || note "note: node not found; node column skipped"

"$PYTHON" "$BENCHLIB" compare --runs "$RUNS" --programs "$PROGRAMS" \
  --gene "$GENE" --python "$PYTHON" --lua "$LUA" --node "$NODE"
exit 0
