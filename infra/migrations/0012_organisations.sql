-- Issue 17: requesters belong to an organisation (a clinic, a court, a school). The
-- organisations themselves are event sourced (`Organisation` aggregate); an account only
-- names its organisation, so a requester's calls carry it and its requesters see them.
ALTER TABLE users ADD COLUMN organisation_id uuid;
CREATE INDEX users_organisation ON users (organisation_id) WHERE organisation_id IS NOT NULL;
