# Scenario "web": the web app's weight and speed. Bundle sizes per route from the build's
# manifest (gzip, what a first visit downloads), and the time from navigation to the first
# search results in headless Chromium against this stack, beside the same search as a bare
# API call and nginx's static body fetched from the same page (references of the same run).
# shellcheck shell=bash
echo "==> web: preparing" >&2
PB_WEB_DIR=${PB_WEB_DIR:-$REPO/web/dist}
"$REPO/scripts/web.sh" build >&2
# a few listings to find: the demo data (idempotent; uploads its photos once)
PB_GATEWAY=$GW PB_ADMIN_PASSWORD=${PB_ADMIN_PASSWORD:-$(cat "$PB_HOME/secrets/admin-password")} \
    "$REPO/scripts/seed-demo.sh" >/dev/null
PB_GATEWAY=$GW PB_WEB_DIR=$PB_WEB_DIR PB_BENCH_RUNS=${PB_BENCH_WEB_RUNS:-15} \
    node "$BENCH_DIR/web.mjs"
