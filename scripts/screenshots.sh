#!/usr/bin/env bash
# Refresh docs/screenshots/ from the screenshots the browser tests took (make test keeps them
# in build/browser/screenshots/; scripts/browser-test.sh writes them to PB_BROWSER_OUT): a
# chosen set of the browser tests' steps, under stable names the README, the report and the
# user manuals (docs/manual.zh.md) use.
#
#   scripts/screenshots.sh [screenshots folder]     (default build/browser/screenshots)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=${1:-$REPO/build/browser/screenshots}
DST=$REPO/docs/screenshots
[[ -d $SRC/journey ]] || {
    echo "screenshots: no journey screenshots in $SRC (run make test, or scripts/browser-test.sh)" >&2
    exit 1
}

# docs name | step (its file name without the number): a step of the whole-stay journey, or
# "<folder>/<step>" for a step of another journey (a folder of the screenshots folder)
SHOTS=(
    "home|owner-home-search"
    "search|owner-search-found"
    "listing|owner-listing-dates-picked"
    "book-quote|owner-book-quote"
    "cashier|owner-cashier"
    "owner-paid-live|owner-order-paid-live"
    "owner-care-log-live|owner-care-log-live"
    "owner-stay|owner-reviewed"
    "owner-stay-360|owner-stay-360"
    "owner-stay-en|owner-stay-en"
    "pet-form|owner-pet-form"
    "provider-verification|provider-verification-sent"
    "provider-listing-form|provider-listing-form"
    "provider-request|provider-request-with-deadline"
    "provider-care-log|provider-care-log-filled"
    "provider-review-reply|provider-review-replied"
    "admin-queue-provider|admin-queue-provider-approve-dialog"
    "admin-queue-listing|admin-queue-listing-clean"
    "admin-reviews-hide|admin-reviews-hide-dialog"
    "admin-dashboard|admin-dashboard"
    "register|owner-register"
    "owner-awaiting-payment|owner-order-awaiting-payment"
    "owner-review-form|owner-review-form"
    "owner-cancel-quote|owner-booking/cancel-quote"
    "owner-fully-booked|owner-refusals/fully-booked"
    "login-360|smoke-phone/login-zh"
    "provider-calendar|provider-3-calendar/night-closed"
    "provider-schedule|provider-4-stay/schedule-arrival"
    "admin-approve-refused|admin/queue-listing-approve-refused"
    "admin-users-suspend|admin/users-suspend-dialog"
    "admin-audit|admin/audit-provider"
    "sessions-360|sessions/phone-section"
)

mkdir -p "$DST"
missing=0
for entry in "${SHOTS[@]}"; do
    name=${entry%%|*} step=${entry#*|} dir=journey
    if [[ $step == */* ]]; then
        dir=${step%%/*} step=${step#*/}
    fi
    shopt -s nullglob
    found=("$SRC/$dir"/[0-9][0-9]-"$step".png)
    shopt -u nullglob
    if ((${#found[@]} != 1)); then
        echo "screenshots: step '$step' not found in $SRC/$dir" >&2
        missing=1
        continue
    fi
    cp "${found[0]}" "$DST/$name.png"
done
((missing == 0)) || exit 1
echo "screenshots: ${#SHOTS[@]} files in docs/screenshots (from $SRC)"
