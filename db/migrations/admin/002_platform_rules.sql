-- Platform rules as data: the current rule set (one row, id = 1) and every version it ever
-- had. Listings are checked against them before an admin may approve one. banned_words is
-- a JSON array of strings matched as substrings, ignoring ASCII case, in a listing's title,
-- description, house rules and amenities; prices per night must lie in min..max fen.
-- PUT /api/v1/admin/rules writes the next version here, its copy in the history and its
-- audit row in one transaction.
SET NAMES utf8mb4;

CREATE TABLE IF NOT EXISTS platform_rules (
    id            TINYINT UNSIGNED NOT NULL,
    version       BIGINT NOT NULL,
    banned_words  TEXT NOT NULL CHECK (JSON_VALID(banned_words)),
    min_price_fen BIGINT NOT NULL,
    max_price_fen BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    updated_by    BIGINT UNSIGNED NULL,
    PRIMARY KEY (id),
    CONSTRAINT one_row CHECK (id = 1),
    CONSTRAINT price_bounds CHECK (0 <= min_price_fen AND min_price_fen <= max_price_fen AND max_price_fen <= 10000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS platform_rules_history (
    version       BIGINT NOT NULL,
    banned_words  TEXT NOT NULL CHECK (JSON_VALID(banned_words)),
    min_price_fen BIGINT NOT NULL,
    max_price_fen BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    updated_by    BIGINT UNSIGNED NULL,
    audit_id      BIGINT UNSIGNED NULL,
    PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The defaults (version 1, updated_by NULL = installed by this migration). The services never
-- use SQL time functions (tests shift their clock); a one-off seed is stamped with the time
-- the migration ran.
INSERT IGNORE INTO platform_rules (id, version, banned_words, min_price_fen, max_price_fen, updated_ms, updated_by)
VALUES (1, 1,
        '["虐待","违禁","毒品","赌博","斗狗","枪支","abuse","narcotics","gambling","dogfight"]',
        1000, 500000, CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED), NULL);

INSERT IGNORE INTO platform_rules_history (version, banned_words, min_price_fen, max_price_fen, updated_ms, updated_by, audit_id)
SELECT version, banned_words, min_price_fen, max_price_fen, updated_ms, updated_by, NULL FROM platform_rules WHERE id = 1;
