-- Hiding a review (POST /api/v1/admin/reviews/{id}/hide) is audited with target_type 'review'.
-- MODIFY to the same definition is harmless, so this file can be re-run.
ALTER TABLE audit_log
    MODIFY target_type ENUM('user','listing','rules','review') NOT NULL;
