DROP INDEX agreements_countersigned_user;
ALTER TABLE agreements DROP COLUMN countersigned_at;
ALTER TABLE agreements DROP COLUMN countersigned_title;
ALTER TABLE agreements DROP COLUMN countersigned_name;
ALTER TABLE agreements DROP COLUMN countersigned_user_id;
