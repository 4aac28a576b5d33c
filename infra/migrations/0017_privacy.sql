-- Issue 26, privacy in an immutable log (docs/privacy.md, docs/adr/0012-crypto-shredding.md).

-- The data keys that seal personal fields inside events, each wrapped (AES-256-GCM) by the
-- master key from configuration. One key per subject for their identity (`identity`, the
-- key id is the subject's id) and one per call for its free text (`call_text`, the key id
-- is the call's id, the subject its requester), so that erasure destroys every key of a
-- subject and retention the free-text keys of old calls. Destroying a key clears
-- `wrapped_key` and keeps the row, so a destroyed key is never made again under the same
-- id (text sealed under it stays unreadable for good).
CREATE TABLE privacy_keys (
    key_id          uuid PRIMARY KEY,
    subject_id      uuid        NOT NULL,
    data_class      text        NOT NULL CHECK (data_class IN ('identity', 'call_text')),
    organisation_id uuid,
    wrapped_key     bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    destroyed_at    timestamptz,
    CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
-- Erasure: every key of one subject.
CREATE INDEX privacy_keys_subject ON privacy_keys (subject_id);
-- Retention: an organisation's live free-text keys, oldest first.
CREATE INDEX privacy_keys_retention ON privacy_keys (organisation_id, created_at)
    WHERE data_class = 'call_text' AND wrapped_key IS NOT NULL;

-- An erased account keeps its row (ids in events still point at it) but no personal data:
-- its name and email read "[erased]". Emails stay unique among the others.
ALTER TABLE users DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email <> '[erased]';
ALTER TABLE users ADD COLUMN erased_at timestamptz;

-- Who read what (HIPAA audit controls): append-only. No endpoint changes a row, and the
-- database refuses UPDATE, DELETE and TRUNCATE as it does for events.
CREATE TABLE access_audit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_id      uuid        NOT NULL,
    action        text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   text        NOT NULL
);
CREATE INDEX access_audit_resource ON access_audit (resource_id, at);
CREATE INDEX access_audit_actor ON access_audit (actor_id, at);
CREATE INDEX access_audit_at ON access_audit (at);

CREATE FUNCTION parley_forbid_audit_changes() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the access audit is append-only: % on access_audit is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER access_audit_immutable
    BEFORE UPDATE OR DELETE ON access_audit
    FOR EACH ROW EXECUTE FUNCTION parley_forbid_audit_changes();

CREATE TRIGGER access_audit_no_truncate
    BEFORE TRUNCATE ON access_audit
    FOR EACH STATEMENT EXECUTE FUNCTION parley_forbid_audit_changes();

-- The retention each organisation chose, as its last `RetentionSet` event says; written by
-- the same request, read by the retention process without scanning the events table.
CREATE TABLE organisation_retention (
    organisation_id uuid PRIMARY KEY,
    retention_days  int         NOT NULL CHECK (retention_days BETWEEN 1 AND 36500),
    set_at          timestamptz NOT NULL
);
