#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: formatting, lints, unit,
# fixture, Gene-program and end-to-end tests. Installs what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v mkfifo >/dev/null || need_apt+=(coreutils)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
  else
    echo "note: missing ${need_apt[*]} (not root, cannot install)" >&2
  fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
# CI=true makes a missing insta snapshot a failure instead of a new file.
CI=true cargo test --workspace -- --test-threads 2

echo "== end-to-end: gene-dap through DebugClient (tests/dap)"
cargo build -p gene-dap -p gene-vm -p gene-lsp --bins
tests/dap/run.sh

echo "== end-to-end: gene-lsp through a Node LSP client and headless Neovim (tests/lsp)"
tests/lsp/run.sh

echo "== editors: the Neovim plugin in headless Neovim 0.7.2 and 0.12 (tests/editors/nvim)"
tests/editors/nvim/run.sh

echo "== editors: the VS Code extension (tests/editors/vscode: build + vsce package, logic, grammar, real VS Code in code-server + Chromium)"
tests/editors/vscode/run.sh

echo "all tests passed"
