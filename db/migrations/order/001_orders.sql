-- Orders (stays) are split horizontally by creation month: orders_YYYYMM and
-- order_history_YYYYMM are created LIKE these templates by the service when a month's
-- first order is made. An order id is a snowflake whose timestamp names its month, so a
-- lookup by id touches exactly one table. Orders are written once and read mostly while
-- recent; old months can be archived by moving whole tables.
CREATE TABLE IF NOT EXISTS orders_template (
    id                  BIGINT UNSIGNED NOT NULL,
    listing_id          BIGINT UNSIGNED NOT NULL,
    listing_title       VARCHAR(60) NOT NULL,
    owner_id            BIGINT UNSIGNED NOT NULL,
    provider_id         BIGINT UNSIGNED NOT NULL,
    pet_ids             VARCHAR(400) NOT NULL,        -- JSON array of id strings
    pets                TINYINT UNSIGNED NOT NULL,
    start_date          DATE NOT NULL,
    end_date            DATE NOT NULL,
    nights              SMALLINT UNSIGNED NOT NULL,
    price_per_night_fen BIGINT NOT NULL,
    total_fen           BIGINT NOT NULL,
    status              ENUM('creating','pending_payment','paid','confirmed','in_care','completed','expired',
                             'rejected','cancelled','failed') NOT NULL,
    -- what the boarding service holds for it: reserving (asked, answer pending), held,
    -- releasing (to give back), released, none (never held)
    hold                ENUM('reserving','held','releasing','released','none') NOT NULL,
    -- the pets' read grants at the pet service: wanted (to give), given, revoke (to take back), none
    grants              ENUM('none','wanted','given','revoke') NOT NULL DEFAULT 'none',
    note                VARCHAR(500) NULL,
    pay_before_ms       BIGINT NOT NULL,
    accept_before_ms    BIGINT NULL,
    payment_id          BIGINT UNSIGNED NULL,
    paid_fen            BIGINT NOT NULL DEFAULT 0,
    refund_fen          BIGINT NOT NULL DEFAULT 0,    -- refund decided by the policy
    refunded_fen        BIGINT NOT NULL DEFAULT 0,    -- refund confirmed by the payment service
    created_ms          BIGINT NOT NULL,
    updated_ms          BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_status (status, pay_before_ms),
    KEY by_hold (hold, updated_ms),
    KEY by_grants (grants, updated_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS order_history_template (
    order_id   BIGINT UNSIGNED NOT NULL,
    seq        SMALLINT UNSIGNED NOT NULL,
    status     VARCHAR(20) NOT NULL,
    at_ms      BIGINT NOT NULL,
    by_role    VARCHAR(10) NOT NULL,                 -- owner, provider, admin, system
    by_user    BIGINT UNSIGNED NULL,
    reason     VARCHAR(500) NULL,
    PRIMARY KEY (order_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per pet per night of a live stay: the primary key makes it impossible for one pet
-- to be in two live stays on the same night, whatever the concurrency.
CREATE TABLE IF NOT EXISTS pet_night (
    pet_id   BIGINT UNSIGNED NOT NULL,
    day      DATE NOT NULL,
    order_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (pet_id, day),
    KEY by_order (order_id)
) ENGINE=InnoDB;

-- Idempotency-Key: the first answer to (user, scope, key) is stored and replayed.
CREATE TABLE IF NOT EXISTS idempotency (
    user_id      BIGINT UNSIGNED NOT NULL,
    scope        VARCHAR(32) NOT NULL,               -- "create", "cancel:<order id>"
    idem_key     VARCHAR(64) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    order_id     BIGINT UNSIGNED NULL,
    status_code  SMALLINT NULL,                      -- NULL while the first request runs
    response     MEDIUMTEXT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (user_id, scope, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The cancellation policy is data: an owner's cancellation refunds `percent` of what was
-- paid when it comes at least `min_hours` before check-in (14:00 China time on the start
-- date), the first matching row in decreasing min_hours; nothing once the pet is in care.
CREATE TABLE IF NOT EXISTS refund_policy (
    min_hours INT NOT NULL,
    percent   TINYINT UNSIGNED NOT NULL,
    PRIMARY KEY (min_hours)
) ENGINE=InnoDB;
INSERT IGNORE INTO refund_policy (min_hours, percent) VALUES (48, 100), (-1000000, 50);

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
