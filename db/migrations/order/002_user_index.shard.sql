-- "My orders" for owners and providers: index tables split by user id
-- (ids_shard(user_id, N)), newest first by order id, with the order's status and dates
-- denormalised so a page and a provider's schedule need no scan of the monthly tables.
CREATE TABLE IF NOT EXISTS order_by_owner_{k} (
    user_id    BIGINT UNSIGNED NOT NULL,
    order_id   BIGINT UNSIGNED NOT NULL,
    status     VARCHAR(20) NOT NULL,
    start_date DATE NOT NULL,
    end_date   DATE NOT NULL,
    pets       TINYINT UNSIGNED NOT NULL,
    PRIMARY KEY (user_id, order_id),
    KEY by_status (user_id, status, order_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS order_by_provider_{k} (
    user_id    BIGINT UNSIGNED NOT NULL,
    order_id   BIGINT UNSIGNED NOT NULL,
    status     VARCHAR(20) NOT NULL,
    start_date DATE NOT NULL,
    end_date   DATE NOT NULL,
    pets       TINYINT UNSIGNED NOT NULL,
    PRIMARY KEY (user_id, order_id),
    KEY by_status (user_id, status, order_id),
    KEY by_dates (user_id, end_date, start_date)
) ENGINE=InnoDB;
