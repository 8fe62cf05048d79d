-- Named leases with one holder each until they expire (the split brain resolver's lease-majority lease): the holder
-- renews before expires_at, and anyone may take a lease whose holder stopped renewing.
CREATE TABLE leases (
    name       text        PRIMARY KEY,
    owner      text        NOT NULL,
    expires_at timestamptz NOT NULL
);
