ALTER TABLE sponsors DROP COLUMN search_name;
