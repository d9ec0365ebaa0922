//! The staff home page: what needs attention, by role.

pub mod revenue_chart;

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::Role;
use crate::error::AppResult;
use crate::models::audit::{self, AuditEntry, AuditFilter};
use crate::models::{outbox, users};
use crate::web::extract::RoleRule;
use crate::web::extract::{AnyStaff, Staff};
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::staff::fmt_time;

/// Conferences to come the dashboard analyses (the rest are a link away).
const CONFERENCES_SHOWN: i64 = 5;

#[derive(Template)]
#[template(path = "staff/dashboard/home.html")]
struct DashboardPage {
    layout: Layout,
    is_admin: bool,
    /// Getting started, for administrators, until every step is done: each step and whether
    /// this viewer may open its page.
    setup: Option<Vec<(crate::services::setup::Step, bool)>>,
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
    /// For the treasurer and admins: the next conferences still to come or running, and
    /// how many there are in all.
    conferences: Option<(Vec<crate::web::staff::conferences::ListRow>, i64)>,
    /// For the treasurer and sponsorship staff: this year's revenue.
    revenue: Option<(
        crate::services::revenue::Revenue,
        crate::web::staff::dashboard::revenue_chart::RevenueCharts,
    )>,
    /// For editors: stories waiting for review.
    stories_waiting: Option<i64>,
    /// The user may set reference exchange rates (the revenue block links there).
    sets_rates: bool,
    /// For sponsorship staff and admins: their follow-ups due today or before (the first
    /// few), how many in all, and the open prospects.
    follow_ups: Option<(Vec<crate::models::prospects::Prospect>, i64, i64)>,
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

/// Follow-ups listed on the dashboard (the count is complete).
const FOLLOW_UPS_SHOWN: i64 = 8;

impl DashboardPage {
    fn day(&self, d: &chrono::NaiveDate) -> String {
        d.format("%-d %b").to_string()
    }
    /// The user reviews or decides grants (else the grants figures are the treasurer's).
    fn grants_reviews(&self) -> bool {
        self.layout
            .user
            .as_ref()
            .is_some_and(|u| u.grants_reviews())
    }
    /// The user sees grant payments: links go to that list.
    fn grants_money(&self) -> bool {
        self.layout.user.as_ref().is_some_and(|u| u.grants_money())
    }
    fn when(&self, e: &AuditEntry) -> String {
        fmt_time(&e.at)
    }
}

/// `GET /staff`: for each role the member of staff holds, the figures that say what waits
/// for them; each section is read by its own function below, only for the roles it serves.
pub async fn dashboard(staff: Staff<AnyStaff>) -> AppResult<HttpResponse> {
    let roles = staff.user.roles.clone();
    let is_admin = roles.contains(&Role::Admin);
    let sponsorships = roles.contains(&Role::Sponsorships);
    let money_roles = sponsorships || roles.contains(&Role::Treasurer);
    let grant_roles = roles.contains(&Role::GrantsReviewer)
        || roles.contains(&Role::GrantsDecider)
        || roles.contains(&Role::Treasurer);
    let today = chrono::Utc::now().date_naive();
    let base = staff.settings().currency();
    let me = staff.user.user.id;
    let db = &staff.state.db;

    let sponsorship_counts = if sponsorships {
        Some(db.run(sponsorship_counts).await?)
    } else {
        None
    };
    let pipeline = if sponsorships {
        Some(db.run(move |c| pipeline_counts(c, today)).await?)
    } else {
        None
    };
    let money = if money_roles {
        Some(db.run(move |c| money_figures(c, today)).await?)
    } else {
        None
    };
    let grants = if grant_roles {
        Some(db.run(move |c| grant_counts(c, me, today)).await?)
    } else {
        None
    };
    let setup = if is_admin {
        use chrono::Datelike;
        let settings = staff.state.settings.clone();
        let steps = db
            .run(move |c| crate::services::setup::steps(c, &settings, today.year()))
            .await?;
        (!steps.iter().all(|s| s.done)).then(|| {
            steps
                .into_iter()
                .map(|s| {
                    let may_open = may_open(s.link, &roles);
                    (s, may_open)
                })
                .collect()
        })
    } else {
        None
    };
    let (staff_count, pending_emails, failed_emails, recent) = if is_admin {
        db.run(admin_figures).await?
    } else {
        (0, 0, 0, Vec::new())
    };
    let conferences = if crate::web::extract::ConferenceStaff::allows(&roles) {
        Some(
            db.run(move |c| {
                let total = crate::models::conferences::count(c, Some(today))?;
                let next = crate::services::conferences::summaries(
                    c,
                    base,
                    today,
                    Some(today),
                    0,
                    CONFERENCES_SHOWN,
                )?;
                Ok((
                    next.into_iter()
                        .map(crate::web::staff::conferences::ListRow::of)
                        .collect(),
                    total,
                ))
            })
            .await?,
        )
    } else {
        None
    };
    let revenue = if money_roles {
        use chrono::Datelike;
        let r = db
            .run(move |c| crate::services::revenue::for_year(c, today.year(), base))
            .await?;
        let charts = revenue_chart::charts(&r, sponsorships);
        Some((r, charts))
    } else {
        None
    };
    let stories_waiting = if roles.contains(&Role::Editor) {
        Some(
            db.run(|c| Ok(crate::models::stories::count_submitted(c)?))
                .await?,
        )
    } else {
        None
    };
    let follow_ups = if crate::web::extract::OutreachStaff::allows(&roles) {
        Some(
            db.run(move |c| {
                let due = crate::models::prospects::due_for(c, me, today, FOLLOW_UPS_SHOWN)?;
                let total = crate::models::prospects::count_due_for(c, me, today)?;
                let open = crate::models::prospects::count(
                    c,
                    &crate::models::prospects::Filter {
                        stage: "open".into(),
                        ..Default::default()
                    },
                )?;
                Ok((due, total, open))
            })
            .await?,
        )
    } else {
        None
    };
    render(&DashboardPage {
        follow_ups,
        layout: staff.layout("Dashboard", "/staff"),
        is_admin,
        setup,
        role_labels: staff.user.roles.iter().map(|r| r.label()).collect(),
        staff_count,
        pending_emails,
        failed_emails,
        recent,
        sponsorship_counts,
        pipeline,
        money,
        grants,
        conferences,
        revenue,
        stories_waiting,
        sets_rates: crate::web::extract::GrantsAdmin::allows(&roles),
    })
}

/// Whether `roles` may open a getting-started step's page.
fn may_open(link: &str, roles: &[Role]) -> bool {
    use crate::web::extract::{AdminOnly, GrantsAdmin, RoleRule, SponsorshipsStaff};
    match link {
        "/staff/settings/billing" => {
            crate::web::staff::billing::settings::BillingSettingsStaff::allows(roles)
        }
        "/staff/programmes" => SponsorshipsStaff::allows(roles),
        "/staff/grants/programmes" => GrantsAdmin::allows(roles),
        _ => AdminOnly::allows(roles),
    }
}

/// Sponsorships applied, in progress (approved to paid), active, and benefits to deliver.
fn sponsorship_counts(c: &mut crate::db::DbConn) -> AppResult<(i64, i64, i64, i64)> {
    use crate::domain::sponsorship::Status;
    use crate::models::sponsorships as sp;
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
}

/// Applications on the waitlist, terms ending within 60 days, profile updates to approve.
fn pipeline_counts(
    c: &mut crate::db::DbConn,
    today: chrono::NaiveDate,
) -> AppResult<(i64, i64, i64)> {
    let waitlisted = crate::models::sponsorships::count_waitlisted_applications(c)?;
    let ending = crate::models::sponsorships::count_ending_within(c, today, 60)?;
    let updates = crate::models::sponsors::count_with_update_to_approve(c)?;
    Ok((waitlisted, ending, updates))
}

/// What is ready to invoice, open and overdue, outstanding by currency, and payments to check.
fn money_figures(c: &mut crate::db::DbConn, today: chrono::NaiveDate) -> AppResult<Money> {
    use crate::domain::sponsorship::Status;
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
}

/// Staff accounts, emails waiting and failed, and the latest audit entries.
fn admin_figures(c: &mut crate::db::DbConn) -> AppResult<(i64, i64, i64, Vec<AuditEntry>)> {
    let (recent, _) = audit::search(c, &AuditFilter::default(), 1, 8)?;
    Ok((
        users::count(c)?,
        outbox::count_by_status(c, "pending")?,
        outbox::count_by_status(c, "failed")?,
        recent,
    ))
}

/// The grants figures, each one SQL count.
fn grant_counts(
    c: &mut crate::db::DbConn,
    me: i64,
    today: chrono::NaiveDate,
) -> AppResult<GrantCounts> {
    use crate::domain::grants::Status;
    use crate::models::grant_applications as apps;
    let in_review = [
        Status::Submitted,
        Status::UnderReview,
        Status::InfoRequested,
    ];
    Ok(GrantCounts {
        new: apps::count_with_status(c, &[Status::Submitted])?,
        in_review: apps::count_with_status(c, &[Status::UnderReview, Status::InfoRequested])?,
        my_votes: apps::count_awaiting_vote_of(c, me, &in_review)?,
        to_pay: apps::count_with_status(c, &[Status::Approved])?,
        overdue_reports: apps::count_reports_overdue(c, today)?,
    })
}
