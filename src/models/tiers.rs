//! Tiers (levels) of a programme, their ordered benefits, and discount rules.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{discount_rule_tiers, discount_rules, sponsorships, tier_benefits, tiers};
use crate::domain::pricing::Rule;
use crate::domain::{Currency, Money};

/// A sort key for tiers, lowest first (see `Tier::rank`).
pub type TierRank = (i32, std::cmp::Reverse<i64>, std::cmp::Reverse<i64>, i64);

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tiers)]
pub struct Tier {
    pub id: i64,
    pub programme_id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub price_minor: i64,
    pub currency: String,
    pub capacity: Option<i32>,
    pub logo_size: String,
    pub display_order: i32,
    pub advertised: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Tier {
    pub fn price(&self) -> Money {
        Money::from_db(self.price_minor, &self.currency).unwrap_or_else(|_| {
            Money::new(
                self.price_minor,
                Currency::parse("USD").expect("USD is known"),
            )
        })
    }
    /// Where the tier stands among tiers: display order, then the higher price, then the newer
    /// programme. Public pages and placements use it alike, so a sponsor in two tiers is
    /// shown under the same one everywhere.
    pub fn rank(&self) -> TierRank {
        (
            self.display_order,
            std::cmp::Reverse(self.price_minor),
            std::cmp::Reverse(self.programme_id),
            self.id,
        )
    }
}

/// The fields staff edit on a tier.
#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = tiers)]
pub struct TierFields {
    pub programme_id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub price_minor: i64,
    pub currency: String,
    pub capacity: Option<i32>,
    pub logo_size: String,
    pub display_order: i32,
    pub advertised: bool,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tier_benefits)]
pub struct Benefit {
    pub id: i64,
    pub tier_id: i64,
    pub position: i32,
    pub description: String,
    pub quantity: Option<i32>,
}

impl Benefit {
    /// "4 × conference passes" or the description alone.
    pub fn label(&self) -> String {
        match self.quantity {
            Some(q) => format!("{q} × {}", self.description),
            None => self.description.clone(),
        }
    }
}

pub fn insert(conn: &mut DbConn, f: &TierFields) -> QueryResult<i64> {
    let now = super::now();
    diesel::insert_into(tiers::table)
        .values((f, tiers::created_at.eq(now), tiers::updated_at.eq(now)))
        .returning(tiers::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, f: &TierFields) -> QueryResult<usize> {
    diesel::update(tiers::table.find(id))
        .set((f, tiers::updated_at.eq(super::now())))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Tier> {
    tiers::table.find(id).select(Tier::as_select()).first(conn)
}

pub fn slug_taken(
    conn: &mut DbConn,
    programme_id: i64,
    slug: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = tiers::table
        .filter(tiers::programme_id.eq(programme_id))
        .filter(tiers::slug.eq(slug))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(tiers::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// Tiers of a programme in display order.
pub fn for_programme(conn: &mut DbConn, programme_id: i64) -> QueryResult<Vec<Tier>> {
    tiers::table
        .filter(tiers::programme_id.eq(programme_id))
        .order((tiers::display_order.asc(), tiers::id.asc()))
        .select(Tier::as_select())
        .load(conn)
}

/// Every tier, in programme and display order.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Tier>> {
    tiers::table
        .order((
            tiers::programme_id.desc(),
            tiers::display_order.asc(),
            tiers::id.asc(),
        ))
        .select(Tier::as_select())
        .load(conn)
}

/// Every tier with a label that names its programme ("Gold · Foundation sponsorship 2027"),
/// for choosers.
pub fn labelled(conn: &mut DbConn) -> QueryResult<Vec<(i64, String)>> {
    let titles: std::collections::HashMap<i64, String> = super::programmes::list(conn)?
        .into_iter()
        .map(|p| (p.id, p.title()))
        .collect();
    Ok(all(conn)?
        .into_iter()
        .map(|t| {
            let label = match titles.get(&t.programme_id) {
                Some(p) => format!("{} · {p}", t.name),
                None => t.name.clone(),
            };
            (t.id, label)
        })
        .collect())
}

/// "Gold · Sponsorship 2027" for some tiers, by id (two queries).
pub fn labelled_many(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let ts: Vec<Tier> = super::in_chunks(ids, |chunk| {
        tiers::table
            .filter(tiers::id.eq_any(chunk))
            .select(Tier::as_select())
            .load(conn)
    })?;
    let pids: Vec<i64> = ts.iter().map(|t| t.programme_id).collect();
    let titles = super::programmes::find_many(conn, &pids)?;
    Ok(ts
        .into_iter()
        .map(|t| {
            let label = match titles.get(&t.programme_id) {
                Some(p) => format!("{} · {}", t.name, p.title()),
                None => t.name.clone(),
            };
            (t.id, label)
        })
        .collect())
}

pub fn benefits(conn: &mut DbConn, tier_id: i64) -> QueryResult<Vec<Benefit>> {
    tier_benefits::table
        .filter(tier_benefits::tier_id.eq(tier_id))
        .order(tier_benefits::position.asc())
        .select(Benefit::as_select())
        .load(conn)
}

/// Replaces a tier's benefits with these (description, quantity) in order.
pub fn set_benefits(
    conn: &mut DbConn,
    tier_id: i64,
    items: &[(String, Option<i32>)],
) -> QueryResult<()> {
    diesel::delete(tier_benefits::table.filter(tier_benefits::tier_id.eq(tier_id)))
        .execute(conn)?;
    for (i, (d, q)) in items.iter().enumerate() {
        diesel::insert_into(tier_benefits::table)
            .values((
                tier_benefits::tier_id.eq(tier_id),
                tier_benefits::position.eq(i as i32),
                tier_benefits::description.eq(d),
                tier_benefits::quantity.eq(q),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Holds the tier row until the transaction ends (PostgreSQL), so that two approvals into
/// the last place are counted one after the other. SQLite's write transaction already
/// serialises writers.
pub fn lock(conn: &mut DbConn, tier_id: i64) -> QueryResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT id FROM tiers WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(tier_id)
            .execute(conn)?;
    }
    Ok(())
}

/// The same tier (by short name) in next year's edition of its programme (same programme
/// name, year + 1), when staff have set one up.
pub fn next_year_edition(conn: &mut DbConn, tier: &Tier) -> QueryResult<Option<i64>> {
    use crate::db::schema::programmes;
    let current = super::programmes::find(conn, tier.programme_id)?;
    tiers::table
        .inner_join(programmes::table)
        .filter(programmes::name.eq(&current.name))
        .filter(programmes::year.eq(current.year + 1))
        .filter(tiers::slug.eq(&tier.slug))
        .select(tiers::id)
        .first(conn)
        .optional()
}

/// Whether every place of the tier is taken (a tier without a capacity never is).
pub fn is_full(conn: &mut DbConn, tier: &Tier) -> QueryResult<bool> {
    match tier.capacity {
        Some(cap) => Ok(places_taken(conn, tier.id)? >= i64::from(cap)),
        None => Ok(false),
    }
}

/// The server's price for this tier and an organisation of `org_size` people: the list
/// price less the best discount rule of the tier's programme.
pub fn quote(
    conn: &mut DbConn,
    tier: &Tier,
    org_size: Option<i32>,
) -> QueryResult<crate::domain::pricing::Quote> {
    let rules = rules_for_programme(conn, tier.programme_id)?;
    Ok(crate::domain::pricing::quote(
        tier.id,
        tier.price(),
        org_size,
        &rules,
    ))
}

/// Statuses that hold one of a tier's places: approved and on until it ends.
const TAKES_A_PLACE: [crate::domain::sponsorship::Status; 6] = {
    use crate::domain::sponsorship::Status::*;
    [
        Approved,
        AgreementSent,
        AgreementAccepted,
        Invoiced,
        Paid,
        Active,
    ]
};

/// Sponsorships that take a place in the tier (open and not ended).
pub fn places_taken(conn: &mut DbConn, tier_id: i64) -> QueryResult<i64> {
    sponsorships::table
        .filter(sponsorships::tier_id.eq(tier_id))
        .filter(sponsorships::status.eq_any(TAKES_A_PLACE.map(|s| s.as_str())))
        .count()
        .get_result(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = discount_rules)]
pub struct DiscountRule {
    pub id: i64,
    pub programme_id: i64,
    pub name: String,
    pub max_org_size_exclusive: Option<i32>,
    pub percent_off: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// The rules of a programme, as the price function takes them.
pub fn rules_for_programme(conn: &mut DbConn, programme_id: i64) -> QueryResult<Vec<Rule>> {
    let rows: Vec<DiscountRule> = discount_rules::table
        .filter(discount_rules::programme_id.eq(programme_id))
        .order(discount_rules::id.asc())
        .select(DiscountRule::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let tier_ids = discount_rule_tiers::table
            .filter(discount_rule_tiers::rule_id.eq(r.id))
            .select(discount_rule_tiers::tier_id)
            .load(conn)?;
        out.push(Rule {
            id: r.id,
            name: r.name,
            max_org_size_exclusive: r.max_org_size_exclusive,
            percent_off: r.percent_off,
            tier_ids,
            active: r.active,
        });
    }
    Ok(out)
}

pub fn insert_rule(
    conn: &mut DbConn,
    programme_id: i64,
    name: &str,
    max_org_size_exclusive: Option<i32>,
    percent_off: i32,
    tier_ids: &[i64],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(discount_rules::table)
        .values((
            discount_rules::programme_id.eq(programme_id),
            discount_rules::name.eq(name),
            discount_rules::max_org_size_exclusive.eq(max_org_size_exclusive),
            discount_rules::percent_off.eq(percent_off),
            discount_rules::active.eq(true),
            discount_rules::created_at.eq(super::now()),
        ))
        .returning(discount_rules::id)
        .get_result(conn)?;
    for t in tier_ids {
        diesel::insert_into(discount_rule_tiers::table)
            .values((
                discount_rule_tiers::rule_id.eq(id),
                discount_rule_tiers::tier_id.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// Turns a rule on or off, only if it is not already so; 0 rows when someone was first.
pub fn set_rule_active(conn: &mut DbConn, rule_id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(
        discount_rules::table
            .find(rule_id)
            .filter(discount_rules::active.eq(!active)),
    )
    .set(discount_rules::active.eq(active))
    .execute(conn)
}

pub fn find_rule(conn: &mut DbConn, rule_id: i64) -> QueryResult<DiscountRule> {
    discount_rules::table
        .find(rule_id)
        .select(DiscountRule::as_select())
        .first(conn)
}

/// These tiers (a query per thousand ids).
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Tier>> {
    super::in_chunks(ids, |chunk| {
        tiers::table
            .filter(tiers::id.eq_any(chunk))
            .select(Tier::as_select())
            .load(conn)
    })
}
