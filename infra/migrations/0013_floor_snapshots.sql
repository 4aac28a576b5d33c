-- Issue 21: the floor (queues, interpreters, calls not yet over) as of instants on a fixed
-- grid, so that `GET /api/floor?at=` folds one snapshot and the events after it, not the
-- whole history. Written by `parley project` (`command-api/src/floor_snapshots.rs`); a
-- snapshot of another `format` is ignored, and the builder starts again from the first
-- event. `tx_id` and `global_position` are the last event folded, in commit order.
CREATE TABLE floor_snapshots
(
    as_of           timestamptz PRIMARY KEY,
    format          int         NOT NULL,
    tx_id           xid8        NOT NULL,
    global_position bigint      NOT NULL,
    events          bigint      NOT NULL,
    floor           jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX floor_snapshots_format_as_of ON floor_snapshots (format, as_of DESC);
