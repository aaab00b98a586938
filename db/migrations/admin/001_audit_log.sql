-- The audit log: one row per admin decision (who, what, on which target, why, when, and how
-- it ended). A row is written with outcome 'requested' before the other service is called
-- and updated to 'done' or 'failed' with the callee's HTTP status afterwards, so a crash
-- between the two leaves an honest record. Rows are never deleted. Ids are snowflakes
-- (time-ordered): "newest first" is ORDER BY id DESC, and the page cursor is the last id.
SET NAMES utf8mb4;

CREATE TABLE IF NOT EXISTS audit_log (
    id            BIGINT UNSIGNED NOT NULL,
    actor_id      BIGINT UNSIGNED NOT NULL,
    action        VARCHAR(40) NOT NULL,
    target_type   ENUM('user','listing','rules') NOT NULL,
    target_id     VARCHAR(24) NULL,
    reason        VARCHAR(500) NULL,
    outcome       ENUM('requested','done','failed') NOT NULL,
    detail        VARCHAR(1000) NULL,
    callee_status SMALLINT NULL,
    request_id    VARCHAR(64) NULL,
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY by_target (target_type, target_id, id),
    KEY by_actor (actor_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
