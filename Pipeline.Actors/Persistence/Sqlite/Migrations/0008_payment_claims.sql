-- Which registration (entity key) holds each payment id: the first claim wins for good (see IPaymentClaims).
CREATE TABLE payment_claims (
    payment_id TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    claimed_at TEXT NOT NULL
);
