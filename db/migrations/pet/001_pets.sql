-- Pets, their long-form care text, vaccination records and the read grants that the order
-- service gives providers for a stay. Times are *_ms (Unix milliseconds, from the service's
-- clock, never NOW()); calendar days are DATE. Text compares exactly (utf8mb4_bin).

-- The hot row: what every read, every list page and the order service's checks (owner,
-- species, weight, deleted) need, kept short so a list page of an owner is one range scan of
-- by_owner over small rows. A pet is never removed: DELETE sets deleted_ms (orders keep
-- pointing at it). Age: either birth_date, or an estimate age_years given on age_as_of
-- (the service ages it by the years since); never both.
CREATE TABLE IF NOT EXISTS pet (
    id          BIGINT UNSIGNED NOT NULL,
    owner_id    BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(32) NOT NULL,
    species     ENUM('dog','cat','other') NOT NULL,
    breed       VARCHAR(50) NULL,
    sex         ENUM('male','female','unknown') NOT NULL DEFAULT 'unknown',
    birth_date  DATE NULL,
    age_years   TINYINT UNSIGNED NULL,
    age_as_of   DATE NULL,
    weight_g    INT UNSIGNED NOT NULL,
    neutered    TINYINT(1) NOT NULL DEFAULT 0,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    deleted_ms  BIGINT NULL,
    PRIMARY KEY (id),
    KEY by_owner (owner_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The vertical split: the long text that no query filters on (up to 1,000 characters of
-- description, 1,700 of care instructions and 10 photo URLs of up to 500: ~7,700 characters,
-- up to ~30 KB in utf8mb4, against ~100 bytes of hot columns). Kept apart so the hot table stays dense in the buffer pool and the order
-- service's ownership/species/weight checks never drag kilobytes of text along; a pet's page
-- or list page joins the two rows by primary key. One pet_care row per pet, written in the
-- same transaction as its pet row.
--
-- Photos are a JSON array of URL strings in a TEXT column here, not a child table: they are
-- at most 10, ordered, always read and replaced as a whole together with the pet, and no
-- query ever looks for a single photo, so a pet_photo table would only add a join (or a
-- second query per page) and 10 row writes per edit for nothing. The service writes the
-- column only from a validated array.
CREATE TABLE IF NOT EXISTS pet_care (
    pet_id       BIGINT UNSIGNED NOT NULL,
    description  TEXT NULL,
    feeding      VARCHAR(500) NULL,
    medication   VARCHAR(500) NULL,
    allergies    VARCHAR(500) NULL,
    vet_contact  VARCHAR(200) NULL,
    photos       TEXT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    PRIMARY KEY (pet_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Vaccination records of a pet, listed newest given_on first (by_pet serves the keyset page).
CREATE TABLE IF NOT EXISTS pet_vaccination (
    id          BIGINT UNSIGNED NOT NULL,
    pet_id      BIGINT UNSIGNED NOT NULL,
    name        VARCHAR(64) NOT NULL,
    given_on    DATE NOT NULL,
    expires_on  DATE NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_pet (pet_id, given_on, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Read access of a provider to a pet for one stay, created and removed by the order service
-- (PUT/DELETE /internal/v1/pets/{id}/grants/{order_id}); one row per (pet, order), so the
-- same PUT twice is one grant. A provider may read the pet while until_date >= today.
CREATE TABLE IF NOT EXISTS pet_grant (
    pet_id       BIGINT UNSIGNED NOT NULL,
    order_id     BIGINT UNSIGNED NOT NULL,
    provider_id  BIGINT UNSIGNED NOT NULL,
    until_date   DATE NOT NULL,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    PRIMARY KEY (pet_id, order_id),
    KEY by_pet_provider (pet_id, provider_id, until_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
