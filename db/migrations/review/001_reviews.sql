-- The review service's tables. `eligible_order` is filled by the order.completed consumer
-- (who may review what, and until when); `review` holds write-once reviews with the SHA-256
-- of their canonical content (and of the provider's one reply), checked whenever a review is
-- shown; `listing_rating` and `provider_rating` are aggregates over visible reviews,
-- recomputed from `review` in the transaction of every change (the provider_rating row is
-- also the lock that serialises the changes of one provider's reviews). `outbox` and
-- `processed_event` are lib/events.c's. No SQL time functions: every *_ms is written by the
-- service from time_now_ms().
SET NAMES utf8mb4;

CREATE TABLE IF NOT EXISTS eligible_order (
    order_id     BIGINT UNSIGNED NOT NULL,
    owner_id     BIGINT UNSIGNED NOT NULL,
    listing_id   BIGINT UNSIGNED NOT NULL,
    provider_id  BIGINT UNSIGNED NOT NULL,
    completed_ms BIGINT NOT NULL,            -- the order's completed_at
    event_id     BIGINT UNSIGNED NOT NULL,   -- the order.completed event that created the row
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (order_id),
    KEY by_owner (owner_id, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS review (
    id                 BIGINT UNSIGNED NOT NULL,  -- snowflake: newest first is ORDER BY id DESC
    order_id           BIGINT UNSIGNED NOT NULL,
    listing_id         BIGINT UNSIGNED NOT NULL,
    provider_id        BIGINT UNSIGNED NOT NULL,
    owner_id           BIGINT UNSIGNED NOT NULL,
    owner_display_name VARCHAR(32) NULL,          -- snapshot at posting time, not hashed
    rating             TINYINT UNSIGNED NOT NULL,
    care               TINYINT UNSIGNED NULL,
    communication      TINYINT UNSIGNED NULL,
    cleanliness        TINYINT UNSIGNED NULL,
    text               TEXT NOT NULL,
    created_ms         BIGINT NOT NULL,
    content_sha256     CHAR(64) NOT NULL,         -- hex SHA-256 of the canonical content
    reply_text         TEXT NULL,
    reply_ms           BIGINT NULL,
    reply_sha256       CHAR(64) NULL,
    hidden             TINYINT(1) NOT NULL DEFAULT 0,
    hidden_reason      VARCHAR(500) NULL,
    hidden_ms          BIGINT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY one_per_order (order_id),
    KEY by_listing (listing_id, id),
    KEY listing_visible (listing_id, hidden, rating),
    KEY provider_visible (provider_id, hidden, rating),
    CONSTRAINT rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT sub_ranges CHECK ((care IS NULL OR care BETWEEN 1 AND 5) AND
                                 (communication IS NULL OR communication BETWEEN 1 AND 5) AND
                                 (cleanliness IS NULL OR cleanliness BETWEEN 1 AND 5))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS listing_rating (
    listing_id  BIGINT UNSIGNED NOT NULL,
    provider_id BIGINT UNSIGNED NOT NULL,
    n1          INT NOT NULL DEFAULT 0,           -- visible reviews with 1 star
    n2          INT NOT NULL DEFAULT 0,
    n3          INT NOT NULL DEFAULT 0,
    n4          INT NOT NULL DEFAULT 0,
    n5          INT NOT NULL DEFAULT 0,
    seq         BIGINT NOT NULL DEFAULT 0,        -- +1 per change (rating.updated carries it)
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (listing_id),
    KEY by_provider (provider_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS provider_rating (
    provider_id BIGINT UNSIGNED NOT NULL,
    count       INT NOT NULL DEFAULT 0,           -- visible reviews over all their listings
    sum         INT NOT NULL DEFAULT 0,
    seq         BIGINT NOT NULL DEFAULT 0,
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (provider_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- lib/events.h: the transactional outbox and the consumers' record of handled events.
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
