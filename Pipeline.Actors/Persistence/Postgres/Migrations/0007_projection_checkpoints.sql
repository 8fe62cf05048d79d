-- How far each journal projection has applied Akka.Persistence.Sql's event_journal (by its ordering), and the positions
-- it found missing below that (writes not yet committed, or rolled back), re-read until they show up or expire.
-- Written in the same transaction as the read-side rows and outbox messages the projection applied.
CREATE TABLE projection_checkpoints (
    name       text        PRIMARY KEY,
    ordering   bigint      NOT NULL,
    gaps       jsonb       NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL DEFAULT now()
);
