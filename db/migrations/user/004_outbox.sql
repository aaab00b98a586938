-- lib/events.h: the transactional outbox. Account decisions (provider approved or rejected,
-- account suspended or reinstated) are written here in the same transaction as the status
-- change and published by the relay, so the notification service tells the user.
CREATE TABLE IF NOT EXISTS outbox (
    id         BIGINT UNSIGNED NOT NULL,
    subject    VARCHAR(128) NOT NULL,
    payload    MEDIUMTEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    sent_ms    BIGINT NULL,
    attempts   INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY pending (sent_ms, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
