//! Setting up grants: programmes and their rules, yearly caps, the quorum thresholds and the
//! reference exchange rates. Each change runs in one transaction with its audit entry, and
//! the entry says what the value was before, so the audit log alone tells the story.

use crate::db::{DbConn, write_tx};
use crate::domain::grants::{Status, rate_label};
use crate::domain::{Currency, Money};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications as apps;
use crate::models::grant_programmes::{self as programmes, GrantProgramme, ProgrammeFields};

use super::audit::{self, Actor};

/// An optional amount in the foundation currency, for people ("none" when empty).
fn amount(minor: Option<i64>, base: Currency) -> String {
    minor
        .map(|m| Money::new(m, base).to_string())
        .unwrap_or_else(|| "none".into())
}

/// Another programme already uses this name (compared without regard to case, so two
/// programmes cannot look the same in a list).
fn name_taken(c: &mut DbConn, name: &str, except: Option<i64>) -> AppResult<bool> {
    Ok(programmes::all(c)?
        .iter()
        .any(|p| Some(p.id) != except && p.name.to_lowercase() == name.to_lowercase()))
}

fn name_conflict(name: &str) -> AppError {
    AppError::Conflict(format!(
        "There is already a programme called “{name}”. Choose another name."
    ))
}

/// Creates a programme; returns its id.
pub fn create_programme(
    conn: &mut DbConn,
    actor: &Actor,
    f: &ProgrammeFields,
    base: Currency,
) -> AppResult<i64> {
    write_tx(conn, |c| {
        if name_taken(c, &f.name, None)? {
            return Err(name_conflict(&f.name));
        }
        let id = programmes::insert(c, f)?;
        audit::record(
            c,
            actor,
            "grant_programme.create",
            Some(("grant_programme", &id.to_string())),
            &format!("{} ({}); {}", f.name, f.kind, describe(f, base).join("; ")),
        )?;
        Ok(id)
    })
}

/// The rules of a programme as a list of "field: value" for the audit log.
fn describe(f: &ProgrammeFields, base: Currency) -> Vec<String> {
    vec![
        format!("open: {}", yes_no(f.is_open)),
        format!("code of conduct required: {}", yes_no(f.requires_coc)),
        format!("lead time: {} days", f.min_lead_days),
        format!("maximum: {}", amount(f.max_amount_minor, base)),
        format!("per attendee: {}", amount(f.per_attendee_minor, base)),
        format!("report due: {} days after the event", f.report_days),
    ]
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// What an edit changes, as "field: old → new" (empty when nothing changes).
fn changes(old: &GrantProgramme, new: &ProgrammeFields, base: Currency) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    diff("name", old.name.clone(), new.name.clone());
    diff("kind", old.kind.clone(), new.kind.clone());
    diff(
        "open",
        yes_no(old.is_open).into(),
        yes_no(new.is_open).into(),
    );
    diff(
        "code of conduct required",
        yes_no(old.requires_coc).into(),
        yes_no(new.requires_coc).into(),
    );
    diff(
        "lead time (days)",
        old.min_lead_days.to_string(),
        new.min_lead_days.to_string(),
    );
    diff(
        "maximum",
        amount(old.max_amount_minor, base),
        amount(new.max_amount_minor, base),
    );
    diff(
        "per attendee",
        amount(old.per_attendee_minor, base),
        amount(new.per_attendee_minor, base),
    );
    diff(
        "report due (days)",
        old.report_days.to_string(),
        new.report_days.to_string(),
    );
    if old.description != new.description {
        out.push("description changed".into());
    }
    out
}

/// Saves a programme's fields. Returns false when nothing changed (no audit entry then).
/// Applications already submitted keep the checks they passed; the new rules apply to new
/// applications.
pub fn update_programme(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    f: &ProgrammeFields,
    base: Currency,
) -> AppResult<bool> {
    write_tx(conn, |c| {
        let old = programmes::find(c, id)?;
        if name_taken(c, &f.name, Some(id))? {
            return Err(name_conflict(&f.name));
        }
        let changed = changes(&old, f, base);
        if changed.is_empty() {
            return Ok(false);
        }
        programmes::update(c, id, f)?;
        audit::record(
            c,
            actor,
            "grant_programme.update",
            Some(("grant_programme", &id.to_string())),
            &format!("{}: {}", old.name, changed.join("; ")),
        )?;
        Ok(true)
    })
}

/// Sets (or replaces) a programme's cap for a year. Returns the cap it replaced.
pub fn set_cap(
    conn: &mut DbConn,
    actor: &Actor,
    programme_id: i64,
    year: i32,
    cap_minor: i64,
    base: Currency,
) -> AppResult<Option<i64>> {
    write_tx(conn, |c| {
        // A decision checks the cap under this lock: a cap changed meanwhile waits for it.
        crate::db::serialize_on(c, crate::db::lock_keys::GRANT_DECISIONS)?;
        let p = programmes::find(c, programme_id)?;
        let old = programmes::cap(c, programme_id, year)?;
        if old == Some(cap_minor) {
            return Ok(old);
        }
        programmes::set_cap(c, programme_id, year, cap_minor)?;
        audit::record(
            c,
            actor,
            "grant_budget.set",
            Some(("grant_programme", &programme_id.to_string())),
            &format!(
                "{} {year}: cap {}{}",
                p.name,
                Money::new(cap_minor, base),
                match old {
                    Some(o) => format!(" (was {})", Money::new(o, base)),
                    None => " (new)".into(),
                }
            ),
        )?;
        Ok(old)
    })
}

/// Quorum rows for the audit log: "from $0.00: 1; from $1,000.00: 2".
pub fn quorum_summary(rows: &[(i64, i32)], base: Currency) -> String {
    rows.iter()
        .map(|(from, n)| format!("from {}: {n}", Money::new(*from, base)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Replaces the quorum thresholds (already checked: at least one row, the first from 0).
/// Returns false when they were already so.
pub fn set_quorum(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[(i64, i32)],
    base: Currency,
) -> AppResult<bool> {
    if rows.first().map(|r| r.0) != Some(0) {
        return Err(AppError::BadRequest(
            "The quorum needs a first row from 0.".into(),
        ));
    }
    write_tx(conn, |c| {
        let old = programmes::quorum(c)?;
        if old == rows {
            return Ok(false);
        }
        programmes::set_quorum(c, rows)?;
        audit::record(
            c,
            actor,
            "grant_quorum.set",
            None,
            &format!(
                "{} (was {})",
                quorum_summary(rows, base),
                quorum_summary(&old, base)
            ),
        )?;
        Ok(true)
    })
}

/// Adds a reference rate (`adding`: refused when the currency has one already, so two
/// people adding at once do not overwrite each other silently) or changes one (refused when
/// it was removed meanwhile). Returns the rate it replaced.
pub fn set_rate(
    conn: &mut DbConn,
    actor: &Actor,
    currency: Currency,
    rate_micros: i64,
    base: Currency,
    adding: bool,
) -> AppResult<Option<i64>> {
    if currency == base {
        return Err(AppError::BadRequest(base_refusal(base)));
    }
    write_tx(conn, |c| {
        let code = currency.code();
        let old = programmes::rates(c)?
            .into_iter()
            .find(|r| r.currency == code)
            .map(|r| r.rate_micros);
        match (adding, old) {
            (true, Some(o)) => {
                return Err(AppError::Conflict(format!(
                    "{code} already has a rate (1 {code} = {} {}). Change it in the table instead.",
                    rate_label(o),
                    base.code()
                )));
            }
            (false, None) => {
                return Err(AppError::Conflict(format!(
                    "{code} no longer has a rate: someone removed it. Add it again below."
                )));
            }
            _ => {}
        }
        if old == Some(rate_micros) {
            return Ok(old);
        }
        programmes::set_rate(c, code, rate_micros, &actor.label)?;
        audit::record(
            c,
            actor,
            "exchange_rate.set",
            Some(("exchange_rate", code)),
            &format!(
                "1 {code} = {} {}{}",
                rate_label(rate_micros),
                base.code(),
                match old {
                    Some(o) => format!(" (was {})", rate_label(o)),
                    None => " (new)".into(),
                }
            ),
        )?;
        Ok(old)
    })
}

/// The sentence refusing a rate for the foundation's own currency.
pub fn base_refusal(base: Currency) -> String {
    format!(
        "{} is the foundation's own currency: it needs no exchange rate.",
        base.code()
    )
}

/// Removes a rate: new requests in that currency are no longer accepted. Returns how many
/// applications still in progress are in that currency (their decision and payment forms
/// will ask for a rate instead of prefilling it).
pub fn delete_rate(conn: &mut DbConn, actor: &Actor, currency: &str) -> AppResult<usize> {
    write_tx(conn, |c| {
        let Some(old) = programmes::rates(c)?
            .into_iter()
            .find(|r| r.currency == currency)
        else {
            return Err(AppError::Conflict(format!(
                "{currency} has no exchange rate: someone removed it already."
            )));
        };
        programmes::delete_rate(c, currency)?;
        let open = apps::list(
            c,
            &[
                Status::Submitted,
                Status::UnderReview,
                Status::InfoRequested,
                Status::Approved,
            ],
        )?
        .iter()
        .filter(|a| a.currency == currency)
        .count();
        audit::record(
            c,
            actor,
            "exchange_rate.delete",
            Some(("exchange_rate", currency)),
            &format!(
                "{currency} removed (was {}); {open} open application(s) in {currency}",
                rate_label(old.rate_micros)
            ),
        )?;
        Ok(open)
    })
}
