-- Read side of events. The attendee count is counted from registrations when read, never kept in a column.
CREATE TABLE events (
    position     INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    venue        TEXT    NOT NULL,
    starts_at    TEXT    NOT NULL,
    fee_amount   INTEGER NOT NULL,
    fee_currency TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);

CREATE TABLE members (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    email      TEXT,
    created_at TEXT NOT NULL
);

-- Upserted by id. A member registers for an event once.
CREATE TABLE registrations (
    position            INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    event_id            TEXT    NOT NULL,
    member_id           TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    order_id            TEXT,
    payment_id          TEXT,
    amount              INTEGER NOT NULL,
    currency            TEXT    NOT NULL,
    paid_at             TEXT,
    checked_in_at       TEXT,
    ticket_status       TEXT    NOT NULL,
    ticket_sent_at      TEXT,
    whatsapp_message_id TEXT,
    ticket_attempts     INTEGER NOT NULL,
    ticket_last_error   TEXT,
    created_at          TEXT    NOT NULL,
    CONSTRAINT registrations_event_member_key UNIQUE (event_id, member_id)
);
-- Counting the paid registrations of an event reads only this index; listing by event and status pages by position.
CREATE INDEX registrations_event_status_position ON registrations (event_id, status, position);

-- Inserted once: a second order with the same id fails the transaction.
CREATE TABLE orders (
    order_id        TEXT    NOT NULL CONSTRAINT orders_pkey PRIMARY KEY,
    registration_id TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    member_id       TEXT    NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
) WITHOUT ROWID;

-- Inserted once: the unique payment id (payments_pkey) is the last guard against applying one payment twice.
CREATE TABLE payments (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id      TEXT    NOT NULL CONSTRAINT payments_pkey UNIQUE,
    registration_id TEXT    NOT NULL,
    order_id        TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    member_id       TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('applied', 'unapplied')),
    amount          INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    at              TEXT    NOT NULL
);
CREATE INDEX payments_status_position ON payments (status, position);
