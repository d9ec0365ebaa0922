-- The outbox list pages one status newest first, and counts each status: one index serves both
-- (at 300,000 sent emails a count or a page otherwise reads the whole table, bodies and all).
CREATE INDEX outbox_status_id ON outbox(status, id);
