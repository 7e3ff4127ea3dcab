#!/usr/bin/env bash
# End-to-end tests of the VS Code extension (editors/vscode) in a real VS Code:
# code-server 4.100.3 (VS Code 1.100.3, Node 20) driven by headless Debian Chromium
# through playwright-core. Needs target/vscode/gene.vsix (editors/vscode/build.sh),
# target/debug/gene-lsp and target/debug/gene-dap (or GENE_VSIX / GENE_LSP / GENE_DAP).
# Installs what is missing: Debian packages (as root), then code-server and
# playwright-core (npm ci; skipped while node_modules/.gene-e2e-installed is newer than
# package.json and package-lock.json).
# Screenshots: target/editor-e2e/<scenario>-<step>.png (GENE_E2E_SHOTS to move them).
# Other knobs: GENE_E2E_KEEP=1 keeps each test's temp dir (logs under user-data/logs),
# GENE_E2E_FUTURES_REFRESH_MS (default 250), CHROMIUM (default /usr/bin/chromium).
# Arguments go to node --test, e.g. ./run.sh --test-name-pattern='^futures'.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../../../.. && pwd)"

# Debian: libkrb5-dev (code-server's native kerberos module builds against it),
# chromium + fonts-liberation (the browser), ripgrep (Debian's rg stands in for the
# @vscode/ripgrep download below).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
dpkg -s fonts-liberation >/dev/null 2>&1 || need+=(fonts-liberation)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}"; }
  else
    echo "run.sh: missing Debian packages: ${need[*]} (install them, or run as root)" >&2
    exit 1
  fi
fi

# code-server + playwright-core. The marker is written only after a complete install
# (code-server's postinstall runs a nested npm install of VS Code's own modules).
STAMP=node_modules/.gene-e2e-installed
if [ ! -f "$STAMP" ] || [ package-lock.json -nt "$STAMP" ] || [ package.json -nt "$STAMP" ] \
  || [ ! -e node_modules/code-server/lib/vscode/node_modules.asar ]; then
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache has the tarball.
  rgcache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  rgtar="$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$rgtar" ]; then
    mkdir -p "$rgcache"
    tar czf "$rgtar" -C "$(dirname "$(command -v rg)")" rg
  fi
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp`; unsafe_perm: code-server's
  # postinstall refuses to run as root without it. npm 11 runs dependency install scripts
  # only when allowed: package.json's allowScripts covers code-server and argon2, but
  # code-server's postinstall runs a nested `npm install` in lib/vscode whose native
  # modules (node-pty, kerberos, spdlog, @vscode/ripgrep, ...) need their scripts too.
  # Older npm versions ignore these variables.
  export npm_config_yes=true npm_config_unsafe_perm=true
  export npm_config_dangerously_allow_all_scripts=true npm_config_update_notifier=false
  npm ci --no-audit --no-fund --loglevel=error
  touch "$STAMP"
fi

VSIX="${GENE_VSIX:-$ROOT/target/vscode/gene.vsix}"
if [ ! -f "$VSIX" ]; then
  echo "run.sh: the extension is not built: $VSIX is missing (run editors/vscode/build.sh, or set GENE_VSIX)" >&2
  exit 1
fi
for b in "${GENE_LSP:-$ROOT/target/debug/gene-lsp}" "${GENE_DAP:-$ROOT/target/debug/gene-dap}"; do
  if [ ! -x "$b" ]; then
    echo "run.sh: $b is missing (cargo build -p gene-lsp -p gene-dap, or set GENE_LSP / GENE_DAP)" >&2
    exit 1
  fi
done

exec node --test --test-concurrency=1 "$@" e2e.test.js
