#!/usr/bin/env bash
# 1,000 debug sessions launched and ended in one `gene-dap --port 0` process; threads,
# fds and RSS at the start, every 100 sessions and at the end (bench/lib/soak_dap.py).
# Usage: bench/soak_dap.sh [SESSIONS]   (GENE_DAP: the adapter, default target/server/gene-dap)
set -euo pipefail
cd "$(dirname "$0")/.."
GENE_DAP="${GENE_DAP:-target/server/gene-dap}"
[ -x "$GENE_DAP" ] || cargo build --profile server -p gene-dap -p gene-vm
exec python3 bench/lib/soak_dap.py --adapter "$GENE_DAP" --sessions "${1:-1000}"
