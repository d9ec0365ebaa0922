//! Staff review of applications: approve (term and agreed fee) or reject (with a reason).
//! Either way the sponsor's contacts are told by email, in the transaction of the decision.
//!
//! Two staff deciding the same application at once: the tier row is locked first (the same
//! order as `sponsorships::change_status`, so the two never deadlock), the application is read
//! again under that lock, and the move itself is a conditional UPDATE. One decision wins; the
//! other is told who decided and when.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::schema::{sponsorship_events, sponsorships as sp};
use crate::db::{DbConn, write_tx};
use crate::domain::Money;
use crate::domain::sponsorship::{Status, transition};
use crate::email::{self, ApplicationApprovedEmail, ApplicationRejectedEmail};
use crate::error::{AppError, AppResult};
use crate::models::sponsorships::{self, Sponsorship};
use crate::models::{sponsors, tiers};

use super::audit::{self, Actor};
use super::portal;

/// What staff agree when they approve an application.
#[derive(Clone, Debug)]
pub struct Approval {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub fee: Money,
    /// Why the fee differs from the quoted price; required when it does.
    pub reason: String,
}

/// The price the application was quoted (the server's price when it was made).
pub fn quoted_minor(s: &Sponsorship) -> i64 {
    s.list_price_minor.unwrap_or(s.fee_minor)
}

/// "approved by ana@example.org on 2026-11-23 10:04 UTC": the decision taken on the
/// application (the move out of "applied"), however far the sponsorship has gone since.
fn decided_by(conn: &mut DbConn, s: &Sponsorship) -> AppResult<String> {
    let decision: Option<(String, String, chrono::NaiveDateTime)> = sponsorship_events::table
        .filter(sponsorship_events::sponsorship_id.eq(s.id))
        .filter(sponsorship_events::from_status.eq(Status::Applied.as_str()))
        // Not the waitlist's own notes (applied → applied).
        .filter(sponsorship_events::to_status.ne(Status::Applied.as_str()))
        .order(sponsorship_events::id.desc())
        .select((
            sponsorship_events::to_status,
            sponsorship_events::actor,
            sponsorship_events::at,
        ))
        .first(conn)
        .optional()?;
    let now = s.status();
    Ok(match decision {
        Some((to, who, at)) => {
            let to: Status = to.parse().unwrap_or(now);
            let since = if to == now {
                String::new()
            } else {
                format!(" (it is {} now)", now.label().to_lowercase())
            };
            format!(
                "{} by {who} on {}{since}",
                to.label().to_lowercase(),
                at.format("%Y-%m-%d %H:%M UTC")
            )
        }
        None => now.label().to_lowercase(),
    })
}

/// The message for someone who tried to decide an application that is no longer waiting.
fn already_decided(conn: &mut DbConn, id: i64) -> AppResult<AppError> {
    let s = sponsorships::find(conn, id)?;
    Ok(AppError::Conflict(format!(
        "This application was already {}. Nothing was changed.",
        decided_by(conn, &s)?
    )))
}

/// Applications waiting in a tier, first come first served (the waitlist's order).
fn line(conn: &mut DbConn, tier_id: i64) -> AppResult<Vec<Sponsorship>> {
    Ok(sp::table
        .filter(sp::tier_id.eq(tier_id))
        .filter(sp::status.eq(Status::Applied.as_str()))
        .order((sp::created_at.asc(), sp::id.asc()))
        .select(Sponsorship::as_select())
        .load(conn)?)
}

/// Places of a tier still free (None: the tier has no limit).
fn free_places(conn: &mut DbConn, tier: &tiers::Tier) -> AppResult<Option<i64>> {
    Ok(match tier.capacity {
        Some(cap) => Some((i64::from(cap) - tiers::places_taken(conn, tier.id)?).max(0)),
        None => None,
    })
}

/// Whether a new application to `tier` joins the waitlist: the free places are offered to the
/// applications already waiting first.
pub fn joins_waitlist(conn: &mut DbConn, tier: &tiers::Tier) -> AppResult<bool> {
    Ok(match free_places(conn, tier)? {
        Some(free) => {
            let waiting: i64 = sp::table
                .filter(sp::tier_id.eq(tier.id))
                .filter(sp::status.eq(Status::Applied.as_str()))
                .count()
                .get_result(conn)?;
            crate::domain::sponsorship::waitlisted(waiting, Some(free))
        }
        None => false,
    })
}

/// The one waitlist rule, applied to a tier after anything that changes its places or its
/// line (a decision, a cancellation, an ended term, a new capacity): the first applications
/// in line, as many as there are free places, are offered a place; the rest are waitlisted.
/// An application that moves off the waitlist is not approved — the sponsorship staff are
/// told by email that a place is waiting for it, and the move is in its history.
pub fn settle_waitlist(conn: &mut DbConn, settings: &Settings, tier_id: i64) -> AppResult<()> {
    let tier = tiers::find(conn, tier_id)?;
    for (s, sponsor) in settle_line(conn, &tier)? {
        let link = format!(
            "{}/staff/applications/{}",
            settings.base_url.trim_end_matches('/'),
            s.id
        );
        for u in crate::models::users::active_with_role(conn, crate::domain::Role::Sponsorships)? {
            let Ok(to) = crate::domain::EmailAddress::parse(&u.email) else {
                continue;
            };
            email::enqueue(
                conn,
                &to,
                crate::email::About::Sponsorship(s.id),
                &crate::email::PlaceFreeEmail {
                    foundation: settings.foundation_name.clone(),
                    sponsor: sponsor.name.clone(),
                    tier: tier.name.clone(),
                    applied: s.created_at.format("%-d %B %Y").to_string(),
                    link: link.clone(),
                },
            )?;
        }
    }
    Ok(())
}

/// Sets each waiting application's waitlist flag by the rule; returns those just moved off
/// the waitlist (with their sponsor), after writing that move in their history and the audit
/// log. Used alone where a change can only take places (recording a sponsorship), so nobody
/// needs telling.
pub fn settle_line(
    conn: &mut DbConn,
    tier: &tiers::Tier,
) -> AppResult<Vec<(Sponsorship, sponsors::Sponsor)>> {
    // Under the tier's lock (taken again if the caller holds it already): two changes at
    // once settle one after the other, so one application is offered one place once.
    tiers::lock(conn, tier.id)?;
    let free = free_places(conn, tier)?;
    let mut offered = Vec::new();
    for (ahead, s) in line(conn, tier.id)?.into_iter().enumerate() {
        let waitlisted = crate::domain::sponsorship::waitlisted(ahead as i64, free);
        if s.waitlisted == waitlisted {
            continue;
        }
        let changed = diesel::update(
            sp::table
                .filter(sp::id.eq(s.id))
                .filter(sp::status.eq(Status::Applied.as_str()))
                .filter(sp::waitlisted.eq(s.waitlisted)),
        )
        .set(sp::waitlisted.eq(waitlisted))
        .execute(conn)?;
        if changed != 1 || waitlisted {
            continue;
        }
        sponsorships::add_event(
            conn,
            s.id,
            "waitlist",
            Some(Status::Applied),
            Status::Applied,
            "a place is free: off the waitlist, waiting for review",
        )?;
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        audit::record(
            conn,
            &Actor::system("waitlist"),
            "application.place_free",
            Some(("sponsorship", &s.id.to_string())),
            &format!(
                "{} · {}: a place is free, first in line",
                sponsor.name, tier.name
            ),
        )?;
        offered.push((s, sponsor));
    }
    Ok(offered)
}

/// Why an approval with no fee is refused.
pub const ZERO_FEE: &str =
    "The agreed fee must be more than zero; record in-kind support on the sponsor instead.";

/// Approves an application: applied → approved with the agreed term and fee, the waitlist
/// flag cleared, an email to every contact of the sponsor, an audit entry.
pub fn approve(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    a: &Approval,
) -> AppResult<()> {
    if a.end < a.start {
        return Err(AppError::BadRequest(
            "The term must end on or after its first day.".into(),
        ));
    }
    // An invoice cannot be for nothing (invoices CHECK amount > 0).
    if a.fee.minor <= 0 {
        return Err(AppError::BadRequest(ZERO_FEE.into()));
    }
    write_tx(conn, |conn| {
        let tier_id = sponsorships::find(conn, id)?.tier_id;
        tiers::lock(conn, tier_id)?;
        // Read again under the lock: someone may have decided while we waited for it.
        let s = sponsorships::find(conn, id)?;
        if s.status() != Status::Applied {
            return Err(already_decided(conn, id)?);
        }
        transition(Status::Applied, Status::Approved)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if a.fee.currency.code() != s.currency {
            return Err(AppError::BadRequest(format!(
                "The fee must be in {}, the currency of the quote.",
                s.currency
            )));
        }
        let quoted = quoted_minor(&s);
        let reason = a.reason.trim().to_string();
        if a.fee.minor != quoted && reason.is_empty() {
            return Err(AppError::BadRequest(
                "Say why the agreed fee differs from the quoted price.".into(),
            ));
        }
        let tier = tiers::find(conn, s.tier_id)?;
        // The same rule the pages show: settle the line under the lock, then ask it.
        settle_waitlist(conn, settings, tier.id)?;
        if sponsorships::find(conn, id)?.waitlisted {
            let cap = tier.capacity.unwrap_or(0);
            return Err(AppError::Conflict(if tiers::is_full(conn, &tier)? {
                format!(
                    "{} is full ({cap} of {cap} places taken): this application stays on the waitlist until a place frees up or the capacity is raised. Nothing was changed.",
                    tier.name
                )
            } else {
                format!(
                    "The free places in {} go to the applications that came earlier: this one stays on the waitlist until its turn. Nothing was changed.",
                    tier.name
                )
            }));
        }
        let n = diesel::update(
            sp::table
                .filter(sp::id.eq(id))
                .filter(sp::status.eq(Status::Applied.as_str())),
        )
        .set((
            sp::status.eq(Status::Approved.as_str()),
            sp::start_date.eq(a.start),
            sp::end_date.eq(a.end),
            sp::fee_minor.eq(a.fee.minor),
            sp::fee_reason.eq(if a.fee.minor == quoted {
                String::new()
            } else {
                reason.clone()
            }),
            sp::waitlisted.eq(false),
            sp::updated_at.eq(crate::models::now()),
        ))
        .execute(conn)?;
        if n != 1 {
            return Err(already_decided(conn, id)?);
        }
        settle_waitlist(conn, settings, tier.id)?;
        let term = format!(
            "{} – {}",
            a.start.format("%Y-%m-%d"),
            a.end.format("%Y-%m-%d")
        );
        let fee_note = if a.fee.minor == quoted {
            format!("fee {}", a.fee)
        } else {
            format!(
                "fee {} instead of {}: {reason}",
                a.fee,
                Money::new(quoted, a.fee.currency)
            )
        };
        sponsorships::add_event(
            conn,
            id,
            &actor.label,
            Some(Status::Applied),
            Status::Approved,
            &format!("term {term}, {fee_note}"),
        )?;
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        for r in portal::recipients_all(conn, sponsor.id)? {
            let link = portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?;
            email::enqueue(
                conn,
                &r.email,
                crate::email::About::Sponsorship(id),
                &ApplicationApprovedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    tier: tier.name.clone(),
                    term: format!(
                        "{} to {}",
                        a.start.format("%-d %B %Y"),
                        a.end.format("%-d %B %Y")
                    ),
                    fee: a.fee.to_string(),
                    link,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "application.approve",
            Some(("sponsorship", &id.to_string())),
            &format!(
                "{} · {} · {term} · {fee_note}{}",
                sponsor.name,
                tier.name,
                if s.waitlisted {
                    " · from the waitlist"
                } else {
                    ""
                }
            ),
        )?;
        Ok(())
    })
}

/// Rejects an application with a reason the contacts are told.
pub fn reject(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> AppResult<()> {
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "Give the reason: it is sent to the applicant.".into(),
        ));
    }
    write_tx(conn, |conn| {
        let tier_id = sponsorships::find(conn, id)?.tier_id;
        tiers::lock(conn, tier_id)?;
        let s = sponsorships::find(conn, id)?;
        if s.status() != Status::Applied {
            return Err(already_decided(conn, id)?);
        }
        transition(Status::Applied, Status::Rejected)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if !sponsorships::set_status_if(conn, id, Status::Applied, Status::Rejected)? {
            return Err(already_decided(conn, id)?);
        }
        settle_waitlist(conn, settings, s.tier_id)?;
        sponsorships::add_event(
            conn,
            id,
            &actor.label,
            Some(Status::Applied),
            Status::Rejected,
            &reason,
        )?;
        let sponsor = sponsors::find(conn, s.sponsor_id)?;
        let tier = tiers::find(conn, s.tier_id)?;
        for r in portal::recipients_all(conn, sponsor.id)? {
            let link = portal::sponsor_link(conn, settings, sponsor.id, r.email.as_str())?;
            email::enqueue(
                conn,
                &r.email,
                crate::email::About::Sponsorship(id),
                &ApplicationRejectedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: r.name.clone(),
                    sponsor: sponsor.name.clone(),
                    tier: tier.name.clone(),
                    reason: reason.clone(),
                    link,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "application.reject",
            Some(("sponsorship", &id.to_string())),
            &format!("{} · {} · {reason}", sponsor.name, tier.name),
        )?;
        Ok(())
    })
}

/// Settles the waitlist of every tier that has applications waiting (the worker's
/// housekeeping, so that flags written before this rule, or by hand, are brought in line).
pub fn settle_all_waitlists(conn: &mut DbConn, settings: &Settings) -> AppResult<()> {
    let tier_ids: Vec<i64> = sp::table
        .filter(sp::status.eq(Status::Applied.as_str()))
        .select(sp::tier_id)
        .distinct()
        .load(conn)?;
    for tier_id in tier_ids {
        crate::db::write_tx(conn, |conn| settle_waitlist(conn, settings, tier_id))?;
    }
    Ok(())
}

/// Applications waiting for a place in a tier.
pub fn waitlist_count(conn: &mut DbConn, tier_id: i64) -> AppResult<i64> {
    Ok(sp::table
        .filter(sp::tier_id.eq(tier_id))
        .filter(sp::status.eq(Status::Applied.as_str()))
        .filter(sp::waitlisted.eq(true))
        .count()
        .get_result(conn)?)
}

/// How many applications wait for review.
pub fn queue_count(conn: &mut DbConn) -> AppResult<i64> {
    Ok(sp::table
        .filter(sp::status.eq(Status::Applied.as_str()))
        .count()
        .get_result(conn)?)
}

/// How many applications wait for review in each tier that has any.
pub fn queue_per_tier(conn: &mut DbConn) -> AppResult<Vec<(i64, i64)>> {
    Ok(sp::table
        .filter(sp::status.eq(Status::Applied.as_str()))
        .group_by(sp::tier_id)
        .select((sp::tier_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// One page of the applications waiting for review, oldest first.
pub fn queue_page(conn: &mut DbConn, offset: i64, limit: i64) -> AppResult<Vec<sponsorships::Row>> {
    use crate::db::schema::{sponsors as so, tiers as ti};
    let rows: Vec<(Sponsorship, sponsors::Sponsor, tiers::Tier)> = sp::table
        .inner_join(so::table)
        .inner_join(ti::table)
        .filter(sp::status.eq(Status::Applied.as_str()))
        .order((sp::created_at.asc(), sp::id.asc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select((
            Sponsorship::as_select(),
            sponsors::Sponsor::as_select(),
            tiers::Tier::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(sponsorship, sponsor, tier)| sponsorships::Row {
            sponsorship,
            sponsor,
            tier,
        })
        .collect())
}
