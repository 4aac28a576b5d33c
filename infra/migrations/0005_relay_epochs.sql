-- Every relay epoch begun by a rebase after a restore: rows above `floor_position` were
-- written by a server whose transaction ids do not compare with those below it. A stream
-- rebuilt from the events table (`parley relay rebuild-stream`) publishes the epochs one
-- after the other, each in its own (tx_id, global_position) order (docs/adr/0002-commit-order.md).
CREATE TABLE relay_epochs
(
    floor_position bigint PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now()
);

-- A database rebased before this table existed had one epoch, the cursor's floor.
INSERT INTO relay_epochs (floor_position)
SELECT floor_position FROM relay_cursor WHERE floor_position > 0;
