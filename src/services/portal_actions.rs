//! What a sponsor contact does in the portal (ask for a link, accept the agreement, propose
//! a new description or logo) and staff's decision on a proposed description. Each change
//! runs in one transaction with its audit entry and emails.

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::EmailAddress;
use crate::domain::sponsorship::Status;
use crate::email::{self, AgreementAcceptedEmail, AgreementAcceptedStaffEmail, PortalLinkEmail};
use crate::error::{AppError, AppResult};
use crate::models::portal_views::Proposal;
use crate::models::{portal_views, sponsors};

use super::audit::{self, Actor};
use super::portal;

/// How soon (seconds) the same address may be sent another link by a `/portal/link` request.
/// Only links sent by such requests count: the confirmation of an application, which also
/// carries a link, does not stop the applicant from asking for a fresh one.
pub const LINK_COOLDOWN_SECONDS: i64 = 60;
/// Requests for links one client address may make in an hour before we stop sending.
pub const LINK_REQUESTS_PER_ADDR_HOUR: i64 = 20;
/// Requests one recipient address may be answered in a day (any sender): no mail bombing.
/// Only link requests count, not the links in the emails a sponsor or applicant gets anyway
/// (confirmations, questions, decisions, invoices), so an active user can always ask.
pub const LINK_EMAILS_PER_RECIPIENT_DAY: i64 = 10;

/// How one kind of private link is asked for again.
pub struct LinkRequests {
    /// The audit action of a request.
    pub action: &'static str,
    /// The audit record a request that sent links is filed under, so the cooldown can find
    /// it (unknown addresses are never written down).
    pub sent_record: &'static str,
    /// The audit details of a request for an address we do not know.
    pub unknown: &'static str,
}

const SPONSOR_LINKS: LinkRequests = LinkRequests {
    action: "portal.link_requested",
    sent_record: "portal_link",
    unknown: "no sponsor contact has this address",
};

/// Answers a request for `wanted` fresh links to `email` within the limits (per client
/// address, a cooldown per recipient, a daily cap per recipient): unless the request is
/// throttled, `send` emails the links and returns how many it sent. Either way the request is
/// filed in the audit log, without writing down an address we do not know. Runs inside the
/// caller's transaction.
pub(super) fn send_links_within_limits(
    conn: &mut DbConn,
    actor: &Actor,
    kind: &LinkRequests,
    email: &EmailAddress,
    wanted: usize,
    send: impl FnOnce(&mut DbConn) -> AppResult<usize>,
) -> AppResult<usize> {
    let now = crate::models::now();
    let addr = actor.client_addr.clone().unwrap_or_default();
    let from_addr = portal_views::actions_from_addr_since(
        conn,
        kind.action,
        &addr,
        now - chrono::Duration::hours(1),
    )?;
    let recent = portal_views::actions_on_record_since(
        conn,
        kind.action,
        kind.sent_record,
        email.as_str(),
        now - chrono::Duration::seconds(LINK_COOLDOWN_SECONDS),
    )?;
    let today = portal_views::actions_on_record_since(
        conn,
        kind.action,
        kind.sent_record,
        email.as_str(),
        now - chrono::Duration::days(1),
    )?;
    let throttled = from_addr >= LINK_REQUESTS_PER_ADDR_HOUR
        || recent > 0
        || today >= LINK_EMAILS_PER_RECIPIENT_DAY;
    let sent = if throttled || wanted == 0 {
        0
    } else {
        send(conn)?
    };
    // Unknown addresses are not written down: only that a request was made.
    let (record, details) = if wanted == 0 {
        (None, kind.unknown.to_string())
    } else if throttled {
        (
            None,
            format!("{email}: not sent (asked again too soon or too often)"),
        )
    } else {
        (
            Some((kind.sent_record, email.as_str())),
            format!("{email}: {sent} link(s) sent"),
        )
    };
    audit::record(conn, actor, kind.action, record, &details)?;
    Ok(sent)
}

/// Emails a fresh portal link to `email` for each sponsor it is a contact of. Returns how
/// many links were sent; the page shows the same answer whatever this is.
pub fn request_links(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    email: &EmailAddress,
) -> AppResult<usize> {
    write_tx(conn, |conn| {
        let matches = portal_views::contacts_with_email(conn, email.as_str())?;
        send_links_within_limits(conn, actor, &SPONSOR_LINKS, email, matches.len(), |conn| {
            for (sponsor, name) in &matches {
                let link = portal::sponsor_link(conn, settings, sponsor.id, email.as_str())?;
                email::enqueue(
                    conn,
                    email,
                    crate::email::About::Sponsor(sponsor.id),
                    &PortalLinkEmail {
                        foundation: settings.foundation_name.clone(),
                        name: name.clone(),
                        sponsor: sponsor.name.clone(),
                        link,
                        expires_days: settings.portal_link_days,
                    },
                )?;
            }
            Ok(matches.len())
        })
    })
}

/// What the person accepting an agreement typed.
#[derive(Clone, Debug)]
pub struct Acceptance {
    pub name: String,
    pub title: String,
}

/// Accepts agreement `agreement_id` of this sponsor: records who, when and from where, and
/// moves the sponsorship from "agreement sent" to "agreement accepted". Another sponsor's
/// agreement is a 404; an agreement already accepted is a Conflict and changes nothing.
pub fn accept_agreement(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    sponsor_id: i64,
    agreement_id: i64,
    email: &str,
    a: &Acceptance,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let (agreement, s) =
            crate::models::agreements::find_for_sponsor(conn, agreement_id, sponsor_id)?;
        if agreement.is_uploaded() {
            return Err(AppError::Conflict(
                "This agreement was signed on paper; there is nothing to accept online.".into(),
            ));
        }
        if !agreement.is_sent() {
            return Err(AppError::Conflict(match agreement.status.as_str() {
                "accepted" => "This agreement has already been accepted.".into(),
                _ => "This agreement has been replaced by a newer one; open the portal overview to find it.".into(),
            }));
        }
        if s.status() != Status::AgreementSent {
            return Err(AppError::Conflict(format!(
                "This sponsorship is {}, so the agreement cannot be accepted now. Please contact us.",
                s.status().label().to_lowercase()
            )));
        }
        let now = crate::models::now();
        let addr = actor.client_addr.clone().unwrap_or_default();
        if !portal_views::accept_if_sent(conn, agreement.id, &a.name, &a.title, email, &addr, now)?
        {
            return Err(AppError::Conflict(
                "This agreement has already been accepted.".into(),
            ));
        }
        audit::record(
            conn,
            actor,
            "agreement.accept",
            Some(("agreement", &agreement.id.to_string())),
            &format!("accepted by {}, {} ({email}) from {addr}", a.name, a.title),
        )?;
        // The checked move with its history entry and audit entry (a savepoint inside ours).
        super::sponsorships::change_status(
            conn,
            settings,
            actor,
            s.id,
            Status::AgreementSent,
            Status::AgreementAccepted,
            "accepted online",
        )?;
        let sponsor = sponsors::find(conn, sponsor_id)?;
        // A copy for the person who accepted, with a way back to the agreement.
        if let Ok(to) = EmailAddress::parse(email) {
            let link = format!(
                "{}?next=/portal/agreements/{}",
                portal::sponsor_link(conn, settings, sponsor_id, to.as_str())?,
                agreement.id
            );
            email::enqueue(
                conn,
                &to,
                crate::email::About::Sponsorship(s.id),
                &AgreementAcceptedEmail {
                    foundation: settings.foundation_name.clone(),
                    name: a.name.clone(),
                    sponsor: sponsor.name.clone(),
                    accepted_title: a.title.clone(),
                    accepted_at: now.format("%-d %B %Y, %H:%M UTC").to_string(),
                    body: agreement.body.clone(),
                    link,
                    expires_days: settings.portal_link_days,
                },
            )?;
        }
        let link = format!(
            "{}/staff/sponsorships/{}",
            settings.base_url.trim_end_matches('/'),
            s.id
        );
        for u in crate::models::users::active_with_role(conn, crate::domain::Role::Sponsorships)? {
            let Ok(to) = EmailAddress::parse(&u.email) else {
                continue;
            };
            email::enqueue(
                conn,
                &to,
                crate::email::About::Sponsorship(s.id),
                &AgreementAcceptedStaffEmail {
                    foundation: settings.foundation_name.clone(),
                    sponsor: sponsor.name.clone(),
                    accepted_name: a.name.clone(),
                    accepted_title: a.title.clone(),
                    accepted_email: email.to_string(),
                    accepted_at: now.format("%Y-%m-%d %H:%M UTC").to_string(),
                    link: link.clone(),
                },
            )?;
        }
        Ok(())
    })
}

/// Stores the public profile the sponsor proposes (description, tagline, website); it waits
/// for staff approval, replacing an earlier proposal.
pub fn propose_profile(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    p: &Proposal,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        let s = sponsors::find(conn, sponsor_id)?;
        portal_views::set_profile_pending(conn, sponsor_id, p)?;
        let mut changed = Vec::new();
        if p.description != s.description {
            changed.push("description");
        }
        if p.tagline.as_ref().is_some_and(|t| *t != s.tagline) {
            changed.push("tagline");
        }
        if p.website.as_ref().is_some_and(|w| *w != s.website) {
            changed.push("website");
        }
        audit::record(
            conn,
            actor,
            "sponsor.description_proposed",
            Some(("sponsor", &sponsor_id.to_string())),
            &format!(
                "profile proposed ({}), waiting for approval",
                if changed.is_empty() {
                    "no change".to_string()
                } else {
                    changed.join(", ")
                }
            ),
        )
    })
}

/// A short fingerprint of a proposed profile, so a staff decision names the text it was
/// shown.
pub fn fingerprint(p: &Proposal) -> String {
    let mut all = p.description.clone();
    for part in [&p.tagline, &p.website] {
        all.push('\u{0}');
        match part {
            Some(t) => all.push_str(t),
            None => all.push('\u{1}'),
        }
    }
    crate::auth::token::digest(&all)[..16].to_string()
}

/// Staff publish (`approve`) or drop a proposed profile, only if it is still the one they
/// looked at (`seen` is its fingerprint).
pub fn decide_description(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    seen: &str,
    approve: bool,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        // Held until the end: a new proposal (or a colleague's decision) waits for this one,
        // so what is checked below is what gets published or dropped.
        if sponsors::lock(conn, sponsor_id)? == 0 {
            return Err(AppError::NotFound);
        }
        let s = sponsors::find(conn, sponsor_id)?;
        let Some(pending) = Proposal::of(&s) else {
            return Err(AppError::Conflict(
                "There is no profile update waiting for approval: someone may have decided already."
                    .into(),
            ));
        };
        if fingerprint(&pending) != seen {
            return Err(AppError::Conflict(
                "The sponsor proposed a different profile after this page was loaded. Read it before deciding.".into(),
            ));
        }
        if approve {
            // A proposal from before taglines and websites were proposed keeps them.
            portal_views::publish_profile(
                conn,
                sponsor_id,
                &pending.description,
                pending.tagline.as_deref().unwrap_or(&s.tagline),
                pending.website.as_deref().unwrap_or(&s.website),
            )?;
        } else {
            portal_views::clear_profile_proposal(conn, sponsor_id)?;
        }
        audit::record(
            conn,
            actor,
            if approve {
                "sponsor.description_approved"
            } else {
                "sponsor.description_rejected"
            },
            Some(("sponsor", &sponsor_id.to_string())),
            &format!("{} characters", pending.description.chars().count()),
        )
    })
}

/// Records a logo the sponsor uploaded from the portal as waiting for approval; returns the
/// key of the waiting logo it replaces (its files can go).
pub fn propose_logo(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    key: &str,
    details: &str,
) -> AppResult<Option<String>> {
    write_tx(conn, |conn| {
        let before = sponsors::find(conn, sponsor_id)?;
        sponsors::set_pending_logo(conn, sponsor_id, key)?;
        audit::record(
            conn,
            actor,
            "sponsor.logo_uploaded",
            Some(("sponsor", &sponsor_id.to_string())),
            &format!("{details} (from the sponsor portal)"),
        )?;
        Ok(before.logo_pending_key)
    })
}
