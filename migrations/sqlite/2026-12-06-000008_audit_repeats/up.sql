-- Repeated refusals (failed or throttled sign-ins) from one client are kept as one entry per
-- throttle window with a count, so a flood of attempts cannot flood the log.
ALTER TABLE audit_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_at TIMESTAMP;
CREATE INDEX audit_log_client_action ON audit_log(client_addr, action, at);
