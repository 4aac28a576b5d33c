-- Issue 20: what-if routing runs (`POST /api/what-if`). A run replays the requests of a
-- past interval through the router in a sandbox and stores both sets of metrics here.
-- `heartbeat_at` moves while a run works, so a run whose process died reads as failed.
CREATE TABLE what_if_runs
(
    id           uuid PRIMARY KEY,
    requested_by uuid        NOT NULL,
    from_at      timestamptz NOT NULL,
    to_at        timestamptz NOT NULL,
    changes      jsonb       NOT NULL,
    status       text        NOT NULL,
    progress     real        NOT NULL DEFAULT 0,
    actual       jsonb,
    simulated    jsonb,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX what_if_runs_created_at ON what_if_runs (created_at);
