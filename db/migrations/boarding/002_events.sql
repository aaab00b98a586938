-- Events this service consumes are recorded here in the same transaction as their effect, so
-- a redelivered event changes nothing (lib/events.c).
CREATE TABLE IF NOT EXISTS processed_event (
    consumer     VARCHAR(64) NOT NULL,
    event_id     BIGINT UNSIGNED NOT NULL,
    processed_ms BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB;
