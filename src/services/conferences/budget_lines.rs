//! A conference budget's ticket types, cost lines and revenue lines: each add, change and
//! removal checked and written in one transaction with its audit entry.

use super::audit::{self, Actor};
use super::{amount, check_seen, refuse, total_at};
use crate::db::{DbConn, write_tx, write_tx_with};
use crate::domain::Money;
use crate::domain::conference_budget::{self, Basis, MAX_LINES};
use crate::domain::grants::{RATE_SCALE, rate_label};
use crate::domain::money::MAX_MINOR;
use crate::error::{AppResult, SaveError};
use crate::models::conference_lines::{
    self as lines, CostLine, CostLineFields, RevenueFields, RevenueLine,
};
use crate::models::conferences::{self, Conference, TicketFields};
use chrono::NaiveDateTime;

fn ticket_line(t: &TicketFields, currency: &str) -> String {
    format!(
        "{}: {} for {}",
        t.name,
        amount(Some(t.price_minor), currency),
        conference_budget::share_label(i64::from(t.share_permille))
    )
}

/// Shares of every ticket type but `except`, plus `f`'s, must not pass 100%.
fn check_shares(
    c: &mut DbConn,
    conference_id: i64,
    except: Option<i64>,
    f: &TicketFields,
) -> Result<(), SaveError> {
    let tickets = conferences::tickets(c, conference_id)?;
    if except.is_none() && tickets.len() >= MAX_LINES {
        return refuse(
            "name",
            format!("A conference has at most {MAX_LINES} ticket types."),
        );
    }
    if tickets
        .iter()
        .any(|t| Some(t.id) != except && t.name.to_lowercase() == f.name.to_lowercase())
    {
        return refuse(
            "name",
            format!("There is already a ticket type called “{}”.", f.name),
        );
    }
    let others: i64 = tickets
        .iter()
        .filter(|t| Some(t.id) != except)
        .map(|t| i64::from(t.share_permille))
        .sum();
    if others + i64::from(f.share_permille) > 1000 {
        return refuse(
            "share",
            format!(
                "The other ticket types already take {} of attendance: this one can take at most {}.",
                conference_budget::share_label(others),
                conference_budget::share_label((1000 - others).max(0))
            ),
        );
    }
    Ok(())
}

/// Adds a ticket type.
pub fn add_ticket(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    f: &TicketFields,
) -> Result<i64, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        check_shares(c, conference_id, None, f)?;
        let id = conferences::insert_ticket(c, conference_id, f)?;
        audit::record(
            c,
            actor,
            "conference_ticket.add",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {}", conf.name, ticket_line(f, &conf.currency)),
        )?;
        Ok(id)
    })
}

/// Saves a ticket type; false when nothing changed.
pub fn update_ticket(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    id: i64,
    f: &TicketFields,
    seen: Option<NaiveDateTime>,
) -> Result<bool, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        let old = conferences::find_ticket(c, conference_id, id)?;
        check_seen(seen, old.updated_at, "this ticket type")?;
        let old_f = TicketFields {
            name: old.name.clone(),
            price_minor: old.price_minor,
            share_permille: old.share_permille,
        };
        if old_f == *f {
            return Ok(false);
        }
        check_shares(c, conference_id, Some(id), f)?;
        conferences::update_ticket(c, id, f)?;
        audit::record(
            c,
            actor,
            "conference_ticket.update",
            Some(("conference", &conference_id.to_string())),
            &format!(
                "{}: {} (was {})",
                conf.name,
                ticket_line(f, &conf.currency),
                ticket_line(&old_f, &conf.currency)
            ),
        )?;
        Ok(true)
    })
}

/// Removes a ticket type.
pub fn delete_ticket(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    id: i64,
) -> AppResult<()> {
    write_tx(conn, |c| {
        let conf = conferences::find(c, conference_id)?;
        let old = conferences::find_ticket(c, conference_id, id)?;
        conferences::delete_ticket(c, id)?;
        conferences::hold(c, conference_id)?;
        audit::record(
            c,
            actor,
            "conference_ticket.delete",
            Some(("conference", &conference_id.to_string())),
            &format!(
                "{}: {} removed",
                conf.name,
                ticket_line(
                    &TicketFields {
                        name: old.name,
                        price_minor: old.price_minor,
                        share_permille: old.share_permille,
                    },
                    &conf.currency
                )
            ),
        )?;
        Ok(())
    })
}

/// A cost line for the audit log.
fn cost_line(f: &CostLineFields) -> String {
    let cur = &f.currency;
    let rate = if f.rate_micros == RATE_SCALE {
        String::new()
    } else {
        format!(" at {}", rate_label(f.rate_micros))
    };
    let liability = match (f.liability_minor, f.liability_from) {
        (Some(l), Some(d)) => format!("{} from {d}", amount(Some(l), cur)),
        (Some(l), None) => amount(Some(l), cur),
        _ => "—".into(),
    };
    format!(
        "{} / {}: {}{}, estimate {}{}, committed {}, actual {}, liability {}{}",
        conference_budget::category_label(&f.category),
        f.item,
        f.basis.replace('_', " "),
        rate,
        amount(Some(f.estimate_minor), cur),
        if f.basis == Basis::PerAttendee.as_str() {
            " each"
        } else {
            ""
        },
        amount(f.committed_minor, cur),
        amount(f.actual_minor, cur),
        liability,
        if f.vendor.is_empty() {
            String::new()
        } else {
            format!(", vendor {}", f.vendor)
        }
    )
}

/// A per-attendee line must fit the amounts we store at the conference's cap.
fn check_cost(conf: &Conference, f: &CostLineFields) -> Result<(), SaveError> {
    let cap = i64::from(conf.attendance_cap);
    if f.basis == Basis::PerAttendee.as_str()
        && total_at(
            f.estimate_minor,
            &f.currency,
            f.rate_micros,
            conf.currency(),
            cap,
        )
        .is_none()
    {
        return refuse(
            "estimate",
            format!(
                "At the cap of {} attendees this line would cost more than {}. Check the amount per attendee.",
                conf.attendance_cap,
                Money::new(MAX_MINOR, conf.currency())
            ),
        );
    }
    Ok(())
}

/// Adds a cost line.
pub fn add_cost(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    f: &CostLineFields,
) -> Result<i64, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        if lines::count_costs(c, conference_id)? >= MAX_LINES as i64 {
            return refuse(
                "form",
                format!("A conference has at most {MAX_LINES} budget lines."),
            );
        }
        check_cost(&conf, f)?;
        let id = lines::insert_cost(c, conference_id, f)?;
        audit::record(
            c,
            actor,
            "conference_line.add",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {}", conf.name, cost_line(f)),
        )?;
        Ok(id)
    })
}

fn cost_fields(l: &CostLine) -> CostLineFields {
    CostLineFields {
        category: l.category.clone(),
        item: l.item.clone(),
        basis: l.basis.clone(),
        currency: l.currency.clone(),
        rate_micros: l.rate_micros,
        estimate_minor: l.estimate_minor,
        committed_minor: l.committed_minor,
        actual_minor: l.actual_minor,
        liability_minor: l.liability_minor,
        liability_from: l.liability_from,
        vendor: l.vendor.clone(),
        notes: l.notes.clone(),
    }
}

/// Saves a cost line; false when nothing changed.
pub fn update_cost(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    id: i64,
    f: &CostLineFields,
    seen: Option<NaiveDateTime>,
) -> Result<bool, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        let row = lines::find_cost(c, conference_id, id)?;
        check_seen(seen, row.updated_at, "this line")?;
        let old = cost_fields(&row);
        if old == *f {
            return Ok(false);
        }
        check_cost(&conf, f)?;
        lines::update_cost(c, id, f)?;
        audit::record(
            c,
            actor,
            "conference_line.update",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {} (was {})", conf.name, cost_line(f), cost_line(&old)),
        )?;
        Ok(true)
    })
}

/// Removes a cost line.
pub fn delete_cost(conn: &mut DbConn, actor: &Actor, conference_id: i64, id: i64) -> AppResult<()> {
    write_tx(conn, |c| {
        let conf = conferences::find(c, conference_id)?;
        let old = cost_fields(&lines::find_cost(c, conference_id, id)?);
        lines::delete_cost(c, id)?;
        conferences::hold(c, conference_id)?;
        audit::record(
            c,
            actor,
            "conference_line.delete",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {} removed", conf.name, cost_line(&old)),
        )?;
        Ok(())
    })
}

fn revenue_line(f: &RevenueFields) -> String {
    format!(
        "{} “{}”: expected {}, received {}{}",
        f.kind,
        f.item,
        amount(Some(f.expected_minor), &f.currency),
        amount(f.received_minor, &f.currency),
        if f.rate_micros == RATE_SCALE {
            String::new()
        } else {
            format!(" at {}", rate_label(f.rate_micros))
        }
    )
}

fn revenue_fields(r: &RevenueLine) -> RevenueFields {
    RevenueFields {
        kind: r.kind.clone(),
        item: r.item.clone(),
        currency: r.currency.clone(),
        rate_micros: r.rate_micros,
        expected_minor: r.expected_minor,
        received_minor: r.received_minor,
        notes: r.notes.clone(),
    }
}

/// Adds a donation or other revenue line.
pub fn add_revenue(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    f: &RevenueFields,
) -> Result<i64, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        if lines::count_revenue(c, conference_id)? >= MAX_LINES as i64 {
            return refuse(
                "form",
                format!("A conference has at most {MAX_LINES} revenue lines."),
            );
        }
        let id = lines::insert_revenue(c, conference_id, f)?;
        audit::record(
            c,
            actor,
            "conference_revenue.add",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {}", conf.name, revenue_line(f)),
        )?;
        Ok(id)
    })
}

/// Saves a revenue line; false when nothing changed.
pub fn update_revenue(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    id: i64,
    f: &RevenueFields,
    seen: Option<NaiveDateTime>,
) -> Result<bool, SaveError> {
    write_tx_with(conn, |c| {
        conferences::hold(c, conference_id)?;
        let conf = conferences::find(c, conference_id)?;
        let row = lines::find_revenue(c, conference_id, id)?;
        check_seen(seen, row.updated_at, "this revenue line")?;
        let old = revenue_fields(&row);
        if old == *f {
            return Ok(false);
        }
        lines::update_revenue(c, id, f)?;
        audit::record(
            c,
            actor,
            "conference_revenue.update",
            Some(("conference", &conference_id.to_string())),
            &format!(
                "{}: {} (was {})",
                conf.name,
                revenue_line(f),
                revenue_line(&old)
            ),
        )?;
        Ok(true)
    })
}

/// Removes a revenue line.
pub fn delete_revenue(
    conn: &mut DbConn,
    actor: &Actor,
    conference_id: i64,
    id: i64,
) -> AppResult<()> {
    write_tx(conn, |c| {
        let conf = conferences::find(c, conference_id)?;
        let old = revenue_fields(&lines::find_revenue(c, conference_id, id)?);
        lines::delete_revenue(c, id)?;
        conferences::hold(c, conference_id)?;
        audit::record(
            c,
            actor,
            "conference_revenue.delete",
            Some(("conference", &conference_id.to_string())),
            &format!("{}: {} removed", conf.name, revenue_line(&old)),
        )?;
        Ok(())
    })
}
