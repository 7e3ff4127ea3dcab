#!/usr/bin/env bash
# End-to-end tests of gene-dap through the real DAP client library.
# Needs target/debug/gene-dap and target/debug/gene (or GENE_DAP / GENE_BIN).
# Installs the npm packages when node_modules is missing or older than the lock.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
exec node --test --test-concurrency=2 "$@" *.test.js
