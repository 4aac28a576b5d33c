-- Issue 17 §6, "Keep my place, call me back": the outbox of webhook notifications sent
-- when an interpreter accepts a callback call. The `callbacks` projection adds one row per
-- `CallbackOffered` with a webhook URL (at least once from the stream; the primary key
-- makes a replay or a rebuild add nothing). `parley project` delivers them, retrying with
-- backoff until the receiver answers 2xx or `attempts` reaches its limit.
CREATE TABLE callback_webhooks (
    call_id         uuid PRIMARY KEY,
    url             text NOT NULL,
    join_by         timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_error      text
);
CREATE INDEX callback_webhooks_due ON callback_webhooks (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
