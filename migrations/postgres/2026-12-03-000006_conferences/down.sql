DROP TRIGGER conference_baselines_frozen ON conference_baselines;
DROP FUNCTION conference_baselines_frozen();
DROP TABLE conference_baselines;
DROP TABLE conference_revenue;
DROP TABLE conference_lines;
DROP TABLE conference_tickets;
DROP TABLE conferences;
