CREATE TABLE programmes (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (name, year)
);

CREATE TABLE tiers (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    currency TEXT NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    logo_size TEXT NOT NULL CHECK (logo_size IN ('xl', 'l', 'm', 's', 'xs')),
    display_order INTEGER NOT NULL DEFAULT 0,
    advertised BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (programme_id, slug)
);

CREATE TABLE tier_benefits (
    id BIGSERIAL PRIMARY KEY,
    tier_id BIGINT NOT NULL REFERENCES tiers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER CHECK (quantity IS NULL OR quantity > 0)
);
CREATE INDEX tier_benefits_tier ON tier_benefits(tier_id, position);

CREATE TABLE discount_rules (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    max_org_size_exclusive INTEGER CHECK (max_org_size_exclusive IS NULL OR max_org_size_exclusive > 0),
    percent_off INTEGER NOT NULL CHECK (percent_off BETWEEN 1 AND 100),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE discount_rule_tiers (
    rule_id BIGINT NOT NULL REFERENCES discount_rules(id) ON DELETE CASCADE,
    tier_id BIGINT NOT NULL REFERENCES tiers(id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, tier_id)
);

CREATE TABLE sponsors (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    website TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tagline TEXT NOT NULL DEFAULT '',
    org_size INTEGER CHECK (org_size IS NULL OR org_size >= 0),
    country TEXT NOT NULL DEFAULT '',
    topics TEXT NOT NULL DEFAULT '',
    inkind_description TEXT NOT NULL DEFAULT '',
    inkind_value_minor BIGINT CHECK (inkind_value_minor IS NULL OR inkind_value_minor >= 0),
    inkind_currency TEXT,
    logo_key TEXT,
    logo_pending_key TEXT,
    logo_approved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sponsor_contacts (
    id BIGSERIAL PRIMARY KEY,
    sponsor_id BIGINT NOT NULL REFERENCES sponsors(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('primary', 'billing', 'marketing')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sponsor_contacts_sponsor ON sponsor_contacts(sponsor_id);
CREATE INDEX sponsor_contacts_email ON sponsor_contacts(email);

CREATE TABLE sponsorships (
    id BIGSERIAL PRIMARY KEY,
    sponsor_id BIGINT NOT NULL REFERENCES sponsors(id) ON DELETE RESTRICT,
    tier_id BIGINT NOT NULL REFERENCES tiers(id) ON DELETE RESTRICT,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    fee_minor BIGINT NOT NULL CHECK (fee_minor >= 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'approved', 'agreement_sent', 'agreement_accepted', 'invoiced', 'paid', 'active', 'expired', 'rejected', 'cancelled')),
    published_early BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX sponsorships_sponsor ON sponsorships(sponsor_id);
CREATE INDEX sponsorships_visible ON sponsorships(status, end_date);

CREATE TABLE sponsorship_events (
    id BIGSERIAL PRIMARY KEY,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sponsorship_events_sponsorship ON sponsorship_events(sponsorship_id);

CREATE TABLE benefit_fulfilments (
    id BIGSERIAL PRIMARY KEY,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
    delivered_by TEXT,
    delivered_at TIMESTAMP,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX benefit_fulfilments_sponsorship ON benefit_fulfilments(sponsorship_id);

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    sponsor_id BIGINT NOT NULL REFERENCES sponsors(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    remote BOOLEAN NOT NULL DEFAULT FALSE,
    url TEXT NOT NULL,
    expires_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE placement_slots (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    topic TEXT,
    max_sponsors INTEGER NOT NULL DEFAULT 6 CHECK (max_sponsors BETWEEN 1 AND 100),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE placement_slot_tiers (
    slot_id BIGINT NOT NULL REFERENCES placement_slots(id) ON DELETE CASCADE,
    tier_id BIGINT NOT NULL REFERENCES tiers(id) ON DELETE CASCADE,
    PRIMARY KEY (slot_id, tier_id)
);

CREATE TABLE placement_stats (
    slot_id BIGINT NOT NULL REFERENCES placement_slots(id) ON DELETE CASCADE,
    sponsor_id BIGINT NOT NULL REFERENCES sponsors(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (slot_id, sponsor_id, day)
);
