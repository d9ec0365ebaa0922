//! Reviewers of grant applications (with their declared conflicts of interest) and their
//! votes. Every read of who is recused from what is here; the rules about who may see or do
//! what live in `services::grant_review`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grant_reviewers as gr, grant_votes as gv, users};
use crate::domain::grants::Vote;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = gr)]
pub struct GrantReviewer {
    pub application_id: i64,
    pub user_id: i64,
    pub assigned_by: String,
    pub assigned_at: NaiveDateTime,
    /// Declared a conflict of interest: recused from this application for good.
    pub conflict: bool,
    pub conflict_note: String,
    pub conflict_at: Option<NaiveDateTime>,
}

/// A reviewer with the name and address of the staff member.
#[derive(Clone, Debug)]
pub struct ReviewerRow {
    pub reviewer: GrantReviewer,
    pub name: String,
    pub email: String,
}

/// One reviewer's row on one application, if there is one.
pub fn find(
    conn: &mut DbConn,
    application_id: i64,
    user_id: i64,
) -> QueryResult<Option<GrantReviewer>> {
    gr::table
        .find((application_id, user_id))
        .select(GrantReviewer::as_select())
        .first(conn)
        .optional()
}

/// Every reviewer row of an application (recused ones too), in the order they were added.
pub fn reviewers(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<ReviewerRow>> {
    let rows: Vec<(GrantReviewer, String, String)> = gr::table
        .inner_join(users::table)
        .filter(gr::application_id.eq(application_id))
        .order((gr::assigned_at.asc(), gr::user_id.asc()))
        .select((GrantReviewer::as_select(), users::name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reviewer, name, email)| ReviewerRow {
            reviewer,
            name,
            email,
        })
        .collect())
}

/// Adds a reviewer (the caller checked they are not on the application yet).
pub fn assign(conn: &mut DbConn, application_id: i64, user_id: i64, by: &str) -> QueryResult<()> {
    diesel::insert_into(gr::table)
        .values((
            gr::application_id.eq(application_id),
            gr::user_id.eq(user_id),
            gr::assigned_by.eq(by),
            gr::assigned_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a reviewer who has neither voted nor declared a conflict (those rows are records).
pub fn unassign(conn: &mut DbConn, application_id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::delete(
        gr::table
            .filter(gr::application_id.eq(application_id))
            .filter(gr::user_id.eq(user_id))
            .filter(gr::conflict.eq(false)),
    )
    .execute(conn)
}

/// Records a conflict of interest: marks the reviewer's row, or adds a recused row for a
/// member of staff who was not assigned (a decider, say).
pub fn declare_conflict(
    conn: &mut DbConn,
    application_id: i64,
    user_id: i64,
    note: &str,
    by: &str,
) -> QueryResult<()> {
    let now = super::now();
    let n = diesel::update(gr::table.find((application_id, user_id)))
        .set((
            gr::conflict.eq(true),
            gr::conflict_note.eq(note),
            gr::conflict_at.eq(Some(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(gr::table)
            .values((
                gr::application_id.eq(application_id),
                gr::user_id.eq(user_id),
                gr::assigned_by.eq(by),
                gr::assigned_at.eq(now),
                gr::conflict.eq(true),
                gr::conflict_note.eq(note),
                gr::conflict_at.eq(Some(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Staff recused from an application (they declared a conflict of interest).
pub fn recused(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<i64>> {
    gr::table
        .filter(gr::application_id.eq(application_id))
        .filter(gr::conflict.eq(true))
        .select(gr::user_id)
        .load(conn)
}

/// Whether a member of staff is recused from an application.
pub fn is_recused(conn: &mut DbConn, application_id: i64, user_id: i64) -> QueryResult<bool> {
    Ok(find(conn, application_id, user_id)?.is_some_and(|r| r.conflict))
}

/// Name and address of each assigned reviewer who has not declared a conflict of interest
/// and whose account is active: they are told when the applicant writes.
pub fn active_reviewers(
    conn: &mut DbConn,
    application_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    gr::table
        .inner_join(users::table)
        .filter(gr::application_id.eq(application_id))
        .filter(gr::conflict.eq(false))
        .filter(users::is_disabled.eq(false))
        .order(users::id.asc())
        .select((users::name, users::email))
        .load(conn)
}

/// Applications a user is recused from.
pub fn recused_from(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<i64>> {
    gr::table
        .filter(gr::user_id.eq(user_id))
        .filter(gr::conflict.eq(true))
        .select(gr::application_id)
        .load(conn)
}

/// Which of `ids` a user is assigned to review (not recused).
pub fn assigned_to_among(conn: &mut DbConn, user_id: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    gr::table
        .filter(gr::user_id.eq(user_id))
        .filter(gr::conflict.eq(false))
        .filter(gr::application_id.eq_any(ids))
        .select(gr::application_id)
        .load(conn)
}

/// When each user was last given an application to review (for round-robin): users never
/// assigned are absent.
pub fn last_assigned(conn: &mut DbConn) -> QueryResult<HashMap<i64, NaiveDateTime>> {
    let rows: Vec<(i64, NaiveDateTime)> = gr::table
        .select((gr::user_id, gr::assigned_at))
        .load(conn)?;
    let mut out: HashMap<i64, NaiveDateTime> = HashMap::new();
    for (user, at) in rows {
        out.entry(user)
            .and_modify(|t| {
                if at > *t {
                    *t = at;
                }
            })
            .or_insert(at);
    }
    Ok(out)
}

/// Per application: (reviewers not recused, votes cast by them), for the queue.
pub fn summary(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, (usize, usize)>> {
    let reviewers: Vec<(i64, i64)> = gr::table
        .filter(gr::application_id.eq_any(ids))
        .filter(gr::conflict.eq(false))
        .select((gr::application_id, gr::user_id))
        .load(conn)?;
    let votes: std::collections::HashSet<(i64, i64)> = gv::table
        .filter(gv::application_id.eq_any(ids))
        .select((gv::application_id, gv::user_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut out: HashMap<i64, (usize, usize)> = HashMap::new();
    for (app, user) in &reviewers {
        let e = out.entry(*app).or_default();
        e.0 += 1;
        if votes.contains(&(*app, *user)) {
            e.1 += 1;
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = gv)]
pub struct GrantVote {
    pub application_id: i64,
    pub user_id: i64,
    pub vote: String,
    pub score: Option<i32>,
    pub comment: String,
    pub at: NaiveDateTime,
}

impl GrantVote {
    pub fn vote(&self) -> Vote {
        self.vote.parse().unwrap_or(Vote::Abstain)
    }
}

/// A vote with the voter's name.
#[derive(Clone, Debug)]
pub struct VoteRow {
    pub vote: GrantVote,
    pub name: String,
}

/// The votes that count: cast by reviewers assigned to the application and not recused.
pub fn votes(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<VoteRow>> {
    let counted: Vec<i64> = gr::table
        .filter(gr::application_id.eq(application_id))
        .filter(gr::conflict.eq(false))
        .select(gr::user_id)
        .load(conn)?;
    let rows: Vec<(GrantVote, String)> = gv::table
        .inner_join(users::table)
        .filter(gv::application_id.eq(application_id))
        .filter(gv::user_id.eq_any(&counted))
        .order((gv::at.asc(), gv::user_id.asc()))
        .select((GrantVote::as_select(), users::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(vote, name)| VoteRow { vote, name })
        .collect())
}

/// Casts or changes a reviewer's vote.
pub fn set_vote(
    conn: &mut DbConn,
    application_id: i64,
    user_id: i64,
    vote: Vote,
    score: Option<i32>,
    comment: &str,
) -> QueryResult<()> {
    let now = super::now();
    let n = diesel::update(gv::table.find((application_id, user_id)))
        .set((
            gv::vote.eq(vote.as_str()),
            gv::score.eq(score),
            gv::comment.eq(comment),
            gv::at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(gv::table)
            .values((
                gv::application_id.eq(application_id),
                gv::user_id.eq(user_id),
                gv::vote.eq(vote.as_str()),
                gv::score.eq(score),
                gv::comment.eq(comment),
                gv::at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A reviewer's own vote, if cast.
pub fn vote_of(
    conn: &mut DbConn,
    application_id: i64,
    user_id: i64,
) -> QueryResult<Option<GrantVote>> {
    gv::table
        .find((application_id, user_id))
        .select(GrantVote::as_select())
        .first(conn)
        .optional()
}

/// Removes a vote (a reviewer who declared a conflict takes no further part).
pub fn delete_vote(conn: &mut DbConn, application_id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::delete(gv::table.find((application_id, user_id))).execute(conn)
}

/// A decision as it is stored (one per application: the primary key is the application).
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = crate::db::schema::grant_decisions)]
pub struct NewDecision<'a> {
    pub application_id: i64,
    pub outcome: &'a str,
    pub awarded_minor: Option<i64>,
    pub awarded_base_minor: Option<i64>,
    pub rate_micros: Option<i64>,
    pub note: &'a str,
    pub override_reason: &'a str,
    pub decided_by: &'a str,
}

/// Writes the decision; a second decision for the same application breaks the primary key.
pub fn insert_decision(conn: &mut DbConn, d: &NewDecision<'_>) -> QueryResult<()> {
    use crate::db::schema::grant_decisions;
    diesel::insert_into(grant_decisions::table)
        .values((d, grant_decisions::decided_at.eq(super::now())))
        .execute(conn)?;
    Ok(())
}
