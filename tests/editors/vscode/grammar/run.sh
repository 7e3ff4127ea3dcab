#!/usr/bin/env bash
# Tokenization tests of the VS Code grammar and language configuration (editors/vscode)
# with vscode-textmate + vscode-oniguruma. UPDATE_SNAPSHOTS=1 rewrites fixtures/*.snap.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
exec node --test grammar.test.js
