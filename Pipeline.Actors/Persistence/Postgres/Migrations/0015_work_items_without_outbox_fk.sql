-- Every work item is inserted by the statement that inserts its outbox message (the projection's), or for a message
-- read from the outbox (the fan-out to a new endpoint), and no outbox row is ever deleted: the foreign key only checked
-- again what the statement already ensures, one index probe and lock per item (FOR KEY SHARE), about a fifth of the
-- projection's costliest statement (164 messages and 328 items: 11.1-11.4 ms with it, 8.6-8.9 ms without, pgbench).
ALTER TABLE work_items DROP CONSTRAINT IF EXISTS work_items_message_id_fkey;
