-- Inboxes, split horizontally by recipient: notification_{k} holds the notifications of the
-- users whose id maps to shard k (ids_shard(user_id, N), lib/ids.c; N = PB_NOTIFICATION_SHARDS,
-- recorded in schema_meta). The primary key (user_id, id) clusters a user's inbox together in
-- id (= time) order, so a page, the SSE catch-up "newer than id X" and the unread count are
-- range reads of one user's rows. source_key ("e:<event id>:<kind>" or
-- "r:<order id>:<reminder>:<kind>") makes a second write of the same notification impossible
-- even if processed_event were ever purged.
CREATE TABLE IF NOT EXISTS notification_{k} (
    user_id    BIGINT UNSIGNED NOT NULL,
    id         BIGINT UNSIGNED NOT NULL,
    type       VARCHAR(48) CHARACTER SET ascii NOT NULL,
    title      VARCHAR(200) NOT NULL,
    body       VARCHAR(1000) NOT NULL,
    data       TEXT NOT NULL,
    is_read    TINYINT(1) NOT NULL DEFAULT 0,
    read_ms    BIGINT NULL,
    created_ms BIGINT NOT NULL,
    source_key VARCHAR(80) CHARACTER SET ascii NOT NULL,
    source_ms  BIGINT NOT NULL,
    PRIMARY KEY (user_id, id),
    UNIQUE KEY by_source (user_id, source_key),
    KEY unread (user_id, is_read, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The newest notification id given to each recipient of the shard. A writer takes this row's
-- lock (INSERT ... ON DUPLICATE KEY UPDATE) before choosing the id of a new notification and
-- keeps it until commit, so one user's notifications commit in id order: a stream that sent
-- id X can never later find an older id appear ("newer than X" misses nothing).
CREATE TABLE IF NOT EXISTS inbox_head_{k} (
    user_id BIGINT UNSIGNED NOT NULL,
    last_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE=InnoDB;
