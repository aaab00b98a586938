-- One row per account that has created something counted against a limit (a provider's listings):
-- every such creation bumps the account's row first (lib/db.c: db_lock_account) and holds its
-- lock until the commit, so the count that decides the limit and the insert cannot interleave
-- with another creation of the same account. `creates` is how many creations took the lock.
CREATE TABLE IF NOT EXISTS create_lock (
    account_id BIGINT UNSIGNED NOT NULL,
    creates    BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (account_id)
) ENGINE=InnoDB;
