-- Read side of events. The attendee count is counted from registrations when read, never kept in a column.
CREATE TABLE events (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text        NOT NULL UNIQUE,
    name         text        NOT NULL,
    venue        text        NOT NULL,
    starts_at    timestamptz NOT NULL,
    fee_amount   bigint      NOT NULL,
    fee_currency text        NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE members (
    position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    phone      text        NOT NULL,
    email      text,
    created_at timestamptz NOT NULL
);

-- Upserted by id. A member registers for an event once.
CREATE TABLE registrations (
    position            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  text        NOT NULL UNIQUE,
    event_id            text        NOT NULL,
    member_id           text        NOT NULL,
    status              text        NOT NULL,
    order_id            text,
    payment_id          text,
    amount              bigint      NOT NULL,
    currency            text        NOT NULL,
    paid_at             timestamptz,
    checked_in_at       timestamptz,
    ticket_status       text        NOT NULL,
    ticket_sent_at      timestamptz,
    whatsapp_message_id text,
    ticket_attempts     bigint      NOT NULL,
    ticket_last_error   text,
    created_at          timestamptz NOT NULL,
    CONSTRAINT registrations_event_member_key UNIQUE (event_id, member_id)
);
-- Counting the paid registrations of an event is an index-only scan; listing by event and status pages by position.
CREATE INDEX registrations_event_status_position ON registrations (event_id, status, position);

-- Inserted once: a second order with the same id fails the transaction.
CREATE TABLE orders (
    order_id        text        NOT NULL,
    registration_id text        NOT NULL,
    event_id        text        NOT NULL,
    member_id       text        NOT NULL,
    amount          bigint      NOT NULL,
    currency        text        NOT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT orders_pkey PRIMARY KEY (order_id)
);

-- Inserted once: payments_pkey is the last guard against applying one payment twice.
CREATE TABLE payments (
    position        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    payment_id      text        NOT NULL,
    registration_id text        NOT NULL,
    order_id        text        NOT NULL,
    event_id        text        NOT NULL,
    member_id       text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('applied', 'unapplied')),
    amount          bigint      NOT NULL,
    currency        text        NOT NULL,
    at              timestamptz NOT NULL,
    CONSTRAINT payments_pkey PRIMARY KEY (payment_id)
);
CREATE INDEX payments_status_position ON payments (status, position);
