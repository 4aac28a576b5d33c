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

-- How far the router has read the stream, reported every second, so that the API can
-- tell a router that stands still while events wait (the relay's cursor and the read
-- models' checkpoints already say where they are).
CREATE TABLE pipeline_progress
(
    part     text PRIMARY KEY,
    position bigint      NOT NULL,
    at       timestamptz NOT NULL
);

-- Advisory locks are granted to PUBLIC by default: any role that may connect (the
-- analysts' included) could take the relay's or the router's leader key, or a read
-- model's swap key, and the pipeline would wait on it without an error. Only the role
-- that runs the migrations (Parley's) keeps them. Revoking needs a superuser (the owner
-- of pg_catalog's functions); run by another role, this only warns, and the relay and the
-- router warn at start (docs/runbook.md says how to revoke by hand).
DO
$$
    DECLARE
        f regprocedure;
    BEGIN
        FOR f IN SELECT p.oid::regprocedure
                 FROM pg_proc p
                 WHERE p.pronamespace = 'pg_catalog'::regnamespace
                   AND p.proname LIKE '%advisory%'
            LOOP
                EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, current_user);
            END LOOP;
        IF has_function_privilege('public', 'pg_try_advisory_lock(bigint)', 'EXECUTE') THEN
            RAISE WARNING 'advisory locks are still open to every role: run this migration as a superuser';
        END IF;
    END
$$;
