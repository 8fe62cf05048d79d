-- Content-addressed images: a member photo (its name is the hash of its WebP bytes) and the variants made from it on
-- request. Written once, never changed.
CREATE TABLE images (
    name         TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    created_at   TEXT    NOT NULL
);

-- Each member's current photo; another upload replaces it (last write wins). Members are write-once records in the
-- journal, so the photo lives beside them rather than in them.
CREATE TABLE member_photos (
    member_id  TEXT PRIMARY KEY,
    image_name TEXT NOT NULL REFERENCES images (name),
    updated_at TEXT NOT NULL
);
