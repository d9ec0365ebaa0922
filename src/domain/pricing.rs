//! The one price function: a tier's list price less the best discount rule that applies.
//! Rules are data (e.g. "organisations under 25 people: 50% off Silver and Gold").

use super::money::Money;

/// A discount rule as the price function needs it.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    /// Applies when the organisation has fewer than this many people (None: any size).
    pub max_org_size_exclusive: Option<i32>,
    /// Percentage off, 1–100.
    pub percent_off: i32,
    /// Tiers the rule covers.
    pub tier_ids: Vec<i64>,
    pub active: bool,
}

/// What the server charges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub list: Money,
    pub discount: Money,
    pub total: Money,
    /// The rule applied, if any: (id, name, percent).
    pub rule: Option<(i64, String, i32)>,
}

/// The price of `tier_id` at `list` for an organisation of `org_size` people. Only the best
/// single rule applies (rules do not stack). Discounts round down in the sponsor's favour
/// by at most one minor unit.
pub fn quote(tier_id: i64, list: Money, org_size: Option<i32>, rules: &[Rule]) -> Quote {
    let best = rules
        .iter()
        .filter(|r| r.active && r.tier_ids.contains(&tier_id))
        .filter(|r| match (r.max_org_size_exclusive, org_size) {
            (None, _) => true,
            (Some(max), Some(size)) => size >= 0 && size < max,
            (Some(_), None) => false,
        })
        .filter(|r| (1..=100).contains(&r.percent_off))
        .max_by_key(|r| (r.percent_off, -r.id));
    match best {
        None => Quote {
            list,
            discount: Money::new(0, list.currency),
            total: list,
            rule: None,
        },
        Some(r) => {
            // i128 so that even the largest allowed price cannot overflow.
            let discount = (list.minor as i128 * r.percent_off as i128 / 100) as i64;
            Quote {
                list,
                discount: Money::new(discount, list.currency),
                total: Money::new(list.minor - discount, list.currency),
                rule: Some((r.id, r.name.clone(), r.percent_off)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::{Currency, MAX_MINOR};

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").unwrap())
    }

    fn small_orgs_half_off(tiers: Vec<i64>) -> Rule {
        Rule {
            id: 1,
            name: "Small organisations".into(),
            max_org_size_exclusive: Some(25),
            percent_off: 50,
            tier_ids: tiers,
            active: true,
        }
    }

    #[test]
    fn small_organisations_get_half_off_the_covered_tiers() {
        let rules = vec![small_orgs_half_off(vec![10, 11])];
        let q = quote(10, usd(1_000_000), Some(24), &rules);
        assert_eq!(q.total, usd(500_000));
        assert_eq!(q.discount, usd(500_000));
        assert_eq!(q.rule.as_ref().map(|r| r.2), Some(50));
        assert_eq!(
            quote(10, usd(1_000_000), Some(25), &rules).total,
            usd(1_000_000),
            "25 is not under 25"
        );
        assert_eq!(
            quote(12, usd(1_000_000), Some(5), &rules).total,
            usd(1_000_000),
            "other tier"
        );
        assert_eq!(
            quote(10, usd(1_000_000), None, &rules).total,
            usd(1_000_000),
            "size unknown"
        );
        assert_eq!(
            quote(10, usd(1_000_000), Some(-3), &rules).total,
            usd(1_000_000),
            "nonsense size"
        );
    }

    #[test]
    fn the_best_rule_wins_and_rules_do_not_stack() {
        let mut a = small_orgs_half_off(vec![10]);
        a.percent_off = 20;
        let b = Rule {
            id: 2,
            name: "Open-source projects".into(),
            max_org_size_exclusive: None,
            percent_off: 30,
            tier_ids: vec![10],
            active: true,
        };
        let mut c = b.clone();
        c.id = 3;
        c.percent_off = 90;
        c.active = false;
        let q = quote(10, usd(10_000), Some(3), &[a, b, c]);
        assert_eq!(q.total, usd(7_000));
        assert_eq!(q.rule.map(|r| r.0), Some(2));
    }

    #[test]
    fn edge_amounts() {
        let rules = vec![small_orgs_half_off(vec![10])];
        assert_eq!(quote(10, usd(0), Some(1), &rules).total, usd(0));
        assert_eq!(
            quote(10, usd(1), Some(1), &rules).total,
            usd(1),
            "rounds in the sponsor's favour"
        );
        assert_eq!(
            quote(10, usd(MAX_MINOR), Some(1), &rules).total,
            usd(MAX_MINOR / 2)
        );
        let mut full = small_orgs_half_off(vec![10]);
        full.percent_off = 100;
        assert_eq!(quote(10, usd(999), Some(1), &[full]).total, usd(0));
        let mut bogus = small_orgs_half_off(vec![10]);
        bogus.percent_off = 150;
        assert_eq!(
            quote(10, usd(999), Some(1), &[bogus]).total,
            usd(999),
            "invalid rules are ignored"
        );
    }
}
