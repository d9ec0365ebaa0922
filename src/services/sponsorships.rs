//! Sponsorship use cases: record, move through the lifecycle, publish early, fulfil benefits.

use chrono::NaiveDate;

use crate::db::{DbConn, write_tx};
use crate::domain::Money;
use crate::domain::sponsorship::{Status, transition};
use crate::error::{AppError, AppResult};
use crate::models::sponsorships::{self, NewSponsorship};
use crate::models::{sponsors, tiers};

use super::audit::{self, Actor};

/// What staff enter to record a sponsorship.
#[derive(Clone, Debug)]
pub struct NewTerm {
    pub sponsor_id: i64,
    pub tier_id: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The agreed fee; None means the server's price: the tier's list price less the best
    /// discount rule for this sponsor.
    pub fee: Option<Money>,
    pub status: Status,
    pub notes: String,
}

/// Records a sponsorship (an application, or one agreed offline at a later stage), with the
/// tier's benefits copied into its fulfilment checklist.
pub fn create(conn: &mut DbConn, actor: &Actor, t: NewTerm) -> AppResult<i64> {
    if t.end < t.start {
        return Err(AppError::BadRequest(
            "The term must end on or after its start.".into(),
        ));
    }
    write_tx(conn, |conn| {
        let sponsor = sponsors::find(conn, t.sponsor_id)?;
        let tier = tiers::find(conn, t.tier_id)?;
        tiers::lock(conn, tier.id)?;
        if let Some(cap) = tier.capacity
            && t.status != Status::Applied
            && tiers::is_full(conn, &tier)?
        {
            return Err(AppError::Conflict(format!(
                "{} is full ({cap} sponsors). Record it as an application to put it on the waitlist, or raise the capacity.",
                tier.name
            )));
        }
        let price = tiers::quote(conn, &tier, sponsor.org_size)?.total;
        let fee = t.fee.unwrap_or(price);
        if fee.currency != tier.price().currency {
            return Err(AppError::BadRequest(format!(
                "The fee must be in {}, the tier's currency.",
                tier.currency
            )));
        }
        let now = crate::models::now();
        let id = sponsorships::insert(
            conn,
            &NewSponsorship {
                sponsor_id: sponsor.id,
                tier_id: tier.id,
                start_date: t.start,
                end_date: t.end,
                fee_minor: fee.minor,
                currency: fee.currency.code().to_string(),
                status: t.status.as_str().to_string(),
                published_early: false,
                notes: t.notes.clone(),
                created_at: now,
                updated_at: now,
                application_key: None,
                waitlisted: false,
                renewal_of_id: None,
                list_price_minor: Some(price.minor),
                fee_reason: String::new(),
            },
        )?;
        let benefits = tiers::benefits(conn, tier.id)?;
        sponsorships::create_checklist(conn, id, &benefits)?;
        // A new application joins the end of the line; one that takes a place may leave
        // waiting applications without one. Neither frees a place, so nobody needs telling.
        crate::services::sponsorship_review::settle_line(conn, &tier)?;
        let note = if t.status == Status::Applied {
            "recorded"
        } else {
            "recorded as agreed offline"
        };
        sponsorships::add_event(conn, id, &actor.label, None, t.status, note)?;
        audit::record(
            conn,
            actor,
            "sponsorship.create",
            Some(("sponsorship", &id.to_string())),
            &format!(
                "{} · {} · {} · {} · {}",
                sponsor.name,
                tier.name,
                fee,
                t.status.label(),
                note
            ),
        )?;
        Ok(id)
    })
}

/// Moves a sponsorship to `to`, if the table allows it from the state it is in *now*. Two
/// staff clicking at once: one wins, the other gets a Conflict that says what happened.
pub fn change_status(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    actor: &Actor,
    id: i64,
    expected: Status,
    to: Status,
    note: &str,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, id)?;
        let current = s.status();
        if current != expected {
            return Err(AppError::Conflict(format!(
                "This sponsorship is now {} (someone changed it a moment ago). Nothing was changed; check and try again.",
                current.label().to_lowercase()
            )));
        }
        transition(current, to).map_err(|e| AppError::Conflict(e.to_string()))?;
        if (current, to) == (Status::Invoiced, Status::AgreementAccepted) {
            return Err(AppError::Conflict(
                "To go back before the invoice, void the invoice on its page: the sponsorship then waits for a corrected one.".into(),
            ));
        }
        // The tier first, then the sponsorship (the order review and the waitlist use): a
        // move may free or take one of its places.
        tiers::lock(conn, s.tier_id)?;
        if to == Status::Approved {
            let tier = tiers::find(conn, s.tier_id)?;
            if let Some(cap) = tier.capacity
                && tiers::is_full(conn, &tier)?
            {
                return Err(AppError::Conflict(format!(
                    "{} is full ({cap} sponsors): this one stays on the waitlist until a place frees up or the capacity is raised.",
                    tier.name
                )));
            }
        }
        if !sponsorships::set_status_if(conn, id, current, to)? {
            return Err(AppError::Conflict(
                "Someone changed this sponsorship at the same moment. Nothing was changed; reload to see where it stands.".into(),
            ));
        }
        sponsorships::add_event(conn, id, &actor.label, Some(current), to, note)?;
        // A place may have been freed (or taken): the waitlist follows.
        crate::services::sponsorship_review::settle_waitlist(conn, settings, s.tier_id)?;
        audit::record(
            conn,
            actor,
            "sponsorship.status",
            Some(("sponsorship", &id.to_string())),
            &format!(
                "{} → {}{}",
                current.label(),
                to.label(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            ),
        )?;
        Ok(())
    })
}

/// Shows (or hides) a sponsor's logo before payment: a deliberate, audited override.
pub fn publish_early(conn: &mut DbConn, actor: &Actor, id: i64, publish: bool) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = sponsorships::find(conn, id)?;
        if publish && !crate::domain::sponsorship::may_publish_early(s.status()) {
            return Err(AppError::Conflict(if s.status().is_open() {
                "It is paid, so it is already on the public pages.".to_string()
            } else {
                format!(
                    "A {} sponsorship cannot be published.",
                    s.status().label().to_lowercase()
                )
            }));
        }
        if !sponsorships::set_published_early(conn, id, publish)? {
            return Err(AppError::Conflict(if publish {
                "It is already published early.".into()
            } else {
                "It is not published early.".into()
            }));
        }
        audit::record(
            conn,
            actor,
            if publish {
                "sponsorship.publish_early"
            } else {
                "sponsorship.unpublish_early"
            },
            Some(("sponsorship", &id.to_string())),
            if publish {
                "logo shown on public pages before payment"
            } else {
                "early publication withdrawn"
            },
        )?;
        Ok(())
    })
}

/// Ticks (or unticks) one benefit on the checklist, or with `delivered: None` only updates
/// its note (who delivered it, and when, stay as they were).
pub fn fulfil(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    item: i64,
    delivered: Option<bool>,
    note: &str,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let changed = match delivered {
            Some(d) => sponsorships::set_fulfilment(conn, id, item, d, &actor.label, note)?,
            None => sponsorships::set_fulfilment_note(conn, id, item, note)?,
        };
        if changed == 0 {
            return Err(AppError::NotFound);
        }
        let action = match delivered {
            Some(true) => "benefit.delivered",
            Some(false) => "benefit.pending",
            None => "benefit.note",
        };
        audit::record(
            conn,
            actor,
            action,
            Some(("sponsorship", &id.to_string())),
            &format!(
                "item {item}{}",
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            ),
        )?;
        Ok(())
    })
}

/// Marks active sponsorships whose term has ended as expired (run by the worker daily).
pub fn expire_ended(
    conn: &mut DbConn,
    settings: &crate::config::Settings,
    today: NaiveDate,
) -> AppResult<usize> {
    let ids = sponsorships::ended_active(conn, today)?;
    let mut n = 0;
    for id in ids {
        let r = change_status(
            conn,
            settings,
            &Actor::system("scheduler"),
            id,
            Status::Active,
            Status::Expired,
            "term ended",
        );
        if r.is_ok() {
            n += 1;
        }
    }
    Ok(n)
}
