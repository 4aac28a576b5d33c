-- Issue 25 §3, the interface in the user's language: the language each user chose for the
-- web UI (a catalogue id of web-ui/locales/, e.g. 'es'); NULL follows the browser. A column
-- beside the account, as the rest of an account is kept (not event sourced, ADR 0003).
ALTER TABLE users ADD COLUMN locale text;
