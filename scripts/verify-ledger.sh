#!/usr/bin/env bash
# Checks a pb-load booking ledger against what MariaDB holds (read only), after a load or a
# failover test: retries with the same Idempotency-Key must never have made a second order
# or a second charge.
#   scripts/verify-ledger.sh --ledger FILE.jsonl [--socket PATH] [--order-db pb_order] [--payment-db pb_payment]
# --socket defaults to $PB_HOME/mariadb/mysqld.sock (root, empty password; a cluster's node 1
# socket works the same; PB_MARIADB_TCP=HOST:PORT with MYSQL_PWD: over TCP instead). Exit 0 when everything holds, 1 on any violation, 2 on usage errors.
# Checks:
#   1. every booking the client got an order id for exists exactly once (across orders_YYYYMM);
#   2. each Idempotency-Key made at most one order: keys and order ids are unique in the
#      ledger, and a key's stored answer names the order the client saw;
#   3. no other live order exists for the ledger's owners during the run, except the one
#      order a key the client never got an answer for may have made (its idempotency row);
#   4. every booking the client saw paid has exactly one captured payment (succeeded, or
#      refunded later), the one the client was given, and no order of the run has two;
#   5. each payment Idempotency-Key names the payment the client saw.
# The ledger's owners must not book through anything else while the run's window is checked
# (one pb-load per setup file at a time).
set -euo pipefail

ledger="" socket="${PB_HOME:-./var}/mariadb/mysqld.sock" odb=pb_order pdb=pb_payment
while (($#)); do
    case $1 in
        --ledger) ledger=$2; shift 2 ;;
        --socket | --db-socket) socket=$2; shift 2 ;;
        --order-db) odb=$2; shift 2 ;;
        --payment-db) pdb=$2; shift 2 ;;
        *) sed -n '5,7p' "$0" >&2; exit 2 ;;
    esac
done
[[ -n $ledger && -r $ledger ]] || { echo "verify-ledger: --ledger FILE is required and must be readable" >&2; exit 2; }
[[ -n ${PB_MARIADB_TCP:-} || -S $socket ]] || { echo "verify-ledger: no MariaDB socket at $socket" >&2; exit 2; }
command -v jq >/dev/null || { echo "verify-ledger: jq is required (scripts/deps.sh installs it)" >&2; exit 2; }

work=$(mktemp -d /tmp/pb-verify.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PB_DB_SOCKET=$socket
q() { pb_mariadb -N -B -e "$1"; } # over TCP when PB_MARIADB_TCP is set (scripts/common.sh)

# The ledger as TSV: key order_id payment_id pay_key outcome status_seen owner_id answered t_ms end_ms
# (ids and keys reduced to the characters they are made of: they are pasted into SQL below)
jq -r 'def c: (. // "" | tostring | gsub("[^A-Za-z0-9_-]"; ""));
       [(.key|c), (.order_id|c), (.payment_id|c), (.pay_key|c), (.outcome|c), (.order_status_seen|c),
        (.owner_id|c), (if .create_answered then 1 else 0 end), (.t_ms // 0), (.end_ms // 0)] | @tsv' \
    "$ledger" >"$work/ledger.tsv"
rows=$(wc -l <"$work/ledger.tsv")
if ((rows == 0)); then
    echo "verify-ledger: the ledger is empty (no booking attempts): nothing to check"
    exit 0
fi
owners=$(cut -f7 "$work/ledger.tsv" | grep -E '^[0-9]+$' | sort -u | paste -sd, -)
[[ -n $owners ]] || { echo "verify-ledger: no owner ids in the ledger" >&2; exit 2; }
read -r tmin tmax < <(awk -F'\t' 'NR == 1 {a = $9; b = $10} {if ($9 < a) a = $9; if ($10 > b) b = $10}
                                  END {print a - 2000, b + 2000}' "$work/ledger.tsv")

months=$(q "SELECT table_name FROM information_schema.tables WHERE table_schema = '$odb'
            AND table_name REGEXP '^orders_[0-9]{6}\$' ORDER BY table_name")
union=""
for t in $months; do
    union+="${union:+ UNION ALL }SELECT id, status, created_ms FROM $odb.$t WHERE owner_id IN ($owners)"
done
if [[ -n $union ]]; then q "$union" >"$work/orders.tsv"; else : >"$work/orders.tsv"; fi
q "SELECT idem_key, order_id, COALESCE(status_code, 0) FROM $odb.idempotency
   WHERE scope = 'create' AND user_id IN ($owners)" >"$work/idem.tsv"
q "SELECT id, order_id, status FROM $pdb.payment WHERE owner_id IN ($owners)" >"$work/pay.tsv"
q "SELECT idem_key, payment_id FROM $pdb.idempotency WHERE user_id IN ($owners)" >"$work/pidem.tsv"

awk -F'\t' -v tmin="$tmin" -v tmax="$tmax" -v w="$work/" '
function bad(check, msg) { v[check]++; if (shown[check]++ < 10) lines[++nl] = "    " check ": " msg }
FILENAME == w "orders.tsv" { ocount[$1]++; ostatus[$1] = $2; ocreated[$1] = $3; next }
FILENAME == w "idem.tsv"   { iorder[$1] = $2; icode[$1] = $3; next }
FILENAME == w "pidem.tsv"  { pipay[$1] = $2; next }
FILENAME == w "pay.tsv"    { if ($3 == "succeeded" || $3 == "refunded" || $3 == "partially_refunded") {
                               captured[$2]++; capid[$2] = $1 }
                           next }
{   # the ledger, read last
    n++; outcome[$5]++
    key = $1; oid = $2; pid = $3; pkey = $4; seen = $6
    if (key in seenkey) bad("2 one order per key", "key " key " appears twice in the ledger")
    seenkey[key] = 1
    if (oid != "") {
        if (!(oid in known)) nknown++
        known[oid] = 1
        if (oid in orderkey) bad("2 one order per key", "order " oid " was answered for keys " orderkey[oid] " and " key)
        orderkey[oid] = key
        c = ocount[oid] + 0
        if (c != 1) bad("1 seen orders exist once", "order " oid " (key " key ") is in the database " c " times")
        if ((key in iorder) && icode[key] == 201 && iorder[key] != oid)
            bad("2 one order per key", "key " key " answered order " oid " but its stored answer is order " iorder[key])
    } else if (key in iorder) {
        tied[iorder[key]] = key    # an order the client never heard of, made by this key
    }
    if (seen == "paid" || seen == "confirmed" || seen == "in_care" || seen == "completed") {
        paid++
        c = captured[oid] + 0
        if (c != 1) bad("4 paid bookings charged once", "order " oid " has " c " captured payments")
        else if (pid != "" && capid[oid] != pid)
            bad("4 paid bookings charged once", "order " oid ": the client paid " pid ", captured is " capid[oid])
    }
    if (pkey != "" && (pkey in pipay) && pid != "" && pipay[pkey] != pid)
        bad("5 one payment per payment key", "pay key " pkey " stored payment " pipay[pkey] ", the client saw " pid)
}
END {
    for (o in ocreated) {
        if (ocreated[o] < tmin || ocreated[o] > tmax) continue
        inwin++
        st = ostatus[o]
        if (st == "creating") { creating++; continue }
        if (st == "failed") { failed++; continue }
        if (o in known) continue
        if (o in tied) { unanswered++; continue }
        bad("3 no unknown live orders", "order " o " (" st ") was made in the run but no key of the ledger answered it")
    }
    for (o in captured) if (captured[o] > 1 && (o in ocreated) && ocreated[o] >= tmin && ocreated[o] <= tmax)
        if (!(o in known)) bad("4 paid bookings charged once", "order " o " has " captured[o] " captured payments")
    printf "ledger: %d booking attempts (", n
    sep = ""; for (k in outcome) { printf "%s%s %d", sep, k, outcome[k]; sep = ", " }
    printf "); %d seen paid\n", paid
    printf "database: %d orders of these owners in the run window: %d known to the client, %d made by a key the client got no answer for, %d failed attempts, %d still creating\n", inwin + 0, nknown + 0, unanswered + 0, failed + 0, creating + 0
    split("1 seen orders exist once|2 one order per key|3 no unknown live orders|4 paid bookings charged once|5 one payment per payment key", names, "|")
    total = 0
    for (i = 1; i <= 5; i++) { printf "%s %s%s\n", (v[names[i]] ? "FAIL" : "ok  "), names[i], (v[names[i]] ? " (" v[names[i]] ")" : ""); total += v[names[i]] }
    for (i = 1; i <= nl; i++) print lines[i]
    exit total ? 1 : 0
}' "$work/orders.tsv" "$work/idem.tsv" "$work/pidem.tsv" "$work/pay.tsv" "$work/ledger.tsv"
