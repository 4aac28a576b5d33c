-- The router's state as of a stream sequence, written by the routing leader every few
-- seconds: a router taking over folds the messages after it, not the whole stream
-- (projections/src/router_checkpoint.rs). One row per stream; `format` names the state's
-- shape, and a row of another format is ignored (the router then replays the stream).
CREATE TABLE router_checkpoints
(
    stream     text        PRIMARY KEY,
    stream_seq bigint      NOT NULL CHECK (stream_seq >= 0),
    format     int         NOT NULL,
    state      jsonb       NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
