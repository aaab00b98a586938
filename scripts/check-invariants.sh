#!/usr/bin/env bash
# The platform's consistency invariants, checked in MariaDB as root across the services'
# databases (read only). Usable on the demo stack, the test stack or a benchmark stack:
#   PB_HOME=... scripts/check-invariants.sh      exit 0 when everything holds, 1 otherwise
# Checks:
#   1. capacity: every night's `reserved` equals the pets of the live orders covering it
#      (live: pending_payment, paid, confirmed, in_care, completed), and never exceeds its
#      capacity;
#   2. holds: every held capacity hold belongs to a live order and every live order's hold
#      is held (an order that gave up has given its nights back);
#   3. pets: no pet is in two live stays on one night;
#   4. money (once payments exist): see the payment checks appended by the payment service;
#   5. events: no outbox row waits longer than PB_CHECK_OUTBOX_MAX_S (default 60) seconds.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

q() { pb_mariadb -N -B -e "$1"; }
failures=0
report() { # name, query returning offending rows
    local rows
    rows=$(q "$2")
    if [[ -n $rows ]]; then
        echo "FAIL $1:"
        head -20 <<<"$rows" | sed 's/^/    /'
        failures=$((failures + 1))
    else
        echo "ok   $1"
    fi
}

# every monthly order table, as one derived table
months=$(q "SELECT table_name FROM information_schema.tables WHERE table_schema = 'pb_order'
            AND table_name REGEXP '^orders_[0-9]{6}\$' ORDER BY table_name" || true)
if [[ -z $months ]]; then
    echo "ok   no orders yet"
    exit 0
fi
union=""
for t in $months; do
    union+="${union:+ UNION ALL }SELECT id, listing_id, pet_ids, pets, start_date, end_date, status, hold FROM pb_order.$t"
done
live="'pending_payment','paid','confirmed','in_care','completed'"

report "capacity: reserved = pets of live orders, within capacity" "
  SELECT d.listing_id, d.day, d.reserved, COALESCE(SUM(o.pets), 0) AS live_pets,
         COALESCE(d.capacity, l.capacity) AS cap
  FROM pb_boarding.listing_day d
  JOIN pb_boarding.listing l ON l.id = d.listing_id
  LEFT JOIN ($union) o ON o.listing_id = d.listing_id AND d.day >= o.start_date AND d.day < o.end_date
                       AND o.status IN ($live)
  GROUP BY d.listing_id, d.day, d.reserved, d.capacity, l.capacity
  HAVING d.reserved <> live_pets OR d.reserved > cap"

report "holds: held <=> live order" "
  SELECT h.order_id, h.state, o.status FROM pb_boarding.capacity_hold h
  LEFT JOIN ($union) o ON o.id = h.order_id
  WHERE (h.state = 'held' AND (o.id IS NULL OR o.status NOT IN ($live)))
  UNION ALL
  SELECT o.id, COALESCE(h.state, 'none'), o.status FROM ($union) o
  LEFT JOIN pb_boarding.capacity_hold h ON h.order_id = o.id
  WHERE o.status IN ($live) AND (h.state IS NULL OR h.state <> 'held')"

report "pets: one live stay per pet and night" "
  SELECT pet_id, day, COUNT(*) FROM pb_order.pet_night GROUP BY pet_id, day HAVING COUNT(*) > 1"

max_s=${PB_CHECK_OUTBOX_MAX_S:-60}
for db in $(q "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"); do
    report "events: $db outbox drained (nothing older than ${max_s}s)" "
      SELECT id, subject, attempts FROM $db.outbox
      WHERE sent_ms IS NULL AND created_ms < (UNIX_TIMESTAMP(NOW(3)) - $max_s) * 1000"
done

# checks contributed by services that come later (payments): scripts/check-invariants.d/*.sh
for f in "$(dirname "${BASH_SOURCE[0]}")"/check-invariants.d/*.sh; do
    [[ -e $f ]] || continue
    # shellcheck disable=SC1090
    source "$f"
done

if ((failures)); then
    echo "$failures invariant(s) broken"
    exit 1
fi
echo "all invariants hold"
