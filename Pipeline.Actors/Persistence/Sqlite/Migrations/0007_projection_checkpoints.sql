-- How far each journal projection has applied Akka.Persistence.Sql's event_journal (by its ordering), and the positions
-- it found missing below that, re-read until they show up or expire. Written with the rows the projection applied.
CREATE TABLE projection_checkpoints (
    name       TEXT    PRIMARY KEY,
    ordering   INTEGER NOT NULL,
    gaps       TEXT    NOT NULL DEFAULT '[]',
    updated_at TEXT    NOT NULL
);
