-- Jobs a user starts and downloads the result of (attendee exports). Claimed with a lease like work_items: only the
-- holder of lease_token changes a running job, and a job whose lease expired (its node died) is claimed again by any
-- node. priority is a rank (0 high, 1 normal, 2 low); a waiting job is promoted as it ages (see the claim).
CREATE TABLE jobs (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text        NOT NULL UNIQUE,
    type            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    priority        smallint    NOT NULL CHECK (priority BETWEEN 0 AND 2),
    parameters      text        NOT NULL,
    progress_done   bigint      NOT NULL DEFAULT 0,
    progress_total  bigint,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    lease_owner     text,
    lease_token     text,
    error           text,
    file_token      text,
    file_name       text,
    content_type    text,
    file_bytes      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    completed_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The claim reads only unfinished jobs.
CREATE INDEX jobs_unfinished ON jobs (next_attempt_at) WHERE status IN ('queued', 'running');
-- Listings newest first, optionally by status and type.
CREATE INDEX jobs_status_position ON jobs (status, position);
CREATE INDEX jobs_type_position ON jobs (type, position);

-- A job's file in chunks of 256 KiB, written by one run (lease_token) and served by any node. A run's chunks only
-- count once the job completes with that token (jobs.file_token): chunks a dead run left behind are never served.
CREATE TABLE job_file_chunks (
    job_id      text    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    lease_token text    NOT NULL,
    seq         integer NOT NULL,
    data        bytea   NOT NULL,
    PRIMARY KEY (job_id, lease_token, seq)
);
-- CSV and NDJSON compress well, so the default (compressed, out of line) storage stays.

-- An export of all of an event's registrations pages through them by position (the paid-only export uses
-- registrations_event_status_position).
CREATE INDEX registrations_event_position ON registrations (event_id, position);
