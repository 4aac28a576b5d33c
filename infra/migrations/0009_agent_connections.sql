-- Interpreters' live WebSocket connections, across every API process (projections/src/presence.rs).
-- Not events: a connection is a transport detail that changes every few seconds. What it
-- decides is stored as events by the router (AgentPresenceLost, AgentPresenceRestored).
-- Rows closed or silent for an hour are deleted by the router.
CREATE TABLE agent_connections
(
    connection_id uuid PRIMARY KEY,
    agent_id      uuid        NOT NULL,
    opened_at     timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz
);

CREATE INDEX agent_connections_agent ON agent_connections (agent_id, last_seen);
CREATE INDEX agent_connections_last_seen ON agent_connections (last_seen);
