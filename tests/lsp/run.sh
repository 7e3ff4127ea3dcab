#!/usr/bin/env bash
# End-to-end tests of gene-lsp through real LSP clients: vscode-languageserver-protocol
# over vscode-jsonrpc (Node) and Debian's Neovim 0.7.2 (headless, built-in client).
# Needs target/debug/gene-lsp and target/debug/gene (or GENE_LSP / GENE_BIN).
# Installs the npm packages when node_modules is missing or older than the lock, and
# Neovim when `nvim` is missing and this runs as root.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
if ! command -v "${NVIM_BIN:-nvim}" >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq neovim >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq neovim; }
fi
exec node --test --test-concurrency=2 "$@" *.test.js
