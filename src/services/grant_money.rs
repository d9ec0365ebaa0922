//! Grants after the decision: payments recorded by the treasurer (the one that reaches the
//! award moves the grant to paid and the report's due date is set), the worker's report job
//! (paid → report due once the event is over; reminders before the due date, on it and a week
//! after, each once), overdue reports for other pages to flag, closing a grant, and the budget
//! figures per programme and year.

use chrono::{Duration, NaiveDate};

use crate::config::Settings;
use crate::db::{DbConn, lock_keys, serialize_on, write_tx};
use crate::domain::grants::{Method, RATE_SCALE, Status, convert};
use crate::domain::money::MAX_MINOR;
use crate::domain::{EmailAddress, Money};
use crate::email::{self, GrantPaymentSentEmail, GrantReportReminderEmail};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, BudgetUse, GrantApplication};
use crate::models::grant_disbursements::{self as disb, Disbursement, NewDisbursement};
use crate::models::grant_programmes::{self as programmes, GrantProgramme};
use crate::models::grant_report_reminders as reminders;

use super::audit::{self, Actor};
use super::grants::{applicant_link, move_to};

/// A payment as the treasurer typed it, already parsed.
#[derive(Clone, Debug)]
pub struct PaymentInput {
    pub application_id: i64,
    pub paid_on: NaiveDate,
    pub method: Method,
    pub amount: Money,
    /// Foundation units per unit of the payment's currency, times 10^6 (ignored, and stored
    /// as 1, when the payment is in the foundation currency).
    pub rate_micros: i64,
    pub reference: String,
}

/// What recording a payment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentOutcome {
    /// The award is now paid in full and the grant moved to "paid".
    pub paid_in_full: bool,
    pub report_due_on: NaiveDate,
}

/// A payment's worth in the award's currency: itself when it is in that currency; otherwise
/// its foundation-currency amount taken back at the rate the decision used (award ÷ award in
/// the foundation currency), rounded half up. None if the figures are unusable.
pub fn in_award_currency(
    amount_minor: i64,
    currency: &str,
    base_minor: i64,
    award_currency: &str,
    awarded_minor: i64,
    awarded_base_minor: i64,
) -> Option<i64> {
    if currency == award_currency {
        return Some(amount_minor);
    }
    if awarded_base_minor <= 0 {
        return None;
    }
    let num = i128::from(base_minor).checked_mul(i128::from(awarded_minor))?;
    let den = i128::from(awarded_base_minor);
    i64::try_from((num + den / 2) / den).ok()
}

/// Paid so far on an award, in the award's currency (payments in another currency count at
/// the decision's rate, see `in_award_currency`); None if the figures are unusable.
pub fn paid_in_award_currency(
    rows: &[Disbursement],
    award_currency: &str,
    awarded_minor: i64,
    awarded_base_minor: i64,
) -> Option<i64> {
    rows.iter().try_fold(0i64, |sum, d| {
        in_award_currency(
            d.amount_minor,
            &d.currency,
            d.base_minor,
            award_currency,
            awarded_minor,
            awarded_base_minor,
        )
        .and_then(|m| sum.checked_add(m))
    })
}

/// The report's due date for an application: the event's last day plus the programme's
/// report days.
pub fn report_due_date(a: &GrantApplication, p: &GrantProgramme) -> NaiveDate {
    a.ends_on + Duration::days(i64::from(p.report_days))
}

/// Records a payment. Only an approved grant takes payments; a payment that would take the
/// total past the award is refused; the first payment sets the report's due date, and the one
/// that reaches the award moves the grant to paid. The applicant is emailed in the same
/// transaction. Two treasurers recording at once run one after the other (row lock), so
/// neither can overpay.
pub fn record_payment(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    p: &PaymentInput,
) -> AppResult<PaymentOutcome> {
    let base = settings.currency();
    write_tx(conn, |conn| {
        // Payments change what a programme's year has used; decisions check that.
        serialize_on(conn, lock_keys::GRANT_DECISIONS)?;
        let a = apps::find(conn, p.application_id)?;
        if a.status() != Status::Approved {
            return Err(AppError::Conflict(not_payable(a.status())));
        }
        if !apps::hold(conn, a.id, &[Status::Approved])? {
            let now = apps::find(conn, a.id)?;
            return Err(AppError::Conflict(not_payable(now.status())));
        }
        let decision = apps::decision(conn, a.id)?
            .filter(|d| d.approved())
            .ok_or_else(|| AppError::Conflict("This grant has no approved award to pay.".into()))?;
        let (Some(awarded), Some(awarded_base)) =
            (decision.awarded_minor, decision.awarded_base_minor)
        else {
            return Err(AppError::Conflict(
                "This grant has no approved award to pay.".into(),
            ));
        };
        let award_money = Money::from_db(awarded, &a.currency).map_err(AppError::BadRequest)?;
        let rate = if p.amount.currency == base {
            RATE_SCALE
        } else {
            p.rate_micros
        };
        let in_base = convert(p.amount, rate, base).ok_or_else(|| {
            AppError::BadRequest(format!(
                "At that rate the payment would be more than {} in {}: check the amount and the rate.",
                Money::new(MAX_MINOR, base),
                base.code()
            ))
        })?;
        if in_base.minor <= 0 {
            return Err(AppError::BadRequest(
                "At that rate the payment is worth nothing in the foundation currency: check the rate."
                    .into(),
            ));
        }
        let earlier = disb::for_application(conn, a.id)?;
        let before = paid_in_award_currency(&earlier, &a.currency, awarded, awarded_base)
            .ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("payments of {} do not add up", a.currency))
            })?;
        let this = in_award_currency(
            p.amount.minor,
            p.amount.currency.code(),
            in_base.minor,
            &a.currency,
            awarded,
            awarded_base,
        )
        .ok_or_else(|| {
            AppError::BadRequest("That payment cannot be compared with the award.".into())
        })?;
        let total = before
            .checked_add(this)
            .ok_or_else(|| AppError::BadRequest("That amount is too large.".into()))?;
        if total > awarded {
            let left = Money::new((awarded - before).max(0), award_money.currency);
            return Err(AppError::BadRequest(format!(
                "That would pay more than the award of {award_money}: {left} is still to pay{}.",
                if p.amount.currency == award_money.currency {
                    String::new()
                } else {
                    format!(
                        " (payments in {} count at the decision's rate)",
                        p.amount.currency.code()
                    )
                }
            )));
        }
        let id = disb::insert(
            conn,
            &NewDisbursement {
                application_id: a.id,
                paid_on: p.paid_on,
                method: p.method.as_str().into(),
                amount_minor: p.amount.minor,
                currency: p.amount.currency.code().into(),
                rate_micros: rate,
                base_minor: in_base.minor,
                reference: p.reference.clone(),
                recorded_by: actor.label.clone(),
                created_at: crate::models::now(),
            },
        )?;
        let programme = programmes::find(conn, a.programme_id)?;
        let due = match a.report_due_on {
            Some(d) => d,
            None => {
                let d = report_due_date(&a, &programme);
                apps::set_report_due_once(conn, a.id, d)?;
                d
            }
        };
        let paid_in_full = total >= awarded;
        if paid_in_full {
            move_to(conn, actor, a.id, Status::Paid, "the award is paid in full")?;
        }
        if let Ok(to) = EmailAddress::parse(&a.applicant_email) {
            let link = applicant_link(conn, settings, &a)?;
            email::enqueue(
                conn,
                &to,
                crate::email::About::GrantApplication(a.id),
                &GrantPaymentSentEmail {
                    foundation: settings.foundation_name.clone(),
                    name: a.applicant_name.clone(),
                    reference: a.reference(),
                    event: a.event_name.clone(),
                    amount: p.amount.to_string(),
                    paid_on: p.paid_on.format("%-d %B %Y").to_string(),
                    method: p.method.label().to_string(),
                    payment_reference: p.reference.clone(),
                    paid_in_full,
                    still_to_pay: Money::new(awarded - total, award_money.currency).to_string(),
                    report_due_on: due.format("%-d %B %Y").to_string(),
                    link,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "grant.payment",
            Some(("grant_application", &a.id.to_string())),
            &format!(
                "{} · payment #{id} · {} ({} at {}) · {} · {}{}{}",
                a.reference(),
                p.amount,
                in_base,
                crate::domain::grants::rate_label(rate),
                p.method.label(),
                p.paid_on,
                if p.reference.is_empty() {
                    String::new()
                } else {
                    format!(" · ref {}", p.reference)
                },
                if paid_in_full { " · paid in full" } else { "" }
            ),
        )?;
        Ok(PaymentOutcome {
            paid_in_full,
            report_due_on: due,
        })
    })
}

/// Why a grant in `status` takes no payment, in words for the treasurer.
fn not_payable(status: Status) -> String {
    match status {
        Status::Paid | Status::ReportDue | Status::ReportReceived | Status::Closed => {
            "This grant has been paid in full: nothing more can be recorded.".into()
        }
        other => format!(
            "This grant is {}: payments are recorded only for approved grants.",
            other.label().to_lowercase()
        ),
    }
}

/// Closes a grant whose report has been received.
pub fn close(conn: &mut DbConn, actor: &Actor, id: i64, note: &str) -> AppResult<()> {
    write_tx(conn, |conn| {
        let a = apps::find(conn, id)?;
        if a.status() != Status::ReportReceived {
            return Err(AppError::Conflict(format!(
                "Only a grant whose report has been received can be closed; this one is {}.",
                a.status().label().to_lowercase()
            )));
        }
        move_to(conn, actor, id, Status::Closed, note)?;
        Ok(())
    })
}

// --- Reports: the worker's job and the overdue flag -------------------------------------------

/// A report reminder; each goes out once per grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reminder {
    /// 14 days before the due date.
    DueSoon,
    /// On the due date (or late in the following week if the worker was down).
    DueToday,
    /// 7 days after the due date.
    Overdue,
}

impl Reminder {
    pub const ALL: [Reminder; 3] = [Reminder::DueSoon, Reminder::DueToday, Reminder::Overdue];

    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::DueSoon => "due_soon",
            Reminder::DueToday => "due_today",
            Reminder::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reminder::DueSoon => "due in two weeks",
            Reminder::DueToday => "due today",
            Reminder::Overdue => "overdue",
        }
    }
}

/// Days before the due date at which the first reminder goes.
pub const DUE_SOON_DAYS: i64 = 14;
/// Days after the due date at which the report counts as overdue for the reminder.
pub const OVERDUE_AFTER_DAYS: i64 = 7;

/// The reminder due on `today` for a report due on `due`: the latest one reached. None more
/// than two weeks before.
pub fn due_reminder(due: NaiveDate, today: NaiveDate) -> Option<Reminder> {
    let days_left = (due - today).num_days();
    if days_left > DUE_SOON_DAYS {
        None
    } else if days_left > 0 {
        Some(Reminder::DueSoon)
    } else if days_left > -OVERDUE_AFTER_DAYS {
        Some(Reminder::DueToday)
    } else {
        Some(Reminder::Overdue)
    }
}

/// What one run of the report job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportJob {
    /// Grants moved from paid to report due.
    pub moved: usize,
    /// Reminder emails queued.
    pub reminded: usize,
}

/// The worker's report job for `today`: grants whose event is over move from paid to report
/// due; then each report due gets the reminder it has reached. A reminder is recorded in
/// `grant_report_reminders` in the same transaction as its email, so a restart or a second
/// worker never sends one twice; a reminder first reached late (the worker was down) is
/// recorded as passed with the later one, not sent late.
pub fn report_jobs(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
) -> AppResult<ReportJob> {
    let mut out = ReportJob::default();
    let worker = Actor::system("grant reports");
    for a in apps::list(conn, &[Status::Paid])? {
        if a.ends_on >= today {
            continue;
        }
        let r = write_tx(conn, |conn| {
            if a.report_due_on.is_none() {
                let p = programmes::find(conn, a.programme_id)?;
                apps::set_report_due_once(conn, a.id, report_due_date(&a, &p))?;
            }
            move_to(conn, &worker, a.id, Status::ReportDue, "the event is over")?;
            Ok(())
        });
        match r {
            Ok(()) => out.moved += 1,
            // Another worker moved it first, or the report came in meanwhile.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for a in apps::list(conn, &[Status::ReportDue])? {
        let Some(due) = a.report_due_on else {
            continue;
        };
        let Some(kind) = due_reminder(due, today) else {
            continue;
        };
        let r = write_tx(conn, |conn| {
            // Still waiting for the report? (It may have come in since the list was read.)
            if apps::find(conn, a.id)?.status() != Status::ReportDue {
                return Ok(false);
            }
            let done = reminders::done_for(conn, a.id)?;
            if done.iter().any(|k| k == kind.as_str()) {
                return Ok(false);
            }
            for k in Reminder::ALL.into_iter().filter(|k| *k <= kind) {
                if !done.iter().any(|d| d == k.as_str()) {
                    reminders::record(conn, a.id, k.as_str())?;
                }
            }
            let sent = match EmailAddress::parse(&a.applicant_email) {
                Ok(to) => {
                    let link = applicant_link(conn, settings, &a)?;
                    email::enqueue(
                        conn,
                        &to,
                        crate::email::About::GrantApplication(a.id),
                        &GrantReportReminderEmail {
                            foundation: settings.foundation_name.clone(),
                            name: a.applicant_name.clone(),
                            reference: a.reference(),
                            event: a.event_name.clone(),
                            due_on: due.format("%-d %B %Y").to_string(),
                            days_left: (due - today).num_days(),
                            kind: kind.as_str(),
                            link,
                        },
                    )?;
                    true
                }
                Err(_) => false,
            };
            audit::record(
                conn,
                &worker,
                "grant.report_reminder",
                Some(("grant_application", &a.id.to_string())),
                &format!(
                    "{} · report {} · due {due}{}",
                    a.reference(),
                    kind.label(),
                    if sent {
                        ""
                    } else {
                        " · no valid address to email"
                    }
                ),
            )?;
            Ok(sent)
        });
        match r {
            Ok(true) => out.reminded += 1,
            Ok(false) => {}
            // Another worker recorded this reminder between our read and our insert: its
            // transaction sent the email, ours rolled back.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The reminders a grant has had, in order.
pub fn reminders_of(conn: &mut DbConn, id: i64) -> AppResult<Vec<Reminder>> {
    let done = reminders::done_for(conn, id)?;
    Ok(Reminder::ALL
        .into_iter()
        .filter(|k| done.iter().any(|d| d == k.as_str()))
        .collect())
}

// --- Budget ------------------------------------------------------------------------------------

/// One programme's budget for a year: its cap (if set) and what is committed and paid, in
/// the foundation currency (minor units). The budget page lists these; a decision is checked
/// against one.
#[derive(Clone, Debug)]
pub struct BudgetRow {
    pub programme: GrantProgramme,
    pub cap: Option<i64>,
    pub used: BudgetUse,
}

impl BudgetRow {
    /// Cap less committed and paid (negative when over); None without a cap.
    pub fn remaining(&self) -> Option<i64> {
        self.cap.map(|c| self.used.remaining_of(c))
    }
    /// What an award may still take without an override: nothing without a cap, never below
    /// zero.
    pub fn left_to_award(&self) -> i64 {
        self.remaining().unwrap_or(0).max(0)
    }
}

/// A programme's figures for `year`.
pub fn budget_of(conn: &mut DbConn, programme: GrantProgramme, year: i32) -> AppResult<BudgetRow> {
    Ok(BudgetRow {
        cap: programmes::cap(conn, programme.id, year)?,
        used: apps::budget_use(conn, programme.id, year)?,
        programme,
    })
}

/// Every programme's figures for `year`, by name. A programme with neither a cap nor any
/// award that year is left out unless it is open.
pub fn budget(conn: &mut DbConn, year: i32) -> AppResult<Vec<BudgetRow>> {
    let mut out = Vec::new();
    for p in programmes::all(conn)? {
        let row = budget_of(conn, p, year)?;
        if row.cap.is_none() && row.used == BudgetUse::default() && !row.programme.is_open {
            continue;
        }
        out.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reminders_follow_the_due_date() {
        let due = d(2027, 6, 30);
        assert_eq!(due_reminder(due, due - Duration::days(15)), None);
        assert_eq!(
            due_reminder(due, due - Duration::days(14)),
            Some(Reminder::DueSoon)
        );
        assert_eq!(
            due_reminder(due, due - Duration::days(1)),
            Some(Reminder::DueSoon)
        );
        assert_eq!(due_reminder(due, due), Some(Reminder::DueToday));
        assert_eq!(
            due_reminder(due, due + Duration::days(6)),
            Some(Reminder::DueToday)
        );
        assert_eq!(
            due_reminder(due, due + Duration::days(7)),
            Some(Reminder::Overdue)
        );
        assert_eq!(
            due_reminder(due, due + Duration::days(400)),
            Some(Reminder::Overdue)
        );
    }

    #[test]
    fn payments_count_in_the_award_currency() {
        // Same currency: face value whatever the rate.
        assert_eq!(
            in_award_currency(50_000, "EUR", 54_000, "EUR", 100_000, 108_000),
            Some(50_000)
        );
        // Foundation currency against a EUR award decided at 1.08: $540 is €500.
        assert_eq!(
            in_award_currency(54_000, "USD", 54_000, "EUR", 100_000, 108_000),
            Some(50_000)
        );
        assert_eq!(in_award_currency(1, "USD", 1, "EUR", 1, 0), None);
        // The largest amounts do not overflow.
        assert!(in_award_currency(MAX_MINOR, "USD", MAX_MINOR, "EUR", MAX_MINOR, 1).is_none());
    }
}
