-- Listings, split vertically. `listing` holds the hot columns that search filters and sorts
-- on (short rows, covering indexes); `listing_detail` holds the long text read only when a
-- listing is shown (description, address, amenities, house rules, photos). Search touches
-- listing_detail only for word queries (q).
CREATE TABLE IF NOT EXISTS listing (
    id                  BIGINT UNSIGNED NOT NULL,
    provider_id         BIGINT UNSIGNED NOT NULL,
    status              ENUM('pending_review','published','rejected','paused') NOT NULL,
    provider_suspended  TINYINT(1) NOT NULL DEFAULT 0,
    title               VARCHAR(60) NOT NULL,
    city                VARCHAR(20) NOT NULL,
    district            VARCHAR(20) NOT NULL,
    lat                 DOUBLE NOT NULL,
    lng                 DOUBLE NOT NULL,
    species_mask        TINYINT UNSIGNED NOT NULL,      -- 1 dog, 2 cat, 4 other
    max_weight_kg       DOUBLE NOT NULL,
    capacity            SMALLINT UNSIGNED NOT NULL,     -- default pets per night
    price_per_night_fen BIGINT NOT NULL,
    rating_count        INT NOT NULL DEFAULT 0,
    rating_sum          INT NOT NULL DEFAULT 0,         -- stars of the counted reviews
    rating_score_milli  INT NOT NULL DEFAULT 0,         -- ranking score x 1000 (review service)
    status_reason       VARCHAR(500) NULL,
    created_ms          BIGINT NOT NULL,
    updated_ms          BIGINT NOT NULL,
    submitted_ms        BIGINT NOT NULL,                -- last time it entered review
    PRIMARY KEY (id),
    KEY by_city_price (status, city, district, price_per_night_fen, id),
    KEY by_city_rating (status, city, rating_score_milli, id),
    KEY by_price (status, price_per_night_fen, id),
    KEY by_rating (status, rating_score_milli, id),
    KEY by_provider (provider_id, id),
    KEY review_queue (status, submitted_ms, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS listing_detail (
    listing_id   BIGINT UNSIGNED NOT NULL,
    description  TEXT NOT NULL,
    address      VARCHAR(200) NOT NULL,
    amenities    TEXT NOT NULL,    -- JSON array of strings, as validated
    house_rules  TEXT NOT NULL,
    photos       TEXT NOT NULL,    -- JSON array of URLs, as validated
    updated_ms   BIGINT NOT NULL,
    PRIMARY KEY (listing_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-night inventory, created lazily: a night without a row has the listing's default
-- capacity and nothing reserved. capacity NULL means "the listing's default" (so changing
-- the default moves every such night at once); a number is the provider's override.
-- The booking issue's reservation is one conditional UPDATE over these rows.
CREATE TABLE IF NOT EXISTS listing_day (
    listing_id BIGINT UNSIGNED NOT NULL,
    day        DATE NOT NULL,
    capacity   SMALLINT UNSIGNED NULL,
    reserved   SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    closed     TINYINT(1) NOT NULL DEFAULT 0,
    PRIMARY KEY (listing_id, day)
) ENGINE=InnoDB;
