-- Content-addressed images: a member photo (its name is the hash of its WebP bytes) and the variants made from it on
-- request. Written once, never changed.
CREATE TABLE images (
    name         text        PRIMARY KEY,
    content_type text        NOT NULL,
    width        int         NOT NULL,
    height       int         NOT NULL,
    bytes        int         NOT NULL,
    data         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- WebP, JPEG and PNG are compressed already: kept out of line without a second, useless compression pass.
ALTER TABLE images ALTER COLUMN data SET STORAGE EXTERNAL;

-- Each member's current photo; another upload replaces it (last write wins). Members are write-once records in the
-- journal, so the photo lives beside them rather than in them.
CREATE TABLE member_photos (
    member_id  text        PRIMARY KEY,
    image_name text        NOT NULL REFERENCES images (name),
    updated_at timestamptz NOT NULL DEFAULT now()
);
