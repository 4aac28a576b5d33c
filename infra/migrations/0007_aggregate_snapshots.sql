-- Snapshots of aggregates with long histories (the Agent): the state after `last_sequence`,
-- written in the same statement as the events it covers (command-api/src/snapshot_store.rs).
-- A snapshot is a cache, unlike `events`: a row may be deleted at any time, and the next
-- load folds the aggregate's whole stream instead. Rows of another `format_version` than
-- the code's are ignored and replaced by the next command.
CREATE TABLE aggregate_snapshots
(
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    last_sequence  bigint      NOT NULL CHECK (last_sequence > 0),
    format_version integer     NOT NULL,
    payload        json        NOT NULL,
    taken_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id)
);
