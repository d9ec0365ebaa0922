-- Reads stay bounded as data grows: an index for every foreign key and filter a page uses
-- that had none (found by listing every REFERENCES column without an index starting with it).
-- The sponsor's and the application's history read the audit log by the record it is about.
CREATE INDEX audit_log_record ON audit_log(record_type, record_id, at);
CREATE INDEX audit_log_actor_user ON audit_log(actor_user_id);
CREATE INDEX sponsorships_tier ON sponsorships(tier_id, status);
CREATE INDEX jobs_sponsor ON jobs(sponsor_id);
CREATE INDEX placement_stats_sponsor ON placement_stats(sponsor_id, day);
CREATE INDEX stripe_events_invoice ON stripe_events(invoice_id);
CREATE INDEX grant_votes_user ON grant_votes(user_id);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);
CREATE INDEX discount_rules_programme ON discount_rules(programme_id);
CREATE INDEX discount_rule_tiers_tier ON discount_rule_tiers(tier_id);
CREATE INDEX placement_slot_tiers_tier ON placement_slot_tiers(tier_id);
CREATE INDEX stories_author_user ON stories(author_user_id);
