-- Applications, the sponsor portal, agreements, invoices, payments (manual and Stripe)
-- and renewals. Kept identical to the PostgreSQL twin apart from column types.

-- A public application or a renewal is a sponsorship in status 'applied'.
ALTER TABLE sponsorships ADD COLUMN application_key TEXT;
ALTER TABLE sponsorships ADD COLUMN waitlisted BOOLEAN NOT NULL DEFAULT 0 CHECK (waitlisted IN (0, 1));
ALTER TABLE sponsorships ADD COLUMN renewal_of_id BIGINT REFERENCES sponsorships(id);
ALTER TABLE sponsorships ADD COLUMN list_price_minor BIGINT;
ALTER TABLE sponsorships ADD COLUMN fee_reason TEXT NOT NULL DEFAULT '';
-- A double-submitted form carries the same key: one application.
CREATE UNIQUE INDEX sponsorships_application_key ON sponsorships(application_key);
-- One open application per organisation.
CREATE UNIQUE INDEX sponsorships_one_open_application ON sponsorships(sponsor_id) WHERE status = 'applied';
CREATE INDEX sponsorships_renewal_of ON sponsorships(renewal_of_id);

-- Changes a sponsor proposes from the portal wait for staff approval.
ALTER TABLE sponsors ADD COLUMN description_pending TEXT;
ALTER TABLE sponsors ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';

-- Private links for sponsors (and, later, grant applicants): digests only.
CREATE TABLE portal_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('sponsor', 'grant_application')),
    scope_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX portal_tokens_scope ON portal_tokens(scope, scope_id);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY NOT NULL,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('generated', 'uploaded')),
    body TEXT NOT NULL DEFAULT '',
    file_key TEXT,
    file_name TEXT,
    status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'superseded')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    accepted_name TEXT,
    accepted_title TEXT,
    accepted_email TEXT,
    accepted_at TIMESTAMP,
    accepted_addr TEXT
);
CREATE INDEX agreements_sponsorship ON agreements(sponsorship_id);

-- Invoice numbers run per year with no gaps: the counter moves in the invoice's transaction.
CREATE TABLE invoice_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq >= 0)
);

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY NOT NULL,
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE RESTRICT,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    number TEXT NOT NULL UNIQUE,
    issued_on DATE NOT NULL,
    due_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    bill_to TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'refunded', 'void')),
    paid_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX invoices_sponsorship ON invoices(sponsorship_id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY NOT NULL,
    invoice_id BIGINT NOT NULL REFERENCES invoices(id) ON DELETE RESTRICT,
    kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    method TEXT NOT NULL CHECK (method IN ('card', 'bank_transfer', 'cheque', 'cash', 'other')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    received_on DATE NOT NULL,
    -- One row per Stripe object (payment intent, or refunds of a charge), whichever event
    -- reports it first.
    stripe_ref TEXT UNIQUE,
    flagged BOOLEAN NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    flag_note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_invoice ON payments(invoice_id);

CREATE TABLE checkout_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    invoice_id BIGINT NOT NULL REFERENCES invoices(id) ON DELETE RESTRICT,
    stripe_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX checkout_sessions_invoice ON checkout_sessions(invoice_id);

-- Every webhook event we accepted, once (the primary key is the deduplication), with what
-- it did. Events we could not match stay here for staff as "unmatched payments".
CREATE TABLE stripe_events (
    event_id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    invoice_id BIGINT REFERENCES invoices(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'no_change', 'ignored', 'unmatched', 'flagged')),
    detail TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT,
    resolution_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stripe_events_outcome ON stripe_events(outcome, resolved_at);

-- Each reminder once per sponsorship, whatever the restarts and instances.
CREATE TABLE renewal_reminders (
    sponsorship_id BIGINT NOT NULL REFERENCES sponsorships(id) ON DELETE CASCADE,
    days_before INTEGER NOT NULL CHECK (days_before IN (60, 30, 7)),
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sponsorship_id, days_before)
);
