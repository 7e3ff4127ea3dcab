#!/usr/bin/env bash
# The VS Code extension (editors/vscode): build and package it (tsc --noEmit, esbuild,
# vsce), test its logic in plain Node, its grammar with vscode-textmate, and the
# packaged .vsix in a real VS Code (code-server + headless Chromium).
# Needs target/debug/gene-lsp and target/debug/gene-dap (or GENE_LSP / GENE_DAP).
set -euo pipefail
cd "$(dirname "$0")"
echo "-- build and package (editors/vscode/build.sh)"
../../../editors/vscode/build.sh
echo "-- extension logic (unit)"
node --test --test-concurrency=2 unit/*.test.js
echo "-- grammar (vscode-textmate)"
grammar/run.sh
echo "-- real VS Code (code-server + Chromium)"
e2e/run.sh
