-- Webhook endpoints. A deleted endpoint keeps its row (deleted_at set) so its deliveries keep their target; nothing new
-- is delivered to it. The secret is stored as issued (whsec_ + base64) because every delivery is signed with it.
-- events is a JSON array of event types; times are ISO text like the other read-side tables.
CREATE TABLE webhook_endpoints (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    url        TEXT    NOT NULL,
    events     TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    deleted_at TEXT
);

-- The delivery claim reads the pending deliveries of each endpoint in due order.
CREATE INDEX work_items_lane_claim ON work_items (queue, target, next_attempt_at, id) WHERE state = 'pending';
