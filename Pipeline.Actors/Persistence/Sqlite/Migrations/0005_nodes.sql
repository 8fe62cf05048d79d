-- The nodes sharing this database, as each last reported itself (GET /api/admin/cluster). A node joins at start-up
-- (started_at), beats every Pipeline:Node:HeartbeatInterval (last_heartbeat) and sets stopped_at when it shuts down
-- gracefully. Times are ISO 8601 UTC text, which sorts in time order, so "beat within the horizon" is a text comparison.
CREATE TABLE nodes (
    name           TEXT PRIMARY KEY,
    started_at     TEXT NOT NULL,
    last_heartbeat TEXT NOT NULL,
    stopped_at     TEXT,
    -- JSON: the pipelines the node runs (["tickets"]), and items in flight per pipeline ({"tickets": 2}).
    pipelines      TEXT NOT NULL DEFAULT '[]',
    in_flight      TEXT NOT NULL DEFAULT '{}',
    version        TEXT,
    address        TEXT
) WITHOUT ROWID;
