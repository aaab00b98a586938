-- The media service's one table: a row per upload. The files themselves live in the media
-- folder ($PB_MEDIA_DIR), named by the SHA-256 of the large JPEG (`sha256`): the same photo
-- uploaded twice is two rows and one pair of files. `visibility` follows from `purpose`
-- (listing photos are public, the rest private) and decides the folder and the URLs. Widths
-- and heights are of the stored versions (after rotation); src_* are the upload's as its
-- header said. No SQL time functions: created_ms is written by the service.
SET NAMES utf8mb4;

CREATE TABLE IF NOT EXISTS media (
    id           BIGINT UNSIGNED NOT NULL,      -- snowflake
    owner_id     BIGINT UNSIGNED NOT NULL,      -- the uploader
    purpose      ENUM('listing', 'pet', 'care_log', 'verification') NOT NULL,
    visibility   ENUM('public', 'private') NOT NULL,
    sha256       CHAR(64) CHARACTER SET ascii NOT NULL,
    format       ENUM('jpeg', 'png', 'webp') NOT NULL,  -- what was uploaded
    src_width    INT UNSIGNED NOT NULL,
    src_height   INT UNSIGNED NOT NULL,
    width        INT UNSIGNED NOT NULL,         -- the large version (longest side <= 1280)
    height       INT UNSIGNED NOT NULL,
    thumb_width  INT UNSIGNED NOT NULL,         -- the small version (longest side <= 320)
    thumb_height INT UNSIGNED NOT NULL,
    bytes        INT UNSIGNED NOT NULL,         -- of the large JPEG
    thumb_bytes  INT UNSIGNED NOT NULL,
    upload_bytes INT UNSIGNED NOT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_owner (owner_id, purpose, id),
    KEY by_sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
