-- The nodes sharing this database, as each last reported itself (GET /api/admin/cluster). A node joins at start-up
-- (started_at), beats every Pipeline:Node:HeartbeatInterval (last_heartbeat, always the database's now(), so nodes with
-- skewed clocks agree) and sets stopped_at when it shuts down gracefully. A node whose beat is older than
-- Pipeline:Node:GoneAfter, or that stopped, is shown as gone; rows are kept so operators see who was there.
CREATE TABLE nodes (
    name           text        PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    last_heartbeat timestamptz NOT NULL DEFAULT now(),
    stopped_at     timestamptz,
    -- The pipelines the node runs, and what it is working on: items in flight per pipeline ({"tickets": 2}).
    pipelines      text[]      NOT NULL DEFAULT '{}',
    in_flight      jsonb       NOT NULL DEFAULT '{}',
    version        text,
    address        text
);
