//! The analysis as people read it: totals, scenarios, break-even steps, variance against
//! the baseline, and the tables of lines, tickets, revenue and sponsorships.

use super::charts;
use super::charts::{CategoryChart, NetChart};
use super::money;
use crate::domain::Currency;
use crate::domain::conference_budget::{
    self, Analysis, Basis, BreakEven, Inputs, Variance, share_label,
};
use crate::domain::grants::rate_label;
use crate::models::conference_baselines::Baseline;
use crate::services::conferences::LiveBudget;
use crate::web::staff::fmt_time;

/// Totals of one category, for people.
pub struct TotalsRow {
    pub category: String,
    pub estimate: String,
    pub committed: String,
    pub actual: String,
    pub forecast: String,
    pub over: bool,
}

/// A scenario, for people.
pub struct ScenarioRow {
    pub label: &'static str,
    pub attendance: i64,
    pub tickets: String,
    pub other_revenue: String,
    pub revenue: String,
    pub costs: String,
    pub net: String,
    pub loss: bool,
    pub cost_per_attendee: String,
}

/// A day from which the exposure changes.
pub struct StepRow {
    pub from: String,
    pub in_force: String,
    pub exposure: String,
}

/// A variance row, for people.
pub struct VarianceRow {
    pub label: String,
    pub baseline: String,
    pub live: String,
    pub change: String,
    pub worse: bool,
    pub better: bool,
}

/// Everything the analysis part of a page shows, as text and drawing units.
pub struct AnalysisView {
    pub currency: String,
    pub cap: i64,
    pub categories: Vec<TotalsRow>,
    pub total: TotalsRow,
    pub scenarios: Vec<ScenarioRow>,
    pub likely_net: String,
    pub likely_loss: bool,
    pub likely_cost_per_attendee: String,
    pub break_even: String,
    pub break_even_ok: bool,
    pub break_even_value: String,
    /// The terms of the break-even formula: (symbol, value and meaning).
    pub formula: Vec<(String, String)>,
    pub exposure: String,
    pub in_force: String,
    pub insured: String,
    pub cover: String,
    pub upcoming: Vec<StepRow>,
    pub sponsorship_committed: String,
    pub sponsorship_paid: String,
    pub donations: String,
    pub received: String,
    pub ticket_income_per_head: String,
    pub ticket_share: String,
    pub free_share: String,
    pub category_chart: CategoryChart,
    pub net_chart: Option<NetChart>,
}

fn totals_row(t: &conference_budget::Totals, cur: Currency) -> TotalsRow {
    TotalsRow {
        category: t.category.clone(),
        estimate: money(t.estimate, cur),
        committed: money(t.committed, cur),
        actual: money(t.actual, cur),
        forecast: money(t.forecast, cur),
        over: t.actual > t.estimate,
    }
}

impl AnalysisView {
    pub fn new(i: &Inputs, a: &Analysis, cur: Currency) -> AnalysisView {
        let m = |v: i64| money(v, cur);
        let likely = a.likely();
        let (break_even, ok, value) = match a.break_even {
            BreakEven::Covered => (
                format!(
                    "Sponsorship, donations and other revenue already cover the costs: the event breaks even whatever the attendance, up to the cap of {}.",
                    i.attendance_cap
                ),
                true,
                "any attendance".to_string(),
            ),
            BreakEven::At(n) => (
                format!(
                    "The event breaks even at {n} attendees, {}% of the cap of {}.",
                    n * 100 / i.attendance_cap.max(1),
                    i.attendance_cap
                ),
                true,
                n.to_string(),
            ),
            BreakEven::BeyondCap(n) => (
                format!(
                    "The event would need {n} attendees to break even, more than the cap of {}: at current prices it cannot break even. Raise prices, add sponsorship or cut costs.",
                    i.attendance_cap
                ),
                false,
                "above the cap".to_string(),
            ),
            BreakEven::Never => (
                format!(
                    "The event can never break even at current prices: an attendee brings in {} in tickets on average but costs {}, so more attendees only widen the gap. Raise prices, add sponsorship or cut costs.",
                    m(a.ticket_income_per_head),
                    m(a.cost_per_head)
                ),
                false,
                "never".to_string(),
            ),
            BreakEven::UpTo(n) => (
                format!(
                    "Sponsorship and other revenue cover the fixed costs, but an attendee costs {} and brings in {} in tickets: the result stays at or above zero only up to {n} attendees.",
                    m(a.cost_per_head),
                    m(a.ticket_income_per_head)
                ),
                false,
                format!("up to {n}"),
            ),
        };
        let formula = vec![
            (
                "F".to_string(),
                format!(
                    "{}: fixed costs (what is committed, or the estimate while nothing is signed; what was spent if that is more)",
                    m(a.fixed_costs)
                ),
            ),
            (
                "R".to_string(),
                format!(
                    "{}: revenue other than tickets (sponsorship agreed, donations and other revenue expected)",
                    m(a.other_revenue)
                ),
            ),
            (
                "p".to_string(),
                format!(
                    "{}: average ticket income per attendee ({} of attendees hold a paid ticket type, {} come free)",
                    m(a.ticket_income_per_head),
                    share_label(a.ticket_share_permille),
                    share_label(1000 - a.ticket_share_permille.min(1000))
                ),
            ),
            (
                "v".to_string(),
                format!(
                    "{}: cost per attendee of the per-attendee lines (a line still below what is signed or spent on it counts that amount instead, in F)",
                    m(a.cost_per_head)
                ),
            ),
        ];
        AnalysisView {
            currency: cur.code().to_string(),
            cap: i.attendance_cap,
            categories: a.categories.iter().map(|t| totals_row(t, cur)).collect(),
            total: totals_row(&a.total, cur),
            scenarios: a
                .scenarios
                .iter()
                .map(|s| ScenarioRow {
                    label: s.label,
                    attendance: s.attendance,
                    tickets: m(s.tickets),
                    other_revenue: m(s.other_revenue),
                    revenue: m(s.revenue),
                    costs: m(s.costs),
                    net: m(s.net),
                    loss: s.net < 0,
                    cost_per_attendee: s.cost_per_attendee.map(m).unwrap_or_else(|| "—".into()),
                })
                .collect(),
            likely_net: m(likely.net),
            likely_loss: likely.net < 0,
            likely_cost_per_attendee: likely
                .cost_per_attendee
                .map(m)
                .unwrap_or_else(|| "—".into()),
            break_even,
            break_even_ok: ok,
            break_even_value: value,
            formula,
            exposure: m(a.exposure.exposure),
            in_force: m(a.exposure.in_force),
            insured: m(a.exposure.insured),
            cover: m(i.insurance_cover),
            upcoming: a
                .upcoming
                .iter()
                .map(|s| StepRow {
                    from: s.from.format("%-d %B %Y").to_string(),
                    in_force: m(s.exposure.in_force),
                    exposure: m(s.exposure.exposure),
                })
                .collect(),
            sponsorship_committed: m(a.sponsorship_committed),
            sponsorship_paid: m(a.sponsorship_paid),
            donations: m(a.donations_expected),
            received: m(a.revenue_received),
            ticket_income_per_head: m(a.ticket_income_per_head),
            ticket_share: share_label(a.ticket_share_permille),
            free_share: share_label(1000 - a.ticket_share_permille.min(1000)),
            category_chart: charts::categories(a, cur),
            net_chart: charts::net(i, a, cur),
        }
    }
}

/// The variance rows for people.
pub(super) fn variance_rows(v: &[Variance], cur: Currency) -> Vec<VarianceRow> {
    v.iter()
        .map(|r| VarianceRow {
            label: r.label.clone(),
            baseline: money(r.baseline, cur),
            live: money(r.live, cur),
            change: if r.change > 0 {
                format!("+{}", money(r.change, cur))
            } else {
                money(r.change, cur)
            },
            worse: r.worse,
            better: r.change != 0 && !r.worse,
        })
        .collect()
}

/// A cost line, for people.
pub struct CostRow {
    pub id: i64,
    pub category: String,
    pub item: String,
    pub vendor: String,
    pub basis: &'static str,
    pub per_attendee: bool,
    pub estimate: String,
    /// Per-attendee lines: the total at the likely attendance.
    pub estimate_total: String,
    pub committed: String,
    pub actual: String,
    pub liability: String,
    pub liability_when: String,
    /// "EUR at 1.08", when not in the conference currency.
    pub foreign: String,
    pub notes: String,
}

/// A ticket type, for people.
pub struct TicketRow {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub share: String,
}

/// A revenue line, for people.
pub struct RevenueRow {
    pub id: i64,
    pub kind: &'static str,
    pub item: String,
    pub expected: String,
    pub received: String,
    pub foreign: String,
}

/// A sponsorship of the tied programme, for people.
pub struct SponsorshipRow {
    pub id: i64,
    pub sponsor: String,
    pub tier: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub fee: String,
    pub paid: String,
    pub counted: bool,
    pub note: String,
}

fn own(minor: Option<i64>, currency: &str) -> String {
    minor
        .map(|m| crate::models::invoices::money_label(m, currency))
        .unwrap_or_else(|| "—".into())
}

fn foreign(currency: &str, rate: i64, cur: Currency) -> String {
    if currency == cur.code() {
        String::new()
    } else {
        format!("in {currency} at {} {} each", rate_label(rate), cur.code())
    }
}

/// Sponsorships a conference page lists, largest fee first (a busy programme's others are
/// in the figures and on the sponsorships list).
pub const SPONSORSHIPS_SHOWN: usize = 100;

/// The live budget's tables for people.
pub struct BudgetTables {
    pub costs: Vec<CostRow>,
    pub tickets: Vec<TicketRow>,
    pub revenue: Vec<RevenueRow>,
    /// The largest [`SPONSORSHIPS_SHOWN`] (all are counted in the figures).
    pub sponsorships: Vec<SponsorshipRow>,
    /// How many sponsorships the programme has in all.
    pub sponsorships_total: usize,
    pub programme: Option<String>,
    pub pipeline: String,
    pub unconverted: String,
}

impl BudgetTables {
    pub fn new(b: &LiveBudget) -> BudgetTables {
        let cur = b.conference.currency();
        let likely = i64::from(b.conference.likely);
        let costs = b
            .costs
            .iter()
            .map(|l| {
                let per = l.basis() == Basis::PerAttendee;
                let total = l
                    .estimate_minor
                    .checked_mul(likely)
                    .map(|t| own(Some(t), &l.currency))
                    .unwrap_or_default();
                CostRow {
                    id: l.id,
                    category: conference_budget::category_label(&l.category).to_string(),
                    item: l.item.clone(),
                    vendor: l.vendor.clone(),
                    basis: l.basis().label(),
                    per_attendee: per,
                    estimate: own(Some(l.estimate_minor), &l.currency),
                    estimate_total: if per { total } else { String::new() },
                    committed: own(l.committed_minor, &l.currency),
                    actual: own(l.actual_minor, &l.currency),
                    liability: own(l.liability_minor, &l.currency),
                    liability_when: match (l.liability_minor, l.liability_from) {
                        (Some(_), Some(d)) => format!("from {}", d.format("%-d %B %Y")),
                        (Some(_), None) => "now".into(),
                        _ => String::new(),
                    },
                    foreign: foreign(&l.currency, l.rate_micros, cur),
                    notes: l.notes.clone(),
                }
            })
            .collect();
        let tickets = b
            .tickets
            .iter()
            .map(|t| TicketRow {
                id: t.id,
                name: t.name.clone(),
                price: money(t.price_minor, cur),
                share: share_label(i64::from(t.share_permille)),
            })
            .collect();
        let revenue = b
            .revenue
            .iter()
            .map(|r| RevenueRow {
                id: r.id,
                kind: r.kind().label(),
                item: r.item.clone(),
                expected: own(Some(r.expected_minor), &r.currency),
                received: own(r.received_minor, &r.currency),
                foreign: foreign(&r.currency, r.rate_micros, cur),
            })
            .collect();
        let sponsorships = b
            .sponsorships
            .iter()
            .take(SPONSORSHIPS_SHOWN)
            .map(|s| {
                let sp = &s.row.sponsorship;
                let status = sp.status();
                SponsorshipRow {
                    id: sp.id,
                    sponsor: s.row.sponsor.name.clone(),
                    tier: s.row.tier.name.clone(),
                    status: status.label(),
                    badge: status.badge(),
                    fee: sp.fee_label(),
                    paid: own(Some(s.paid_minor), &sp.currency),
                    counted: s.counted && s.fee_converted.is_some(),
                    note: match (s.counted, s.fee_converted) {
                        (true, Some(_)) => "counted".into(),
                        (true, None) => {
                            format!("not counted: no exchange rate for {}", sp.currency)
                        }
                        (false, _) if status == crate::domain::sponsorship::Status::Applied => {
                            "pipeline: not counted until approved".into()
                        }
                        (false, _) => "not counted".into(),
                    },
                }
            })
            .collect();
        BudgetTables {
            costs,
            tickets,
            revenue,
            sponsorships,
            sponsorships_total: b.sponsorships.len(),
            programme: b.programme.clone(),
            pipeline: money(b.pipeline, cur),
            unconverted: b.unconverted.join(", "),
        }
    }
}

/// A baseline in the list.
pub struct BaselineRow {
    pub version: i32,
    pub approved_at: String,
    pub approved_by: String,
    pub note: String,
}

pub(super) fn baseline_rows(list: &[Baseline]) -> Vec<BaselineRow> {
    list.iter()
        .map(|b| BaselineRow {
            version: b.version,
            approved_at: fmt_time(&b.approved_at),
            approved_by: b.approved_by.clone(),
            note: b.note.clone(),
        })
        .collect()
}
