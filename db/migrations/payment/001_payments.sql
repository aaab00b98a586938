-- Payments, refunds, the ledger of money moved, the gateway's callbacks and the sandbox
-- gateway's pending deliveries. Money is BIGINT fen; ids are snowflakes; times are *_ms.

-- One attempt to pay one order. The amount is copied from the order when the payment is
-- made (never from the client). live_order_id is the order id while the payment is pending
-- or captured and NULL once it failed: its unique key allows at most one live payment per
-- order, whatever the concurrency.
CREATE TABLE IF NOT EXISTS payment (
    id             BIGINT UNSIGNED NOT NULL,
    order_id       BIGINT UNSIGNED NOT NULL,
    owner_id       BIGINT UNSIGNED NOT NULL,
    amount_fen     BIGINT NOT NULL,
    currency       CHAR(3) NOT NULL DEFAULT 'CNY',
    status         ENUM('pending','succeeded','failed','refunded','partially_refunded') NOT NULL,
    refunded_fen   BIGINT NOT NULL DEFAULT 0,          -- = SUM(refund.amount_fen) of succeeded refunds
    live_order_id  BIGINT UNSIGNED NULL,
    failure_reason VARCHAR(120) NULL,
    created_ms     BIGINT NOT NULL,
    decided_ms     BIGINT NULL,                        -- when the gateway's outcome arrived
    updated_ms     BIGINT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY one_live_per_order (live_order_id),
    KEY by_order (order_id, id),
    KEY by_owner (owner_id, id),
    CONSTRAINT amount_positive CHECK (amount_fen > 0),
    CONSTRAINT refunded_within CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A refund asked for by the order service (order.refund_requested), one per event.
-- amount_fen is what will actually be refunded: the request clamped to what is left of the
-- payment; not_needed rows (amount 0) record requests that move no money.
CREATE TABLE IF NOT EXISTS refund (
    id            BIGINT UNSIGNED NOT NULL,
    payment_id    BIGINT UNSIGNED NOT NULL,
    order_id      BIGINT UNSIGNED NOT NULL,
    owner_id      BIGINT UNSIGNED NOT NULL,
    event_id      BIGINT UNSIGNED NOT NULL,           -- the order.refund_requested event
    requested_fen BIGINT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    status        ENUM('pending','succeeded','not_needed') NOT NULL,
    reason        VARCHAR(64) NOT NULL,
    note          VARCHAR(200) NULL,                  -- why it was clamped or not needed
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY one_per_event (event_id),
    KEY by_payment (payment_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The money that moved, one row per gateway transaction: a charge (+amount) or a refund
-- (-amount). For every payment SUM(amount_fen) = charged - refunded.
CREATE TABLE IF NOT EXISTS ledger (
    id             BIGINT UNSIGNED NOT NULL,
    payment_id     BIGINT UNSIGNED NOT NULL,
    order_id       BIGINT UNSIGNED NOT NULL,
    refund_id      BIGINT UNSIGNED NULL,
    kind           ENUM('charge','refund') NOT NULL,
    amount_fen     BIGINT NOT NULL,
    transaction_id VARCHAR(64) NOT NULL,
    created_ms     BIGINT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY one_per_transaction (transaction_id),
    KEY by_payment (payment_id),
    CONSTRAINT sign_matches_kind CHECK ((kind = 'charge' AND amount_fen > 0) OR (kind = 'refund' AND amount_fen < 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every verified gateway callback, by its transaction id, written in the same transaction as
-- its effect: a repeated callback finds its row and changes nothing.
CREATE TABLE IF NOT EXISTS gateway_event (
    transaction_id VARCHAR(64) NOT NULL,
    type           VARCHAR(32) NOT NULL,
    payment_id     BIGINT UNSIGNED NOT NULL,
    refund_id      BIGINT UNSIGNED NULL,
    amount_fen     BIGINT NOT NULL,
    occurred_ms    BIGINT NOT NULL,
    received_ms    BIGINT NOT NULL,
    outcome        ENUM('applied','ignored') NOT NULL,
    note           VARCHAR(200) NULL,
    PRIMARY KEY (transaction_id),
    KEY by_payment (payment_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The sandbox gateway's side: what it decided and the signed callback it still has to
-- deliver to the public webhook. Rows survive a restart; any replica delivers due rows
-- (taken with FOR UPDATE SKIP LOCKED and leased). `decides` is the payment (outcome of the
-- charge) or the refund the transaction settles: one decision each.
CREATE TABLE IF NOT EXISTS sandbox_callback (
    id              BIGINT UNSIGNED NOT NULL,
    transaction_id  VARCHAR(64) NOT NULL,
    decides         BIGINT UNSIGNED NOT NULL,
    payment_id      BIGINT UNSIGNED NOT NULL,
    refund_id       BIGINT UNSIGNED NULL,
    type            VARCHAR(32) NOT NULL,
    body            TEXT NOT NULL,                     -- the JSON body, signed afresh at each attempt
    request_id      VARCHAR(64) NOT NULL DEFAULT '',
    state           ENUM('pending','delivered','abandoned') NOT NULL DEFAULT 'pending',
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    last_status     SMALLINT NULL,
    last_error      VARCHAR(200) NULL,
    created_ms      BIGINT NOT NULL,
    delivered_ms    BIGINT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY one_transaction (transaction_id),
    UNIQUE KEY one_decision (decides),
    KEY due (state, next_attempt_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Idempotency-Key of POST /payments: the first successful answer to (user, key) is replayed.
CREATE TABLE IF NOT EXISTS idempotency (
    user_id      BIGINT UNSIGNED NOT NULL,
    idem_key     VARCHAR(64) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    payment_id   BIGINT UNSIGNED NOT NULL,
    status_code  SMALLINT NOT NULL,
    response     TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (user_id, idem_key),
    KEY by_age (created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS outbox (
    id         BIGINT UNSIGNED NOT NULL,
    subject    VARCHAR(128) NOT NULL,
    payload    MEDIUMTEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    sent_ms    BIGINT NULL,
    attempts   INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY pending (sent_ms, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS processed_event (
    consumer     VARCHAR(64) NOT NULL,
    event_id     BIGINT UNSIGNED NOT NULL,
    processed_ms BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB;
