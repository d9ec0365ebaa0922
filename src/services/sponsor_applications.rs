//! The public application: a new organisation asks to sponsor. One transaction creates the
//! sponsor (not shown anywhere until staff approve and it is paid), its contacts and a
//! sponsorship in status `applied` at the server's price, and queues the emails.

use chrono::{Datelike, NaiveDate};

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::organisations::{Identity, Matcher};
use crate::domain::sponsorship::Status;
use crate::domain::{EmailAddress, FormErrors, Money};
use crate::email::{self, ApplicationReceivedEmail, ApplicationStaffEmail};
use crate::error::{AppError, AppResult};
use crate::models::portal_views;
use crate::models::sponsors::{self, SponsorFields};
use crate::models::sponsorships::{self, NewSponsorship};
use crate::models::{programmes, tiers};

use super::audit::{self, Actor};
use super::portal;

/// What the form says should only make this tier's place more likely, never cheaper: the
/// price comes from here, not from the browser.
#[derive(Clone, Debug)]
pub struct Application {
    /// The random key the form carried (a resubmitted form has the same one).
    pub key: String,
    pub tier_id: i64,
    pub name: String,
    pub website: String,
    pub description: String,
    pub country: String,
    pub org_size: Option<i32>,
    pub billing_address: String,
    /// (role, name, address); the first is the primary contact.
    pub contacts: Vec<(&'static str, String, EmailAddress)>,
    /// A checked and stored logo, waiting for staff approval.
    pub logo_key: Option<String>,
    /// The private usage page the applicant came from, if any (links the prospect).
    pub via: Option<String>,
}

/// How an application ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created {
        sponsorship_id: i64,
        waitlisted: bool,
    },
    /// The same form was sent before: nothing new was written or sent.
    AlreadyReceived,
    /// Fields must change (the sentences for the applicant, by field); nothing was written.
    Refused(FormErrors),
    /// Too many applications from this client address lately; nothing was written.
    TooMany,
}

/// Applications one client address may send in an hour.
pub const APPLICATIONS_PER_ADDR_HOUR: i64 = 10;

/// Shown when a client address has sent too many applications lately.
pub const TOO_MANY: &str = "We have received many applications from your network in the last \
     hour, so we cannot take this one now. Nothing was saved. Please try again in an hour, or \
     write to us if you need help.";

/// Shown next to the name or website of an organisation we already know. It does not attach
/// the application to that sponsor: whoever typed the name would otherwise get a portal link
/// to someone else's records.
pub const ALREADY_KNOWN: &str = "This organisation already works with us. Its contacts can \
     open their private sponsor portal to see its sponsorships and apply for a renewal there.";

/// A tier that can be applied for today, with its programme.
#[derive(Clone, Debug)]
pub struct OpenTier {
    pub tier: tiers::Tier,
    pub programme: programmes::Programme,
    pub full: bool,
    pub benefits: Vec<tiers::Benefit>,
}

/// Advertised tiers of programmes for this year or later, in programme and display order.
pub fn open_tiers(conn: &mut DbConn, today: NaiveDate) -> AppResult<Vec<OpenTier>> {
    let mut out = Vec::new();
    let mut list = programmes::list(conn)?;
    list.retain(|p| p.year >= today.year());
    list.sort_by_key(|p| (p.year, p.id));
    for p in list {
        for t in tiers::for_programme(conn, p.id)? {
            if !t.advertised {
                continue;
            }
            let full = tiers::is_full(conn, &t)?;
            let benefits = tiers::benefits(conn, t.id)?;
            out.push(OpenTier {
                tier: t,
                programme: p.clone(),
                full,
                benefits,
            });
        }
    }
    Ok(out)
}

/// The term proposed for a new application to a programme of `year`: a year of support
/// starting on the later of the programme year's 1 January and the first day of next month,
/// ending the day before the same date a year later. Staff confirm the final term.
pub fn proposed_term(year: i32, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let next_month = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(today);
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .map(|jan| jan.max(next_month))
        .unwrap_or(next_month);
    let end = start
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start);
    (start, end)
}

/// The field that shows an existing organisation, if any (by name, short name or web host;
/// see `domain::organisations`).
fn known_organisation(
    conn: &mut DbConn,
    name: &str,
    website: &str,
) -> AppResult<Option<&'static str>> {
    let known = Matcher::new(portal_views::sponsor_identities(conn)?.into_iter().map(
        |(id, name, slug, website)| Identity {
            id,
            name,
            slug,
            website,
        },
    ));
    if !known.by_name(name).is_empty() {
        return Ok(Some("name"));
    }
    if !known.by_domain(website).is_empty() {
        return Ok(Some("website"));
    }
    Ok(None)
}

/// A slug for a new sponsor: from the name, or a random one for names without Latin letters.
fn new_slug(name: &str) -> String {
    let s = crate::domain::slug::slugify(name);
    if crate::domain::slug::parse_slug(&s).is_ok() {
        s
    } else {
        format!("org-{:08x}", rand::random::<u32>())
    }
}

/// Records an application (see the module comment). Safe to call twice with the same form
/// and from two requests at once: one application, one set of emails.
pub fn apply(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    today: NaiveDate,
    a: &Application,
) -> AppResult<Outcome> {
    let r = write_tx(conn, |conn| apply_in(conn, settings, actor, today, a));
    match r {
        // Lost a race on a unique index (the form key, or the sponsor's slug): say what the
        // winner made of it.
        Err(AppError::Conflict(_)) => {
            if portal_views::application_key_used(conn, &a.key)? {
                Ok(Outcome::AlreadyReceived)
            } else if let Some(field) = known_organisation(conn, &a.name, &a.website)? {
                Ok(Outcome::Refused(FormErrors::one(field, ALREADY_KNOWN)))
            } else {
                Err(AppError::Conflict(
                    "Someone sent an application at the same moment. Nothing was saved; send the form again.".into(),
                ))
            }
        }
        other => other,
    }
}

fn apply_in(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    today: NaiveDate,
    a: &Application,
) -> AppResult<Outcome> {
    // Applications for one tier are taken one at a time (PostgreSQL; SQLite's write lock does
    // the same), so the checks below see any application committed a moment ago: the same
    // form sent twice, the same organisation sent from two browsers, the last free place.
    // New organisations are checked against every sponsor (name, short name, web host), so
    // applications are taken one at a time whatever tier they choose.
    crate::db::serialize_on(conn, crate::db::lock_keys::SPONSOR_APPLICATIONS)?;
    tiers::lock(conn, a.tier_id)?;
    if portal_views::application_key_used(conn, &a.key)? {
        return Ok(Outcome::AlreadyReceived);
    }
    if let Some(addr) = actor.client_addr.as_deref() {
        let recent = portal_views::actions_from_addr_since(
            conn,
            "sponsorship.apply",
            addr,
            crate::models::now() - chrono::Duration::hours(1),
        )?;
        if recent >= APPLICATIONS_PER_ADDR_HOUR {
            return Ok(Outcome::TooMany);
        }
    }
    let Some(open) = open_tiers(conn, today)?
        .into_iter()
        .find(|t| t.tier.id == a.tier_id)
    else {
        return Ok(Outcome::Refused(FormErrors::one(
            "tier",
            "That tier is no longer offered. Choose one of the tiers listed.",
        )));
    };
    if let Some(field) = known_organisation(conn, &a.name, &a.website)? {
        return Ok(Outcome::Refused(FormErrors::one(field, ALREADY_KNOWN)));
    }
    let tier = open.tier;
    let waitlisted = super::sponsorship_review::joins_waitlist(conn, &tier)?;
    let quote = tiers::quote(conn, &tier, a.org_size)?;
    let fee: Money = quote.total;

    let sponsor_id = sponsors::insert(
        conn,
        &SponsorFields {
            name: a.name.clone(),
            slug: new_slug(&a.name),
            website: a.website.clone(),
            description: a.description.clone(),
            tagline: String::new(),
            org_size: a.org_size,
            country: a.country.clone(),
            topics: String::new(),
            inkind_description: String::new(),
            inkind_value_minor: None,
            inkind_currency: None,
        },
    )?;
    crate::models::sponsors::set_billing_address(conn, sponsor_id, &a.billing_address)?;
    for (role, name, email) in &a.contacts {
        sponsors::add_contact(conn, sponsor_id, name, email.as_str(), role)?;
    }
    if let Some(key) = &a.logo_key {
        sponsors::set_pending_logo(conn, sponsor_id, key)?;
    }
    let term = proposed_term(open.programme.year, today);
    let sid = sponsorships::insert(
        conn,
        &NewSponsorship {
            waitlisted,
            ..NewSponsorship::application(sponsor_id, tier.id, term, fee, a.key.clone())
        },
    )?;
    sponsorships::create_checklist(conn, sid, &open.benefits)?;
    // An organisation on the prospect list: the prospect is linked, not duplicated.
    super::prospects::link_application(
        conn,
        actor,
        sponsor_id,
        sid,
        &a.name,
        &a.website,
        a.via.as_deref(),
    )?;
    sponsorships::add_event(
        conn,
        sid,
        &actor.label,
        None,
        Status::Applied,
        if waitlisted {
            "applied on the website (tier full: waitlist)"
        } else {
            "applied on the website"
        },
    )?;
    let discount = match &quote.rule {
        Some((_, name, pct)) => format!(" ({name}: {pct}% off {})", quote.list),
        None => String::new(),
    };
    audit::record(
        conn,
        actor,
        "sponsorship.apply",
        Some(("sponsorship", &sid.to_string())),
        &format!(
            "{} · {} · {fee}{discount}{}{}",
            a.name,
            tier.name,
            if waitlisted { " · waitlisted" } else { "" },
            if a.logo_key.is_some() {
                " · logo waiting for approval"
            } else {
                ""
            }
        ),
    )?;

    let mut sent: Vec<&str> = Vec::new();
    for (_, name, addr) in &a.contacts {
        if sent.contains(&addr.as_str()) {
            continue;
        }
        sent.push(addr.as_str());
        let link = portal::sponsor_link(conn, settings, sponsor_id, addr.as_str())?;
        email::enqueue(
            conn,
            addr,
            crate::email::About::Sponsorship(sid),
            &ApplicationReceivedEmail {
                foundation: settings.foundation_name.clone(),
                name: name.clone(),
                sponsor: a.name.clone(),
                tier: tier.name.clone(),
                price: fee.to_string(),
                waitlisted,
                link,
                expires_days: settings.portal_link_days,
            },
        )?;
    }
    let staff_link = format!(
        "{}/staff/applications/{sid}",
        settings.base_url.trim_end_matches('/')
    );
    for u in crate::models::users::active_with_role(conn, crate::domain::Role::Sponsorships)? {
        let Ok(to) = EmailAddress::parse(&u.email) else {
            continue;
        };
        email::enqueue(
            conn,
            &to,
            crate::email::About::Sponsorship(sid),
            &ApplicationStaffEmail {
                foundation: settings.foundation_name.clone(),
                sponsor: a.name.clone(),
                tier: tier.name.clone(),
                price: fee.to_string(),
                waitlisted,
                link: staff_link.clone(),
            },
        )?;
    }
    Ok(Outcome::Created {
        sponsorship_id: sid,
        waitlisted,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn proposed_term_starts_next_month_or_on_the_programme_year() {
        // Late in the programme's own year: from the first of next month, for a year.
        assert_eq!(
            super::proposed_term(2026, d(2026, 11, 23)),
            (d(2026, 12, 1), d(2027, 11, 30))
        );
        // December rolls into January of the next year.
        assert_eq!(
            super::proposed_term(2026, d(2026, 12, 31)),
            (d(2027, 1, 1), d(2027, 12, 31))
        );
        // A later programme year starts on its 1 January.
        assert_eq!(
            super::proposed_term(2027, d(2026, 11, 23)),
            (d(2027, 1, 1), d(2027, 12, 31))
        );
        // Applying on the first of a month still starts next month.
        assert_eq!(
            super::proposed_term(2026, d(2026, 3, 1)),
            (d(2026, 4, 1), d(2027, 3, 31))
        );
    }
}
