-- Daily care log entries written by the provider during a stay (meals, walks, medication,
-- mood, notes, photos); read by the pet's owner as the stay's timeline.
CREATE TABLE IF NOT EXISTS care_log (
    id          BIGINT UNSIGNED NOT NULL,
    order_id    BIGINT UNSIGNED NOT NULL,
    provider_id BIGINT UNSIGNED NOT NULL,
    day         DATE NOT NULL,
    meals       VARCHAR(200) NULL,
    walks       TINYINT UNSIGNED NULL,
    medication  VARCHAR(200) NULL,
    mood        ENUM('happy','calm','anxious','unwell') NULL,
    notes       TEXT NULL,
    photos      TEXT NOT NULL,                 -- JSON array of URLs, as validated
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_order (order_id, day, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
