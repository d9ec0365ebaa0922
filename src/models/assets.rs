//! Benefit assets: `asset_requests` (what a tier asks each sponsor for, by when),
//! `asset_submissions` (what a sponsorship provided, one per request) and `asset_reminders`
//! (which reminders a sponsorship had for a request).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    asset_reminders, asset_requests, asset_submissions, sponsors, sponsorships,
};
use crate::domain::assets::{ASKED, Kind};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = asset_requests)]
pub struct AssetRequest {
    pub id: i64,
    pub tier_id: i64,
    pub label: String,
    pub kind: String,
    pub help: String,
    pub due_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

impl AssetRequest {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Text)
    }
    /// "3 March 2027".
    pub fn due_label(&self) -> String {
        self.due_on.format("%-d %B %Y").to_string()
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = asset_submissions)]
pub struct Submission {
    pub id: i64,
    pub request_id: i64,
    pub sponsorship_id: i64,
    /// The text, link or "yes"/"no"; for a file, the name it was uploaded with.
    pub value: String,
    pub file_key: Option<String>,
    pub file_type: Option<String>,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
}

/// The statuses asked for assets, as stored.
fn asked() -> Vec<&'static str> {
    ASKED.iter().map(|s| s.as_str()).collect()
}

pub fn insert(
    conn: &mut DbConn,
    tier_id: i64,
    label: &str,
    kind: Kind,
    help: &str,
    due_on: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(asset_requests::table)
        .values((
            asset_requests::tier_id.eq(tier_id),
            asset_requests::label.eq(label),
            asset_requests::kind.eq(kind.as_str()),
            asset_requests::help.eq(help),
            asset_requests::due_on.eq(due_on),
            asset_requests::created_at.eq(super::now()),
        ))
        .returning(asset_requests::id)
        .get_result(conn)
}

/// Changes what a request says and when it is due (its kind stays).
pub fn update(
    conn: &mut DbConn,
    id: i64,
    label: &str,
    help: &str,
    due_on: NaiveDate,
) -> QueryResult<usize> {
    diesel::update(asset_requests::table.find(id))
        .set((
            asset_requests::label.eq(label),
            asset_requests::help.eq(help),
            asset_requests::due_on.eq(due_on),
        ))
        .execute(conn)
}

/// Removes a request with what was provided for it and its reminders (the caller removes
/// the files).
pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(asset_reminders::table.filter(asset_reminders::request_id.eq(id)))
        .execute(conn)?;
    diesel::delete(asset_submissions::table.filter(asset_submissions::request_id.eq(id)))
        .execute(conn)?;
    diesel::delete(asset_requests::table.find(id)).execute(conn)
}

/// Takes the request's row until the transaction ends (a no-op write): one bulk email at a
/// time per request.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(asset_requests::table.find(id))
        .set(asset_requests::label.eq(asset_requests::label))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<AssetRequest> {
    asset_requests::table
        .find(id)
        .select(AssetRequest::as_select())
        .first(conn)
}

/// A tier's requests, by due date.
pub fn for_tier(conn: &mut DbConn, tier_id: i64) -> QueryResult<Vec<AssetRequest>> {
    asset_requests::table
        .filter(asset_requests::tier_id.eq(tier_id))
        .order((asset_requests::due_on.asc(), asset_requests::id.asc()))
        .select(AssetRequest::as_select())
        .load(conn)
}

/// The requests of several tiers (a query per thousand), by due date.
pub fn for_tiers(conn: &mut DbConn, tier_ids: &[i64]) -> QueryResult<Vec<AssetRequest>> {
    let mut v = super::in_chunks(tier_ids, |chunk| {
        asset_requests::table
            .filter(asset_requests::tier_id.eq_any(chunk))
            .select(AssetRequest::as_select())
            .load(conn)
    })?;
    v.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
    Ok(v)
}

/// Requests due between `from` and `to` (inclusive): the reminder job's candidates.
pub fn due_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AssetRequest>> {
    asset_requests::table
        .filter(asset_requests::due_on.ge(from))
        .filter(asset_requests::due_on.le(to))
        .order(asset_requests::id.asc())
        .select(AssetRequest::as_select())
        .load(conn)
}

/// What these sponsorships provided (a query per thousand).
pub fn submissions_of(conn: &mut DbConn, sponsorship_ids: &[i64]) -> QueryResult<Vec<Submission>> {
    super::in_chunks(sponsorship_ids, |chunk| {
        asset_submissions::table
            .filter(asset_submissions::sponsorship_id.eq_any(chunk))
            .select(Submission::as_select())
            .load(conn)
    })
}

pub fn find_submission(conn: &mut DbConn, id: i64) -> QueryResult<Submission> {
    asset_submissions::table
        .find(id)
        .select(Submission::as_select())
        .first(conn)
}

/// The submission of one sponsorship for one request, if any.
pub fn submission(
    conn: &mut DbConn,
    request_id: i64,
    sponsorship_id: i64,
) -> QueryResult<Option<Submission>> {
    asset_submissions::table
        .filter(asset_submissions::request_id.eq(request_id))
        .filter(asset_submissions::sponsorship_id.eq(sponsorship_id))
        .select(Submission::as_select())
        .first(conn)
        .optional()
}

/// What a sponsorship provides for a request.
pub struct NewSubmission<'a> {
    pub value: &'a str,
    pub file: Option<(&'a str, &'a str)>,
    pub by: &'a str,
}

/// Stores the answer, replacing an earlier one (one row per request and sponsorship; the
/// unique key settles two at once). Returns the file key it replaced, if any.
pub fn upsert_submission(
    conn: &mut DbConn,
    request_id: i64,
    sponsorship_id: i64,
    s: &NewSubmission,
) -> QueryResult<Option<String>> {
    let (key, kind) = match s.file {
        Some((k, t)) => (Some(k), Some(t)),
        None => (None, None),
    };
    match submission(conn, request_id, sponsorship_id)? {
        Some(old) => {
            diesel::update(asset_submissions::table.find(old.id))
                .set((
                    asset_submissions::value.eq(s.value),
                    asset_submissions::file_key.eq(key),
                    asset_submissions::file_type.eq(kind),
                    asset_submissions::submitted_by.eq(s.by),
                    asset_submissions::submitted_at.eq(super::now()),
                ))
                .execute(conn)?;
            Ok(old.file_key.filter(|k| Some(k.as_str()) != key))
        }
        None => {
            diesel::insert_into(asset_submissions::table)
                .values((
                    asset_submissions::request_id.eq(request_id),
                    asset_submissions::sponsorship_id.eq(sponsorship_id),
                    asset_submissions::value.eq(s.value),
                    asset_submissions::file_key.eq(key),
                    asset_submissions::file_type.eq(kind),
                    asset_submissions::submitted_by.eq(s.by),
                    asset_submissions::submitted_at.eq(super::now()),
                ))
                .execute(conn)?;
            Ok(None)
        }
    }
}

/// The file keys of a request's submissions (to remove with it).
pub fn file_keys(conn: &mut DbConn, request_id: i64) -> QueryResult<Vec<String>> {
    asset_submissions::table
        .filter(asset_submissions::request_id.eq(request_id))
        .filter(asset_submissions::file_key.is_not_null())
        .select(asset_submissions::file_key.assume_not_null())
        .load(conn)
}

/// One sponsorship asked for a request: (sponsorship id, sponsor id, sponsor name).
pub type Asked = (i64, i64, String);

type Backend = <DbConn as diesel::Connection>::Backend;

/// The sponsorships a request asks (its tier's, committed and not over), with their
/// sponsor, that have (`answered`) or have not answered it: the one query behind the counts,
/// the missing list, the bulk email and the reminders.
fn asked_for(
    r: &AssetRequest,
    answered: bool,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<sponsorships::table, sponsors::table>,
    Backend,
> {
    let has = exists(
        asset_submissions::table
            .filter(asset_submissions::request_id.eq(r.id))
            .filter(asset_submissions::sponsorship_id.eq(sponsorships::id)),
    );
    let q = sponsorships::table
        .inner_join(sponsors::table)
        .filter(sponsorships::tier_id.eq(r.tier_id))
        .filter(sponsorships::status.eq_any(asked()))
        .into_boxed();
    if answered {
        q.filter(has)
    } else {
        q.filter(not(has))
    }
}

/// How many asked sponsorships of the request's tier have (`provided`) or have not provided
/// it.
pub fn count_asked(conn: &mut DbConn, r: &AssetRequest, provided: bool) -> QueryResult<i64> {
    asked_for(r, provided).count().get_result(conn)
}

/// One page of the asked sponsorships that have not provided the request, by sponsor name.
pub fn missing_page(
    conn: &mut DbConn,
    r: &AssetRequest,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Asked>> {
    asked_for(r, false)
        .order((sponsors::name.asc(), sponsorships::id.asc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select((sponsorships::id, sponsors::id, sponsors::name))
        .load(conn)
}

/// Up to `limit` asked sponsorships without the request, with ids above `after`, by id (the
/// reminder job and the bulk email walk them in chunks). With `not_reminded_at`, those
/// already reminded at that many days are left out (the reminder job opens a transaction
/// only for real work).
pub fn missing_after(
    conn: &mut DbConn,
    r: &AssetRequest,
    not_reminded_at: Option<i32>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Asked>> {
    let mut q = asked_for(r, false).filter(sponsorships::id.gt(after));
    if let Some(days_before) = not_reminded_at {
        q = q.filter(not(exists(
            asset_reminders::table
                .filter(asset_reminders::request_id.eq(r.id))
                .filter(asset_reminders::sponsorship_id.eq(sponsorships::id))
                .filter(asset_reminders::days_before.eq(days_before)),
        )));
    }
    q.order(sponsorships::id.asc())
        .limit(limit.max(0))
        .select((sponsorships::id, sponsors::id, sponsors::name))
        .load(conn)
}

/// One page of what was provided for a request, with the sponsor's name, newest first.
pub fn provided_page(
    conn: &mut DbConn,
    request_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Submission, String)>> {
    asset_submissions::table
        .inner_join(sponsorships::table.inner_join(sponsors::table))
        .filter(asset_submissions::request_id.eq(request_id))
        .order((
            asset_submissions::submitted_at.desc(),
            asset_submissions::id.desc(),
        ))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select((Submission::as_select(), sponsors::name))
        .load(conn)
}

/// The reminder thresholds already recorded for a request and sponsorship.
pub fn reminders_done(
    conn: &mut DbConn,
    request_id: i64,
    sponsorship_id: i64,
) -> QueryResult<Vec<i32>> {
    asset_reminders::table
        .filter(asset_reminders::request_id.eq(request_id))
        .filter(asset_reminders::sponsorship_id.eq(sponsorship_id))
        .select(asset_reminders::days_before)
        .load(conn)
}

/// Records a reminder threshold as sent (or passed). The primary key refuses a second
/// record, so two instances racing here make one transaction fail and send nothing twice.
pub fn record_reminder(
    conn: &mut DbConn,
    request_id: i64,
    sponsorship_id: i64,
    days_before: i32,
) -> QueryResult<()> {
    diesel::insert_into(asset_reminders::table)
        .values((
            asset_reminders::request_id.eq(request_id),
            asset_reminders::sponsorship_id.eq(sponsorship_id),
            asset_reminders::days_before.eq(days_before),
            asset_reminders::sent_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many answers a request has, whatever their sponsorships' status now.
pub fn count_provided(conn: &mut DbConn, request_id: i64) -> QueryResult<i64> {
    asset_submissions::table
        .filter(asset_submissions::request_id.eq(request_id))
        .count()
        .get_result(conn)
}

/// Requests due from `today` on (`upcoming`) or before it.
fn due_from(upcoming: bool, today: NaiveDate) -> asset_requests::BoxedQuery<'static, Backend> {
    let q = asset_requests::table.into_boxed();
    if upcoming {
        q.filter(asset_requests::due_on.ge(today))
    } else {
        q.filter(asset_requests::due_on.lt(today))
    }
}

/// How many requests `page_listed` can show.
pub fn count_listed(conn: &mut DbConn, upcoming: bool, today: NaiveDate) -> QueryResult<i64> {
    due_from(upcoming, today).count().get_result(conn)
}

/// One page of requests due from `today` on (`upcoming`, soonest first) or before it (latest
/// first).
pub fn page_listed(
    conn: &mut DbConn,
    upcoming: bool,
    today: NaiveDate,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<AssetRequest>> {
    let q = due_from(upcoming, today);
    let q = if upcoming {
        q.order((asset_requests::due_on.asc(), asset_requests::id.asc()))
    } else {
        q.order((asset_requests::due_on.desc(), asset_requests::id.desc()))
    };
    q.offset(offset.max(0))
        .limit(limit.max(0))
        .select(AssetRequest::as_select())
        .load(conn)
}

/// How many sponsorships each of these tiers asks (one grouped query).
pub fn asked_by_tier(
    conn: &mut DbConn,
    tier_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = sponsorships::table
        .filter(sponsorships::tier_id.eq_any(tier_ids))
        .filter(sponsorships::status.eq_any(asked()))
        .group_by(sponsorships::tier_id)
        .select((sponsorships::tier_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// How many asked sponsorships have answered each of these requests (one grouped query).
pub fn provided_by_request(
    conn: &mut DbConn,
    request_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = asset_submissions::table
        .inner_join(sponsorships::table)
        .filter(asset_submissions::request_id.eq_any(request_ids))
        .filter(sponsorships::status.eq_any(asked()))
        .group_by(asset_submissions::request_id)
        .select((asset_submissions::request_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
