-- Indexes found by timing the pages at x100 (bench/scale).
-- The outbox list pages one status newest first, and counts each status: one index serves both
-- (at 300,000 sent emails a count or a page otherwise reads the whole table, bodies and all).
CREATE INDEX outbox_status_id ON outbox(status, id);
-- A record's history (a sponsor's page) is its newest entries by id: read backwards from
-- here instead of walking the whole log from its newest entry.
CREATE INDEX audit_log_record_id ON audit_log(record_type, record_id, id);
-- The monthly placement report sums a month of counts: a range of this covering index.
CREATE INDEX placement_stats_day ON placement_stats(day, slot_id, sponsor_id, impressions, clicks);
