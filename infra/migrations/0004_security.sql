-- Security hardening (issue 7; docs/adr/0009-keys-and-tokens.md).

-- Login lockout: wrong passwords in a row, and until when the account is locked.
ALTER TABLE users
    ADD COLUMN failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    ADD COLUMN locked_until  timestamptz;

-- API keys for integrations. The key is `pk_<prefix>_<secret>`; only the SHA-256 of the
-- secret is kept. Keys are revoked, never deleted, so who created and who revoked each
-- one stays on record.
CREATE TABLE api_keys
(
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix      text        NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{16}$'),
    secret_hash text        NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    scopes      text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    created_by  uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  uuid REFERENCES users (id),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
