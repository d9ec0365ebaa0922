//! Grant applications: the row, its budget lines, status history, messages and files, and the
//! budget figures the decision and the budget page share.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    grant_applications as ga, grant_budget_lines, grant_decisions, grant_disbursements,
    grant_events, grant_files, grant_messages, grant_reports,
};
use crate::domain::grants::{self, Status};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = ga)]
pub struct GrantApplication {
    pub id: i64,
    pub application_key: String,
    pub programme_id: i64,
    pub status: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub organisation: String,
    pub group_key: String,
    pub country: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub city: String,
    pub event_country: String,
    pub attendance: i32,
    pub website: String,
    pub coc_url: String,
    pub requested_minor: i64,
    pub currency: String,
    pub requested_base_minor: i64,
    pub total_budget_minor: i64,
    pub purpose: String,
    pub outreach: String,
    pub earlier_grants: String,
    pub public_opt_in: bool,
    /// The year whose budget an award counts against (the year the event starts).
    pub budget_year: i32,
    pub report_due_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl GrantApplication {
    /// The stored status (the CHECK constraint keeps it one of ours).
    pub fn status(&self) -> Status {
        self.status.parse().unwrap_or(Status::Closed)
    }
    /// "G-42": how staff and applicants refer to it.
    pub fn reference(&self) -> String {
        format!("G-{}", self.id)
    }
    /// An amount in the application's currency, for people.
    pub fn money_label(&self, minor: i64) -> String {
        super::invoices::money_label(minor, &self.currency)
    }
    pub fn requested_label(&self) -> String {
        self.money_label(self.requested_minor)
    }
    pub fn total_budget_label(&self) -> String {
        self.money_label(self.total_budget_minor)
    }
    pub fn dates(&self) -> String {
        grants::event_dates(self.starts_on, self.ends_on)
    }
    /// The report is late on `today`.
    pub fn report_overdue(&self, today: NaiveDate) -> bool {
        matches!(self.status(), Status::Paid | Status::ReportDue)
            && self.report_due_on.is_some_and(|d| d < today)
    }
}

/// A new application as the public form made it.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = ga)]
pub struct NewGrantApplication {
    pub application_key: String,
    pub programme_id: i64,
    pub status: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub organisation: String,
    pub group_key: String,
    pub country: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub city: String,
    pub event_country: String,
    pub attendance: i32,
    pub website: String,
    pub coc_url: String,
    pub requested_minor: i64,
    pub currency: String,
    pub requested_base_minor: i64,
    pub total_budget_minor: i64,
    pub purpose: String,
    pub outreach: String,
    pub earlier_grants: String,
    pub public_opt_in: bool,
    pub budget_year: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts the application with its budget lines `(label, amount)`; returns its id.
pub fn insert(
    conn: &mut DbConn,
    new: &NewGrantApplication,
    lines: &[(String, i64)],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(ga::table)
        .values(new)
        .returning(ga::id)
        .get_result(conn)?;
    for (i, (label, amount)) in lines.iter().enumerate() {
        diesel::insert_into(grant_budget_lines::table)
            .values((
                grant_budget_lines::application_id.eq(id),
                grant_budget_lines::position.eq(i as i32),
                grant_budget_lines::label.eq(label),
                grant_budget_lines::amount_minor.eq(amount),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<GrantApplication> {
    ga::table
        .find(id)
        .select(GrantApplication::as_select())
        .first(conn)
}

pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<GrantApplication>> {
    ga::table
        .filter(ga::application_key.eq(key))
        .select(GrantApplication::as_select())
        .first(conn)
        .optional()
}

/// Every application sent from an address (for a new private link).
pub fn for_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<GrantApplication>> {
    let all: Vec<GrantApplication> = ga::table
        .order(ga::id.desc())
        .select(GrantApplication::as_select())
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|a| a.applicant_email.eq_ignore_ascii_case(email))
        .collect())
}

/// Earlier applications of the same group (by folded organisation name), newest first.
pub fn same_group(conn: &mut DbConn, a: &GrantApplication) -> QueryResult<Vec<GrantApplication>> {
    ga::table
        .filter(ga::group_key.eq(&a.group_key))
        .filter(ga::id.ne(a.id))
        .order(ga::id.desc())
        .select(GrantApplication::as_select())
        .load(conn)
}

/// Applications for staff lists, newest first, optionally in some statuses only.
pub fn list(conn: &mut DbConn, statuses: &[Status]) -> QueryResult<Vec<GrantApplication>> {
    let mut q = ga::table.into_boxed();
    if !statuses.is_empty() {
        q = q.filter(ga::status.eq_any(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    }
    q.order(ga::id.desc())
        .select(GrantApplication::as_select())
        .load(conn)
}

/// What the staff queue selects: any of `statuses` (empty: any status), one programme or
/// any; never the applications `viewer` is recused from; with `mine_only`, only those
/// assigned to `viewer`.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub statuses: Vec<Status>,
    pub programme: Option<i64>,
    pub viewer: i64,
    pub mine_only: bool,
}

type Boxed = ga::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend>;

/// The applications a queue filter selects, in SQL.
fn queue_filtered(f: &QueueFilter) -> Boxed {
    use crate::db::schema::grant_reviewers as gr;
    let mut q = ga::table.into_boxed();
    if !f.statuses.is_empty() {
        let names: Vec<&'static str> = f.statuses.iter().map(|s| s.as_str()).collect();
        q = q.filter(ga::status.eq_any(names));
    }
    if let Some(p) = f.programme {
        q = q.filter(ga::programme_id.eq(p));
    }
    q = q.filter(
        ga::id.ne_all(
            gr::table
                .filter(gr::user_id.eq(f.viewer))
                .filter(gr::conflict.eq(true))
                .select(gr::application_id),
        ),
    );
    if f.mine_only {
        q = q.filter(
            ga::id.eq_any(
                gr::table
                    .filter(gr::user_id.eq(f.viewer))
                    .filter(gr::conflict.eq(false))
                    .select(gr::application_id),
            ),
        );
    }
    q
}

/// How many applications have one of these statuses.
pub fn count_with_status(conn: &mut DbConn, statuses: &[Status]) -> QueryResult<i64> {
    let names: Vec<&'static str> = statuses.iter().map(|s| s.as_str()).collect();
    ga::table
        .filter(ga::status.eq_any(names))
        .count()
        .get_result(conn)
}

/// How many applications with one of these statuses `user` is assigned to (not recused) and
/// has not voted on yet.
pub fn count_awaiting_vote_of(
    conn: &mut DbConn,
    user: i64,
    statuses: &[Status],
) -> QueryResult<i64> {
    use crate::db::schema::{grant_reviewers as gr, grant_votes as gv};
    let names: Vec<&'static str> = statuses.iter().map(|s| s.as_str()).collect();
    ga::table
        .filter(ga::status.eq_any(names))
        .filter(
            ga::id.eq_any(
                gr::table
                    .filter(gr::user_id.eq(user))
                    .filter(gr::conflict.eq(false))
                    .select(gr::application_id),
            ),
        )
        .filter(
            ga::id.ne_all(
                gv::table
                    .filter(gv::user_id.eq(user))
                    .select(gv::application_id),
            ),
        )
        .count()
        .get_result(conn)
}

/// How many grants (paid or report due) are past their report's due date on `today`.
pub fn count_reports_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<i64> {
    ga::table
        .filter(ga::status.eq_any([Status::Paid.as_str(), Status::ReportDue.as_str()]))
        .filter(ga::report_due_on.lt(today))
        .count()
        .get_result(conn)
}

/// How many applications the queue filter selects.
pub fn queue_count(conn: &mut DbConn, f: &QueueFilter) -> QueryResult<i64> {
    queue_filtered(f).count().get_result(conn)
}

/// One page of the queue, newest first.
pub fn queue_page(
    conn: &mut DbConn,
    f: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<GrantApplication>> {
    queue_filtered(f)
        .order(ga::id.desc())
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(GrantApplication::as_select())
        .load(conn)
}

/// Up to `limit` applications of the queue with an id below `before`, newest first (a chunk
/// of the export).
pub fn queue_chunk_before(
    conn: &mut DbConn,
    f: &QueueFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<GrantApplication>> {
    let mut q = queue_filtered(f);
    if let Some(b) = before {
        q = q.filter(ga::id.lt(b));
    }
    q.order(ga::id.desc())
        .limit(limit.max(0))
        .select(GrantApplication::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_budget_lines)]
pub struct BudgetLine {
    pub id: i64,
    pub application_id: i64,
    pub position: i32,
    pub label: String,
    pub amount_minor: i64,
}

pub fn budget_lines(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<BudgetLine>> {
    grant_budget_lines::table
        .filter(grant_budget_lines::application_id.eq(application_id))
        .order(grant_budget_lines::position.asc())
        .select(BudgetLine::as_select())
        .load(conn)
}

/// Moves an application from `from` to `to` only if it is still in `from` (the caller has
/// checked the transition table); writes the history row. Returns false when someone else
/// moved it first.
pub fn move_status(
    conn: &mut DbConn,
    id: i64,
    from: Status,
    to: Status,
    actor: &str,
    note: &str,
) -> QueryResult<bool> {
    let now = super::now();
    let n = diesel::update(ga::table.find(id).filter(ga::status.eq(from.as_str())))
        .set((ga::status.eq(to.as_str()), ga::updated_at.eq(now)))
        .execute(conn)?;
    if n == 1 {
        add_event(conn, id, Some(from), to, actor, note)?;
    }
    Ok(n == 1)
}

/// Touches the application row, only while it is in one of `statuses` (any status when
/// empty). On PostgreSQL the UPDATE holds the row until the transaction ends, so votes,
/// recusals, payments, a withdrawal and the decision on one application happen one after the
/// other and each sees the others' result; on SQLite the write transaction already does
/// that. False when the application is no longer in one of those statuses.
pub fn hold(conn: &mut DbConn, id: i64, statuses: &[Status]) -> QueryResult<bool> {
    let now = super::now();
    let n = if statuses.is_empty() {
        diesel::update(ga::table.find(id))
            .set(ga::updated_at.eq(now))
            .execute(conn)?
    } else {
        let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        diesel::update(ga::table.find(id).filter(ga::status.eq_any(names)))
            .set(ga::updated_at.eq(now))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Sets the report's due date once (the first payment); a date already set stays.
pub fn set_report_due_once(conn: &mut DbConn, id: i64, due: NaiveDate) -> QueryResult<bool> {
    let n = diesel::update(ga::table.find(id).filter(ga::report_due_on.is_null()))
        .set(ga::report_due_on.eq(Some(due)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Writes a history row (also used for the first "submitted" row, with no `from`).
pub fn add_event(
    conn: &mut DbConn,
    id: i64,
    from: Option<Status>,
    to: Status,
    actor: &str,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(grant_events::table)
        .values((
            grant_events::application_id.eq(id),
            grant_events::from_status.eq(from.map(|s| s.as_str())),
            grant_events::to_status.eq(to.as_str()),
            grant_events::actor.eq(actor),
            grant_events::note.eq(note),
            grant_events::at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_events)]
pub struct GrantEvent {
    pub id: i64,
    pub application_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: NaiveDateTime,
}

impl GrantEvent {
    pub fn to_label(&self) -> &'static str {
        self.to_status
            .parse::<Status>()
            .map(|s| s.label())
            .unwrap_or("Changed")
    }
}

pub fn events(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<GrantEvent>> {
    grant_events::table
        .filter(grant_events::application_id.eq(application_id))
        .order(grant_events::id.asc())
        .select(GrantEvent::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_messages)]
pub struct GrantMessage {
    pub id: i64,
    pub application_id: i64,
    /// "staff" or "applicant".
    pub author_kind: String,
    pub author: String,
    pub body: String,
    pub at: NaiveDateTime,
}

impl GrantMessage {
    pub fn from_applicant(&self) -> bool {
        self.author_kind == "applicant"
    }
}

pub fn add_message(
    conn: &mut DbConn,
    application_id: i64,
    from_applicant: bool,
    author: &str,
    body: &str,
) -> QueryResult<i64> {
    diesel::insert_into(grant_messages::table)
        .values((
            grant_messages::application_id.eq(application_id),
            grant_messages::author_kind.eq(if from_applicant { "applicant" } else { "staff" }),
            grant_messages::author.eq(author),
            grant_messages::body.eq(body),
            grant_messages::at.eq(super::now()),
        ))
        .returning(grant_messages::id)
        .get_result(conn)
}

pub fn messages(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<GrantMessage>> {
    grant_messages::table
        .filter(grant_messages::application_id.eq(application_id))
        .order(grant_messages::id.asc())
        .select(GrantMessage::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_files)]
pub struct GrantFile {
    pub id: i64,
    pub application_id: i64,
    /// "application" or "report".
    pub purpose: String,
    pub file_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
}

pub fn add_file(
    conn: &mut DbConn,
    application_id: i64,
    purpose: &str,
    file_key: &str,
    file_name: &str,
    content_type: &str,
    size_bytes: i64,
) -> QueryResult<i64> {
    diesel::insert_into(grant_files::table)
        .values((
            grant_files::application_id.eq(application_id),
            grant_files::purpose.eq(purpose),
            grant_files::file_key.eq(file_key),
            grant_files::file_name.eq(file_name),
            grant_files::content_type.eq(content_type),
            grant_files::size_bytes.eq(size_bytes),
            grant_files::created_at.eq(super::now()),
        ))
        .returning(grant_files::id)
        .get_result(conn)
}

pub fn files(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<GrantFile>> {
    grant_files::table
        .filter(grant_files::application_id.eq(application_id))
        .order(grant_files::id.asc())
        .select(GrantFile::as_select())
        .load(conn)
}

/// One file of one application (scoped: another application's file is NotFound).
pub fn file_of(conn: &mut DbConn, application_id: i64, file_id: i64) -> QueryResult<GrantFile> {
    grant_files::table
        .filter(grant_files::id.eq(file_id))
        .filter(grant_files::application_id.eq(application_id))
        .select(GrantFile::as_select())
        .first(conn)
}

/// Money paid out on one application, in the foundation currency. (Payments may be in
/// different currencies, so their face amounts do not add up; see
/// `services::grant_money::paid_in_award_currency` for the award's currency.)
pub fn disbursed(conn: &mut DbConn, application_id: i64) -> QueryResult<i64> {
    let rows: Vec<i64> = grant_disbursements::table
        .filter(grant_disbursements::application_id.eq(application_id))
        .select(grant_disbursements::base_minor)
        .load(conn)?;
    Ok(rows.iter().sum())
}

/// What a programme's year has used, in the foundation currency (minor units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetUse {
    /// Awarded and not yet paid out.
    pub committed: i64,
    /// Paid out.
    pub paid: i64,
}

impl BudgetUse {
    pub fn used(&self) -> i64 {
        self.committed + self.paid
    }
    /// What is left of `cap` (negative when over it).
    pub fn remaining_of(&self, cap: i64) -> i64 {
        cap.saturating_sub(self.used())
    }
}

/// Committed and paid for a programme and year. Paid is every disbursement of its grants;
/// committed is what approved grants still owe (awarded less paid so far). A grant paid in
/// full owes nothing more, even if the exchange rate made the payment differ.
pub fn budget_use(conn: &mut DbConn, programme_id: i64, year: i32) -> QueryResult<BudgetUse> {
    let awarded: Vec<(i64, String, Option<i64>)> = ga::table
        .inner_join(grant_decisions::table)
        .filter(ga::programme_id.eq(programme_id))
        .filter(ga::budget_year.eq(year))
        .filter(grant_decisions::outcome.eq("approved"))
        .select((ga::id, ga::status, grant_decisions::awarded_base_minor))
        .load(conn)?;
    let ids: Vec<i64> = awarded.iter().map(|(id, _, _)| *id).collect();
    let paid_rows: Vec<(i64, i64)> = grant_disbursements::table
        .filter(grant_disbursements::application_id.eq_any(&ids))
        .select((
            grant_disbursements::application_id,
            grant_disbursements::base_minor,
        ))
        .load(conn)?;
    let mut out = BudgetUse::default();
    for (id, status, base) in awarded {
        let paid: i64 = paid_rows
            .iter()
            .filter(|(a, _)| *a == id)
            .map(|(_, m)| *m)
            .sum();
        out.paid += paid;
        // Withdrawn after approval: the award no longer counts, only money already paid.
        if status == Status::Approved.as_str() {
            out.committed += (base.unwrap_or(0) - paid).max(0);
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_decisions)]
pub struct GrantDecision {
    pub application_id: i64,
    /// "approved" or "declined".
    pub outcome: String,
    pub awarded_minor: Option<i64>,
    pub awarded_base_minor: Option<i64>,
    pub rate_micros: Option<i64>,
    pub note: String,
    /// Why the award went past the remaining budget (empty when it did not).
    pub override_reason: String,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

impl GrantDecision {
    pub fn approved(&self) -> bool {
        self.outcome == "approved"
    }
}

/// The decisions of many applications at once, by application.
pub fn decisions_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, GrantDecision>> {
    let rows = super::in_chunks(ids, |chunk| {
        grant_decisions::table
            .filter(grant_decisions::application_id.eq_any(chunk))
            .select(GrantDecision::as_select())
            .load(conn)
    })?;
    Ok(rows.into_iter().map(|d| (d.application_id, d)).collect())
}

pub fn decision(conn: &mut DbConn, application_id: i64) -> QueryResult<Option<GrantDecision>> {
    grant_decisions::table
        .find(application_id)
        .select(GrantDecision::as_select())
        .first(conn)
        .optional()
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = grant_reports)]
pub struct GrantReport {
    pub application_id: i64,
    pub body: String,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
}

/// Stores the post-event report. The application id is the key, so a second report for the
/// same grant fails on the unique constraint instead of replacing the first.
pub fn insert_report(
    conn: &mut DbConn,
    application_id: i64,
    body: &str,
    submitted_by: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(grant_reports::table)
        .values((
            grant_reports::application_id.eq(application_id),
            grant_reports::body.eq(body),
            grant_reports::submitted_by.eq(submitted_by),
            grant_reports::submitted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn report(conn: &mut DbConn, application_id: i64) -> QueryResult<Option<GrantReport>> {
    grant_reports::table
        .find(application_id)
        .select(GrantReport::as_select())
        .first(conn)
        .optional()
}

// Labels the staff and applicant pages share.

impl GrantApplication {
    /// The applicant's country by name ("Portugal", not "PT"); the code if it is not listed.
    pub fn country_name(&self) -> &str {
        crate::domain::country::name(&self.country).unwrap_or(&self.country)
    }
    /// The event's country by name; the code if it is not listed.
    pub fn event_country_name(&self) -> &str {
        crate::domain::country::name(&self.event_country).unwrap_or(&self.event_country)
    }
}

impl GrantFile {
    /// The file's size for people: "2.4 MB", or whole KB (at least 1 KB).
    pub fn size_label(&self) -> String {
        let b = self.size_bytes;
        if b >= 1024 * 1024 {
            format!("{:.1} MB", b as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (b / 1024).max(1))
        }
    }
}
