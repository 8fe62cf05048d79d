-- Jobs a user starts and downloads the result of (attendee exports). Claimed with a lease like work_items: only the
-- holder of lease_token changes a running job, and a job whose lease expired is claimed again. priority is a rank
-- (0 high, 1 normal, 2 low); a waiting job is promoted as it ages (see the claim). Times are INTEGER unix milliseconds,
-- as in work_items, so lease and promotion arithmetic is integer arithmetic.
CREATE TABLE jobs (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    priority        INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 2),
    parameters      TEXT    NOT NULL,
    progress_done   INTEGER NOT NULL DEFAULT 0,
    progress_total  INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    lease_owner     TEXT,
    lease_token     TEXT,
    error           TEXT,
    file_token      TEXT,
    file_name       TEXT,
    content_type    TEXT,
    file_bytes      INTEGER,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    completed_at    INTEGER,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX jobs_unfinished ON jobs (status, next_attempt_at);
CREATE INDEX jobs_type_position ON jobs (type, position);

-- A job's file in chunks of 256 KiB, written by one run (lease_token); only the completing run's chunks are served.
CREATE TABLE job_file_chunks (
    job_id      TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    lease_token TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    data        BLOB    NOT NULL,
    PRIMARY KEY (job_id, lease_token, seq)
);

-- An export of all of an event's registrations pages through them by position (the paid-only export uses
-- registrations_event_status_position).
CREATE INDEX registrations_event_position ON registrations (event_id, position);
