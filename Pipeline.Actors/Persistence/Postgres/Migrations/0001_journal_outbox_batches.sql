-- Event journal: (entity_id, seq) is the optimistic-concurrency guard: a second writer at the same seq fails.
CREATE TABLE journal (
    entity_id  text        NOT NULL,
    seq        bigint      NOT NULL,
    type       text        NOT NULL,
    payload    jsonb       NOT NULL,
    written_at timestamptz NOT NULL,
    PRIMARY KEY (entity_id, seq)
);

-- Transactional outbox: written with the events that caused each message.
CREATE TABLE outbox (
    position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    type       text        NOT NULL,
    entity_id  text        NOT NULL,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL
);

-- Read side of batches, upserted in the transaction of each batch event.
CREATE TABLE batches (
    position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    sku        text        NOT NULL,
    quantity   bigint      NOT NULL,
    remaining  bigint      NOT NULL CHECK (remaining >= 0),
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX batches_sku_position ON batches (sku, position);
