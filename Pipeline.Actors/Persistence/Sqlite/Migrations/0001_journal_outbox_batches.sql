-- Event journal: (entity_id, seq) is the optimistic-concurrency guard: a second writer at the same seq fails.
CREATE TABLE journal (
    entity_id  TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    written_at TEXT    NOT NULL,
    PRIMARY KEY (entity_id, seq)
) WITHOUT ROWID;

-- Transactional outbox: written with the events that caused each message.
CREATE TABLE outbox (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Read side of batches, upserted in the transaction of each batch event.
CREATE TABLE batches (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    sku        TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    remaining  INTEGER NOT NULL CHECK (remaining >= 0),
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX batches_sku_position ON batches (sku, position);
