//! Prospects: adding and editing them, moving them through the stages, their contacts, the
//! ask with the organisation's own usage, the private usage page, lapsed sponsors becoming
//! prospects, applications finding their prospect, and each owner's daily follow-ups.

use chrono::{Duration, NaiveDate};

use crate::config::Settings;
use crate::db::{DbConn, write_tx, write_tx_with};
use crate::domain::prospects::{self as domain, ProspectFields, Stage, transition};
use crate::domain::usage::{Series, metric_label, series};
use crate::domain::{EmailAddress, FormErrors};
use crate::email::{self, About, DueLine, FollowUpDigestEmail, OutreachEmail, UsageLine};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::prospects::{self as rows, NewProspect, Prospect};
use crate::models::usage::{self as usage_rows, Of};
use crate::services::audit::{self, Actor};

/// How long the private usage page of an ask works.
pub const USAGE_LINK_DAYS: i64 = 60;
/// After an ask, the follow-up is due this many days later (unless one is due sooner).
pub const FOLLOW_UP_DAYS: i64 = 14;
/// Follow-ups listed in the daily email (the count is complete).
pub const DIGEST_LINES: i64 = 30;
/// How far back figures are read for a page about one organisation.
const FIGURE_YEARS: u32 = 3;
const FIGURES_MAX: i64 = 600;

fn record(p: i64) -> String {
    p.to_string()
}

/// Adds a prospect by hand; refused (beside the name) when one with that name or domain is
/// already on the list.
pub fn create(conn: &mut DbConn, actor: &Actor, f: &ProspectFields) -> Result<i64, SaveError> {
    write_tx_with(conn, |c| {
        check_choices(c, f)?;
        let key = rows::name_key(&f.name);
        if let Some(p) = rows::unlinked_by_keys(c, &key, &f.domain)?.first() {
            return Err(SaveError::Refused(FormErrors::one(
                if p.name_key == key { "name" } else { "domain" },
                format!(
                    "\u{201c}{}\u{201d} is already on the prospect list (the same name or web \
                     domain).",
                    p.name
                ),
            )));
        }
        let id = rows::insert(
            c,
            &NewProspect {
                name: &f.name,
                domain: &f.domain,
                org_size: f.org_size,
                sponsor_id: None,
                owner_id: f.owner_id,
                lapsed_sponsorship_id: None,
            },
        )?;
        rows::update_fields(c, id, 0, f)?;
        audit::record(
            c,
            actor,
            "prospect.create",
            Some(("prospect", &record(id))),
            &f.name,
        )?;
        Ok(id)
    })
}

/// The owner must be active sponsorship staff or an administrator (who may open prospects),
/// and the tier one that exists.
fn check_choices(c: &mut DbConn, f: &ProspectFields) -> Result<(), SaveError> {
    if let Some(owner) = f.owner_id {
        let may = [
            crate::domain::Role::Sponsorships,
            crate::domain::Role::Admin,
        ]
        .into_iter()
        .map(|r| crate::models::users::active_with_role(c, r))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .any(|u| u.id == owner);
        if !may {
            return Err(SaveError::Refused(FormErrors::one(
                "owner_id",
                "Choose an owner from the list.",
            )));
        }
    }
    if let Some(t) = f.asked_tier_id
        && crate::models::tiers::find_many(c, &[t])?.is_empty()
    {
        return Err(SaveError::Refused(FormErrors::one(
            "asked_tier_id",
            "Choose a tier from the list.",
        )));
    }
    Ok(())
}

/// Saves the edit form if nobody saved the prospect since the form was opened.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    version: i32,
    f: &ProspectFields,
) -> Result<(), SaveError> {
    write_tx_with(conn, |c| {
        let before = rows::find(c, id)?;
        check_choices(c, f)?;
        if rows::update_fields(c, id, version, f)? != 1 {
            return Err(conflict(
                "Someone else changed this prospect while you were editing it. Nothing was \
                 saved: here is the prospect as it is now; make your change again.",
            ));
        }
        let mut changes = Vec::new();
        if before.owner_id != f.owner_id {
            changes.push("owner".to_string());
        }
        if before.follow_up_on != f.follow_up_on {
            changes.push(match f.follow_up_on {
                Some(d) => format!("follow-up {}", d.format("%-d %b %Y")),
                None => "no follow-up".into(),
            });
        }
        if before.notes != f.notes {
            changes.push("notes".into());
        }
        if before.name != f.name || before.domain != f.domain || before.org_size != f.org_size {
            changes.push("details".into());
        }
        if before.asked_tier_id != f.asked_tier_id {
            changes.push("tier asked for".into());
        }
        audit::record(
            c,
            actor,
            "prospect.update",
            Some(("prospect", &record(id))),
            &if changes.is_empty() {
                "saved, nothing changed".to_string()
            } else {
                changes.join(", ")
            },
        )?;
        Ok(())
    })
}

/// Moves a prospect to another stage, if it is still at the stage the person saw.
pub fn move_stage(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    seen: Stage,
    to: Stage,
    not_before: Option<NaiveDate>,
) -> Result<(), SaveError> {
    transition(seen, to, not_before).map_err(|e| match e {
        domain::MoveError::NeedsNotBefore => {
            SaveError::Refused(FormErrors::one("not_before", e.to_string()))
        }
        e => conflict(e.to_string()),
    })?;
    write_tx_with(conn, |c| {
        if rows::move_stage(c, id, seen, to, not_before)? != 1 {
            let now = rows::find(c, id)?;
            return Err(conflict(format!(
                "Someone moved this prospect to \u{201c}{}\u{201d} meanwhile; nothing was changed.",
                now.stage().label()
            )));
        }
        let detail = match (to, not_before) {
            (Stage::NotNow, Some(d)) => format!(
                "{} \u{2192} {} (not before {})",
                seen.label(),
                to.label(),
                d.format("%-d %B %Y")
            ),
            _ => format!("{} \u{2192} {}", seen.label(), to.label()),
        };
        audit::record(
            c,
            actor,
            "prospect.stage",
            Some(("prospect", &record(id))),
            &detail,
        )?;
        Ok(())
    })
}

/// Adds a contact (one per address a prospect).
pub fn add_contact(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    name: &str,
    email_addr: &str,
    role: &str,
) -> Result<(), SaveError> {
    let mut errors = FormErrors::new();
    let name = crate::domain::text::single_line(name, "the contact's name", 200)
        .map_err(|e| errors.add("contact_name", e))
        .unwrap_or_default();
    let addr = EmailAddress::parse(email_addr)
        .map_err(|e| errors.add("contact_email", e))
        .ok();
    let role = crate::domain::text::optional_single_line(role, "the role", 100)
        .map_err(|e| errors.add("contact_role", e))
        .unwrap_or_default();
    let Some(addr) = addr.filter(|_| errors.is_empty()) else {
        return Err(SaveError::Refused(errors));
    };
    write_tx_with(conn, |c| {
        rows::find(c, id)?;
        if rows::contacts(c, id)?
            .iter()
            .any(|x| x.email.eq_ignore_ascii_case(addr.as_str()))
        {
            return Err(SaveError::Refused(FormErrors::one(
                "contact_email",
                "This address is already a contact of the prospect.",
            )));
        }
        rows::add_contact(c, id, &name, addr.as_str(), &role)?;
        audit::record(
            c,
            actor,
            "prospect.contact_add",
            Some(("prospect", &record(id))),
            &format!("{name} <{}>", addr.as_str()),
        )?;
        Ok(())
    })
}

pub fn remove_contact(conn: &mut DbConn, actor: &Actor, id: i64, contact_id: i64) -> AppResult<()> {
    write_tx(conn, |c| {
        let contact = rows::find_contact(c, id, contact_id)?;
        rows::remove_contact(c, id, contact_id)?;
        audit::record(
            c,
            actor,
            "prospect.contact_remove",
            Some(("prospect", &record(id))),
            &format!("{} <{}>", contact.name, contact.email),
        )?;
        Ok(())
    })
}

/// Records (or lifts) the organisation's wish not to be written to: no outreach is sent to
/// any of its contacts while it stands.
pub fn set_do_not_contact(conn: &mut DbConn, actor: &Actor, id: i64, on: bool) -> AppResult<()> {
    write_tx(conn, |c| {
        rows::find(c, id)?;
        rows::set_do_not_contact(c, id, on)?;
        audit::record(
            c,
            actor,
            if on {
                "prospect.do_not_contact"
            } else {
                "prospect.may_contact"
            },
            Some(("prospect", &record(id))),
            if on {
                "the organisation asked not to be contacted"
            } else {
                "outreach allowed again"
            },
        )?;
        Ok(())
    })
}

/// An organisation's usage: a series a metric, from the last few years of figures.
pub fn usage_of(conn: &mut DbConn, of: Of, today: NaiveDate) -> AppResult<Vec<Series>> {
    let from = today
        .checked_sub_months(chrono::Months::new(12 * FIGURE_YEARS))
        .unwrap_or(today);
    let figs = usage_rows::figures(conn, of, from, today, FIGURES_MAX)?;
    Ok(series(
        figs.into_iter()
            .map(|f| (f.metric, f.unit, f.period_key, f.value)),
    ))
}

/// Usage within a term (for the sponsor's impact report): the figures of periods that lie
/// within it.
pub fn usage_within(
    conn: &mut DbConn,
    sponsor_id: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<Vec<Series>> {
    let figs = usage_rows::figures(conn, Of::Sponsor(sponsor_id), start, end, FIGURES_MAX)?;
    Ok(series(
        figs.into_iter()
            .filter(|f| {
                crate::domain::usage::Period::parse(&f.period_key)
                    .is_ok_and(|p| p.within(start, end))
            })
            .map(|f| (f.metric, f.unit, f.period_key, f.value)),
    ))
}

/// The ask's lines: each metric's last year as one figure.
pub fn usage_lines(series: &[Series]) -> Vec<UsageLine> {
    series
        .iter()
        .filter_map(|s| {
            let (total, from, to) = s.last_year()?;
            Some(UsageLine {
                metric: metric_label(&s.metric),
                figure: if s.unit.is_empty() {
                    domain::figure_words(total)
                } else {
                    format!("{} {}", domain::figure_words(total), s.unit)
                },
                period: format!(
                    "{} \u{2013} {}",
                    from.format("%-d %B %Y"),
                    to.format("%-d %B %Y")
                ),
            })
        })
        .collect()
}

/// The words an ask starts from (staff edit them before sending).
pub fn default_message(foundation: &str, p: &Prospect, lines: &[UsageLine]) -> String {
    // Downloads make the plainest sentence; otherwise the first metric.
    let headline = lines
        .iter()
        .find(|l| l.metric.to_lowercase().contains("download"))
        .or(lines.first());
    let evidence = match headline {
        Some(l) => {
            let until = l.period.split(" \u{2013} ").nth(1).unwrap_or(&l.period);
            if l.metric.to_lowercase().contains("download") {
                format!(
                    "Our records show that teams at {} downloaded {} from our servers in the \
                     year to {until}.",
                    p.name, l.figure
                )
            } else {
                format!(
                    "Our records show that teams at {} rely on the infrastructure we run: {} \
                     of {} in the year to {until}.",
                    p.name,
                    l.metric.to_lowercase(),
                    l.figure
                )
            }
        }
        None => format!(
            "Teams at {} rely on the open source software we look after.",
            p.name
        ),
    };
    format!(
        "{evidence}\n\n{foundation} is a non-profit: that infrastructure is paid for by the \
         organisations that depend on it. Would {} consider sponsoring us this year? Sponsors \
         keep the service fast and safe for everyone, including your own teams.\n\nI would be \
         glad to talk it through whenever suits you.",
        p.name
    )
}

/// What the ask form sends.
pub struct Ask {
    pub contact_ids: Vec<i64>,
    pub subject: String,
    pub message: String,
}

/// The subject and message, checked (beside their fields).
pub fn check_ask(subject: &str, message: &str) -> Result<(String, String), FormErrors> {
    let mut errors = FormErrors::new();
    let subject = crate::domain::text::single_line(subject, "a subject", 200)
        .map_err(|e| errors.add("subject", e))
        .unwrap_or_default();
    let message = crate::domain::text::optional_multi_line(message, "the message", 10_000)
        .map_err(|e| errors.add("message", e))
        .unwrap_or_default();
    if message.is_empty() && !errors.has("message") {
        errors.add("message", "Write the message.");
    }
    if errors.is_empty() {
        Ok((subject, message))
    } else {
        Err(errors)
    }
}

/// Sends the ask to the chosen contacts: each gets the message, the organisation's usage
/// and a private page of their own. A contact or organisation that asked not to be written
/// to gets nothing. An identified prospect becomes contacted; a follow-up is set.
#[allow(clippy::too_many_arguments)]
pub fn ask(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    sender: &str,
    id: i64,
    a: &Ask,
    today: NaiveDate,
) -> Result<usize, SaveError> {
    let (subject, message) = check_ask(&a.subject, &a.message).map_err(SaveError::Refused)?;
    write_tx_with(conn, |c| {
        let p = rows::find(c, id)?;
        if let (Stage::NotNow, Some(d)) = (p.stage(), p.not_before)
            && d > today
        {
            return Err(conflict(format!(
                "{} asked us not to ask before {}: nothing was sent. Move the prospect to \
                 another stage first if they asked to hear from you sooner.",
                p.name,
                d.format("%-d %B %Y")
            )));
        }
        if p.do_not_contact {
            return Err(conflict(format!(
                "{} asked not to be contacted: nothing was sent.",
                p.name
            )));
        }
        let contacts: Vec<_> = rows::contacts(c, id)?
            .into_iter()
            .filter(|x| a.contact_ids.contains(&x.id))
            .collect();
        if contacts.is_empty() {
            return Err(SaveError::Refused(FormErrors::one(
                "contacts",
                "Choose at least one contact to write to.",
            )));
        }
        let emails: Vec<String> = contacts.iter().map(|x| x.email.clone()).collect();
        let stopped = usage_rows::do_not_contact_among(c, &emails)?;
        if let Some(s) = stopped.first() {
            return Err(SaveError::Refused(FormErrors::one(
                "contacts",
                format!("{s} asked not to be contacted again: untick them. Nothing was sent."),
            )));
        }
        let lines = usage_lines(&usage_of(c, Of::Prospect(id), today)?);
        let base = settings.base_url.trim_end_matches('/');
        let expires = crate::models::now() + Duration::days(USAGE_LINK_DAYS);
        let mut sent = 0;
        for contact in &contacts {
            let Ok(to) = EmailAddress::parse(&contact.email) else {
                continue;
            };
            let raw = crate::auth::token::new_token();
            usage_rows::insert_link(
                c,
                id,
                &crate::auth::token::digest(&raw),
                to.as_str(),
                expires,
            )?;
            let queued = email::enqueue(
                c,
                &to,
                About::Prospect(id),
                &OutreachEmail {
                    foundation: settings.foundation_name.clone(),
                    subject: subject.clone(),
                    name: contact.name.clone(),
                    organisation: p.name.clone(),
                    message: message.clone(),
                    usage: lines.clone(),
                    link: format!("{base}/usage/{raw}"),
                    expires_on: expires.format("%-d %B %Y").to_string(),
                    stop_link: format!("{base}/usage/{raw}/stop"),
                    sender: sender.to_string(),
                },
            )?;
            if queued.is_some() {
                sent += 1;
            }
        }
        if p.stage() == Stage::Identified && sent > 0 {
            rows::move_stage(c, id, Stage::Identified, Stage::Contacted, None)?;
        }
        if sent > 0 {
            rows::follow_up_by(c, id, today + Duration::days(FOLLOW_UP_DAYS))?;
        }
        audit::record(
            c,
            actor,
            "prospect.outreach",
            Some(("prospect", &record(id))),
            &format!(
                "\u{201c}{subject}\u{201d} to {}{}",
                emails.join(", "),
                if lines.is_empty() {
                    " (no usage figures yet)"
                } else {
                    ""
                }
            ),
        )?;
        Ok(sent)
    })
}

/// The private usage page's prospect, if the link is live; each opening is counted and the
/// first of a day goes on the prospect's timeline.
pub fn open_usage_page(
    conn: &mut DbConn,
    client_addr: &str,
    raw: &str,
) -> AppResult<Option<(Prospect, usage_rows::Link)>> {
    if !crate::auth::token::looks_valid(raw) {
        return Ok(None);
    }
    write_tx(conn, |c| {
        let Some(link) =
            usage_rows::live_link(c, &crate::auth::token::digest(raw), crate::models::now())?
        else {
            return Ok(None);
        };
        let p = rows::find(c, link.prospect_id)?;
        usage_rows::count_open(c, link.id)?;
        audit::record_repeatable(
            c,
            &Actor::visitor(&link.email, client_addr),
            "prospect.usage_page_opened",
            Some(("prospect", &record(p.id))),
            &format!("the usage page sent to {}", link.email),
            Duration::hours(24),
        )?;
        Ok(Some((p, link)))
    })
}

/// A tier as the private usage page offers it, priced for the organisation's size.
pub struct Level {
    pub id: i64,
    pub name: String,
    pub programme: String,
    pub description: String,
    pub benefits: Vec<String>,
    pub list: String,
    /// The price for the organisation's size and the rule that gives it, when one applies.
    pub theirs: Option<(String, String)>,
    pub full: bool,
}

/// What the private usage page shows.
pub struct UsagePage {
    pub prospect: Prospect,
    pub link: usage_rows::Link,
    pub series: Vec<Series>,
    pub levels: Vec<Level>,
}

/// The private usage page of a live link (its opening counted: see [`open_usage_page`]):
/// the organisation's usage and the open tiers at today's prices for its size.
pub fn usage_page(
    conn: &mut DbConn,
    client_addr: &str,
    raw: &str,
    today: NaiveDate,
) -> AppResult<Option<UsagePage>> {
    let Some((p, link)) = open_usage_page(conn, client_addr, raw)? else {
        return Ok(None);
    };
    let series = usage_of(conn, Of::Prospect(p.id), today)?;
    let mut levels = Vec::new();
    for t in crate::services::sponsor_applications::open_tiers(conn, today)? {
        let q = crate::models::tiers::quote(conn, &t.tier, p.org_size)?;
        levels.push(Level {
            id: t.tier.id,
            name: t.tier.name.clone(),
            programme: t.programme.title(),
            description: t.tier.description.clone(),
            benefits: t.benefits.iter().map(|b| b.label()).collect(),
            list: q.list.to_string(),
            theirs: q
                .rule
                .as_ref()
                .map(|(_, name, pct)| (q.total.to_string(), format!("{name}: {pct}% off"))),
            full: t.full,
        });
    }
    Ok(Some(UsagePage {
        prospect: p,
        link,
        series,
        levels,
    }))
}

/// The link behind a "do not contact me" address (expired links still work for this).
pub fn stop_link(conn: &mut DbConn, raw: &str) -> AppResult<Option<(Prospect, usage_rows::Link)>> {
    if !crate::auth::token::looks_valid(raw) {
        return Ok(None);
    }
    let Some(link) = usage_rows::any_link(conn, &crate::auth::token::digest(raw))? else {
        return Ok(None);
    };
    let p = rows::find(conn, link.prospect_id)?;
    Ok(Some((p, link)))
}

/// The address the link was sent to asks not to be contacted again: recorded once, held to
/// by every email that is not a legal or payment notice.
pub fn stop_contact(conn: &mut DbConn, client_addr: &str, raw: &str) -> AppResult<bool> {
    let Some((p, link)) = stop_link(conn, raw)? else {
        return Err(AppError::NotFound);
    };
    write_tx(conn, |c| {
        let new = usage_rows::add_do_not_contact(c, &link.email, "outreach email")?;
        if new {
            audit::record(
                c,
                &Actor::visitor(&link.email, client_addr),
                "prospect.contact_stopped",
                Some(("prospect", &record(p.id))),
                &format!("{} asked not to be contacted again", link.email),
            )?;
        }
        Ok(new)
    })
}

/// Terms that ended without renewal make their sponsor a prospect, once per term: a new
/// prospect, or a won one opened again. Each in its own transaction.
pub fn lapsed_to_prospects(conn: &mut DbConn) -> AppResult<usize> {
    let lapses = rows::uncounted_lapses(conn, 500)?;
    let mut n = 0;
    for l in lapses {
        let r = write_tx(conn, |c| {
            let sponsor = crate::models::sponsors::find(c, l.sponsor_id)?;
            let system = Actor::system("renewals");
            match rows::find_by_sponsor(c, l.sponsor_id)? {
                Some(p) => {
                    if rows::mark_lapsed(c, p.id, l.sponsorship_id)? == 0 {
                        return Ok(false);
                    }
                    if p.stage() == Stage::Won {
                        rows::move_stage(c, p.id, Stage::Won, Stage::Identified, None)?;
                    }
                    audit::record(
                        c,
                        &system,
                        "prospect.lapsed",
                        Some(("prospect", &record(p.id))),
                        &format!("{}'s term ended without renewal", sponsor.name),
                    )?;
                }
                None => {
                    let domain =
                        crate::domain::organisations::host_of(&sponsor.website).unwrap_or_default();
                    let id = rows::insert(
                        c,
                        &NewProspect {
                            name: &sponsor.name,
                            domain: &domain,
                            org_size: sponsor.org_size,
                            sponsor_id: Some(sponsor.id),
                            owner_id: None,
                            lapsed_sponsorship_id: Some(l.sponsorship_id),
                        },
                    )?;
                    usage_rows::attach_prospect_to_sponsor(c, id, sponsor.id)?;
                    // One contact an address (a sponsor's primary and billing contact are
                    // often the same person).
                    let mut added: Vec<String> = Vec::new();
                    for contact in crate::models::sponsors::contacts(c, sponsor.id)? {
                        let key = contact.email.to_lowercase();
                        if added.contains(&key) {
                            continue;
                        }
                        added.push(key);
                        rows::add_contact(c, id, &contact.name, &contact.email, &contact.role)?;
                    }
                    audit::record(
                        c,
                        &system,
                        "prospect.lapsed",
                        Some(("prospect", &record(id))),
                        &format!(
                            "{}'s term ended without renewal: a prospect again",
                            sponsor.name
                        ),
                    )?;
                }
            }
            Ok(true)
        });
        match r {
            Ok(true) => n += 1,
            Ok(false) => {}
            // Another instance counted it at the same moment.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if n > 0 {
        // Their figures are the prospects' now: the ranking counts them.
        write_tx(conn, |c| Ok(crate::models::usage::refresh_totals(c)?))?;
    }
    Ok(n)
}

/// An application (new sponsor, from the website) finds its prospect: the one whose usage
/// page it came from, or one with the same organisation name or web domain. The prospect is
/// linked to the sponsor and the application and moves to "applied"; none is created.
pub fn link_application(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    sponsorship_id: i64,
    name: &str,
    website: &str,
    via: Option<&str>,
) -> AppResult<Option<i64>> {
    let from_link = match via.filter(|v| crate::auth::token::looks_valid(v)) {
        Some(raw) => {
            usage_rows::any_link(conn, &crate::auth::token::digest(raw))?.map(|l| l.prospect_id)
        }
        None => None,
    };
    let found = match from_link {
        Some(pid) => Some(rows::find(conn, pid)?).filter(|p| p.sponsor_id.is_none()),
        None => {
            let domain = crate::domain::organisations::host_of(website).unwrap_or_default();
            rows::unlinked_by_keys(conn, &rows::name_key(name), &domain)?
                .into_iter()
                .next()
        }
    };
    let Some(p) = found else {
        return Ok(None);
    };
    usage_rows::attach_prospect_to_sponsor(conn, p.id, sponsor_id)?;
    let how = if from_link.is_some() {
        " from its usage page"
    } else {
        ""
    };
    mark_applied(
        conn,
        actor,
        &p,
        sponsor_id,
        sponsorship_id,
        &format!("{name} applied{how} (application {sponsorship_id})"),
    )?;
    Ok(Some(p.id))
}

/// Links a prospect to the application it made, moves it to "applied" (when its stage
/// allows) and says so on its timeline.
fn mark_applied(
    conn: &mut DbConn,
    actor: &Actor,
    p: &Prospect,
    sponsor_id: i64,
    sponsorship_id: i64,
    detail: &str,
) -> AppResult<()> {
    rows::link_sponsor(conn, p.id, sponsor_id, Some(sponsorship_id))?;
    let stage = p.stage();
    if stage != Stage::Applied && stage.moves().contains(&Stage::Applied) {
        rows::move_stage(conn, p.id, stage, Stage::Applied, None)?;
    }
    audit::record(
        conn,
        actor,
        "prospect.applied",
        Some(("prospect", &record(p.id))),
        detail,
    )
}

/// Applications of prospects that were decided: paid or running → the prospect is won;
/// turned down or cancelled → back in conversation, and a prospect that was not a sponsor
/// before is unlinked from the record the application made (its figures with it). Run by
/// housekeeping; each move is conditional, so instances agree.
pub fn settle_applications(conn: &mut DbConn) -> AppResult<usize> {
    let decided = rows::decided_applications(conn, 500)?;
    let system = Actor::system("applications");
    let mut n = 0;
    for d in decided {
        let won = matches!(d.status.as_str(), "paid" | "active" | "expired");
        n += write_tx(conn, |c| {
            let p = rows::find(c, d.id)?;
            let to = if won {
                Stage::Won
            } else {
                Stage::InConversation
            };
            if rows::move_stage(c, p.id, Stage::Applied, to, None)? != 1 {
                return Ok(0);
            }
            if !won && p.lapsed_sponsorship_id.is_none() {
                if let Some(sid) = p.sponsor_id {
                    crate::models::usage::detach_sponsor(c, p.id, sid)?;
                }
                rows::unlink_application(c, p.id)?;
            }
            audit::record(
                c,
                &system,
                "prospect.stage",
                Some(("prospect", &record(p.id))),
                &format!(
                    "Applied \u{2192} {} (the application is {})",
                    to.label(),
                    d.status
                ),
            )?;
            Ok(1)
        })?;
    }
    Ok(n)
}

/// A sponsor (a lapsed one, say) asked to renew: its prospect, if any, moves to "applied"
/// with the application linked.
pub fn link_renewal(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    sponsorship_id: i64,
) -> AppResult<()> {
    let Some(p) = rows::find_by_sponsor(conn, sponsor_id)? else {
        return Ok(());
    };
    mark_applied(
        conn,
        actor,
        &p,
        sponsor_id,
        sponsorship_id,
        &format!("asked to renew (application {sponsorship_id})"),
    )
}

fn due_words(due: NaiveDate, today: NaiveDate) -> String {
    match (today - due).num_days() {
        n if n <= 0 => "today".into(),
        1 => "yesterday".into(),
        n => format!("{n} days ago"),
    }
}

/// Each owner with follow-ups due gets one email a day listing them.
pub fn send_follow_up_digests(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
) -> AppResult<usize> {
    let base = settings.base_url.trim_end_matches('/').to_string();
    let mut sent = 0;
    for (user_id, addr, name) in rows::owners_due(conn, today)? {
        let Ok(to) = EmailAddress::parse(&addr) else {
            continue;
        };
        let done = write_tx(conn, |c| {
            if !usage_rows::claim_digest(c, user_id, today)? {
                return Ok(false);
            }
            let total = rows::count_due_for(c, user_id, today)?;
            let lines = rows::due_for(c, user_id, today, DIGEST_LINES)?
                .into_iter()
                .map(|p| DueLine {
                    due: due_words(p.follow_up_on.unwrap_or(today), today),
                    stage: p.stage().label().to_string(),
                    link: format!("{base}/staff/prospects/{}", p.id),
                    name: p.name,
                })
                .collect();
            email::enqueue(
                c,
                &to,
                About::Account,
                &FollowUpDigestEmail {
                    foundation: settings.foundation_name.clone(),
                    name: name.clone(),
                    total,
                    lines,
                    link: format!("{base}/staff/prospects?due=1&owner=me"),
                },
            )?;
            Ok(true)
        });
        if r_ok(done)? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// A digest another instance claimed at the same moment counts as sent.
fn r_ok(r: AppResult<bool>) -> AppResult<bool> {
    match r {
        Err(AppError::Conflict(_)) => Ok(false),
        other => other,
    }
}

/// A conflict, as a use case that also refuses fields answers it.
fn conflict(message: impl Into<String>) -> SaveError {
    SaveError::Failed(AppError::Conflict(message.into()))
}
