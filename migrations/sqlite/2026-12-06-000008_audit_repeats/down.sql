DROP INDEX audit_log_client_action;
ALTER TABLE audit_log DROP COLUMN last_at;
ALTER TABLE audit_log DROP COLUMN repeats;
