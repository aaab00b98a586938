#!/usr/bin/env bash
# Soak: the mixed read load (bench/reads.lua: 60 % varied searches, 40 % random listing
# details, 64 connections) for PB_SOAK_MINUTES (default 30), with every service's resident
# memory sampled at the end of each minute; prints the samples and, per service, the slope
# of a least-squares line through the minutes after the first (MB per 10 minutes: flat
# memory reads as 0 within noise). Runs on the benchmark's own stack (bench/lib.sh).
#   bench/soak.sh            PB_SOAK_MINUTES=10 bench/soak.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MINUTES=${PB_SOAK_MINUTES:-30}
bench_stack_up
bench_seed_listings "${PB_BENCH_LISTINGS:-10000}"
IDS=$PB_HOME/bench-listing-ids.txt
SAMPLES=$PB_HOME/soak-rss.tsv

rss_row() { # minute, then "service=MB" for every service
    local f pid name row=$1
    for f in "$PB_HOME"/services/*.pid; do
        pid=$(cat "$f" 2>/dev/null) || continue
        name=$(tr -d '\0' <"/proc/$pid/comm" 2>/dev/null) || continue
        row+=$'\t'"${name#pb-}=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")"
    done
    printf '%s\n' "$row"
}

rss_row 0 >"$SAMPLES"
total=0
for ((m = 1; m <= MINUTES; m++)); do
    out=$(WRK_IDS=$IDS wrk -t"$PB_BENCH_THREADS" -c"$PB_BENCH_CONNECTIONS" -d60s --timeout 5s \
        -s "$BENCH_DIR/reads.lua" "$GW/" 2>&1 | grep '^PBRESULT' || true)
    read -r _ rps _ p99 errors requests <<<"${out:-PBRESULT 0 0 0 0 0}"
    total=$((total + requests))
    rss_row "$m" >>"$SAMPLES"
    printf '  minute %2d: %6s req/s, p99 %s ms, %s errors\n' "$m" "$rps" "$p99" "$errors" >&2
done

python3 - "$SAMPLES" "$MINUTES" "$total" <<'PY'
import sys
path, minutes, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [line.rstrip("\n").split("\t") for line in open(path)]
series = {}
for r in rows:
    for kv in r[1:]:
        k, v = kv.split("=")
        series.setdefault(k, []).append((int(r[0]), float(v)))
print(f"\n### soak: {minutes} min of mixed reads, {total:,} requests, resident memory per service (MB)\n")
print("| service | start | after 1 min | end | max | slope after minute 1 (MB per 10 min) |")
print("|---|---:|---:|---:|---:|---:|")
for name in sorted(series):
    pts = [p for p in series[name] if p[0] >= 1]
    n = len(pts)
    slope = 0.0
    if n >= 2:
        mx = sum(p[0] for p in pts) / n
        my = sum(p[1] for p in pts) / n
        den = sum((p[0] - mx) ** 2 for p in pts)
        slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else 0.0
    vals = [v for _, v in series[name]]
    after1 = pts[0][1] if pts else vals[0]
    print(f"| {name} | {vals[0]:.1f} | {after1:.1f} | {vals[-1]:.1f} | {max(vals):.1f} | {slope * 10:+.2f} |")
PY
