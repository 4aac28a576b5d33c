-- One-use password reset links, issued by an admin (`POST /api/users/{id}/password-reset`).
-- Only the token's SHA-256 is kept: the link itself is shown once, to the admin.
CREATE TABLE password_resets
(
    token_hash bytea       PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_by uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- A reset ends every session: tokens issued before this instant (their `iat` in whole
-- seconds) are refused.
ALTER TABLE users ADD COLUMN sessions_valid_from timestamptz;

ALTER TABLE account_changes DROP CONSTRAINT account_changes_action_check;
ALTER TABLE account_changes ADD CONSTRAINT account_changes_action_check
    CHECK (action IN ('deactivated', 'reactivated', 'unlocked',
                      'password_reset_issued', 'password_reset', 'password_changed'));
