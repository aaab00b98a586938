-- Accounts, split horizontally: user_{k} holds the users whose id maps to shard k
-- (ids_shard(id, N) in lib/ids.c). Only the hot columns every request needs live here.
CREATE TABLE IF NOT EXISTS user_{k} (
    id                BIGINT UNSIGNED NOT NULL,
    username          VARCHAR(32) NOT NULL,
    role              ENUM('owner','provider','admin') NOT NULL,
    status            ENUM('active','pending_review','rejected','suspended') NOT NULL,
    status_before     ENUM('active','pending_review','rejected','suspended') NULL,
    status_reason     VARCHAR(500) NULL,
    display_name      VARCHAR(32) NOT NULL,
    phone             VARCHAR(16) NULL,
    email             VARCHAR(254) NULL,
    lang              ENUM('zh','en') NOT NULL DEFAULT 'zh',
    password_hash     VARCHAR(255) CHARACTER SET ascii NOT NULL,
    rating_count      INT NOT NULL DEFAULT 0,
    rating_sum        BIGINT NOT NULL DEFAULT 0,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_status (role, status, created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The vertical split: larger, rarely read fields (read only by /users/me and admins).
CREATE TABLE IF NOT EXISTS user_details_{k} (
    user_id            BIGINT UNSIGNED NOT NULL,
    bio                TEXT NULL,
    address            VARCHAR(200) NULL,
    emergency_contact  VARCHAR(100) NULL,
    verification_note  TEXT NULL,
    updated_ms         BIGINT NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
