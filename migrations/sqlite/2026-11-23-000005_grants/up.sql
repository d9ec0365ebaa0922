-- Grants: programmes with rules as data, budgets per year, public applications, review
-- (reviewers, conflicts of interest, votes), decisions, disbursements, post-event reports.
-- Kept identical to the PostgreSQL twin apart from column types.

CREATE TABLE grant_programmes (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'sprint', 'workshop', 'development')),
    description TEXT NOT NULL DEFAULT '',
    -- Closed programmes are not offered on the public form.
    is_open BOOLEAN NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
    requires_coc BOOLEAN NOT NULL DEFAULT 0 CHECK (requires_coc IN (0, 1)),
    min_lead_days INTEGER NOT NULL DEFAULT 0 CHECK (min_lead_days >= 0 AND min_lead_days <= 730),
    -- In the foundation currency; NULL means no maximum / no guideline.
    max_amount_minor BIGINT CHECK (max_amount_minor IS NULL OR max_amount_minor > 0),
    per_attendee_minor BIGINT CHECK (per_attendee_minor IS NULL OR per_attendee_minor > 0),
    -- The post-event report is due this many days after the event ends.
    report_days INTEGER NOT NULL DEFAULT 60 CHECK (report_days >= 1 AND report_days <= 365),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A programme's yearly cap, in the foundation currency.
CREATE TABLE grant_budgets (
    programme_id BIGINT NOT NULL REFERENCES grant_programmes(id) ON DELETE CASCADE,
    year INTEGER NOT NULL CHECK (year >= 2000 AND year <= 2200),
    cap_minor BIGINT NOT NULL CHECK (cap_minor >= 0),
    PRIMARY KEY (programme_id, year)
);

-- Approvals a decision needs, growing with the amount (foundation currency).
CREATE TABLE grant_quorum (
    min_amount_minor BIGINT PRIMARY KEY NOT NULL CHECK (min_amount_minor >= 0),
    approvals INTEGER NOT NULL CHECK (approvals >= 1 AND approvals <= 20)
);
INSERT INTO grant_quorum (min_amount_minor, approvals) VALUES (0, 1), (100000, 2), (500000, 3);

-- Reference rates for requests in other currencies: foundation units per unit, times 10^6.
-- The foundation currency needs no row; a currency without a row is not accepted.
CREATE TABLE exchange_rates (
    currency TEXT PRIMARY KEY NOT NULL,
    rate_micros BIGINT NOT NULL CHECK (rate_micros > 0),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE grant_applications (
    id INTEGER PRIMARY KEY NOT NULL,
    -- A double-submitted form carries the same key: one application.
    application_key TEXT NOT NULL UNIQUE,
    programme_id BIGINT NOT NULL REFERENCES grant_programmes(id) ON DELETE RESTRICT,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'under_review', 'info_requested',
        'approved', 'declined', 'withdrawn', 'paid', 'report_due', 'report_received', 'closed')),
    applicant_name TEXT NOT NULL,
    applicant_email TEXT NOT NULL,
    organisation TEXT NOT NULL,
    -- The organisation's name folded for matching earlier grants of the same group.
    group_key TEXT NOT NULL,
    country TEXT NOT NULL,
    event_name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    city TEXT NOT NULL,
    event_country TEXT NOT NULL,
    attendance INTEGER NOT NULL CHECK (attendance >= 0),
    website TEXT NOT NULL DEFAULT '',
    coc_url TEXT NOT NULL DEFAULT '',
    requested_minor BIGINT NOT NULL CHECK (requested_minor > 0),
    currency TEXT NOT NULL,
    -- The request in the foundation currency at the reference rate when it was made.
    requested_base_minor BIGINT NOT NULL CHECK (requested_base_minor > 0),
    total_budget_minor BIGINT NOT NULL CHECK (total_budget_minor >= 0),
    purpose TEXT NOT NULL,
    outreach TEXT NOT NULL DEFAULT '',
    earlier_grants TEXT NOT NULL DEFAULT '',
    -- The applicant agrees to be listed in the public register if awarded.
    public_opt_in BOOLEAN NOT NULL DEFAULT 0 CHECK (public_opt_in IN (0, 1)),
    -- The year whose budget the grant counts against (the year the event starts).
    budget_year INTEGER NOT NULL,
    -- When the post-event report is due (set when the grant is paid).
    report_due_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX grant_applications_status ON grant_applications(status);
CREATE INDEX grant_applications_programme ON grant_applications(programme_id, budget_year);
CREATE INDEX grant_applications_group ON grant_applications(group_key);

-- The decision: one row per application, so two deciders at once cannot both decide.
CREATE TABLE grant_decisions (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK (outcome IN ('approved', 'declined')),
    awarded_minor BIGINT CHECK (awarded_minor IS NULL OR awarded_minor > 0),
    -- The award in the foundation currency, at the rate the decider used.
    awarded_base_minor BIGINT CHECK (awarded_base_minor IS NULL OR awarded_base_minor > 0),
    rate_micros BIGINT CHECK (rate_micros IS NULL OR rate_micros > 0),
    note TEXT NOT NULL DEFAULT '',
    -- Set when the award went past the programme's remaining budget.
    override_reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    CHECK (outcome = 'declined' OR (awarded_minor IS NOT NULL AND awarded_base_minor IS NOT NULL))
);

-- The post-event report.
CREATE TABLE grant_reports (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL
);

-- The event's budget, line by line.
CREATE TABLE grant_budget_lines (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0)
);
CREATE INDEX grant_budget_lines_application ON grant_budget_lines(application_id);

-- Every status move, with who made it and why.
CREATE TABLE grant_events (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX grant_events_application ON grant_events(application_id);

-- Messages between reviewers and the applicant (information requests and replies).
CREATE TABLE grant_messages (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('staff', 'applicant')),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX grant_messages_application ON grant_messages(application_id);

-- Reviewers of an application; a declared conflict of interest recuses the reviewer.
CREATE TABLE grant_reviewers (
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    conflict BOOLEAN NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1)),
    conflict_note TEXT NOT NULL DEFAULT '',
    conflict_at TIMESTAMP,
    PRIMARY KEY (application_id, user_id)
);
CREATE INDEX grant_reviewers_user ON grant_reviewers(user_id);

CREATE TABLE grant_votes (
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vote TEXT NOT NULL CHECK (vote IN ('approve', 'decline', 'abstain')),
    score INTEGER CHECK (score IS NULL OR (score >= 1 AND score <= 5)),
    comment TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, user_id)
);

-- Money paid out, with the rate used to the foundation currency (times 10^6).
CREATE TABLE grant_disbursements (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE RESTRICT,
    paid_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('bank_transfer', 'paypal', 'cheque', 'card', 'other')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    rate_micros BIGINT NOT NULL CHECK (rate_micros > 0),
    base_minor BIGINT NOT NULL CHECK (base_minor > 0),
    reference TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX grant_disbursements_application ON grant_disbursements(application_id);

-- Private files: the application's PDF and the report's attachments.
CREATE TABLE grant_files (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('application', 'report')),
    file_key TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX grant_files_application ON grant_files(application_id);

-- Report reminders: each kind goes out once per grant.
CREATE TABLE grant_report_reminders (
    application_id BIGINT NOT NULL REFERENCES grant_applications(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('due_soon', 'due_today', 'overdue')),
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, kind)
);
