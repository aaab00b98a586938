-- Login sessions as their user sees them (GET /api/v1/users/me/sessions): one row per session
-- (the sid its refresh tokens and access tokens share), with when it started, when it was last
-- used (a login or a refresh) and from where (the User-Agent, printable ASCII cut to 255
-- characters, and the client address the gateway saw). A session is live while one of its
-- refresh tokens is unspent and unexpired; ending one spends its tokens and deletes its row.
-- Sessions started before this table get their row at their next refresh.
CREATE TABLE IF NOT EXISTS auth_session (
    id           BIGINT UNSIGNED NOT NULL,
    sid          CHAR(32) NOT NULL,
    user_id      BIGINT UNSIGNED NOT NULL,
    created_ms   BIGINT NOT NULL,
    last_used_ms BIGINT NOT NULL,
    user_agent   VARCHAR(255) NULL,
    ip           VARCHAR(64) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY by_sid (sid),
    KEY by_user (user_id, created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
