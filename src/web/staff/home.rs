//! The staff home page: what needs attention, by role.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::{AnyStaff, Staff};
use crate::domain::Role;
use crate::error::AppResult;
use crate::models::audit::{self, AuditEntry, AuditFilter};
use crate::models::{outbox, users};
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::staff::fmt_time;

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    is_admin: bool,
    role_labels: Vec<&'static str>,
    staff_count: i64,
    pending_emails: i64,
    failed_emails: i64,
    recent: Vec<AuditEntry>,
    /// For sponsorship staff: (applications to review, in progress, active, benefits to deliver).
    sponsorship_counts: Option<(i64, i64, i64, i64)>,
    /// For sponsorship staff: (waitlisted applications, terms ending within 60 days,
    /// sponsors with a proposed description or logo to approve).
    pipeline: Option<(i64, i64, i64)>,
    /// For the treasurer and sponsorship staff.
    money: Option<Money>,
    /// For grants reviewers, deciders and the treasurer.
    grants: Option<GrantCounts>,
}

/// What the grants side needs to see.
struct GrantCounts {
    /// Submitted, not yet picked up.
    new: i64,
    /// Under review or waiting for the applicant's answer.
    in_review: i64,
    /// Applications the signed-in reviewer is assigned to and has not voted on.
    my_votes: i64,
    /// Approved, not yet paid out.
    to_pay: i64,
    /// Paid grants whose report is late.
    overdue_reports: i64,
}

/// What the money side needs to see.
struct Money {
    ready_to_invoice: i64,
    open_invoices: i64,
    overdue_invoices: i64,
    outstanding: String,
    to_check: i64,
}

impl DashboardPage {
    /// The user sees grant payments (deciders and the treasurer): links go to that list.
    fn grants_reviews(&self) -> bool {
        self.layout
            .user
            .as_ref()
            .is_some_and(|u| u.has(Role::GrantsReviewer) || u.has(Role::GrantsDecider))
    }
    /// The user sees grant payments.
    fn grants_money(&self) -> bool {
        self.layout.user.as_ref().is_some_and(|u| u.grants_money())
    }
    fn when(&self, e: &AuditEntry) -> String {
        fmt_time(&e.at)
    }
}

pub async fn dashboard(staff: Staff<AnyStaff>) -> AppResult<HttpResponse> {
    let is_admin = staff.user.roles.contains(&Role::Admin);
    let sponsorship_counts = if staff.user.roles.contains(&Role::Sponsorships) {
        use crate::domain::sponsorship::Status;
        use crate::models::sponsorships as sp;
        Some(
            staff
                .state
                .db
                .run(|c| {
                    Ok((
                        sp::count_with_status(c, &[Status::Applied])?,
                        sp::count_with_status(
                            c,
                            &[
                                Status::Approved,
                                Status::AgreementSent,
                                Status::AgreementAccepted,
                                Status::Invoiced,
                                Status::Paid,
                            ],
                        )?,
                        sp::count_with_status(c, &[Status::Active])?,
                        sp::count_pending_benefits(c)?,
                    ))
                })
                .await?,
        )
    } else {
        None
    };
    let roles = staff.user.roles.clone();
    let today = chrono::Utc::now().date_naive();
    let pipeline = if roles.contains(&Role::Sponsorships) {
        Some(
            staff
                .state
                .db
                .run(move |c| {
                    let waitlisted = crate::services::review::queue(c)?
                        .iter()
                        .filter(|r| r.sponsorship.waitlisted)
                        .count() as i64;
                    let ending = crate::services::renewals::upcoming(c, today, 60)?.len() as i64;
                    let updates = {
                        use crate::db::schema::sponsors::dsl as so;
                        use diesel::prelude::*;
                        so::sponsors
                            .filter(
                                so::description_pending
                                    .is_not_null()
                                    .or(so::logo_pending_key.is_not_null()),
                            )
                            .count()
                            .get_result::<i64>(c)?
                    };
                    Ok((waitlisted, ending, updates))
                })
                .await?,
        )
    } else {
        None
    };
    let money = if roles.contains(&Role::Sponsorships) || roles.contains(&Role::Treasurer) {
        use crate::domain::sponsorship::Status;
        Some(
            staff
                .state
                .db
                .run(move |c| {
                    let summary = crate::models::invoices::open_summary(c, today)?;
                    let outstanding = summary
                        .by_currency
                        .iter()
                        .map(|(cur, v)| crate::models::invoices::money_label(*v, cur))
                        .collect::<Vec<_>>()
                        .join(" + ");
                    Ok(Money {
                        ready_to_invoice: crate::models::sponsorships::count_with_status(
                            c,
                            &[Status::AgreementAccepted],
                        )?,
                        open_invoices: summary.open,
                        overdue_invoices: summary.overdue,
                        outstanding,
                        to_check: crate::payments::store::unmatched_count(c)?
                            + crate::models::invoices::flagged_count(c)?,
                    })
                })
                .await?,
        )
    } else {
        None
    };
    let grants = if roles.contains(&Role::GrantsReviewer)
        || roles.contains(&Role::GrantsDecider)
        || roles.contains(&Role::Treasurer)
    {
        let me = staff.user.user.id;
        Some(
            staff
                .state
                .db
                .run(move |c| grant_counts(c, me, today))
                .await?,
        )
    } else {
        None
    };
    let (staff_count, pending_emails, failed_emails, recent) = staff
        .state
        .db
        .run(move |c| {
            if !is_admin {
                return Ok((0, 0, 0, Vec::new()));
            }
            let (recent, _) = audit::search(c, &AuditFilter::default(), 1, 8)?;
            Ok((
                users::count(c)?,
                outbox::count_by_status(c, "pending")?,
                outbox::count_by_status(c, "failed")?,
                recent,
            ))
        })
        .await?;
    render(&DashboardPage {
        layout: staff.layout("Dashboard", "/staff"),
        is_admin,
        role_labels: staff.user.roles.iter().map(|r| r.label()).collect(),
        staff_count,
        pending_emails,
        failed_emails,
        recent,
        sponsorship_counts,
        pipeline,
        money,
        grants,
    })
}

fn grant_counts(
    c: &mut crate::db::DbConn,
    me: i64,
    today: chrono::NaiveDate,
) -> AppResult<GrantCounts> {
    use crate::db::schema::{grant_applications as ga, grant_reviewers as gr, grant_votes as gv};
    use crate::domain::grants::Status;
    use diesel::prelude::*;
    let count = |c: &mut crate::db::DbConn, st: &[Status]| -> AppResult<i64> {
        Ok(ga::table
            .filter(ga::status.eq_any(st.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
            .count()
            .get_result(c)?)
    };
    let review = [
        Status::Submitted,
        Status::UnderReview,
        Status::InfoRequested,
    ];
    let mine: Vec<i64> = gr::table
        .inner_join(ga::table)
        .filter(gr::user_id.eq(me))
        .filter(gr::conflict.eq(false))
        .filter(ga::status.eq_any(review.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
        .select(gr::application_id)
        .load(c)?;
    let voted: Vec<i64> = gv::table
        .filter(gv::user_id.eq(me))
        .filter(gv::application_id.eq_any(&mine))
        .select(gv::application_id)
        .load(c)?;
    let overdue = crate::services::grant_money::overdue_reports(c, today)?.len() as i64;
    Ok(GrantCounts {
        new: count(c, &[Status::Submitted])?,
        in_review: count(c, &[Status::UnderReview, Status::InfoRequested])?,
        my_votes: (mine.len() - voted.len()) as i64,
        to_pay: count(c, &[Status::Approved])?,
        overdue_reports: overdue,
    })
}
