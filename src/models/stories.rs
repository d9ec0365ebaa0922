//! Success stories. The public sees a story once it is published and its publication day
//! (if any) has come; every status change is conditional on the status it was read in.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::stories;
use crate::domain::story::{Status, render_markdown};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = stories)]
pub struct Story {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub sponsor_id: Option<i64>,
    pub category: String,
    pub summary: String,
    pub body: String,
    pub image_key: Option<String>,
    pub image_alt: String,
    pub status: String,
    pub publish_on: Option<NaiveDate>,
    pub feedback: String,
    pub author_sponsor_id: Option<i64>,
    pub author_user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Story {
    pub fn status(&self) -> Status {
        self.status.parse().unwrap_or(Status::Draft)
    }

    /// The editor's feedback as sanitised HTML (it is Markdown, like the body).
    pub fn feedback_html(&self) -> String {
        render_markdown(&self.feedback)
    }

    /// The body as sanitised HTML (the only `|safe` of a story page).
    pub fn body_html(&self) -> String {
        render_markdown(&self.body)
    }

    pub fn category_label(&self) -> &'static str {
        crate::domain::story::category_label(&self.category)
    }

    /// Published, and its day has come.
    pub fn is_public(&self, today: NaiveDate) -> bool {
        self.status() == Status::Published && self.publish_on.is_none_or(|d| d <= today)
    }

    /// Published with a day still to come.
    pub fn is_scheduled(&self, today: NaiveDate) -> bool {
        self.status() == Status::Published && self.publish_on.is_some_and(|d| d > today)
    }

    /// The day readers see as the story's date: its publication day, else when it went live.
    pub fn public_date(&self) -> Option<NaiveDate> {
        self.publish_on
            .or_else(|| self.published_at.map(|t| t.date()))
    }

    /// "3 March 2027", or empty.
    pub fn date_label(&self) -> String {
        self.public_date()
            .map(|d| d.format("%-d %B %Y").to_string())
            .unwrap_or_default()
    }

    /// Written by a sponsor in the portal.
    pub fn by_sponsor(&self) -> bool {
        self.author_sponsor_id.is_some()
    }

    pub fn image_url(&self, size: &str) -> Option<String> {
        self.image_key
            .as_deref()
            .filter(|k| crate::media::valid_key(k) && crate::media::valid_size(size))
            .map(|k| format!("/media/stories/{k}-{size}.png"))
    }
}

/// What an author types: the editable fields of a story.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = stories)]
pub struct StoryText {
    pub title: String,
    pub organisation: String,
    pub category: String,
    pub summary: String,
    pub body: String,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = stories)]
pub struct NewStory {
    pub slug: String,
    pub title: String,
    pub organisation: String,
    pub sponsor_id: Option<i64>,
    pub category: String,
    pub summary: String,
    pub body: String,
    pub image_alt: String,
    pub status: String,
    pub author_sponsor_id: Option<i64>,
    pub author_user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, s: &NewStory) -> QueryResult<i64> {
    diesel::insert_into(stories::table)
        .values(s)
        .returning(stories::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Story> {
    stories::table
        .find(id)
        .select(Story::as_select())
        .first(conn)
}

/// A story of this sponsor's portal (written there), or NotFound.
pub fn find_for_author_sponsor(conn: &mut DbConn, sponsor_id: i64, id: i64) -> QueryResult<Story> {
    stories::table
        .filter(stories::id.eq(id))
        .filter(stories::author_sponsor_id.eq(sponsor_id))
        .select(Story::as_select())
        .first(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Story>> {
    stories::table
        .filter(stories::slug.eq(slug))
        .select(Story::as_select())
        .first(conn)
        .optional()
}

pub fn slug_taken(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        stories::table.filter(stories::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// Stories of one status (or any), in SQL.
fn with_status(
    status: Option<Status>,
) -> stories::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend> {
    let mut q = stories::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(stories::status.eq(s.as_str()));
    }
    q
}

/// How many stories have this status (or any).
pub fn count(conn: &mut DbConn, status: Option<Status>) -> QueryResult<i64> {
    with_status(status).count().get_result(conn)
}

/// One page of the stories for staff, newest change first, optionally of one status.
pub fn page(
    conn: &mut DbConn,
    status: Option<Status>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Story>> {
    with_status(status)
        .order((stories::updated_at.desc(), stories::id.desc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(Story::as_select())
        .load(conn)
}

/// Up to `limit` stories of this status (or any) with an id above `after`, by id (a chunk of
/// the export).
pub fn chunk_after(
    conn: &mut DbConn,
    status: Option<Status>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Story>> {
    with_status(status)
        .filter(stories::id.gt(after.unwrap_or(0)))
        .order(stories::id.asc())
        .limit(limit.max(0))
        .select(Story::as_select())
        .load(conn)
}

/// The stories a sponsor wrote in the portal.
pub fn for_author_sponsor(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Vec<Story>> {
    stories::table
        .filter(stories::author_sponsor_id.eq(sponsor_id))
        .order((stories::updated_at.desc(), stories::id.desc()))
        .select(Story::as_select())
        .load(conn)
}

/// Stories waiting for an editor.
pub fn count_submitted(conn: &mut DbConn) -> QueryResult<i64> {
    stories::table
        .filter(stories::status.eq(Status::Submitted.as_str()))
        .count()
        .get_result(conn)
}

macro_rules! public_on {
    ($today:expr) => {
        stories::status.eq(Status::Published.as_str()).and(
            stories::publish_on
                .is_null()
                .or(stories::publish_on.le($today)),
        )
    };
}

/// One page of public stories, newest first, optionally of one category; and how many
/// there are in all.
pub fn public_page(
    conn: &mut DbConn,
    today: NaiveDate,
    category: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Story>, i64)> {
    let mut q = stories::table.filter(public_on!(today)).into_boxed();
    let mut count = stories::table.filter(public_on!(today)).into_boxed();
    if let Some(c) = category {
        q = q.filter(stories::category.eq(c.to_string()));
        count = count.filter(stories::category.eq(c.to_string()));
    }
    let rows = q
        .order((
            stories::publish_on.desc(),
            stories::published_at.desc(),
            stories::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(Story::as_select())
        .load(conn)?;
    Ok((rows, count.count().get_result(conn)?))
}

/// The categories that have at least one public story today (at most one row a category).
pub fn public_categories(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<String>> {
    stories::table
        .filter(public_on!(today))
        .select(stories::category)
        .distinct()
        .load(conn)
}

/// The public stories linked to a sponsor's profile.
pub fn public_for_sponsor(
    conn: &mut DbConn,
    today: NaiveDate,
    sponsor_id: i64,
) -> QueryResult<Vec<Story>> {
    stories::table
        .filter(public_on!(today))
        .filter(stories::sponsor_id.eq(sponsor_id))
        .order((
            stories::publish_on.desc(),
            stories::published_at.desc(),
            stories::id.desc(),
        ))
        .select(Story::as_select())
        .load(conn)
}

/// True when a public story shows this picture.
pub fn is_public_image(conn: &mut DbConn, today: NaiveDate, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        stories::table
            .filter(public_on!(today))
            .filter(stories::image_key.eq(key)),
    ))
    .get_result(conn)
}

/// Saves the author's text, if the story is still in `expected` status (so an edit never
/// lands on a story that moved on meanwhile). Returns the rows changed.
pub fn update_text(
    conn: &mut DbConn,
    id: i64,
    expected: Status,
    seen_at: NaiveDateTime,
    text: &StoryText,
    sponsor_id: Option<Option<i64>>,
) -> QueryResult<usize> {
    let target = stories::table
        .filter(stories::id.eq(id))
        .filter(stories::status.eq(expected.as_str()))
        .filter(stories::updated_at.eq(seen_at));
    let now = super::now();
    match sponsor_id {
        Some(s) => diesel::update(target)
            .set((text, stories::sponsor_id.eq(s), stories::updated_at.eq(now)))
            .execute(conn),
        None => diesel::update(target)
            .set((text, stories::updated_at.eq(now)))
            .execute(conn),
    }
}

/// Moves a story from `from` to `to` (already checked against the table), with the fields
/// that move sets. Returns the rows changed: 0 when someone else moved it first.
pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    from: Status,
    to: Status,
    feedback: Option<&str>,
    publish_on: Option<Option<NaiveDate>>,
) -> QueryResult<usize> {
    let now = super::now();
    let target = stories::table
        .filter(stories::id.eq(id))
        .filter(stories::status.eq(from.as_str()));
    // One statement per move, so the row is never seen half-changed (the CHECK on
    // published_at holds at every statement).
    let status = (stories::status.eq(to.as_str()), stories::updated_at.eq(now));
    match to {
        Status::Submitted => diesel::update(target)
            .set((status, stories::submitted_at.eq(Some(now))))
            .execute(conn),
        Status::Published => diesel::update(target)
            .set((
                status,
                stories::published_at.eq(Some(now)),
                stories::publish_on.eq(publish_on.flatten()),
            ))
            .execute(conn),
        Status::Returned => diesel::update(target)
            .set((status, stories::feedback.eq(feedback.unwrap_or_default())))
            .execute(conn),
        Status::Draft => diesel::update(target).set(status).execute(conn),
    }
}

/// Sets (or clears) the picture while the story is in one of `allowed`; returns
/// Some(the key it replaces), or None when the story is in another status.
pub fn set_image(
    conn: &mut DbConn,
    id: i64,
    key: Option<&str>,
    alt: &str,
    allowed: &[Status],
) -> QueryResult<Option<Option<String>>> {
    let statuses: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    let old: Option<String> = stories::table
        .find(id)
        .select(stories::image_key)
        .first(conn)?;
    let n = diesel::update(
        stories::table
            .filter(stories::id.eq(id))
            .filter(stories::status.eq_any(statuses)),
    )
    .set((
        stories::image_key.eq(key),
        stories::image_alt.eq(alt),
        stories::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok((n == 1).then_some(old))
}

/// Deletes the story if it is still in `status`.
pub fn delete(conn: &mut DbConn, id: i64, status: Status) -> QueryResult<usize> {
    diesel::delete(
        stories::table
            .filter(stories::id.eq(id))
            .filter(stories::status.eq(status.as_str())),
    )
    .execute(conn)
}
