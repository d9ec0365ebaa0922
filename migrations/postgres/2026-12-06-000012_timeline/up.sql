-- Each email names the record it is about (as the audit log does), so a sponsor's or a grant
-- application's timeline can list its emails beside its changes.
ALTER TABLE outbox ADD COLUMN record_type TEXT;
ALTER TABLE outbox ADD COLUMN record_id TEXT;
CREATE INDEX outbox_record ON outbox(record_type, record_id, id);
-- The outbox searched by recipient: one status's addresses are read from this index, not
-- from the table and its bodies.
CREATE INDEX outbox_status_to ON outbox(status, to_addr);
