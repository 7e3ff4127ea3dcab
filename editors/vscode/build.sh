#!/usr/bin/env bash
# Builds the extension: type-checks (tsc --noEmit), bundles with esbuild, and packages
# target/vscode/gene.vsix with vsce. Installs the npm packages when missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
npx --no-install tsc --noEmit -p .
node esbuild.mjs --production
mkdir -p ../../target/vscode
npx --no-install vsce package --skip-license --allow-missing-repository --allow-star-activation \
  -o ../../target/vscode/gene.vsix >/dev/null
echo "target/vscode/gene.vsix"
