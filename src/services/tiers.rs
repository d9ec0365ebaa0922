//! Programme, tier and discount-rule use cases.

use crate::db::{DbConn, write_tx};
use crate::domain::benefits::BenefitLine;
use crate::error::{AppError, AppResult};
use crate::models::programmes;
use crate::models::tiers::{self, TierFields};

use super::audit::{self, Actor};

/// Turns a discount rule on or off; returns its programme. A second identical click gets a
/// Conflict that says it is already so.
pub fn set_rule_active(
    conn: &mut DbConn,
    actor: &Actor,
    rule_id: i64,
    active: bool,
) -> AppResult<i64> {
    write_tx(conn, |c| {
        let r = tiers::find_rule(c, rule_id)?;
        if tiers::set_rule_active(c, rule_id, active)? == 0 {
            return Err(AppError::Conflict(format!(
                "\"{}\" is already {}.",
                r.name,
                if active { "on" } else { "off" }
            )));
        }
        audit::record(
            c,
            actor,
            if active {
                "discount_rule.activate"
            } else {
                "discount_rule.deactivate"
            },
            Some(("discount_rule", &rule_id.to_string())),
            &r.name,
        )?;
        Ok(r.programme_id)
    })
}

/// Creates a programme; refuses a second one with the same name and year.
pub fn create_programme(
    c: &mut DbConn,
    actor: &Actor,
    name: &str,
    year: i32,
    description: &str,
) -> AppResult<i64> {
    write_tx(c, |c| {
        if programmes::exists(c, name, year, None)? {
            return Err(AppError::Conflict(format!("{name} {year} already exists.")));
        }
        let id = programmes::insert(c, name, year, description)?;
        audit::record(
            c,
            actor,
            "programme.create",
            Some(("programme", &id.to_string())),
            &format!("{name} {year}"),
        )?;
        Ok(id)
    })
}

/// Adds a discount rule over tiers of the same programme.
pub fn create_rule(
    c: &mut DbConn,
    actor: &Actor,
    id: i64,
    name: &str,
    max_size: Option<i32>,
    percent: i32,
    tier_ids: &[i64],
) -> AppResult<()> {
    write_tx(c, |c| {
        let own: Vec<i64> = tiers::for_programme(c, id)?.iter().map(|t| t.id).collect();
        if own.is_empty() || tier_ids.iter().any(|t| !own.contains(t)) {
            return Err(AppError::BadRequest(
                "Those tiers do not belong to this programme.".into(),
            ));
        }
        let rid = tiers::insert_rule(c, id, name, max_size, percent, tier_ids)?;
        audit::record(
            c,
            actor,
            "discount_rule.create",
            Some(("discount_rule", &rid.to_string())),
            &format!("{name}: {percent}% off"),
        )
    })
}

/// Creates or updates a tier with its benefits; refuses a slug the programme already has.
pub fn save_tier(
    c: &mut DbConn,
    settings: &crate::config::Settings,
    actor: &Actor,
    programme_id: i64,
    tier_id: Option<i64>,
    fields: &TierFields,
    benefits: &[BenefitLine],
) -> AppResult<i64> {
    write_tx(c, |c| {
        if tiers::slug_taken(c, programme_id, &fields.slug, tier_id)? {
            return Err(AppError::Conflict(format!(
                "Another tier of this programme already uses \"{}\".",
                fields.slug
            )));
        }
        let id = match tier_id {
            Some(id) => {
                tiers::find(c, id)?;
                tiers::update(c, id, fields)?;
                id
            }
            None => tiers::insert(c, fields)?,
        };
        tiers::set_benefits(c, id, benefits)?;
        // A new capacity may free places for applications on the waitlist (or fill them).
        crate::services::sponsorship_review::settle_waitlist(c, settings, id)?;
        audit::record(
            c,
            actor,
            if tier_id.is_some() {
                "tier.update"
            } else {
                "tier.create"
            },
            Some(("tier", &id.to_string())),
            &format!(
                "{} at {} {}",
                fields.name, fields.price_minor, fields.currency
            ),
        )?;
        Ok(id)
    })
}
