//! Grants from the applicant's side: the public application (checked against its programme's
//! rules, once per form), the applicant's replies, withdrawal and post-event report, fresh
//! private links, and the private files they send. Each change runs in one transaction with
//! its history, audit entry and emails.
//!
//! Files live in `{data_dir}/grant_files/{key}` under a random key, outside anything served as
//! static; only the handlers that check who is asking read them.

mod applicant;
mod files;

pub use applicant::{may_message, reply, report_open, request_links, submit_report, withdraw};
pub use files::{
    check_pdf, check_report_file, delete_file, display_name, extension, file_path, files_dir,
    store_file, too_large_message,
};

use chrono::{Datelike, NaiveDate};
use diesel::OptionalExtension;

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::grants::{self, RuleInput, Status};
use crate::domain::{EmailAddress, FormErrors, Money, Role};
use crate::email::{self, GrantApplicantActivityEmail, GrantReceivedEmail};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, GrantApplication, NewGrantApplication};
use crate::models::grant_programmes::{self as programmes, GrantProgramme};
use crate::models::grant_reviews as reviews;
use crate::models::portal_views;

use super::audit::{self, Actor};
use super::grants as lifecycle;
use super::portal_actions::LinkRequests;

/// Applications one client address may send in an hour.
pub const APPLICATIONS_PER_ADDR_HOUR: i64 = 10;

/// Shown when a client address has sent too many applications lately.
pub const TOO_MANY: &str = "We have received many grant applications from your network in the \
     last hour, so we cannot take this one now. Nothing was saved. Please try again in an hour, \
     or write to us if you need help.";

/// Largest file accepted (10 MiB), for the application's PDF and each report attachment.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Attachments a report may carry.
pub const MAX_REPORT_FILES: usize = 5;
/// Longest reply, withdrawal reason or report, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;
pub const MAX_REPORT_CHARS: usize = 20_000;
/// Applications one link request sends links for (the newest).
const MAX_LINKS_PER_REQUEST: usize = 5;
/// How applicants ask for their links again (the limits are the sponsor portal's).
const GRANT_LINKS: LinkRequests = LinkRequests {
    action: "grant.link_requested",
    sent_record: "grant_link",
    unknown: "no grant application has this address",
};

/// The figures a programme's rules are checked against, as the form gave them.
#[derive(Clone, Debug)]
pub struct Facts {
    pub programme_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub attendance: i32,
    pub coc_url: String,
    pub requested: Money,
    pub total_budget: Money,
}

/// What the checks found: the programme, the reference rate used, and the request in the
/// foundation currency.
pub struct Checked {
    pub programme: GrantProgramme,
    pub rate_micros: i64,
    pub requested_base: Money,
}

/// "USD, EUR and GBP".
fn list_words(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// The sentence for a currency we cannot take.
pub fn currency_refused(accepted: &[String]) -> String {
    format!(
        "We accept requests in {}. Choose one of these; if your costs are in another currency, convert them at today's rate.",
        list_words(accepted)
    )
}

/// Checks the facts against the programme's rules on `today`: the programme must be open,
/// the currency accepted (the foundation's own or one with a reference rate), and every rule
/// of `domain::grants::check_rules` met.
pub fn check(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
    f: &Facts,
) -> AppResult<Result<Checked, FormErrors>> {
    let base = settings.currency();
    let programme = match programmes::find(conn, f.programme_id).optional()? {
        Some(p) if p.is_open => p,
        _ => {
            return Ok(Err(FormErrors::one(
                "programme",
                "That programme is not taking applications. Choose one of the programmes listed.",
            )));
        }
    };
    let Some(rate_micros) = programmes::rate(conn, f.requested.currency, base)? else {
        let accepted = programmes::accepted_currencies(conn, base)?;
        return Ok(Err(FormErrors::one(
            "currency",
            currency_refused(&accepted),
        )));
    };
    let Some(requested_base) = grants::convert(f.requested, rate_micros, base) else {
        return Ok(Err(FormErrors::one(
            "requested",
            "That amount is too large for us to fund.",
        )));
    };
    let errors = grants::check_rules(
        &programme.rules(base),
        &Draft::from(f).rule_input(Some(requested_base)),
        today,
    );
    if !errors.is_empty() {
        return Ok(Err(errors.into_iter().collect()));
    }
    Ok(Ok(Checked {
        programme,
        rate_micros,
        requested_base,
    }))
}

/// What a form that did not parse whole still tells: each figure that parsed.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub programme_id: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub attendance: Option<i32>,
    pub coc_url: Option<String>,
    pub requested: Option<Money>,
    pub total_budget: Option<Money>,
}

/// The programme's rules checked against what parsed of a form, so that the applicant reads
/// every message the form can give in its first answer (not the rules only after the
/// missing fields are fixed). Nothing without a programme.
pub fn draft_errors(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
    d: &Draft,
) -> AppResult<FormErrors> {
    let base = settings.currency();
    let Some(programme) = d
        .programme_id
        .map(|id| programmes::find(conn, id).optional())
        .transpose()?
        .flatten()
        .filter(|p| p.is_open)
    else {
        return Ok(FormErrors::new());
    };
    let requested_base = match d.requested {
        Some(r) => programmes::rate(conn, r.currency, base)?
            .and_then(|rate| grants::convert(r, rate, base)),
        None => None,
    };
    Ok(
        grants::check_rules(&programme.rules(base), &d.rule_input(requested_base), today)
            .into_iter()
            .collect(),
    )
}

impl Draft {
    /// What the rules are checked against, with the request in the foundation currency.
    fn rule_input(&self, requested_base: Option<Money>) -> RuleInput {
        RuleInput {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            attendance: self.attendance,
            coc_url: self.coc_url.clone(),
            requested: self.requested,
            requested_base,
            total_budget: self.total_budget,
        }
    }
}

impl From<&Facts> for Draft {
    fn from(f: &Facts) -> Draft {
        Draft {
            programme_id: Some(f.programme_id),
            starts_on: Some(f.starts_on),
            ends_on: Some(f.ends_on),
            attendance: Some(f.attendance),
            coc_url: Some(f.coc_url.clone()),
            requested: Some(f.requested),
            total_budget: Some(f.total_budget),
        }
    }
}

/// A checked file stored under a random key, waiting for its row.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub key: String,
    /// The name the applicant's file had (shown only, never used as a path).
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
}

/// An application as the form parsed it.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The random key the form carried (a resubmitted form has the same one).
    pub key: String,
    pub applicant_name: String,
    pub applicant_email: EmailAddress,
    pub organisation: String,
    /// ISO code.
    pub country: String,
    pub event_name: String,
    pub city: String,
    /// ISO code.
    pub event_country: String,
    pub website: String,
    pub facts: Facts,
    /// `(label, amount)` in the request's currency.
    pub lines: Vec<(String, i64)>,
    pub purpose: String,
    pub outreach: String,
    pub earlier_grants: String,
    pub public_opt_in: bool,
    pub attachment: Option<StoredFile>,
}

/// How a submission ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: i64,
    },
    /// The same form was sent before: nothing new was written or sent.
    AlreadyReceived,
    /// Fields must change; nothing was written.
    Refused(FormErrors),
    /// Too many applications from this client address lately; nothing was written.
    TooMany,
}

/// Records an application (status `submitted`, its budget lines, the first history row, the
/// attachment's row), emails the applicant their private link and tells the deciders. Safe
/// to call twice with the same form and from two requests at once: one application, one
/// set of emails.
pub fn submit(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    today: NaiveDate,
    s: &Submission,
) -> AppResult<Outcome> {
    let r = write_tx(conn, |conn| submit_in(conn, settings, actor, today, s));
    // Lost the race on the form key's unique index: the other request made it.
    if matches!(r, Err(AppError::Conflict(_))) && apps::find_by_key(conn, &s.key)?.is_some() {
        return Ok(Outcome::AlreadyReceived);
    }
    r
}

fn submit_in(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    today: NaiveDate,
    s: &Submission,
) -> AppResult<Outcome> {
    if apps::find_by_key(conn, &s.key)?.is_some() {
        return Ok(Outcome::AlreadyReceived);
    }
    if let Some(addr) = actor.client_addr.as_deref() {
        let recent = portal_views::actions_from_addr_since(
            conn,
            "grant.apply",
            addr,
            crate::models::now() - chrono::Duration::hours(1),
        )?;
        if recent >= APPLICATIONS_PER_ADDR_HOUR {
            return Ok(Outcome::TooMany);
        }
    }
    let checked = match check(conn, settings, today, &s.facts)? {
        Ok(c) => c,
        Err(errors) => return Ok(Outcome::Refused(errors)),
    };
    let f = &s.facts;
    let now = crate::models::now();
    let new = NewGrantApplication {
        application_key: s.key.clone(),
        programme_id: checked.programme.id,
        status: Status::Submitted.as_str().to_string(),
        applicant_name: s.applicant_name.clone(),
        applicant_email: s.applicant_email.as_str().to_string(),
        organisation: s.organisation.clone(),
        group_key: grants::group_key(&s.organisation),
        country: s.country.clone(),
        event_name: s.event_name.clone(),
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        city: s.city.clone(),
        event_country: s.event_country.clone(),
        attendance: f.attendance,
        website: s.website.clone(),
        coc_url: f.coc_url.clone(),
        requested_minor: f.requested.minor,
        currency: f.requested.currency.code().to_string(),
        requested_base_minor: checked.requested_base.minor,
        total_budget_minor: f.total_budget.minor,
        purpose: s.purpose.clone(),
        outreach: s.outreach.clone(),
        earlier_grants: s.earlier_grants.clone(),
        public_opt_in: s.public_opt_in,
        budget_year: f.starts_on.year(),
        created_at: now,
        updated_at: now,
    };
    let id = apps::insert(conn, &new, &s.lines)?;
    apps::add_event(
        conn,
        id,
        None,
        Status::Submitted,
        &actor.label,
        "applied on the website",
    )?;
    if let Some(file) = &s.attachment {
        apps::add_file(
            conn,
            id,
            "application",
            &file.key,
            &file.name,
            file.content_type,
            file.size,
        )?;
    }
    let a = apps::find(conn, id)?;
    let rate = if checked.rate_micros == grants::RATE_SCALE {
        String::new()
    } else {
        format!(
            " (≈ {} at {})",
            checked.requested_base,
            grants::rate_label(checked.rate_micros)
        )
    };
    audit::record(
        conn,
        actor,
        "grant.apply",
        Some(("grant_application", &id.to_string())),
        &format!(
            "{} · {} · {} · {}{rate}{}",
            a.reference(),
            checked.programme.name,
            a.event_name,
            a.requested_label(),
            if s.attachment.is_some() {
                " · PDF attached"
            } else {
                ""
            }
        ),
    )?;
    let link = lifecycle::applicant_link(conn, settings, &a)?;
    email::enqueue(
        conn,
        &s.applicant_email,
        crate::email::About::GrantApplication(id),
        &GrantReceivedEmail {
            foundation: settings.foundation_name.clone(),
            name: a.applicant_name.clone(),
            reference: a.reference(),
            event: a.event_name.clone(),
            programme: checked.programme.name.clone(),
            requested: a.requested_label(),
            link,
            expires_days: settings.portal_link_days,
        },
    )?;
    let deciders = staff_with_role(conn, Role::GrantsDecider, a.id)?;
    tell_staff(
        conn,
        settings,
        &a,
        &deciders,
        &format!(
            "A new grant application arrived: {} asks for {}.",
            a.organisation,
            a.requested_label()
        ),
        "",
        &lifecycle::staff_url(settings, a.id),
    )?;
    Ok(Outcome::Created { id })
}

/// Active staff with a role, as `(name, address)`, leaving out anyone recused from the
/// application (a declared conflict of interest keeps them out of its news too).
fn staff_with_role(conn: &mut DbConn, role: Role, id: i64) -> AppResult<Vec<(String, String)>> {
    let recused = reviews::recused(conn, id)?;
    Ok(crate::models::users::active_with_role(conn, role)?
        .into_iter()
        .filter(|u| !recused.contains(&u.id))
        .map(|u| (u.name, u.email))
        .collect())
}

/// Who hears about an applicant's message or withdrawal: the assigned reviewers without a
/// conflict of interest, or the deciders while nobody is assigned.
fn reviewers_or_deciders(conn: &mut DbConn, id: i64) -> AppResult<Vec<(String, String)>> {
    let reviewers = reviews::active_reviewers(conn, id)?;
    if reviewers.is_empty() {
        staff_with_role(conn, Role::GrantsDecider, id)
    } else {
        Ok(reviewers)
    }
}

/// Queues one note per address about what the applicant did.
fn tell_staff(
    conn: &mut DbConn,
    settings: &Settings,
    a: &GrantApplication,
    to: &[(String, String)],
    what: &str,
    excerpt: &str,
    link: &str,
) -> AppResult<()> {
    let mut sent: Vec<String> = Vec::new();
    for (name, addr) in to {
        let Ok(addr) = EmailAddress::parse(addr) else {
            continue;
        };
        if sent.iter().any(|s| s == addr.as_str()) {
            continue;
        }
        sent.push(addr.as_str().to_string());
        email::enqueue(
            conn,
            &addr,
            crate::email::About::GrantApplication(a.id),
            &GrantApplicantActivityEmail {
                foundation: settings.foundation_name.clone(),
                name: name.clone(),
                reference: a.reference(),
                event: a.event_name.clone(),
                what: what.to_string(),
                excerpt: excerpt.to_string(),
                link: link.to_string(),
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
