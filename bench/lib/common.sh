# Shared helpers for the bench/*.sh scripts. Source it; do not run it.
#
# After sourcing: the current directory is the repository root, and
#   REPO_ROOT, BENCH_DIR, PROGRAMS   absolute paths
#   SCRIPT                           absolute path of the calling script
#   PYTHON                           the python3 interpreter itself (resolved through
#                                    sys.executable, so a pyenv shim's startup cost
#                                    is not counted in the Python timings)
#   BENCHLIB                         the timing helper (bench/lib/benchlib.py)
# Functions:
#   ensure_gene      sets GENE to the release binary, building it if missing
#   try_gene         like ensure_gene but sets GENE="" instead of failing
#   ensure_lua       sets LUA to lua5.4, installing it as root; LUA="" if unavailable
#   ensure_gnu_time  sets GNU_TIME to /usr/bin/time, installing `time` as root; "" if unavailable
#
# Environment:
#   GENE_BIN=path    use this gene binary instead of target/release/gene
#   GENE_REBUILD=1   run `cargo build --release -p gene-vm --bin gene` even if the binary exists

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PROGRAMS="$BENCH_DIR/programs"
BENCHLIB="$BENCH_DIR/lib/benchlib.py"
cd "$REPO_ROOT"

note() { printf '%s\n' "$*" >&2; }

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  note "error: python3 is required for the timing helper"
  exit 1
fi
PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"

_is_root() { [ "${EUID:-$(id -u)}" = "0" ]; }

_apt_updated=0
_apt_install() {
  # _apt_install PACKAGE...: quiet apt-get install, with one `apt-get update` retry.
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$_apt_updated" = 0 ]; then
    _apt_updated=1
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
    return $?
  fi
  return 1
}

_build_gene() {
  if ! command -v cargo >/dev/null 2>&1; then
    note "error: cargo not found; cannot build the gene binary"
    return 1
  fi
  note "building gene: cargo build --release -p gene-vm --bin gene"
  (cd "$REPO_ROOT" && cargo build --release -p gene-vm --bin gene >&2)
}

try_gene() {
  GENE="${GENE_BIN:-$REPO_ROOT/target/release/gene}"
  if [ -n "${GENE_BIN:-}" ]; then
    [ -x "$GENE" ] || { note "warning: GENE_BIN=$GENE is not executable"; GENE=""; }
    return 0
  fi
  if [ ! -x "$GENE" ] || [ "${GENE_REBUILD:-0}" = 1 ]; then
    if ! _build_gene || [ ! -x "$GENE" ]; then
      note "warning: no gene binary at $GENE (build failed)"
      GENE=""
    fi
  fi
  return 0
}

ensure_gene() {
  try_gene
  if [ -z "$GENE" ]; then
    note "error: this benchmark needs the gene binary (target/release/gene)"
    exit 1
  fi
}

ensure_lua() {
  LUA=""
  if command -v lua5.4 >/dev/null 2>&1; then
    LUA="$(command -v lua5.4)"
  elif _is_root; then
    note "installing lua5.4 with apt-get"
    if _apt_install lua5.4 && command -v lua5.4 >/dev/null 2>&1; then
      LUA="$(command -v lua5.4)"
    else
      note "note: could not install lua5.4; Lua columns are skipped"
    fi
  else
    note "note: lua5.4 is not installed and this is not root;" \
      "install it with 'apt-get install -y lua5.4'. Lua columns are skipped."
  fi
}

ensure_gnu_time() {
  GNU_TIME=""
  if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' true >/dev/null 2>&1; then
    GNU_TIME=/usr/bin/time
  elif _is_root; then
    note "installing GNU time with apt-get"
    if _apt_install time && [ -x /usr/bin/time ]; then
      GNU_TIME=/usr/bin/time
    else
      note "note: could not install GNU time; falling back to python rusage"
    fi
  else
    note "note: GNU time (/usr/bin/time) is missing and this is not root;" \
      "falling back to python rusage (peak RSS then includes a floor of the" \
      "python parent's size, see bench/README.md)"
  fi
}
