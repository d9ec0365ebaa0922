-- The foundation's signature beside the sponsor's: who countersigned, with what title, when.
ALTER TABLE agreements ADD COLUMN countersigned_user_id BIGINT REFERENCES users(id);
ALTER TABLE agreements ADD COLUMN countersigned_name TEXT;
ALTER TABLE agreements ADD COLUMN countersigned_title TEXT;
ALTER TABLE agreements ADD COLUMN countersigned_at TIMESTAMP;
CREATE INDEX agreements_countersigned_user ON agreements(countersigned_user_id);
