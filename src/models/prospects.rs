//! `prospects` (organisations we hope will sponsor), their `prospect_contacts`, and
//! `prospect_stage_changes` (every stage each entered, for the conversion report).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text};

use crate::db::DbConn;
use crate::db::schema::{prospect_contacts, prospect_stage_changes, prospects, users};
use crate::domain::prospects::{ProspectFields, Stage};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = prospects)]
pub struct Prospect {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub domain: String,
    pub org_size: Option<i32>,
    pub sponsor_id: Option<i64>,
    pub stage: String,
    pub owner_id: Option<i64>,
    pub follow_up_on: Option<NaiveDate>,
    pub not_before: Option<NaiveDate>,
    pub notes: String,
    pub asked_tier_id: Option<i64>,
    pub sponsorship_id: Option<i64>,
    pub lapsed_sponsorship_id: Option<i64>,
    pub do_not_contact: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Prospect {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Identified)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = prospect_contacts)]
pub struct Contact {
    pub id: i64,
    pub prospect_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub created_at: NaiveDateTime,
}

/// A new prospect.
pub struct NewProspect<'a> {
    pub name: &'a str,
    pub domain: &'a str,
    pub org_size: Option<i32>,
    pub sponsor_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub lapsed_sponsorship_id: Option<i64>,
}

/// The key a name is found by (the organisation key: case, accents and legal suffixes
/// ignored), falling back to the folded name for names that are all suffix.
pub fn name_key(name: &str) -> String {
    let k = crate::domain::slug::organisation_key(name);
    if k.is_empty() {
        crate::domain::slug::fold(name.trim())
    } else {
        k
    }
}

pub fn insert(conn: &mut DbConn, p: &NewProspect<'_>) -> QueryResult<i64> {
    let now = super::now();
    let id = diesel::insert_into(prospects::table)
        .values((
            prospects::name.eq(p.name),
            prospects::name_key.eq(name_key(p.name)),
            prospects::domain.eq(p.domain),
            prospects::org_size.eq(p.org_size),
            prospects::sponsor_id.eq(p.sponsor_id),
            prospects::stage.eq(Stage::Identified.as_str()),
            prospects::owner_id.eq(p.owner_id),
            prospects::lapsed_sponsorship_id.eq(p.lapsed_sponsorship_id),
            prospects::created_at.eq(now),
            prospects::updated_at.eq(now),
        ))
        .returning(prospects::id)
        .get_result(conn)?;
    record_stage(conn, id, None, Stage::Identified)?;
    Ok(id)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Prospect> {
    prospects::table
        .find(id)
        .select(Prospect::as_select())
        .first(conn)
}

pub fn find_by_sponsor(conn: &mut DbConn, sponsor_id: i64) -> QueryResult<Option<Prospect>> {
    prospects::table
        .filter(prospects::sponsor_id.eq(sponsor_id))
        .select(Prospect::as_select())
        .first(conn)
        .optional()
}

/// Prospects not linked to a sponsor whose name key or web domain is one of these, by index.
pub fn unlinked_by_keys(conn: &mut DbConn, key: &str, domain: &str) -> QueryResult<Vec<Prospect>> {
    let q = prospects::table
        .filter(prospects::sponsor_id.is_null())
        .select(Prospect::as_select())
        .order(prospects::id)
        .limit(20);
    if domain.is_empty() {
        q.filter(prospects::name_key.eq(key)).load(conn)
    } else {
        q.filter(prospects::name_key.eq(key).or(prospects::domain.eq(domain)))
            .load(conn)
    }
}

/// Every prospect not linked to a sponsor as (id, name, domain): what the usage import
/// matches against, read once per import.
pub fn unlinked_identities(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String)>> {
    prospects::table
        .filter(prospects::sponsor_id.is_null())
        .select((prospects::id, prospects::name, prospects::domain))
        .load(conn)
}

/// Saves the form when the prospect is still at `version` (1 row) or someone else saved it
/// since (0 rows).
pub fn update_fields(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    f: &ProspectFields,
) -> QueryResult<usize> {
    diesel::update(
        prospects::table
            .find(id)
            .filter(prospects::version.eq(version)),
    )
    .set((
        prospects::name.eq(&f.name),
        prospects::name_key.eq(name_key(&f.name)),
        prospects::domain.eq(&f.domain),
        prospects::org_size.eq(f.org_size),
        prospects::owner_id.eq(f.owner_id),
        prospects::follow_up_on.eq(f.follow_up_on),
        prospects::not_before.eq(f.not_before),
        prospects::asked_tier_id.eq(f.asked_tier_id),
        prospects::notes.eq(&f.notes),
        prospects::version.eq(prospects::version + 1),
        prospects::updated_at.eq(super::now()),
    ))
    .execute(conn)
}

/// Moves the prospect from `from` to `to` if it is still at `from` (1 row), recording the
/// move. "Not now" sets the date not to ask before, and the follow-up to that date.
pub fn move_stage(
    conn: &mut DbConn,
    id: i64,
    from: Stage,
    to: Stage,
    not_before: Option<NaiveDate>,
) -> QueryResult<usize> {
    let q = diesel::update(
        prospects::table
            .find(id)
            .filter(prospects::stage.eq(from.as_str())),
    );
    let n = if to == Stage::NotNow {
        q.set((
            prospects::stage.eq(to.as_str()),
            prospects::not_before.eq(not_before),
            prospects::follow_up_on.eq(not_before),
            prospects::version.eq(prospects::version + 1),
            prospects::updated_at.eq(super::now()),
        ))
        .execute(conn)?
    } else if to.is_open() {
        q.set((
            prospects::stage.eq(to.as_str()),
            prospects::version.eq(prospects::version + 1),
            prospects::updated_at.eq(super::now()),
        ))
        .execute(conn)?
    } else {
        // Won or declined: nothing left to follow up.
        q.set((
            prospects::stage.eq(to.as_str()),
            prospects::follow_up_on.eq(None::<NaiveDate>),
            prospects::version.eq(prospects::version + 1),
            prospects::updated_at.eq(super::now()),
        ))
        .execute(conn)?
    };
    if n == 1 {
        record_stage(conn, id, Some(from), to)?;
    }
    Ok(n)
}

fn record_stage(conn: &mut DbConn, id: i64, from: Option<Stage>, to: Stage) -> QueryResult<()> {
    diesel::insert_into(prospect_stage_changes::table)
        .values((
            prospect_stage_changes::prospect_id.eq(id),
            prospect_stage_changes::from_stage.eq(from.map(Stage::as_str)),
            prospect_stage_changes::to_stage.eq(to.as_str()),
            prospect_stage_changes::at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Links the prospect to its sponsor (and the application, when there is one).
pub fn link_sponsor(
    conn: &mut DbConn,
    id: i64,
    sponsor_id: i64,
    sponsorship_id: Option<i64>,
) -> QueryResult<usize> {
    let q = diesel::update(prospects::table.find(id));
    match sponsorship_id {
        Some(sid) => q
            .set((
                prospects::sponsor_id.eq(sponsor_id),
                prospects::sponsorship_id.eq(sid),
                prospects::version.eq(prospects::version + 1),
                prospects::updated_at.eq(super::now()),
            ))
            .execute(conn),
        None => q
            .set((
                prospects::sponsor_id.eq(sponsor_id),
                prospects::version.eq(prospects::version + 1),
                prospects::updated_at.eq(super::now()),
            ))
            .execute(conn),
    }
}

/// An ended term whose sponsor has nothing newer running or pending, and that has not made
/// (or made again) a prospect yet.
#[derive(Clone, Debug, QueryableByName)]
pub struct Lapse {
    #[diesel(sql_type = BigInt)]
    pub sponsorship_id: i64,
    #[diesel(sql_type = BigInt)]
    pub sponsor_id: i64,
}

/// The first `limit` such terms (the rest are found on the next run).
pub fn uncounted_lapses(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Lapse>> {
    let sql = crate::db::numbered_params(
        conn,
        "SELECT s.id AS sponsorship_id, s.sponsor_id FROM sponsorships s \
         WHERE s.status = 'expired' \
         AND NOT EXISTS (SELECT 1 FROM sponsorships n WHERE n.sponsor_id = s.sponsor_id \
             AND n.id <> s.id AND (n.status NOT IN ('expired', 'rejected', 'cancelled') \
             OR (n.status = 'expired' AND n.end_date > s.end_date))) \
         AND NOT EXISTS (SELECT 1 FROM prospects p WHERE p.lapsed_sponsorship_id = s.id) \
         ORDER BY s.id LIMIT $1"
            .to_string(),
    );
    diesel::sql_query(sql).bind::<BigInt, _>(limit).load(conn)
}

/// An "applied" prospect whose application was decided: (prospect, the application's status).
#[derive(Clone, Debug, QueryableByName)]
pub struct Decided {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
}

/// The first `limit` "applied" prospects whose application is paid, running, over, turned
/// down or cancelled.
pub fn decided_applications(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Decided>> {
    let sql = crate::db::numbered_params(
        conn,
        "SELECT p.id, s.status FROM prospects p JOIN sponsorships s ON s.id = p.sponsorship_id \
         WHERE p.stage = 'applied' AND s.status IN ('paid', 'active', 'expired', 'rejected', \
         'cancelled') ORDER BY p.id LIMIT $1"
            .to_string(),
    );
    diesel::sql_query(sql).bind::<BigInt, _>(limit).load(conn)
}

/// Undoes an application's link (it was turned down): the prospect is the organisation's
/// again, not the sponsor record the application made.
pub fn unlink_application(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(prospects::table.find(id))
        .set((
            prospects::sponsor_id.eq(None::<i64>),
            prospects::sponsorship_id.eq(None::<i64>),
            prospects::version.eq(prospects::version + 1),
            prospects::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Marks a lapse: the ended term that made a won prospect a prospect again (once per term:
/// 1 row the first time, 0 after).
pub fn mark_lapsed(conn: &mut DbConn, id: i64, sponsorship_id: i64) -> QueryResult<usize> {
    diesel::update(
        prospects::table.find(id).filter(
            prospects::lapsed_sponsorship_id
                .ne(sponsorship_id)
                .or(prospects::lapsed_sponsorship_id.is_null()),
        ),
    )
    .set((
        prospects::lapsed_sponsorship_id.eq(sponsorship_id),
        prospects::version.eq(prospects::version + 1),
        prospects::updated_at.eq(super::now()),
    ))
    .execute(conn)
}

pub fn set_do_not_contact(conn: &mut DbConn, id: i64, on: bool) -> QueryResult<usize> {
    diesel::update(prospects::table.find(id))
        .set((
            prospects::do_not_contact.eq(on),
            prospects::version.eq(prospects::version + 1),
            prospects::updated_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Sets the next follow-up (after an outreach email) unless one is already set earlier.
pub fn follow_up_by(conn: &mut DbConn, id: i64, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(
        prospects::table.find(id).filter(
            prospects::follow_up_on
                .is_null()
                .or(prospects::follow_up_on.gt(on)),
        ),
    )
    .set((
        prospects::follow_up_on.eq(on),
        prospects::version.eq(prospects::version + 1),
    ))
    .execute(conn)
}

pub fn contacts(conn: &mut DbConn, prospect_id: i64) -> QueryResult<Vec<Contact>> {
    prospect_contacts::table
        .filter(prospect_contacts::prospect_id.eq(prospect_id))
        .select(Contact::as_select())
        .order(prospect_contacts::id)
        .load(conn)
}

pub fn find_contact(conn: &mut DbConn, prospect_id: i64, id: i64) -> QueryResult<Contact> {
    prospect_contacts::table
        .find(id)
        .filter(prospect_contacts::prospect_id.eq(prospect_id))
        .select(Contact::as_select())
        .first(conn)
}

pub fn add_contact(
    conn: &mut DbConn,
    prospect_id: i64,
    name: &str,
    email: &str,
    role: &str,
) -> QueryResult<i64> {
    diesel::insert_into(prospect_contacts::table)
        .values((
            prospect_contacts::prospect_id.eq(prospect_id),
            prospect_contacts::name.eq(name),
            prospect_contacts::email.eq(email),
            prospect_contacts::role.eq(role),
            prospect_contacts::created_at.eq(super::now()),
        ))
        .returning(prospect_contacts::id)
        .get_result(conn)
}

pub fn remove_contact(conn: &mut DbConn, prospect_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(
        prospect_contacts::table
            .find(id)
            .filter(prospect_contacts::prospect_id.eq(prospect_id)),
    )
    .execute(conn)
}

/// One line of the prospect list.
#[derive(Clone, Debug, QueryableByName)]
pub struct Listed {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub domain: String,
    #[diesel(sql_type = Text)]
    pub stage: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub follow_up_on: Option<NaiveDate>,
    #[diesel(sql_type = Bool)]
    pub do_not_contact: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub sponsor_id: Option<i64>,
    /// The ranking metric's total over the window.
    #[diesel(sql_type = Double)]
    pub usage: f64,
    #[diesel(sql_type = Nullable<Text>)]
    pub tier_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub tier_price_minor: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub tier_currency: Option<String>,
}

impl Listed {
    pub fn stage_label(&self) -> &'static str {
        Stage::parse(&self.stage)
            .unwrap_or(Stage::Identified)
            .label()
    }
}

/// What the list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A stage, or "open" for every open stage, or "" for all.
    pub stage: String,
    pub owner_id: Option<i64>,
    /// Part of the name or domain, lower case.
    pub search: String,
    /// Only those with a follow-up on or before this day.
    pub due_by: Option<NaiveDate>,
    /// The metric prospects are ranked by (its kept totals: see
    /// [`crate::models::usage::refresh_totals`]).
    pub metric: String,
}

/// Stages whose follow-up is due on its day: the open ones, and "not now" (its follow-up is
/// the day it may be asked again).
fn is_followed(s: Stage) -> bool {
    s.is_open() || s == Stage::NotNow
}

/// The stages whose follow-ups count, as stored.
fn followed() -> Vec<&'static str> {
    stages_where(is_followed)
}

fn stages_where(keep: fn(Stage) -> bool) -> Vec<&'static str> {
    crate::domain::prospects::STAGES
        .iter()
        .copied()
        .filter(|s| keep(*s))
        .map(Stage::as_str)
        .collect()
}

/// `('identified', 'contacted', …)`: stages for an SQL `IN`, from the stage table (the
/// names are ours, never typed by anyone).
fn sql_list(keep: fn(Stage) -> bool) -> String {
    let quoted: Vec<String> = stages_where(keep)
        .into_iter()
        .map(|s| format!("'{s}'"))
        .collect();
    format!("({})", quoted.join(", "))
}

/// The filter as one condition with fixed parameters, whatever is filtered on (SQLite
/// refuses a bound parameter the statement does not name): `$1` stage ("", "open" or one),
/// `$2` owner (0: anyone), `$3` the search pattern, `$4` the due day and `$5` whether it
/// applies.
fn where_clause() -> String {
    let open = sql_list(Stage::is_open);
    let followed = sql_list(is_followed);
    format!(
        "($1 = '' OR p.stage = $1 OR ($1 = 'open' AND p.stage IN {open})) \
         AND ($2 = 0 OR p.owner_id = $2) \
         AND ($3 = '%%' OR LOWER(p.name) LIKE $3 ESCAPE '\\' OR p.domain LIKE $3 ESCAPE '\\') \
         AND ($5 = 0 OR (p.follow_up_on <= $4 AND p.stage IN {followed}))"
    )
}

/// The due day bound when none is asked for (unused then; any day both databases store).
const NO_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");

/// Binds `where_clause`'s parameters.
macro_rules! bind_filter {
    ($q:expr, $f:expr) => {
        $q.bind::<Text, _>($f.stage.clone())
            .bind::<BigInt, _>($f.owner_id.unwrap_or(0))
            .bind::<Text, _>(format!("%{}%", like_escape(&$f.search)))
            .bind::<Date, _>($f.due_by.unwrap_or(NO_DAY))
            .bind::<BigInt, _>(i64::from($f.due_by.is_some()))
    };
}

/// `%`, `_` and `\` typed in a search match themselves (the pattern's escape is `\`).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many prospects the filter finds.
pub fn count(conn: &mut DbConn, f: &Filter) -> QueryResult<i64> {
    let sql = crate::db::numbered_params(
        conn,
        format!(
            "SELECT COUNT(*) AS n FROM prospects p WHERE {}",
            where_clause()
        ),
    );
    let rows: Vec<Count> = bind_filter!(diesel::sql_query(sql), f).load(conn)?;
    Ok(rows.first().map(|r| r.n).unwrap_or(0))
}

/// One page of prospects, highest usage first (then by name).
pub fn page(conn: &mut DbConn, f: &Filter, offset: i64, limit: i64) -> QueryResult<Vec<Listed>> {
    let sql = crate::db::numbered_params(
        conn,
        format!(
            "SELECT p.id, p.name, p.domain, p.stage, u.name AS owner_name, p.follow_up_on, \
                    p.do_not_contact, p.sponsor_id, COALESCE(f.total, 0.0) AS usage, \
                    t.name AS tier_name, t.price_minor AS tier_price_minor, \
                    t.currency AS tier_currency \
             FROM prospects p \
             LEFT JOIN users u ON u.id = p.owner_id \
             LEFT JOIN tiers t ON t.id = p.asked_tier_id \
             LEFT JOIN usage_totals f ON f.prospect_id = p.id AND f.metric = $6 \
             WHERE {} \
             ORDER BY usage DESC, p.name, p.id LIMIT {} OFFSET {}",
            where_clause(),
            limit.max(0),
            offset.max(0)
        ),
    );
    bind_filter!(diesel::sql_query(sql), f)
        .bind::<Text, _>(&f.metric)
        .load(conn)
}

/// How many prospects are at each stage.
pub fn stage_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    prospects::table
        .group_by(prospects::stage)
        .select((prospects::stage, diesel::dsl::count_star()))
        .load(conn)
}

/// A person's prospects whose follow-up is due by `day` (open ones, and those not to ask
/// before a day that has come), earliest first.
pub fn due_for(
    conn: &mut DbConn,
    owner_id: i64,
    day: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<Prospect>> {
    let open = followed();
    prospects::table
        .filter(prospects::owner_id.eq(owner_id))
        .filter(prospects::follow_up_on.le(day))
        .filter(prospects::stage.eq_any(open))
        .select(Prospect::as_select())
        .order((prospects::follow_up_on, prospects::id))
        .limit(limit)
        .load(conn)
}

/// How many of a person's open prospects are due by `day`.
pub fn count_due_for(conn: &mut DbConn, owner_id: i64, day: NaiveDate) -> QueryResult<i64> {
    let open = followed();
    prospects::table
        .filter(prospects::owner_id.eq(owner_id))
        .filter(prospects::follow_up_on.le(day))
        .filter(prospects::stage.eq_any(open))
        .count()
        .get_result(conn)
}

/// Owners with follow-ups due by `day` (active staff only), as (user id, email, name).
pub fn owners_due(conn: &mut DbConn, day: NaiveDate) -> QueryResult<Vec<(i64, String, String)>> {
    let open = followed();
    prospects::table
        .inner_join(users::table.on(users::id.nullable().eq(prospects::owner_id)))
        .filter(prospects::follow_up_on.le(day))
        .filter(prospects::stage.eq_any(open))
        .filter(users::is_disabled.eq(false))
        .select((users::id, users::email, users::name))
        .distinct()
        .order(users::id)
        .load(conn)
}

/// For the conversion report: (quarter's first day as text "YYYY-MM-DD" of the change,
/// stage entered, prospects that entered it), counting each prospect once per stage and
/// quarter.
#[derive(QueryableByName)]
pub struct Entered {
    #[diesel(sql_type = Text)]
    pub year: String,
    #[diesel(sql_type = Text)]
    pub to_stage: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Prospects that entered each stage, by year, since `from`.
pub fn entered_by_year(conn: &mut DbConn, from: NaiveDateTime) -> QueryResult<Vec<Entered>> {
    let year = match conn {
        DbConn::Sqlite(_) => "strftime('%Y', at)",
        DbConn::Pg(_) => "TO_CHAR(at, 'YYYY')",
    };
    let sql = crate::db::numbered_params(
        conn,
        format!(
            "SELECT {year} AS year, to_stage, COUNT(DISTINCT prospect_id) AS n \
             FROM prospect_stage_changes WHERE at >= $1 \
             GROUP BY {year}, to_stage ORDER BY 1"
        ),
    );
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Timestamp, _>(from)
        .load(conn)
}

/// Prospects after `after` in id order, `limit` of them (for the streamed export), with
/// their owner's name and the asked tier's name and list price.
pub fn export_chunk(
    conn: &mut DbConn,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Prospect, Option<String>)>> {
    prospects::table
        .left_join(users::table.on(users::id.nullable().eq(prospects::owner_id)))
        .filter(prospects::id.gt(after.unwrap_or(0)))
        .select((Prospect::as_select(), users::name.nullable()))
        .order(prospects::id)
        .limit(limit)
        .load(conn)
}

/// (id, name) of these prospects.
pub fn names_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    super::in_chunks(ids, |chunk| {
        prospects::table
            .filter(prospects::id.eq_any(chunk))
            .select((prospects::id, prospects::name))
            .load(conn)
    })
}

/// One cell of the pipeline: an owner's prospects at a stage, with the list prices of the
/// tiers they are asked for (per currency).
#[derive(Clone, Debug, QueryableByName)]
pub struct PipelineCell {
    #[diesel(sql_type = Nullable<Text>)]
    pub owner: Option<String>,
    #[diesel(sql_type = Text)]
    pub stage: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub currency: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub asked_minor: i64,
    /// The ranking metric's total over the window.
    #[diesel(sql_type = Double)]
    pub usage: f64,
}

/// Prospects by owner and stage (and the asked tier's currency), with their usage of
/// `metric` (its kept totals) and the asked tiers' list prices.
pub fn pipeline(conn: &mut DbConn, metric: &str) -> QueryResult<Vec<PipelineCell>> {
    let sql = crate::db::numbered_params(
        conn,
        "SELECT u.name AS owner, p.stage, t.currency, COUNT(*) AS n, \
                CAST(COALESCE(SUM(t.price_minor), 0) AS BIGINT) AS asked_minor, \
                CAST(COALESCE(SUM(f.total), 0) AS DOUBLE PRECISION) AS usage \
         FROM prospects p \
         LEFT JOIN users u ON u.id = p.owner_id \
         LEFT JOIN tiers t ON t.id = p.asked_tier_id \
         LEFT JOIN usage_totals f ON f.prospect_id = p.id AND f.metric = $1 \
         GROUP BY u.name, p.stage, t.currency \
         ORDER BY u.name, p.stage"
            .to_string(),
    );
    diesel::sql_query(sql).bind::<Text, _>(metric).load(conn)
}
