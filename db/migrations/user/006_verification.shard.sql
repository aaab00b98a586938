-- A provider's verification documents (PUT /api/v1/users/me/verification): the media ids of
-- the photos it submitted (purpose verification, its own), a JSON array in the order given,
-- and when it submitted them; its note goes to verification_note (in user_details_{k} since
-- 002, unused until now). Read only by the provider's own /users/me and by admins (the review
-- queue), so they belong to the vertical split, beside the note. NULL: nothing submitted.
ALTER TABLE user_details_{k}
    ADD COLUMN IF NOT EXISTS verification_documents TEXT NULL,
    ADD COLUMN IF NOT EXISTS verification_submitted_ms BIGINT NULL;
