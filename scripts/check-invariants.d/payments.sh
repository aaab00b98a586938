# shellcheck shell=bash
# Money invariants of the payment service, sourced by scripts/check-invariants.sh (which
# defines q, report, $months — the monthly order tables — and $union). Read only.
#   1. no payment is captured twice: at most one charge ledger row per payment, at most one
#      captured (succeeded / partially_refunded / refunded) payment per order;
#   2. the ledger: for every payment, the sum of its ledger rows equals its net amount
#      (captured amount - refunded_fen), refunded_fen equals its succeeded refunds, and its
#      status agrees with those numbers;
#   3. every payment's amount is its order's total_fen (the amount comes from the order);
#   4. settled refunds: an order that ended (cancelled, rejected, expired) with a captured
#      payment has had refunds totalling its refund_fen — or the full amount when the order
#      never took that payment (expired, or cancelled before it was paid) — once nothing about
#      it changed for PB_CHECK_SETTLE_S (default 10) seconds;
#   5. the sandbox gateway delivered every callback (none pending longer than
#      PB_CHECK_OUTBOX_MAX_S, default 60, and none abandoned).
# shellcheck disable=SC2154 # months and union come from check-invariants.sh

if [[ -z $(q "SELECT 1 FROM information_schema.tables WHERE table_schema = 'pb_payment' AND table_name = 'payment'") ]]; then
    echo "ok   payments: no payment tables yet"
    return 0
fi

captured="'succeeded','partially_refunded','refunded'"
settle_s=${PB_CHECK_SETTLE_S:-10}
pay_max_s=${PB_CHECK_OUTBOX_MAX_S:-60}
[[ $settle_s =~ ^[0-9]+$ && $pay_max_s =~ ^[0-9]+$ ]] || {
    echo "FAIL payments: PB_CHECK_SETTLE_S and PB_CHECK_OUTBOX_MAX_S must be whole seconds"
    failures=$((failures + 1))
    return 0
}
settled="(UNIX_TIMESTAMP(NOW(3)) - $settle_s) * 1000"

# the money columns of every monthly order table ($union has the capacity columns only)
money=""
for t in $months; do
    money+="${money:+ UNION ALL }SELECT id, status, total_fen, payment_id, paid_fen, refund_fen, updated_ms FROM pb_order.$t"
done

report "payments: captured at most once (one charge per payment, one captured payment per order)" "
  SELECT 'payment', payment_id, COUNT(*) FROM pb_payment.ledger WHERE kind = 'charge'
  GROUP BY payment_id HAVING COUNT(*) > 1
  UNION ALL
  SELECT 'order', order_id, COUNT(*) FROM pb_payment.payment WHERE status IN ($captured)
  GROUP BY order_id HAVING COUNT(*) > 1"

report "payments: ledger sum = net amount, refunded_fen = succeeded refunds, status agrees" "
  SELECT p.id, p.status, p.amount_fen, p.refunded_fen, COALESCE(l.net, 0) AS ledger_net,
         COALESCE(l.charges, 0) AS charges, COALESCE(rf.done, 0) AS refunds_done
  FROM pb_payment.payment p
  LEFT JOIN (SELECT payment_id, SUM(amount_fen) AS net, SUM(kind = 'charge') AS charges
             FROM pb_payment.ledger GROUP BY payment_id) l ON l.payment_id = p.id
  LEFT JOIN (SELECT payment_id, SUM(amount_fen) AS done FROM pb_payment.refund
             WHERE status = 'succeeded' GROUP BY payment_id) rf ON rf.payment_id = p.id
  WHERE COALESCE(l.net, 0) <> IF(p.status IN ($captured), p.amount_fen, 0) - p.refunded_fen
     OR p.refunded_fen <> COALESCE(rf.done, 0)
     OR COALESCE(l.charges, 0) <> IF(p.status IN ($captured), 1, 0)
     OR p.refunded_fen < 0 OR p.refunded_fen > p.amount_fen
     OR (p.status = 'succeeded' AND p.refunded_fen <> 0)
     OR (p.status = 'refunded' AND p.refunded_fen <> p.amount_fen)
     OR (p.status = 'partially_refunded' AND NOT (p.refunded_fen > 0 AND p.refunded_fen < p.amount_fen))
  UNION ALL
  SELECT l.payment_id, 'ledger row without a payment', NULL, NULL, l.amount_fen, NULL, NULL
  FROM pb_payment.ledger l LEFT JOIN pb_payment.payment p ON p.id = l.payment_id WHERE p.id IS NULL"

report "payments: every payment's amount is its order's total" "
  SELECT p.id, p.order_id, p.amount_fen, o.total_fen
  FROM pb_payment.payment p LEFT JOIN ($money) o ON o.id = p.order_id
  WHERE o.id IS NULL OR o.total_fen <> p.amount_fen"

report "payments: ended orders with a captured payment are refunded (settled for ${settle_s}s)" "
  SELECT o.id AS order_id, o.status, p.id AS payment_id, p.amount_fen, p.refunded_fen, o.refund_fen,
         IF(o.status = 'expired' OR o.paid_fen = 0 OR o.payment_id IS NULL OR o.payment_id <> p.id,
            p.amount_fen, o.refund_fen) AS expected
  FROM ($money) o
  JOIN pb_payment.payment p ON p.order_id = o.id AND p.status IN ($captured)
  WHERE o.status IN ('cancelled', 'rejected', 'expired')
    AND p.refunded_fen <> IF(o.status = 'expired' OR o.paid_fen = 0 OR o.payment_id IS NULL OR o.payment_id <> p.id,
                             p.amount_fen, o.refund_fen)
    AND o.updated_ms < $settled AND p.updated_ms < $settled
    AND NOT EXISTS (SELECT 1 FROM pb_payment.refund r
                    WHERE r.payment_id = p.id AND r.status = 'pending' AND r.created_ms >= $settled)"

report "payments: sandbox callbacks delivered (none waiting over ${pay_max_s}s, none abandoned)" "
  SELECT id, transaction_id, type, state, attempts, last_status, last_error FROM pb_payment.sandbox_callback
  WHERE state = 'abandoned'
     OR (state = 'pending' AND created_ms < (UNIX_TIMESTAMP(NOW(3)) - $pay_max_s) * 1000)"
