-- A sponsor's name folded for search (lower case, accents removed), so the staff lists find
-- "Société" by "societe" in SQL instead of loading every row. Filled by the app on every
-- insert and change, and for rows older than this column when the app starts.
ALTER TABLE sponsors ADD COLUMN search_name TEXT;
