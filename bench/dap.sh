#!/usr/bin/env bash
# gene-dap (the Debug Adapter Protocol server): debug-session overhead against
# `gene run` (fib(27), 10,000 sleeps), next / pause latency, and gene/futures
# with 10,000 pending futures. Writes the report to bench/results/dap.txt.
# Usage: bench/dap.sh [--runs N]   (runs per variant for the overhead part, default 5)
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

# Plain gene: target/release/gene (panic=abort), built if missing or GENE_REBUILD=1.
ensure_gene
GENE_RELEASE="$GENE"

# The adapter and its gene: the `server` profile (release + panic=unwind).
# GENE_DAP / GENE_SERVER_BIN use other binaries; GENE_REBUILD=1 runs cargo anyway.
GENE_DAP="${GENE_DAP:-$REPO_ROOT/target/server/gene-dap}"
GENE_SERVER="${GENE_SERVER_BIN:-$REPO_ROOT/target/server/gene}"
if [ ! -x "$GENE_DAP" ] || [ ! -x "$GENE_SERVER" ] || [ "${GENE_REBUILD:-0}" = 1 ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    note "error: cargo not found; cannot build target/server/gene-dap"
    exit 1
  fi
  note "building the adapter: cargo build --profile server -p gene-dap -p gene-vm"
  (cd "$REPO_ROOT" && cargo build --profile server -p gene-dap -p gene-vm >&2)
fi
for bin in "$GENE_DAP" "$GENE_SERVER"; do
  [ -x "$bin" ] || { note "error: $bin is missing (build failed?)"; exit 1; }
done

# A binary older than the sources measures old code: say so (GENE_REBUILD=1 fixes it).
for bin in "$GENE_RELEASE" "$GENE_DAP" "$GENE_SERVER"; do
  newer="$(find "$REPO_ROOT/gene-vm/src" "$REPO_ROOT/gene-dap/src" -name '*.rs' -newer "$bin" 2>/dev/null | head -n 1)"
  [ -z "$newer" ] || note "warning: $bin is older than $newer; set GENE_REBUILD=1 to rebuild"
done

OUT="$BENCH_DIR/results/dap.txt"
mkdir -p "$BENCH_DIR/results"
rc=0
"$PYTHON" "$BENCH_DIR/lib/dapbench.py" --runs "$RUNS" --programs "$PROGRAMS" \
  --adapter "$GENE_DAP" --gene-release "$GENE_RELEASE" --gene-server "$GENE_SERVER" \
  | tee "$OUT" || rc=$?

{
  echo
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) vCPU $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo)," \
    "$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -o)" \
    "(kernel $(uname -r))"
  echo "rustc: $(rustc -V 2>/dev/null || echo n/a); python: $("$PYTHON" -V 2>&1)"
  echo "commit: $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo n/a)" \
    "$( [ -n "$(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo '(working tree modified)')"
  for bin in "$GENE_RELEASE" "$GENE_SERVER" "$GENE_DAP"; do
    echo "binary: ${bin#"$REPO_ROOT"/} built $(date -u -r "$bin" '+%Y-%m-%d %H:%M:%S UTC')"
  done
  echo "command: bench/dap.sh --runs $RUNS (exit status $rc)"
} | tee -a "$OUT"
note "report written to ${OUT#"$REPO_ROOT"/}"
exit "$rc"
