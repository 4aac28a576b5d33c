-- How many Queue events are stored, kept up by a trigger. The API's queue directory
-- (command-api/src/directory.rs) reads it on every call request to learn whether the queues
-- it folded are still current. It used to run `SELECT count(*) FROM events WHERE
-- aggregate_type = $1` instead, whose cached plan depends on the table's statistics: planned
-- while the table was small, it stayed a sequential scan as the table grew, and cost more
-- than the rest of the command (docs/benchmarks.md, B1). One row read is one row read.
CREATE TABLE queue_events_stored
(
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    events   bigint  NOT NULL
);

INSERT INTO queue_events_stored (events)
SELECT count(*) FROM events WHERE aggregate_type = 'Queue';

-- Queue events are few (an administrator's edits), so the one row's lock, held by the
-- inserting transaction until it commits, orders only those.
CREATE FUNCTION parley_count_queue_event() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    UPDATE queue_events_stored SET events = events + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_count_queue_events
    AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.aggregate_type = 'Queue') EXECUTE FUNCTION parley_count_queue_event();
