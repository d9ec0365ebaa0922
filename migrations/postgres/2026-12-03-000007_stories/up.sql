-- Success stories: how an organisation uses the project, drafted by a sponsor in the portal
-- or by an editor, reviewed by an editor, published on a chosen day. The body is Markdown,
-- kept as typed; it is rendered and sanitised every time it is shown.
-- Kept identical to the PostgreSQL twin apart from column types.

CREATE TABLE stories (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    -- The sponsor whose profile shows the story (optional).
    sponsor_id BIGINT REFERENCES sponsors(id) ON DELETE SET NULL,
    category TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    image_key TEXT,
    image_alt TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'published', 'returned')),
    -- Shown to the public from this day on, once published (empty: as soon as published).
    publish_on DATE,
    -- The editor's last feedback to the author.
    feedback TEXT NOT NULL DEFAULT '',
    -- Who wrote it: a sponsor through the portal (author_sponsor_id) or a staff member.
    author_sponsor_id BIGINT REFERENCES sponsors(id) ON DELETE CASCADE,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    submitted_at TIMESTAMP,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status <> 'published' OR published_at IS NOT NULL)
);

CREATE INDEX stories_public ON stories (status, publish_on);
CREATE INDEX stories_sponsor ON stories (sponsor_id);
CREATE INDEX stories_author_sponsor ON stories (author_sponsor_id);
