DROP TRIGGER conference_baselines_kept;
DROP TRIGGER conference_baselines_frozen;
DROP TABLE conference_baselines;
DROP TABLE conference_revenue;
DROP TABLE conference_lines;
DROP TABLE conference_tickets;
DROP TABLE conferences;
