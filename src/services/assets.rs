//! Benefit assets: staff say what a tier's sponsors must provide (a text, a file, a link or
//! a yes/no answer) by when; sponsors provide it in the portal; reminders go out before the
//! due date, once each; staff email exactly the sponsors still missing one.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::{DbConn, write_tx};
use crate::domain::FormErrors;
use crate::domain::assets::{self, ASKED, Kind};
use crate::email::{self, AssetRequestEmail};
use crate::error::{AppError, AppResult};
use crate::models::assets::{self as rows, AssetRequest, NewSubmission, Submission};
use crate::models::sponsorships::Sponsorship;
use crate::models::{sponsorships, tiers};
use crate::private_files;

use super::audit::{self, Actor};
use super::portal;

/// A request as staff typed it, checked.
pub struct RequestInput {
    pub label: String,
    pub kind: Kind,
    pub help: String,
    pub due_on: NaiveDate,
}

/// Checks a request's fields (`label`, `kind`, `help`, `due_on`); messages next to each.
pub fn parse_request(
    label: &str,
    kind: &str,
    help: &str,
    due_on: &str,
) -> Result<RequestInput, FormErrors> {
    let mut errors = FormErrors::new();
    let label = crate::domain::text::single_line(label, "what you ask for", 200)
        .map_err(|m| errors.add("label", m))
        .ok();
    let kind = Kind::parse(kind);
    if kind.is_none() {
        errors.add(
            "kind",
            "Choose what the sponsor provides: a text, a file, a link or a yes/no answer.",
        );
    }
    let help = crate::domain::text::optional_multi_line(help, "the explanation", 2000)
        .map_err(|m| errors.add("help", m))
        .ok();
    let due_on = crate::domain::dates::parse_date(due_on, "the due date")
        .map_err(|m| errors.add("due_on", m))
        .ok();
    match (label, kind, help, due_on, errors.is_empty()) {
        (Some(label), Some(kind), Some(help), Some(due_on), true) => Ok(RequestInput {
            label,
            kind,
            help,
            due_on,
        }),
        _ => Err(errors),
    }
}

/// Adds a request to a tier.
pub fn create(conn: &mut DbConn, actor: &Actor, tier_id: i64, r: &RequestInput) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let tier = tiers::find(conn, tier_id)?;
        let id = rows::insert(conn, tier.id, &r.label, r.kind, &r.help, r.due_on)?;
        audit::record(
            conn,
            actor,
            "asset_request.create",
            Some(("asset_request", &id.to_string())),
            &format!(
                "{} · {} · {} · due {}",
                tier.name,
                r.label,
                r.kind.label(),
                r.due_on
            ),
        )?;
        Ok(id)
    })
}

/// Changes a request's wording and due date (its kind stays: answers were given to it).
pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, r: &RequestInput) -> AppResult<()> {
    write_tx(conn, |conn| {
        let before = rows::find(conn, id)?;
        rows::update(conn, id, &r.label, &r.help, r.due_on)?;
        audit::record(
            conn,
            actor,
            "asset_request.update",
            Some(("asset_request", &id.to_string())),
            &format!("{} · due {} (was {})", r.label, r.due_on, before.due_on),
        )
    })
}

/// Removes a request with what was provided for it; returns the files to delete.
pub fn delete(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<(i64, Vec<String>)> {
    write_tx(conn, |conn| {
        let r = rows::find(conn, id)?;
        let keys = rows::file_keys(conn, id)?;
        let provided = rows::count_provided(conn, id)?;
        rows::delete(conn, id)?;
        audit::record(
            conn,
            actor,
            "asset_request.delete",
            Some(("asset_request", &id.to_string())),
            &format!("{} · {provided} answer(s) removed", r.label),
        )?;
        Ok((r.tier_id, keys))
    })
}

/// The folder of provided files: private, never served as static files.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("private").join("assets")
}

/// Stores a checked file under a new random key.
pub fn store_file(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    private_files::store(&files_dir(data_dir), "", bytes)
}

/// Removes a stored file; missing is fine.
pub fn delete_file(data_dir: &Path, key: &str) {
    if let Err(e) = private_files::delete(&files_dir(data_dir), key, "") {
        tracing::warn!(error = %e, "removing an asset file failed");
    }
}

/// The stored file of `key`, or None for a key that is not ours.
pub fn file_path(data_dir: &Path, key: &str) -> Option<PathBuf> {
    private_files::path(&files_dir(data_dir), key, "")
}

/// What a file over the limit is told.
pub const TOO_LARGE: &str = "The file is larger than 10 MB. Send a smaller one, or a link to it.";

/// Checks an uploaded file: not empty, at most 10 MB, a PDF or an image by its content.
/// Returns its content type.
pub fn check_file(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("Choose the file to send.".into());
    }
    if bytes.len() > assets::MAX_FILE_BYTES {
        return Err(TOO_LARGE.into());
    }
    assets::sniff_file(bytes)
        .map(|(t, _)| t)
        .ok_or_else(|| "We take PDF, PNG, JPEG and WebP files (whatever the name says, this is none of them). For other formats, send a link.".into())
}

/// One of a sponsor's sponsorships that is asked for assets, with its tier's name and each
/// request with the answer given, if any.
pub struct AskedTerm {
    pub sponsorship: Sponsorship,
    pub tier: String,
    pub items: Vec<(AssetRequest, Option<Submission>)>,
}

impl AskedTerm {
    /// How many requests are still to answer, and how many of those are past their due date.
    pub fn outstanding(terms: &[AskedTerm], today: NaiveDate) -> (usize, usize) {
        let open = terms
            .iter()
            .flat_map(|t| &t.items)
            .filter(|(_, answer)| answer.is_none());
        open.fold((0, 0), |(n, late), (r, _)| {
            (n + 1, late + usize::from(r.due_on < today))
        })
    }
}

/// What the sponsor `sponsor_id` is asked for: its committed sponsorships that have
/// requests, each with them and their answers (three queries whatever their number).
pub fn for_sponsor(conn: &mut DbConn, sponsor_id: i64) -> AppResult<Vec<AskedTerm>> {
    let terms: Vec<(Sponsorship, String)> =
        crate::models::portal_views::sponsorships_of_many(conn, &[sponsor_id])?
            .into_iter()
            .filter(|(s, _)| ASKED.contains(&s.status()))
            .collect();
    let tier_ids: Vec<i64> = terms.iter().map(|(s, _)| s.tier_id).collect();
    let requests = rows::for_tiers(conn, &tier_ids)?;
    let ids: Vec<i64> = terms.iter().map(|(s, _)| s.id).collect();
    let answers = rows::submissions_of(conn, &ids)?;
    Ok(terms
        .into_iter()
        .map(|(s, tier)| {
            let items = requests
                .iter()
                .filter(|r| r.tier_id == s.tier_id)
                .map(|r| {
                    let answer = answers
                        .iter()
                        .find(|a| a.request_id == r.id && a.sponsorship_id == s.id)
                        .cloned();
                    (r.clone(), answer)
                })
                .collect();
            AskedTerm {
                sponsorship: s,
                tier,
                items,
            }
        })
        .filter(|t| !t.items.is_empty())
        .collect())
}

/// Request `request_id` as asked of sponsorship `sponsorship_id` of sponsor `sponsor_id`:
/// another sponsor's sponsorship, or a request of another tier, is not found.
pub fn request_for(
    conn: &mut DbConn,
    sponsor_id: i64,
    request_id: i64,
    sponsorship_id: i64,
) -> AppResult<(Sponsorship, AssetRequest)> {
    let s = sponsorships::find(conn, sponsorship_id)?;
    let r = rows::find(conn, request_id)?;
    if s.sponsor_id != sponsor_id || r.tier_id != s.tier_id {
        return Err(AppError::NotFound);
    }
    Ok((s, r))
}

/// A sponsor's contact provides (or replaces) the answer to request `request_id` for their
/// sponsorship `sponsorship_id`. Another sponsor's sponsorship, or a request of another tier,
/// is not found. Returns a file it replaced, to delete.
pub fn provide(
    conn: &mut DbConn,
    actor: &Actor,
    sponsor_id: i64,
    request_id: i64,
    sponsorship_id: i64,
    answer: &NewSubmission,
) -> AppResult<Option<String>> {
    write_tx(conn, |conn| {
        // Two answers at once (a double click, two colleagues): one after the other, so the
        // second replaces the first and the first's file is handed back to be deleted.
        if sponsorships::lock(conn, sponsorship_id)? == 0 {
            return Err(AppError::NotFound);
        }
        let (s, r) = request_for(conn, sponsor_id, request_id, sponsorship_id)?;
        if !ASKED.contains(&s.status()) {
            return Err(AppError::Conflict(
                "This sponsorship is not asked for anything at the moment.".into(),
            ));
        }
        let replaced = rows::upsert_submission(conn, r.id, s.id, answer)?;
        audit::record(
            conn,
            actor,
            "asset.provided",
            Some(("sponsorship", &s.id.to_string())),
            &format!("{} ({})", r.label, r.kind().label().to_lowercase()),
        )?;
        Ok(replaced)
    })
}

/// Emails one sponsorship's contacts about a request (marketing contacts, else primary).
fn email_about(
    conn: &mut DbConn,
    settings: &Settings,
    r: &AssetRequest,
    (sponsorship_id, sponsor_id, sponsor_name): &rows::Asked,
    today: NaiveDate,
    note: &str,
) -> AppResult<usize> {
    let mut n = 0;
    for to in portal::recipients(conn, *sponsor_id, "marketing")? {
        let link = portal::sponsor_link(conn, settings, *sponsor_id, to.email.as_str())?;
        email::enqueue(
            conn,
            &to.email,
            crate::email::About::Sponsorship(*sponsorship_id),
            &AssetRequestEmail {
                foundation: settings.foundation_name.clone(),
                name: to.name.clone(),
                sponsor: sponsor_name.clone(),
                label: r.label.clone(),
                help: r.help.clone(),
                due_on: r.due_label(),
                days_left: (r.due_on - today).num_days(),
                note: note.to_string(),
                link: format!("{link}?next=/portal/assets"),
            },
        )?;
        n += 1;
    }
    Ok(n)
}

/// A second round of emails about one request waits this long after the first.
pub const RESEND_MINUTES: i64 = 5;

/// The largest note staff may add to the email, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Staff email every sponsor still missing request `id`, in one step: each asked sponsorship
/// without an answer gets the templated email (with `note`), logged on its sponsor's
/// timeline. Returns (sponsors, emails).
pub fn email_missing(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
    note: &str,
    today: NaiveDate,
) -> AppResult<(usize, usize)> {
    write_tx(conn, |conn| {
        let r = rows::find(conn, id)?;
        // A double submit, or two staff at once, sends one round: the second is told.
        rows::lock(conn, id)?;
        let recent = crate::models::portal_views::actions_on_record_since(
            conn,
            "asset_request.emailed",
            "asset_request",
            &id.to_string(),
            crate::models::now() - chrono::Duration::minutes(RESEND_MINUTES),
        )?;
        if recent > 0 {
            return Err(AppError::Conflict(format!(
                "These sponsors were emailed about \"{}\" less than {RESEND_MINUTES} minutes ago. Nothing was sent again.",
                r.label
            )));
        }
        let (mut sponsors_n, mut emails) = (0, 0);
        let mut after = 0;
        loop {
            let chunk = rows::missing_after(conn, &r, None, after, 500)?;
            let Some(last) = chunk.last() else { break };
            after = last.0;
            for asked in &chunk {
                emails += email_about(conn, settings, &r, asked, today, note)?;
                sponsors_n += 1;
            }
        }
        audit::record(
            conn,
            actor,
            "asset_request.emailed",
            Some(("asset_request", &id.to_string())),
            &format!(
                "{} · {sponsors_n} sponsor(s) still missing it · {emails} email(s)",
                r.label
            ),
        )?;
        Ok((sponsors_n, emails))
    })
}

/// Sends the reminders due `today`: for each request due within 14 days, each asked
/// sponsorship without an answer gets the 14-day and then the 3-day reminder, once each
/// (recorded in its own transaction, so a restart or a second worker sends nothing twice).
pub fn send_reminders(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
) -> AppResult<usize> {
    let horizon = today + chrono::Duration::days(i64::from(assets::REMINDER_DAYS[0]));
    let due = rows::due_between(conn, today + chrono::Duration::days(1), horizon)?;
    let mut sent = 0;
    for r in due {
        let days_left = (r.due_on - today).num_days();
        let Some(threshold) = assets::reminder_threshold(days_left) else {
            continue;
        };
        let mut after = 0;
        loop {
            let chunk = rows::missing_after(conn, &r, Some(threshold), after, 500)?;
            let Some(last) = chunk.last() else { break };
            after = last.0;
            for asked in chunk {
                let done = write_tx(conn, |conn| {
                    let done = rows::reminders_done(conn, r.id, asked.0)?;
                    if done.contains(&threshold) {
                        return Ok(0);
                    }
                    for d in assets::REMINDER_DAYS.iter().filter(|d| **d >= threshold) {
                        if !done.contains(d) {
                            rows::record_reminder(conn, r.id, asked.0, *d)?;
                        }
                    }
                    let n = email_about(conn, settings, &r, &asked, today, "")?;
                    audit::record(
                        conn,
                        &Actor::system("assets"),
                        "asset.reminder",
                        Some(("sponsorship", &asked.0.to_string())),
                        &format!(
                            "{}-day reminder · {} · due {}",
                            threshold, r.label, r.due_on
                        ),
                    )?;
                    Ok(n)
                });
                match done {
                    Ok(n) => sent += n,
                    // Another instance recorded it first: it sent the reminder.
                    Err(AppError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(sent)
}
