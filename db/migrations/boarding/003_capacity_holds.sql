-- Capacity held for orders, one row per order (the idempotency key of reserve/release).
-- A hold is created with every night's `reserved` raised in the same transaction and
-- released with them lowered again. Releasing an unknown order leaves a 'released'
-- tombstone (listing_id NULL) so a late, retried reservation for an order that already gave
-- up can never hold capacity.
CREATE TABLE IF NOT EXISTS capacity_hold (
    order_id    BIGINT UNSIGNED NOT NULL,
    listing_id  BIGINT UNSIGNED NULL,
    start_date  DATE NULL,
    end_date    DATE NULL,
    pets        SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    state       ENUM('held','released') NOT NULL,
    created_ms  BIGINT NOT NULL,
    released_ms BIGINT NULL,
    PRIMARY KEY (order_id),
    KEY by_listing (listing_id, state)
) ENGINE=InnoDB;
