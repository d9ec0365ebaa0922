-- Benefit assets: what a tier's benefits need from each sponsor (a text, a file, a link or a
-- yes/no answer) by a due date; what each sponsorship provided; the reminders sent, once
-- each (the primary key refuses a second).
CREATE TABLE asset_requests (
    id INTEGER PRIMARY KEY NOT NULL,
    tier_id BIGINT NOT NULL REFERENCES tiers(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'file', 'link', 'yes_no')),
    help TEXT NOT NULL DEFAULT '',
    due_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX asset_requests_tier ON asset_requests(tier_id);
CREATE INDEX asset_requests_due ON asset_requests(due_on);

CREATE TABLE asset_submissions (
    id INTEGER PRIMARY KEY NOT NULL,
    request_id BIGINT NOT NULL REFERENCES asset_requests(id) ON DELETE CASCADE,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    value TEXT NOT NULL DEFAULT '',
    file_key TEXT,
    file_type TEXT,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    UNIQUE (request_id, sponsorship_id)
);
CREATE INDEX asset_submissions_sponsorship ON asset_submissions(sponsorship_id);

CREATE TABLE asset_reminders (
    request_id BIGINT NOT NULL REFERENCES asset_requests(id) ON DELETE CASCADE,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    days_before INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, sponsorship_id, days_before)
);
CREATE INDEX asset_reminders_sponsorship ON asset_reminders(sponsorship_id);
