-- The relay's position in the events table (one row). Events are read in
-- (tx_id, global_position) order; `floor_position` starts a new epoch after a logical
-- restore, whose transaction ids restart below the old ones (docs/adr/0002-commit-order.md).
CREATE TABLE relay_cursor
(
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    floor_position  bigint      NOT NULL DEFAULT 0,
    tx_id           xid8        NOT NULL DEFAULT '0',
    global_position bigint      NOT NULL DEFAULT 0,
    stream_sequence bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO relay_cursor DEFAULT VALUES;

-- The read-only role analysts' SQL tools log in through (granted to a login role; see
-- docs/runbook.md). Read-model schemas grant it SELECT as they are created.
DO
$$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parley_analyst') THEN
        -- Roles belong to the cluster: databases migrated at the same moment race here.
        BEGIN
            CREATE ROLE parley_analyst NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END
$$;
