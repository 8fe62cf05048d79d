-- Where the node receives Akka cluster traffic, and its place in line (see the PostgreSQL script). On SQLite the
-- process holds a lock on the database file, so there is one node and the line has one seat; kept for the same
-- schema and the same cluster view on both storages.
ALTER TABLE nodes ADD COLUMN cluster_address TEXT;
ALTER TABLE nodes ADD COLUMN cluster_seat INTEGER;
