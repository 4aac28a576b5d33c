-- Accounts and credentials. Not event sourced: a password hash must be replaceable and
-- erasable, which an immutable event is not (docs/adr/0003-identity-outside-the-event-store.md).
CREATE TABLE users
(
    id            uuid PRIMARY KEY,
    email         text        NOT NULL UNIQUE CHECK (email = lower(email)),
    name          text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'analyst', 'requester')),
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);
