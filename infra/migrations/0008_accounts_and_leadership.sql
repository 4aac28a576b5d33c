-- Issue 23: token revocation, account lifecycle audit, login throttling, and leader locks
-- out of reach of other database roles (docs/security.md).

-- Access tokens revoked at logout, by their `jti`, kept until they would have expired.
CREATE TABLE revoked_tokens
(
    jti        uuid PRIMARY KEY,
    user_id    uuid        NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- Deactivations, reactivations and unlocks, with the admin who did them. Accounts stay
-- outside the event store (docs/adr/0003-identity-outside-the-event-store.md), so this
-- table is their history. Rows are never changed.
CREATE TABLE account_changes
(
    id      uuid PRIMARY KEY,
    user_id uuid        NOT NULL REFERENCES users (id),
    action  text        NOT NULL CHECK (action IN ('deactivated', 'reactivated', 'unlocked')),
    by_user uuid        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_changes_user ON account_changes (user_id, at);

-- The lockout that kept these moved into the API's memory, per (email, source): a count
-- on the account let anyone lock anyone out.
ALTER TABLE users
    DROP COLUMN failed_logins,
    DROP COLUMN locked_until;
