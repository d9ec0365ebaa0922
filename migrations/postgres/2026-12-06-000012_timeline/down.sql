DROP INDEX outbox_status_to;
DROP INDEX outbox_record;
ALTER TABLE outbox DROP COLUMN record_id;
ALTER TABLE outbox DROP COLUMN record_type;
