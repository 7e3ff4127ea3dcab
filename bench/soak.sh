#!/usr/bin/env bash
# Soak test: runs bench/programs/soak.gene (continuous async file writes,
# reads, deletes and 1 ms timers, awaited through gene/all) for DURATION
# seconds, samples the process's VmRSS from /proc/PID/status once a second
# and prints `t=<s> rss_kb=<n>`. At the end prints first/last/max RSS and
# whether RSS stayed flat: last <= first*1.2 + 2 MiB, where "first" is the
# first sample after a 5 s warm-up.
# Usage: bench/soak.sh [DURATION_SECONDS]      (default 60; 1800 = 30 min)
# Exit status: 0 if the program finished and RSS was flat, 1 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

DURATION=60
WARMUP=5
case "${1:-}" in
  -h|--help) sed -n '2,9p' "$SCRIPT"; exit 0 ;;
  "") ;;
  *[!0-9]*) note "DURATION_SECONDS must be a whole number of seconds: $1"; exit 2 ;;
  *) DURATION="$1" ;;
esac

ensure_gene

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gene-soak.XXXXXX")"
OUT="$WORK/stdout"
ERR="$WORK/stderr"
GENE_PID=""
cleanup() {
  if [ -n "$GENE_PID" ] && kill -0 "$GENE_PID" 2>/dev/null; then
    kill "$GENE_PID" 2>/dev/null || true
    wait "$GENE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "soak: gene run bench/programs/soak.gene $DURATION  (scratch dir $WORK)"
# stdout/stderr go to files: the program prints one line, so nothing grows.
SOAK_DIR="$WORK" "$GENE" run "$PROGRAMS/soak.gene" "$DURATION" >"$OUT" 2>"$ERR" &
GENE_PID=$!

start_ns="$(date +%s%N)"
first=""
last=""
max=0
samples=0
while kill -0 "$GENE_PID" 2>/dev/null; do
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$GENE_PID/status" 2>/dev/null || true)"
  [ -n "$rss" ] || break   # process has exited (or is a zombie)
  t=$(( ($(date +%s%N) - start_ns) / 1000000000 ))
  echo "t=$t rss_kb=$rss"
  samples=$((samples + 1))
  if [ "$t" -ge "$WARMUP" ] && [ -z "$first" ]; then first="$rss"; fi
  last="$rss"
  if [ "$rss" -gt "$max" ]; then max="$rss"; fi
  sleep 1
done

status=0
wait "$GENE_PID" || status=$?
GENE_PID=""

echo "program exit status: $status"
if [ -s "$OUT" ]; then echo "program output: $(tail -n 3 "$OUT")"; fi
if [ -s "$ERR" ]; then echo "program stderr (last lines):"; tail -n 20 "$ERR"; fi

verdict=0
if [ -z "$first" ]; then
  echo "samples: $samples; run ended before the ${WARMUP} s warm-up: no verdict (use a longer DURATION)"
  verdict=1
else
  limit=$(( first * 12 / 10 + 2048 ))
  echo "rss_kb first=$first (after ${WARMUP} s warm-up) last=$last max=$max limit=$limit samples=$samples"
  if [ "$last" -le "$limit" ]; then
    echo "verdict: FLAT (last <= first*1.2 + 2 MiB)"
  else
    echo "verdict: GROWING (last > first*1.2 + 2 MiB)"
    verdict=1
  fi
fi
if [ "$status" -ne 0 ]; then
  echo "verdict: program FAILED (exit $status)"
  verdict=1
fi
exit "$verdict"
