-- Webhook endpoints. A deleted endpoint keeps its row (deleted_at set) so its deliveries keep their target; nothing new
-- is delivered to it. The secret is stored as issued (whsec_ + base64) because every delivery is signed with it.
CREATE TABLE webhook_endpoints (
    position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    url        text        NOT NULL,
    events     text[]      NOT NULL,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz
);

CREATE INDEX webhook_endpoints_live ON webhook_endpoints (position) WHERE deleted_at IS NULL;

-- The delivery claim reads each endpoint's lane: its pending deliveries in due order.
CREATE INDEX work_items_lane_claim ON work_items (queue, target, next_attempt_at, id) WHERE state = 'pending';
