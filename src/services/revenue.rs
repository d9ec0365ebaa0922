//! Sponsorship revenue of a calendar year, by tier and by month, in the foundation's
//! currency: money received on sponsorship invoices that year, less refunds given that year.
//!
//! The counting rules are the invoice's own (`invoices::totals`): a payment put aside for
//! checking (flagged) does not count, and neither does the refund of one; a refund entered by
//! hand does. Other currencies are converted at the reference rates (Grants › Settings); a
//! currency without one is left out and named, never guessed.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{invoices, payments, programmes, sponsorships, tiers};
use crate::domain::grants::RATE_SCALE;
use crate::domain::{Currency, Money};
use crate::error::AppResult;

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

type Row = (
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    bool,
    NaiveDate,
    i64,
    String,
    String,
    i32,
);

/// Revenue received in `year`, converted to `base`.
pub fn for_year(conn: &mut DbConn, year: i32, base: Currency) -> AppResult<Revenue> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let rows: Vec<Row> =
        payments::table
            .inner_join(invoices::table.inner_join(
                sponsorships::table.inner_join(tiers::table.inner_join(programmes::table)),
            ))
            .filter(payments::received_on.ge(first))
            .filter(payments::received_on.le(last))
            .select((
                payments::kind,
                payments::amount_minor,
                payments::currency,
                payments::stripe_ref,
                payments::refund_of,
                payments::flagged,
                payments::received_on,
                tiers::id,
                tiers::name,
                programmes::name,
                programmes::year,
            ))
            .load(conn)?;
    // Payments a refund may point at (any year): whether each one counts.
    let refs: Vec<String> = rows.iter().filter_map(|r| r.4.clone()).collect();
    let flagged_refs: Vec<String> = if refs.is_empty() {
        Vec::new()
    } else {
        payments::table
            .filter(payments::kind.ne("refund"))
            .filter(payments::flagged.eq(true))
            .filter(payments::stripe_ref.eq_any(&refs))
            .select(payments::stripe_ref.assume_not_null())
            .load(conn)?
    };
    let known_refs: Vec<String> = if refs.is_empty() {
        Vec::new()
    } else {
        payments::table
            .filter(payments::kind.ne("refund"))
            .filter(payments::stripe_ref.eq_any(&refs))
            .select(payments::stripe_ref.assume_not_null())
            .load(conn)?
    };
    let mut rates: Vec<(String, i64)> = vec![(base.code().to_string(), RATE_SCALE)];
    for r in crate::models::grant_programmes::rates(conn)? {
        rates.push((r.currency, r.rate_micros));
    }

    let mut out = Revenue {
        year,
        currency: base,
        tiers: Vec::new(),
        months: [0; 12],
        total: 0,
        unconverted: Vec::new(),
    };
    for (kind, amount, currency, _, refund_of, flagged, on, tier_id, tier, programme, pyear) in rows
    {
        let refund = kind == "refund";
        let counts = if refund {
            match &refund_of {
                None => true,
                Some(r) => known_refs.contains(r) && !flagged_refs.contains(r),
            }
        } else {
            !flagged
        };
        if !counts {
            continue;
        }
        let converted = match (
            Currency::parse(&currency),
            rates.iter().find(|(c, _)| *c == currency),
        ) {
            (Ok(cur), Some((_, rate))) => crate::domain::budget::cross_convert(
                Money::new(amount, cur),
                *rate,
                base,
                RATE_SCALE,
            ),
            _ => None,
        };
        let Some(v) = converted else {
            if !out.unconverted.contains(&currency) {
                out.unconverted.push(currency);
            }
            continue;
        };
        let v = if refund { -v } else { v };
        let m = on.month0() as usize;
        out.months[m] = out.months[m].saturating_add(v);
        out.total = out.total.saturating_add(v);
        match out.tiers.iter_mut().find(|t| t.tier_id == tier_id) {
            Some(t) => t.minor = t.minor.saturating_add(v),
            None => out.tiers.push(TierRevenue {
                tier_id,
                label: format!("{tier} · {programme} {pyear}"),
                minor: v,
            }),
        }
    }
    out.tiers.retain(|t| t.minor != 0);
    out.tiers
        .sort_by(|a, b| b.minor.cmp(&a.minor).then(a.label.cmp(&b.label)));
    Ok(out)
}
