-- Background work: one row per outbox message per queue (and per target, e.g. a webhook endpoint, for fan-out queues).
-- A node claims a row by leasing it (leased_until, lease_owner, lease_token); only the holder of lease_token can settle it,
-- and a row whose lease expired is claimable again: that is how a dead node's work comes back. Every time here is the
-- database's clock (now()), which all nodes share.
CREATE TABLE work_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue           text        NOT NULL,
    message_id      text        NOT NULL REFERENCES outbox (id),
    target          text,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    lease_owner     text,
    lease_token     text,
    last_error      text,
    last_status     integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    -- One item per message, queue and target; a message without a target counts once too.
    CONSTRAINT work_items_queue_message_target_key UNIQUE NULLS NOT DISTINCT (queue, message_id, target)
);

-- The claim reads only pending rows, in due order.
CREATE INDEX work_items_claim ON work_items (queue, next_attempt_at, id) WHERE state = 'pending';
-- Operators list the deliveries of one endpoint newest first, and count and page the dead letters of a queue.
CREATE INDEX work_items_queue_target_id ON work_items (queue, target, id);
CREATE INDEX work_items_dead ON work_items (queue, id) WHERE state = 'dead';
