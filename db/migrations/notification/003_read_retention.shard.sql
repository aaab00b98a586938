-- Read notifications are kept PB_NOTIFICATION_READ_RETENTION_DAYS (180) after they were read,
-- then deleted by the retention job in batches (services/notification/inbox.c). This index
-- makes each batch a range read of the read rows older than the cutoff, whoever they belong
-- to, instead of a scan of the whole shard; unread rows (is_read = 0) are outside the range.
ALTER TABLE notification_{k} ADD INDEX IF NOT EXISTS by_read (is_read, read_ms);
