-- A profile proposed from the portal carries the tagline and website with the description;
-- staff approve all three together (description_pending marks that a proposal waits).
ALTER TABLE sponsors ADD COLUMN tagline_pending TEXT;
ALTER TABLE sponsors ADD COLUMN website_pending TEXT;
