//! Sponsorship revenue of a calendar year, by tier and by month, in the foundation's
//! currency: money received on sponsorship invoices that year, less refunds given that year.
//!
//! The counting rules are the invoice's own (`invoices::totals`): a payment put aside for
//! checking (flagged) does not count, and neither does the refund of one; a refund entered by
//! hand does. Other currencies are converted at the reference rates (Grants › Settings); a
//! currency without one is left out and named, never guessed.

use chrono::{Datelike, NaiveDate};

use crate::db::DbConn;
use crate::domain::grants::convert;
use crate::domain::{Currency, Money};
use crate::error::AppResult;
use crate::models::{grant_programmes, invoices};

/// One tier's share of the year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierRevenue {
    pub tier_id: i64,
    /// "Gold · Foundation sponsorship 2027".
    pub label: String,
    pub minor: i64,
}

/// The year's revenue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revenue {
    pub year: i32,
    pub currency: Currency,
    /// Largest first; tiers with nothing received are left out.
    pub tiers: Vec<TierRevenue>,
    /// January to December.
    pub months: [i64; 12],
    pub total: i64,
    /// Currencies received that have no reference rate (their amounts are not counted).
    pub unconverted: Vec<String>,
}

/// Revenue received in `year`, converted to `base`.
pub fn for_year(conn: &mut DbConn, year: i32, base: Currency) -> AppResult<Revenue> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let rows = invoices::received_between(conn, first, last)?;
    let refs: Vec<String> = rows.iter().filter_map(|r| r.refund_of.clone()).collect();
    let counted_refs = invoices::counted_refs(conn, &refs)?;
    let mut rates: Vec<(Currency, Option<i64>)> = Vec::new();

    let mut out = Revenue {
        year,
        currency: base,
        tiers: Vec::new(),
        months: [0; 12],
        total: 0,
        unconverted: Vec::new(),
    };
    for r in rows {
        let counts = if r.is_refund() {
            r.refund_of
                .as_ref()
                .is_none_or(|p| counted_refs.contains(p))
        } else {
            !r.flagged
        };
        if !counts {
            continue;
        }
        let converted = match Currency::parse(&r.currency) {
            Ok(cur) => {
                // One rate lookup per currency, not per payment.
                let rate = match rates.iter().find(|(c, _)| *c == cur) {
                    Some((_, rate)) => *rate,
                    None => {
                        let rate = grant_programmes::rate(conn, cur, base)?;
                        rates.push((cur, rate));
                        rate
                    }
                };
                rate.and_then(|rate| convert(Money::new(r.amount_minor, cur), rate, base))
            }
            Err(_) => None,
        };
        let Some(v) = converted.map(|m| m.minor) else {
            if !out.unconverted.contains(&r.currency) {
                out.unconverted.push(r.currency);
            }
            continue;
        };
        let v = if r.is_refund() { -v } else { v };
        let m = r.received_on.month0() as usize;
        out.months[m] = out.months[m].saturating_add(v);
        out.total = out.total.saturating_add(v);
        match out.tiers.iter_mut().find(|t| t.tier_id == r.tier_id) {
            Some(t) => t.minor = t.minor.saturating_add(v),
            None => out.tiers.push(TierRevenue {
                tier_id: r.tier_id,
                label: format!("{} · {} {}", r.tier, r.programme, r.programme_year),
                minor: v,
            }),
        }
    }
    out.tiers.retain(|t| t.minor != 0);
    out.tiers
        .sort_by(|a, b| b.minor.cmp(&a.minor).then(a.label.cmp(&b.label)));
    Ok(out)
}
