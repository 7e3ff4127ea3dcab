#!/usr/bin/env bash
# gene-lsp under 30,000 random edits and queries over 10 minutes on a 5,000-line file:
# latency percentiles per request and RSS every 10 s (bench/lib/soak_lsp.py).
# Usage: bench/soak_lsp.sh [OPS] [SECONDS]   (GENE_LSP: the server, default target/server/gene-lsp)
set -euo pipefail
cd "$(dirname "$0")/.."
GENE_LSP="${GENE_LSP:-target/server/gene-lsp}"
[ -x "$GENE_LSP" ] || cargo build --profile server -p gene-lsp
exec python3 bench/lib/soak_lsp.py --server "$GENE_LSP" --ops "${1:-30000}" --seconds "${2:-600}"
