-- The admin's review list: every listing's reviews newest first, optionally only the hidden
-- (or only the visible) ones. by_listing serves the per-listing pages; this index the
-- platform-wide ones filtered by moderation state.
ALTER TABLE review ADD INDEX IF NOT EXISTS by_hidden (hidden, id);
