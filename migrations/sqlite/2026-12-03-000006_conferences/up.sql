-- Conference budgets: the conference, its ticket types, cost lines (estimate, committed,
-- actual, cancellation liability), donations and other revenue, and approved baselines
-- (frozen snapshots). Sponsorship revenue is not stored here: it is read live from the
-- sponsorships of the sponsorship programme tied to the conference.
-- Kept identical to the PostgreSQL twin apart from column types.

CREATE TABLE conferences (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    venue TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    attendance_cap INTEGER NOT NULL CHECK (attendance_cap >= 1 AND attendance_cap <= 1000000),
    currency TEXT NOT NULL,
    -- Attendance for the three scenarios.
    pessimistic INTEGER NOT NULL,
    likely INTEGER NOT NULL,
    optimistic INTEGER NOT NULL,
    -- What event-cancellation insurance pays out, at most (conference currency).
    insurance_cover_minor BIGINT NOT NULL DEFAULT 0 CHECK (insurance_cover_minor >= 0),
    -- The sponsorship programme whose sponsorships fund this conference (one conference a
    -- programme, so no sponsorship counts twice).
    programme_id BIGINT UNIQUE REFERENCES programmes(id) ON DELETE SET NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (pessimistic >= 0 AND pessimistic <= likely AND likely <= optimistic
        AND optimistic <= attendance_cap)
);

CREATE TABLE conference_tickets (
    id INTEGER PRIMARY KEY NOT NULL,
    conference_id BIGINT NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    -- Expected share of attendance, in tenths of a percent (125 = 12.5%).
    share_permille INTEGER NOT NULL CHECK (share_permille >= 0 AND share_permille <= 1000),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (conference_id, name)
);

CREATE TABLE conference_lines (
    id INTEGER PRIMARY KEY NOT NULL,
    conference_id BIGINT NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    -- A standard category key (venue, catering, …) or a name staff chose.
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('fixed', 'per_attendee')),
    -- Amounts are in this currency; rate_micros converts them to the conference's
    -- (conference units per unit, times 10^6; 10^6 for the conference's own currency).
    currency TEXT NOT NULL,
    rate_micros BIGINT NOT NULL CHECK (rate_micros > 0),
    -- Per attendee for a per-attendee line, the line's total otherwise.
    estimate_minor BIGINT NOT NULL CHECK (estimate_minor >= 0),
    -- Totals: signed for (NULL: no contract yet) and spent (NULL: nothing yet).
    committed_minor BIGINT CHECK (committed_minor IS NULL OR committed_minor >= 0),
    actual_minor BIGINT CHECK (actual_minor IS NULL OR actual_minor >= 0),
    -- Owed if the event is cancelled, from liability_from on (NULL date: from now).
    liability_minor BIGINT CHECK (liability_minor IS NULL OR liability_minor >= 0),
    liability_from DATE,
    vendor TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conference_lines_conference ON conference_lines (conference_id);

CREATE TABLE conference_revenue (
    id INTEGER PRIMARY KEY NOT NULL,
    conference_id BIGINT NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('donation', 'other')),
    item TEXT NOT NULL,
    currency TEXT NOT NULL,
    rate_micros BIGINT NOT NULL CHECK (rate_micros > 0),
    expected_minor BIGINT NOT NULL CHECK (expected_minor >= 0),
    received_minor BIGINT CHECK (received_minor IS NULL OR received_minor >= 0),
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conference_revenue_conference ON conference_revenue (conference_id);

-- An approved budget: the figures as they stood, frozen. Never updated or deleted (the
-- triggers refuse).
CREATE TABLE conference_baselines (
    id INTEGER PRIMARY KEY NOT NULL,
    conference_id BIGINT NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    version INTEGER NOT NULL CHECK (version >= 1),
    approved_at TIMESTAMP NOT NULL,
    approved_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- The budget's inputs in the conference currency, as JSON.
    snapshot TEXT NOT NULL,
    UNIQUE (conference_id, version)
);

CREATE TRIGGER conference_baselines_frozen BEFORE UPDATE ON conference_baselines
BEGIN
    SELECT RAISE(ABORT, 'an approved baseline cannot be changed');
END;

CREATE TRIGGER conference_baselines_kept BEFORE DELETE ON conference_baselines
BEGIN
    SELECT RAISE(ABORT, 'an approved baseline cannot be removed');
END;
