-- Events this service consumes are recorded here in the same transaction as the notifications
-- they create, so a redelivered event changes nothing (lib/events.c).
CREATE TABLE IF NOT EXISTS processed_event (
    consumer     VARCHAR(64) NOT NULL,
    event_id     BIGINT UNSIGNED NOT NULL,
    processed_ms BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB;

-- The notification service's own view of every order, kept from the order events (never read
-- from the order service): what the reminder job needs. `rank` only ever grows
-- (services/notification/reminder.c, order_status_rank), so a late, out-of-order event never
-- moves an order back. One index per reminder's candidate query (status + its time or date).
CREATE TABLE IF NOT EXISTS order_view (
    id               BIGINT UNSIGNED NOT NULL,
    listing_id       BIGINT UNSIGNED NULL,
    owner_id         BIGINT UNSIGNED NOT NULL,
    provider_id      BIGINT UNSIGNED NOT NULL,
    listing_title    VARCHAR(100) NOT NULL DEFAULT '',
    status           ENUM('pending_payment','paid','confirmed','in_care','completed','expired','rejected',
                          'cancelled') NOT NULL,
    status_rank      TINYINT NOT NULL,
    start_date       DATE NULL,
    end_date         DATE NULL,
    total_fen        BIGINT NOT NULL DEFAULT 0,
    pay_before_ms    BIGINT NULL,
    accept_before_ms BIGINT NULL,
    completed_ms     BIGINT NULL,
    updated_ms       BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_pay (status, pay_before_ms),
    KEY by_accept (status, accept_before_ms),
    KEY by_start (status, start_date),
    KEY by_end (status, end_date),
    KEY by_completed (status, completed_ms),
    KEY by_updated (status_rank, updated_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each reminder of an order is sent once: this row is inserted in the same transaction as the
-- reminder's notifications, so a second leader, a restarted job or an overlapping round finds
-- it and sends nothing.
CREATE TABLE IF NOT EXISTS reminder_sent (
    order_id BIGINT UNSIGNED NOT NULL,
    kind     ENUM('payment_due','accept_due','checkin_tomorrow','checkout_today','review_invite') NOT NULL,
    sent_ms  BIGINT NOT NULL,
    PRIMARY KEY (order_id, kind),
    KEY by_sent (sent_ms)
) ENGINE=InnoDB;
