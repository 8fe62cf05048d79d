-- Which registration (entity key) holds each payment id: the first claim wins for good (see IPaymentClaims).
CREATE TABLE payment_claims (
    payment_id text        PRIMARY KEY,
    holder     text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now()
);
