-- A work item is updated twice after its insert (the claim's lease, then its settlement). The lease changes no indexed
-- column, so it can be a HOT update (no new index entries, the row version stays on its page) when the page has room:
-- new pages of work_items keep 30 % free for it. Pages written before this stay full until they are rewritten.
ALTER TABLE work_items SET (fillfactor = 70);
