//! Renewals: reminders before a term ends (60, 30 and 7 days), the sponsor's one-click
//! renewal from the portal, and the renewal rate staff see.

use chrono::{Datelike, Duration, NaiveDate};

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::Role;
use crate::domain::sponsorship::Status;
use crate::email::{self, RenewalReminderEmail, RenewalRequestedEmail};
use crate::error::{AppError, AppResult};
use crate::models::sponsorships::{self, NewSponsorship, Sponsorship};
use crate::models::{renewal_reminders, sponsors, tiers, users};

use super::audit::{self, Actor};
use super::portal;

/// Days before the end of a term at which sponsors are reminded, largest first.
pub const REMINDER_DAYS: [i32; 3] = [60, 30, 7];

/// Statuses of a term that is (or will be) running and so can be renewed.
const RENEWABLE: [Status; 3] = [Status::Paid, Status::Active, Status::Expired];

/// Which reminder is due for a term ending in `days_left` days: the tightest threshold that
/// has been reached. None before 60 days or after the end.
pub fn due_threshold(days_left: i64) -> Option<i32> {
    if days_left < 0 {
        return None;
    }
    REMINDER_DAYS
        .iter()
        .rev()
        .copied()
        .find(|d| days_left <= i64::from(*d))
}

/// Sends the reminders due on `today`. Each (term, threshold) is recorded in
/// `renewal_reminders` in the same transaction as its email, so a restart or a second
/// instance never sends one twice. A term first seen at 25 days gets the 30-day reminder
/// only (the 60-day one is recorded as passed, not sent late). Terms already being renewed
/// get none. Returns how many emails were queued.
pub fn send_reminders(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
) -> AppResult<usize> {
    let candidates = sponsorships::running_ending_within(conn, today, i64::from(REMINDER_DAYS[0]))?;
    // Most terms had today's reminder on an earlier day: one query finds them, so only the
    // terms that may need one get a transaction (which checks again, for a second worker).
    let ids: Vec<i64> = candidates.iter().map(|s| s.id).collect();
    let already = renewal_reminders::done_for_all(conn, &ids)?;
    let mut sent = 0;
    for s in candidates {
        let days_left = (s.end_date - today).num_days();
        let Some(threshold) = due_threshold(days_left) else {
            continue;
        };
        if already.get(&s.id).is_some_and(|d| d.contains(&threshold)) {
            continue;
        }
        let outcome = write_tx(conn, |conn| {
            let done = renewal_reminders::done_for(conn, s.id)?;
            if done.contains(&threshold) {
                return Ok(false);
            }
            for d in REMINDER_DAYS.iter().filter(|d| **d >= threshold) {
                if !done.contains(d) {
                    renewal_reminders::record(conn, s.id, *d)?;
                }
            }
            if renewal_of(conn, s.id)?.is_some() {
                // Already renewing: record the threshold as passed, say nothing.
                return Ok(false);
            }
            let sponsor = sponsors::find(conn, s.sponsor_id)?;
            let tier = tiers::find(conn, s.tier_id)?;
            let mut queued = false;
            for r in portal::recipients(conn, sponsor.id, "primary")? {
                let link = portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?;
                email::enqueue(
                    conn,
                    &r.email,
                    crate::email::About::Sponsorship(s.id),
                    &RenewalReminderEmail {
                        foundation: settings.foundation_name.clone(),
                        name: r.name.clone(),
                        sponsor: sponsor.name.clone(),
                        tier: tier.name.clone(),
                        ends_on: s.end_date.format("%-d %B %Y").to_string(),
                        days_left,
                        link,
                    },
                )?;
                queued = true;
            }
            audit::record(
                conn,
                &Actor::system("renewals"),
                "renewal.reminder",
                Some(("sponsorship", &s.id.to_string())),
                &format!(
                    "{}-day reminder · {} · term ends {}{}",
                    threshold,
                    sponsor.name,
                    s.end_date,
                    if queued {
                        ""
                    } else {
                        " · no contact to email"
                    }
                ),
            )?;
            Ok(queued)
        });
        match outcome {
            Ok(true) => sent += 1,
            Ok(false) => {}
            // Another instance recorded this reminder between our read and our insert: its
            // transaction sent the email, ours rolled back. Nothing to do.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// The renewal application of a term, if one exists and was not turned down or withdrawn.
pub fn renewal_of(conn: &mut DbConn, id: i64) -> AppResult<Option<Sponsorship>> {
    Ok(sponsorships::renewal_of(conn, id)?)
}

/// The tier for the next term: the same tier in next year's edition of the programme when
/// staff have set one up (same programme name, year + 1, same tier slug), else the same tier.
fn next_tier(conn: &mut DbConn, tier: &tiers::Tier) -> AppResult<i64> {
    Ok(tiers::next_year_edition(conn, tier)?.unwrap_or(tier.id))
}

/// The term after `s`: starts the day after it ends and lasts as long (same months when the
/// old term was whole months, e.g. a calendar year).
pub fn next_term(start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
    let new_start = end + Duration::days(1);
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let whole_months = start.day() == 1 && (end + Duration::days(1)).day() == 1 && months >= 0;
    let new_end = if whole_months {
        new_start
            .checked_add_months(chrono::Months::new(months as u32 + 1))
            .map(|d| d - Duration::days(1))
    } else {
        None
    };
    (new_start, new_end.unwrap_or(new_start + (end - start)))
}

/// What a renewal of `s` would be if asked for now: (tier name, start, end, price), with
/// the tier, term and pricing that [`renew`] uses. For the portal's invitation to renew.
pub fn renewal_preview(
    conn: &mut DbConn,
    s: &Sponsorship,
) -> AppResult<(String, NaiveDate, NaiveDate, crate::domain::Money)> {
    let sponsor = sponsors::find(conn, s.sponsor_id)?;
    let old_tier = tiers::find(conn, s.tier_id)?;
    let next_id = next_tier(conn, &old_tier)?;
    let tier = tiers::find(conn, next_id)?;
    let price = tiers::quote(conn, &tier, sponsor.org_size)?.total;
    let (start, end) = next_term(s.start_date, s.end_date);
    Ok((tier.name, start, end, price))
}

/// One-click renewal from the portal: a new application for the next term, prefilled from
/// `id` (same tier or its next-year edition, same length, the server's current price).
/// Returns the new sponsorship's id. A second click, or a renewal already under way, is a
/// Conflict with a plain message.
pub fn renew(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    sponsor_id: i64,
    id: i64,
) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let old = sponsorships::find(conn, id)?;
        if old.sponsor_id != sponsor_id {
            return Err(AppError::NotFound);
        }
        if renewal_of(conn, old.id)?.is_some() {
            return Err(AppError::Conflict(
                "Your renewal is already with us: you can follow it on this page.".into(),
            ));
        }
        if !RENEWABLE.contains(&old.status()) {
            return Err(AppError::Conflict(format!(
                "This sponsorship is {}, so it cannot be renewed.",
                old.status().label().to_lowercase()
            )));
        }
        let sponsor = sponsors::find(conn, sponsor_id)?;
        let old_tier = tiers::find(conn, old.tier_id)?;
        let next_id = next_tier(conn, &old_tier)?;
        let tier = tiers::find(conn, next_id)?;
        tiers::lock(conn, tier.id)?;
        let price = tiers::quote(conn, &tier, sponsor.org_size)?.total;
        // A database error here is an error, not "there is room".
        let full = super::sponsorship_review::joins_waitlist(conn, &tier)?;
        let (start, end) = next_term(old.start_date, old.end_date);
        let new_id = sponsorships::insert(
            conn,
            &NewSponsorship {
                waitlisted: full,
                renewal_of_id: Some(old.id),
                // Doubles are stopped by the one-open-application index and the check above;
                // the key only has to be unique, so a renewal turned down can be asked again.
                ..NewSponsorship::application(
                    sponsor_id,
                    tier.id,
                    (start, end),
                    price,
                    format!("renewal-of-{}-{}", old.id, crate::auth::token::new_token()),
                )
            },
        )
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AppError::Conflict(
                "An application from your organisation is already with us: you can follow it on this page.".into(),
            ),
            other => other.into(),
        })?;
        // A lapsed sponsor on the prospect list: the renewal is its application.
        crate::services::prospects::link_renewal(conn, actor, sponsor_id, new_id)?;
        let benefits = tiers::benefits(conn, tier.id)?;
        sponsorships::create_checklist(conn, new_id, &benefits)?;
        sponsorships::add_event(
            conn,
            new_id,
            &actor.label,
            None,
            Status::Applied,
            &format!("renewal of the {} term", old.term()),
        )?;
        let review = format!(
            "{}/staff/applications/{new_id}",
            settings.base_url.trim_end_matches('/')
        );
        for u in users::active_with_role(conn, Role::Sponsorships)? {
            let Ok(to) = crate::domain::EmailAddress::parse(&u.email) else {
                continue;
            };
            email::enqueue(
                conn,
                &to,
                crate::email::About::Sponsorship(new_id),
                &RenewalRequestedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: u.name.clone(),
                    sponsor: sponsor.name.clone(),
                    tier: tier.name.clone(),
                    term: format!("{start} – {end}"),
                    price: price.to_string(),
                    waitlisted: full,
                    link: review.clone(),
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "sponsorship.renew",
            Some(("sponsorship", &new_id.to_string())),
            &format!(
                "{} · renewal of #{} · {} · {start} – {end} · {price}{}",
                sponsor.name,
                old.id,
                tier.name,
                if full { " · waitlisted" } else { "" }
            ),
        )?;
        Ok(new_id)
    })
}

/// Renewal figures for one year of term ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRow {
    pub year: i32,
    /// Terms that ended that year (paid, active or expired: real sponsorships).
    pub ended: i64,
    /// Of those, how many were followed by another term of the same sponsor.
    pub renewed: i64,
}

impl RateRow {
    /// Whole percent, or None when nothing ended.
    pub fn percent(&self) -> Option<i64> {
        (self.ended > 0).then(|| (self.renewed * 100 + self.ended / 2) / self.ended)
    }
}

/// A term counts as renewed when the same sponsor has another sponsorship that was agreed
/// (approved or later, not rejected or cancelled) starting no earlier than the old term's
/// last 90 days and no later than 180 days after it ended. That counts renewals recorded by
/// hand as well as those made from the portal.
pub fn rate_by_year(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<RateRow>> {
    // One pass each over two narrow lists: the agreed starts grouped by sponsor, then each
    // ended term looked up in its sponsor's starts (not every term against every other).
    let mut starts: std::collections::HashMap<i64, Vec<(i64, NaiveDate)>> = Default::default();
    for (id, sponsor, start) in sponsorships::agreed_starts(conn)? {
        starts.entry(sponsor).or_default().push((id, start));
    }
    let mut rows: std::collections::BTreeMap<i32, RateRow> = Default::default();
    for (id, sponsor, end) in sponsorships::ended_terms(conn, today)? {
        let year = end.year();
        let row = rows.entry(year).or_insert(RateRow {
            year,
            ended: 0,
            renewed: 0,
        });
        row.ended += 1;
        let from = end - Duration::days(90);
        let to = end + Duration::days(180);
        let renewed = starts.get(&sponsor).is_some_and(|list| {
            list.iter()
                .any(|(other, start)| *other != id && *start > from && *start <= to)
        });
        if renewed {
            row.renewed += 1;
        }
    }
    Ok(rows.into_values().rev().collect())
}

/// A term ending soon, for the staff renewals page.
#[derive(Clone, Debug)]
pub struct Upcoming {
    pub sponsorship: Sponsorship,
    pub sponsor_name: String,
    pub tier_name: String,
    pub days_left: i64,
    /// Reminders already sent or passed (60/30/7).
    pub reminders: Vec<i32>,
    pub renewal: Option<Sponsorship>,
}

/// Terms ending within `days`: how many, how many within 30 days, how many with a renewal
/// application (three `COUNT`s, whatever the number of terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndingCounts {
    pub total: i64,
    pub within_30: i64,
    pub renewing: i64,
}

pub fn ending_counts(conn: &mut DbConn, today: NaiveDate, days: i64) -> AppResult<EndingCounts> {
    Ok(EndingCounts {
        total: sponsorships::count_ending_within(conn, today, days)?,
        within_30: sponsorships::count_ending_within(conn, today, days.min(30))?,
        renewing: sponsorships::count_ending_within_renewing(conn, today, days)?,
    })
}

/// One page of the paid and active terms ending within `days`, soonest first: three queries
/// whatever the page size (the terms with their names, their reminders, their renewals).
pub fn upcoming(
    conn: &mut DbConn,
    today: NaiveDate,
    days: i64,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<Upcoming>> {
    let rows = sponsorships::ending_within_page(conn, today, days, offset, limit)?;
    let ids: Vec<i64> = rows.iter().map(|(s, _, _)| s.id).collect();
    let mut reminders = renewal_reminders::done_for_all(conn, &ids)?;
    let mut renewals: std::collections::HashMap<i64, Sponsorship> =
        sponsorships::renewals_of(conn, &ids)?
            .into_iter()
            .filter_map(|r| r.renewal_of_id.map(|of| (of, r)))
            .collect();
    Ok(rows
        .into_iter()
        .map(|(s, sponsor_name, tier_name)| Upcoming {
            days_left: (s.end_date - today).num_days(),
            sponsor_name,
            tier_name,
            reminders: reminders.remove(&s.id).unwrap_or_default(),
            renewal: renewals.remove(&s.id),
            sponsorship: s,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_tightest_reached_threshold_is_due() {
        assert_eq!(due_threshold(61), None);
        assert_eq!(due_threshold(60), Some(60));
        assert_eq!(due_threshold(31), Some(60));
        assert_eq!(due_threshold(30), Some(30));
        assert_eq!(due_threshold(8), Some(30));
        assert_eq!(due_threshold(7), Some(7));
        assert_eq!(due_threshold(0), Some(7));
        assert_eq!(due_threshold(-1), None);
    }

    #[test]
    fn next_term_keeps_the_length() {
        // Calendar year → next calendar year (2028 is a leap year: still whole months).
        assert_eq!(
            next_term(d(2027, 1, 1), d(2027, 12, 31)),
            (d(2028, 1, 1), d(2028, 12, 31))
        );
        // July to June.
        assert_eq!(
            next_term(d(2026, 7, 1), d(2027, 6, 30)),
            (d(2027, 7, 1), d(2028, 6, 30))
        );
        // Odd dates keep the number of days (183; February 2028 has 29).
        assert_eq!(
            next_term(d(2027, 3, 15), d(2027, 9, 14)),
            (d(2027, 9, 15), d(2028, 3, 16))
        );
    }

    #[test]
    fn rate_rounds_and_handles_nothing_ended() {
        let r = RateRow {
            year: 2026,
            ended: 3,
            renewed: 2,
        };
        assert_eq!(r.percent(), Some(67));
        let r = RateRow {
            year: 2026,
            ended: 0,
            renewed: 0,
        };
        assert_eq!(r.percent(), None);
    }
}
