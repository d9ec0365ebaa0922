ALTER TABLE sponsors DROP COLUMN website_pending;
ALTER TABLE sponsors DROP COLUMN tagline_pending;
