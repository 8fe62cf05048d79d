-- Background work: one row per outbox message per queue (and per target, e.g. a webhook endpoint, for fan-out queues).
-- A claim leases a row (leased_until, lease_owner, lease_token); only the holder of lease_token can settle it, and a row
-- whose lease expired is claimable again. Times here are INTEGER unix milliseconds (SQLite is one node: its clock is the
-- process's), unlike the ISO text of the other tables, so lease arithmetic is plain integer arithmetic.
CREATE TABLE work_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    queue           TEXT    NOT NULL,
    message_id      TEXT    NOT NULL REFERENCES outbox (id),
    target          TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    lease_owner     TEXT,
    lease_token     TEXT,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    completed_at    INTEGER
);

-- One item per message, queue and target; a message without a target counts once too (PostgreSQL: NULLS NOT DISTINCT).
CREATE UNIQUE INDEX work_items_queue_message_target_key ON work_items (queue, message_id, ifnull(target, ''));
-- The claim reads pending rows of a queue in due order (the rowid, id, breaks ties from the index itself).
CREATE INDEX work_items_claim ON work_items (queue, state, next_attempt_at);
-- Operators list the deliveries of one endpoint newest first.
CREATE INDEX work_items_queue_target_id ON work_items (queue, target, id);
