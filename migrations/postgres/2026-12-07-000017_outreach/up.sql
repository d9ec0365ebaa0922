-- Outreach: the organisations that are not sponsoring (never, or no longer), the usage
-- figures imported for organisations, the import batches that stage those figures until a
-- person confirms them, the private pages that show an organisation its own usage, and the
-- addresses that asked not to be contacted again.

CREATE TABLE prospects (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    -- The organisation key (folded, legal suffixes dropped) and web host, so a name or a
    -- domain finds its prospect by index.
    name_key TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    org_size INTEGER,
    -- The sponsor it is (a lapsed sponsor) or became (it applied); one prospect a sponsor.
    sponsor_id BIGINT UNIQUE REFERENCES sponsors(id) ON DELETE SET NULL,
    stage TEXT NOT NULL DEFAULT 'identified' CHECK (stage IN ('identified', 'contacted',
        'in_conversation', 'applied', 'won', 'declined', 'not_now')),
    owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    follow_up_on DATE,
    not_before DATE,
    notes TEXT NOT NULL DEFAULT '',
    asked_tier_id BIGINT REFERENCES tiers(id) ON DELETE SET NULL,
    -- The application it led to.
    sponsorship_id BIGINT REFERENCES sponsorships(id) ON DELETE SET NULL,
    -- The ended term that made (or made again) this a prospect: each lapse counts once.
    lapsed_sponsorship_id BIGINT UNIQUE REFERENCES sponsorships(id) ON DELETE SET NULL,
    do_not_contact BOOLEAN NOT NULL DEFAULT FALSE,
    -- Raised by every edit: a form sent from an older copy of the page is refused.
    version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX prospects_name_key ON prospects(name_key);
CREATE INDEX prospects_domain ON prospects(domain);
CREATE INDEX prospects_stage ON prospects(stage);
CREATE INDEX prospects_owner ON prospects(owner_id);
CREATE INDEX prospects_follow_up ON prospects(follow_up_on);
CREATE INDEX prospects_asked_tier ON prospects(asked_tier_id);
CREATE INDEX prospects_sponsorship ON prospects(sponsorship_id);

CREATE TABLE prospect_contacts (
    id BIGSERIAL PRIMARY KEY,
    prospect_id BIGINT NOT NULL REFERENCES prospects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (prospect_id, email)
);

-- Every stage a prospect entered, for the conversion report.
CREATE TABLE prospect_stage_changes (
    id BIGSERIAL PRIMARY KEY,
    prospect_id BIGINT NOT NULL REFERENCES prospects(id) ON DELETE CASCADE,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX prospect_stage_changes_prospect ON prospect_stage_changes(prospect_id);
CREATE INDEX prospect_stage_changes_at ON prospect_stage_changes(at);

CREATE TABLE usage_imports (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'reading', 'failed', 'review',
        'imported', 'cancelled')),
    bytes_total BIGINT NOT NULL,
    bytes_read BIGINT NOT NULL DEFAULT 0,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_bad BIGINT NOT NULL DEFAULT 0,
    -- Why the whole file was refused (its encoding, its first line).
    error TEXT NOT NULL DEFAULT '',
    -- While a worker reads the file: until when it holds it.
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    confirmed_by TEXT,
    confirmed_at TIMESTAMP
);
CREATE INDEX usage_imports_status ON usage_imports(status);

-- The organisations a file names, one row each, with what the matcher found and what a
-- person decided.
CREATE TABLE usage_import_orgs (
    id BIGSERIAL PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES usage_imports(id) ON DELETE CASCADE,
    org_key TEXT NOT NULL,
    name TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    found TEXT NOT NULL CHECK (found IN ('one', 'several', 'none')),
    -- "sponsor:12 prospect:4": what the matcher found.
    candidates TEXT NOT NULL DEFAULT '',
    sponsor_id BIGINT REFERENCES sponsors(id) ON DELETE SET NULL,
    prospect_id BIGINT REFERENCES prospects(id) ON DELETE SET NULL,
    decision TEXT CHECK (decision IN ('match', 'new', 'skip')),
    row_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (import_id, org_key)
);
CREATE INDEX usage_import_orgs_found ON usage_import_orgs(import_id, found, decision);

CREATE TABLE usage_import_rows (
    id BIGSERIAL PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES usage_imports(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES usage_import_orgs(id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    period_key TEXT NOT NULL,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL
);
CREATE INDEX usage_import_rows_import ON usage_import_rows(import_id, id);
CREATE INDEX usage_import_rows_org ON usage_import_rows(org_id);

CREATE TABLE usage_import_errors (
    id BIGSERIAL PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES usage_imports(id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX usage_import_errors_import ON usage_import_errors(import_id, line);

-- Confirmed figures. A figure belongs to a sponsor, a prospect or both (a lapsed sponsor);
-- one figure per organisation, metric and period.
CREATE TABLE usage_figures (
    id BIGSERIAL PRIMARY KEY,
    sponsor_id BIGINT REFERENCES sponsors(id) ON DELETE CASCADE,
    prospect_id BIGINT REFERENCES prospects(id) ON DELETE CASCADE,
    import_id BIGINT REFERENCES usage_imports(id) ON DELETE SET NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    period_key TEXT NOT NULL,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    CHECK (sponsor_id IS NOT NULL OR prospect_id IS NOT NULL)
);
CREATE INDEX usage_figures_sponsor ON usage_figures(sponsor_id, metric, first_day);
CREATE INDEX usage_figures_prospect ON usage_figures(prospect_id, metric, first_day);
CREATE INDEX usage_figures_period ON usage_figures(metric, period_key);
CREATE INDEX usage_figures_import ON usage_figures(import_id);

-- The private page that shows a prospect its own usage: the token is stored hashed.
CREATE TABLE usage_links (
    id BIGSERIAL PRIMARY KEY,
    prospect_id BIGINT NOT NULL REFERENCES prospects(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    -- The address it was sent to: its "do not contact me again" link speaks for it.
    email TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    open_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX usage_links_prospect ON usage_links(prospect_id);

-- Addresses (lower case) that asked not to be contacted again.
CREATE TABLE do_not_contact (
    email TEXT PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The daily follow-up email, once a person a day.
CREATE TABLE follow_up_digests (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- What the pages rank by, kept when figures change (an import confirmed, a sponsor lapsed),
-- so a list of prospects joins one row each instead of adding up every figure: each
-- metric's unit and its last year of figures, and each prospect's total over that year (the
-- finest periods it has, so months and the quarter they make are not added together).
CREATE TABLE usage_metrics (
    metric TEXT PRIMARY KEY NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    figures BIGINT NOT NULL,
    year_from DATE NOT NULL,
    year_to DATE NOT NULL
);
CREATE TABLE usage_totals (
    prospect_id BIGINT NOT NULL REFERENCES prospects(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (prospect_id, metric)
);
CREATE INDEX usage_totals_rank ON usage_totals(metric, total);
