-- The event store: postgres-es's `events` table plus what the relay needs to read committed
-- events in commit order without gaps (see docs/adr/0002-commit-order.md).
CREATE TABLE events
(
    aggregate_type  text                         NOT NULL,
    aggregate_id    text                         NOT NULL,
    sequence        bigint CHECK (sequence >= 0) NOT NULL,
    event_type      text                         NOT NULL,
    event_version   text                         NOT NULL,
    payload         json                         NOT NULL,
    metadata        json                         NOT NULL,
    -- Taken at insert; seen by readers at commit. Order by (tx_id, global_position) and read
    -- only below the oldest running transaction, so an in-flight row is never skipped.
    global_position bigint GENERATED ALWAYS AS IDENTITY,
    tx_id           xid8                         NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at     timestamptz                  NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

CREATE UNIQUE INDEX events_commit_order ON events (tx_id, global_position);
CREATE INDEX events_recorded_at ON events (recorded_at);

-- Wake listeners (the relay) once per inserting statement; the payload stays empty because
-- readers re-query from their cursor anyway.
CREATE FUNCTION parley_notify_events() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('parley_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION parley_notify_events();

-- Events are facts: never updated or deleted once stored.
CREATE FUNCTION parley_forbid_event_changes() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on events is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_immutable
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION parley_forbid_event_changes();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION parley_forbid_event_changes();
