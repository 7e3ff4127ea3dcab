#!/usr/bin/env bash
# gene-lsp (the language server) on a generated 10,000-line Gene file:
# didChange -> publishDiagnostics, completion, hover, semantic tokens, document
# symbols, formatting, the server's peak memory; `gene fmt` of the file against
# rustfmt on as many lines of Rust. Writes the report to bench/results/lsp.txt.
# Usage: bench/lsp.sh [--tries N]   (runs of the repeated requests and commands, default 10)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

TRIES=10
while [ $# -gt 0 ]; do
  case "$1" in
    --tries) TRIES="${2:?--tries needs a number}"; shift 2 ;;
    --tries=*) TRIES="${1#--tries=}"; shift ;;
    -h|--help) sed -n '2,6p' "$SCRIPT"; exit 0 ;;
    *) note "unknown argument: $1"; exit 2 ;;
  esac
done

# The server and its gene: the `server` profile (release + panic=unwind).
# GENE_LSP / GENE_SERVER_BIN use other binaries; GENE_REBUILD=1 runs cargo anyway.
GENE_LSP="${GENE_LSP:-$REPO_ROOT/target/server/gene-lsp}"
GENE_SERVER="${GENE_SERVER_BIN:-$REPO_ROOT/target/server/gene}"
if [ ! -x "$GENE_LSP" ] || [ ! -x "$GENE_SERVER" ] || [ "${GENE_REBUILD:-0}" = 1 ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    note "error: cargo not found; cannot build target/server/gene-lsp"
    exit 1
  fi
  note "building the server: cargo build --profile server -p gene-lsp -p gene-vm"
  (cd "$REPO_ROOT" && cargo build --profile server -p gene-lsp -p gene-vm >&2)
fi
for bin in "$GENE_LSP" "$GENE_SERVER"; do
  [ -x "$bin" ] || { note "error: $bin is missing (build failed?)"; exit 1; }
done

# A binary older than the sources measures old code: say so (GENE_REBUILD=1 fixes it).
for bin in "$GENE_LSP" "$GENE_SERVER"; do
  newer="$(find "$REPO_ROOT/gene-lsp/src" "$REPO_ROOT/gene-vm/src/analysis" "$REPO_ROOT/gene-vm/src/syntax" -name '*.rs' -newer "$bin" 2>/dev/null | head -n 1)"
  [ -z "$newer" ] || note "warning: $bin is older than $newer; set GENE_REBUILD=1 to rebuild"
done

OUT="$BENCH_DIR/results/lsp.txt"
mkdir -p "$BENCH_DIR/results"
rc=0
"$PYTHON" "$BENCH_DIR/lib/lspbench.py" --tries "$TRIES" --server "$GENE_LSP" \
  --gene "$GENE_SERVER" --repo "$REPO_ROOT" \
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
  for bin in "$GENE_SERVER" "$GENE_LSP"; do
    echo "binary: ${bin#"$REPO_ROOT"/} built $(date -u -r "$bin" '+%Y-%m-%d %H:%M:%S UTC')"
  done
  echo "command: bench/lsp.sh --tries $TRIES (exit status $rc)"
} | tee -a "$OUT"
note "report written to ${OUT#"$REPO_ROOT"/}"
exit "$rc"
