-- The admin's account list reads each shard newest first (ORDER BY created_ms DESC, id DESC)
-- with or without a role/status filter; by_status (role, status, created_ms) serves the
-- filtered lists, this index the unfiltered ones, so a page reads `limit` rows per shard.
ALTER TABLE user_{k} ADD INDEX IF NOT EXISTS by_created (created_ms, id);
