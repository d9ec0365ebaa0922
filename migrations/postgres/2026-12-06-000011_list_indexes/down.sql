DROP INDEX placement_stats_day;
DROP INDEX audit_log_record_id;
DROP INDEX outbox_status_id;
