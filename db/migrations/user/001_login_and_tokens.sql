-- Login names of every account, across shards: username, phone and email each map to the
-- user id, and the primary key makes them unique platform-wide (the shards cannot).
-- Keys are prefixed by kind: 'u:' + lower-cased username, 'p:' + phone, 'e:' + lower-cased email.
CREATE TABLE IF NOT EXISTS user_login (
    login      VARCHAR(300) NOT NULL,
    user_id    BIGINT UNSIGNED NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (login),
    KEY by_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Refresh tokens, stored as SHA-256 of the random token. A token is spent when used; using a
-- spent one again means it was stolen, and the whole session (sid) is revoked.
CREATE TABLE IF NOT EXISTS refresh_token (
    token_hash CHAR(64) NOT NULL,
    user_id    BIGINT UNSIGNED NOT NULL,
    sid        CHAR(32) NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    spent_ms   BIGINT NULL,
    PRIMARY KEY (token_hash),
    KEY by_sid (sid),
    KEY by_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
