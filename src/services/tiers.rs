//! Programme, tier and discount-rule use cases.

use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult};
use crate::models::tiers;

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
