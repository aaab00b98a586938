#!/usr/bin/env python3
"""The failover report of tests/cluster/run.sh: per fault, what the clients of the load saw
between the kill and a few seconds after the killed process rejoined, from the load's
per-second timeline. Prints Markdown; exits 1 when clients saw a failure that the platform
promises they never see (a failed GET, a POST that failed for good, a stuck booking)."""
import csv
import json
import os
import sys

out = sys.argv[1]
settle_ms = int(os.environ.get("PB_FAILOVER_SETTLE_S", "4")) * 1000

report = {}
try:
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
except (OSError, ValueError):
    pass
# fault times are Unix ms; the timeline counts seconds from the load's start
t0 = int(report.get("started_unix_ms", 0))

faults = []
with open(os.path.join(out, "faults.tsv")) as f:
    for line in f:
        name, comp, kill, start, back = line.rstrip("\n").split("\t")
        faults.append((name, comp, int(kill) - t0, int(start) - t0, int(back) - t0))

rows = []
with open(os.path.join(out, "timeline.csv")) as f:
    for r in csv.DictReader(f):
        rows.append({k: float(v) if v not in ("", None) else 0.0 for k, v in r.items()})


def col(r, *names):
    for n in names:
        if n in r:
            return r[n]
    return 0.0


print("| fault | process killed | down s | rejoined after restart ms | failed GETs | POSTs retried (503, same key) | POSTs failed | requests in window | last error after kill ms |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
bad = 0
for i, (name, comp, kill, start, back) in enumerate(faults):
    # from the second of the kill to the settle time after the rejoin, and never into the
    # next fault's second (each error counts for one fault only)
    lo, hi = kill // 1000, (back + settle_ms) // 1000
    if i + 1 < len(faults):
        hi = min(hi, faults[i + 1][2] // 1000 - 1)
    window = [r for r in rows if lo <= col(r, "t_s") <= hi]
    failed = sum(col(r, "ops_failed_idempotent") for r in window)
    retried = sum(col(r, "posts_retried") for r in window)
    pfailed = sum(col(r, "posts_failed") for r in window)
    total = sum(col(r, "ops_ok") + col(r, "ops_failed_idempotent") + col(r, "posts_failed") for r in window)
    errs = [col(r, "t_s") for r in window if col(r, "ops_failed_idempotent") + col(r, "posts_retried") + col(r, "posts_failed") > 0]
    last = "none" if not errs else "%d" % max(0, (max(errs) + 1) * 1000 - kill)
    print("| %s | %s | %.1f | %d | %d | %d | %d | %d | %s |" % (
        name, comp, (start - kill) / 1000.0, back - start, failed, retried, pfailed, total, last))
    bad += failed + pfailed

tot = report.get("totals", {})
stuck = report.get("bookings", {}).get("stuck", tot.get("bookings_stuck", 0)) if isinstance(report.get("bookings"), dict) else tot.get("bookings_stuck", 0)
all_failed = sum(col(r, "ops_failed_idempotent") for r in rows)
all_pfailed = sum(col(r, "posts_failed") for r in rows)
all_retried = sum(col(r, "posts_retried") for r in rows)
all_ok = sum(col(r, "ops_ok") for r in rows)
print()
print("Whole run: %d requests answered, %d failed GETs, %d POSTs retried with their key, %d POSTs failed, %s stuck bookings."
      % (all_ok, all_failed, all_retried, all_pfailed, stuck))
if all_failed or all_pfailed or stuck:
    print()
    print("FAILED: clients saw failures the platform promises they never see.")
    sys.exit(1)
