//! Conference budgets for the treasurer and administrators: the list, a conference's details,
//! its analysis page (totals, scenarios, break-even, exposure if cancelled today, charts,
//! variance against the approved baseline), approving a baseline, a frozen baseline, the
//! printable view and the CSV export. The forms for lines, tickets and revenue are in
//! `conference_lines`.

pub mod charts;
pub mod lines;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use self::charts::{CategoryChart, NetChart};
use crate::domain::conference_budget::{
    self, Analysis, Basis, BreakEven, Inputs, MAX_ATTENDANCE, Variance, share_label,
};
use crate::domain::csv::Csv;
use crate::domain::form::{Fields, stamp};
use crate::domain::grants::{RATE_SCALE, rate_label};
use crate::domain::{Currency, FormErrors, Money, dates, text};
use crate::error::{AppError, AppResult};
use crate::models::conference_baselines::{self as baselines, Baseline};
use crate::models::conferences::{self, Conference, ConferenceFields};
use crate::models::programmes::{self, Programme};
use crate::services::conferences::{self as service, Approval, LiveBudget, SaveError};
use crate::web::extract::Ctx;
use crate::web::extract::Staff;
use crate::web::extract::{ConferenceStaff, TreasurerOnly};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

pub type S = Staff<ConferenceStaff>;

/// The nav section of these pages.
pub const SECTION: &str = "/staff/conferences";

/// An amount for people.
pub fn money(minor: i64, cur: Currency) -> String {
    Money::new(minor, cur).to_string()
}

/// One conference in the list.
pub struct ListRow {
    pub c: Conference,
    pub likely_net: String,
    pub loss: bool,
    pub exposure: String,
    pub break_even: String,
    pub baseline: String,
}

#[derive(Template)]
#[template(path = "staff/conferences/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
}

impl ListRow {
    /// A conference's summary for people.
    pub fn of(s: service::Summary) -> ListRow {
        let cur = s.conference.currency();
        match s.analysis {
            Ok(a) => ListRow {
                likely_net: money(a.likely().net, cur),
                loss: a.likely().net < 0,
                exposure: money(a.exposure.exposure, cur),
                break_even: break_even_short(&a),
                baseline: s
                    .baseline
                    .map(|v| format!("version {v}"))
                    .unwrap_or_else(|| "not approved".into()),
                c: s.conference,
            },
            Err(e) => ListRow {
                likely_net: e.to_string(),
                loss: true,
                exposure: "—".into(),
                break_even: "—".into(),
                baseline: String::new(),
                c: s.conference,
            },
        }
    }
}

/// `GET /staff/conferences`.
pub async fn list(staff: S) -> AppResult<HttpResponse> {
    let base = staff.settings().currency();
    let today = service::today();
    let rows = staff
        .state
        .db
        .run(move |c| service::summaries(c, base, today, None))
        .await?
        .into_iter()
        .map(ListRow::of)
        .collect();
    render(&ListPage {
        layout: staff.layout("Conferences", SECTION),
        rows,
    })
}

fn break_even_short(a: &Analysis) -> String {
    match a.break_even {
        BreakEven::Covered => "covered without ticket sales".into(),
        BreakEven::At(n) => format!("{n} attendees"),
        BreakEven::BeyondCap(n) => format!("{n}: above the cap"),
        BreakEven::Never => "never at current prices".into(),
        BreakEven::UpTo(n) => format!("only up to {n} attendees"),
    }
}

// ----- The conference form -------------------------------------------------------------

/// The conference form as typed.
#[derive(Clone, Debug, Default)]
pub struct ConferenceInput {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub venue: String,
    pub city: String,
    pub attendance_cap: String,
    pub currency: String,
    pub pessimistic: String,
    pub likely: String,
    pub optimistic: String,
    pub insurance_cover: String,
    pub programme_id: String,
    pub notes: String,
    /// When the details were last saved, as the form showed them.
    pub seen: String,
}

impl ConferenceInput {
    fn from_fields(f: &Fields) -> ConferenceInput {
        ConferenceInput {
            name: f.get("name"),
            starts_on: f.get("starts_on"),
            ends_on: f.get("ends_on"),
            venue: f.get("venue"),
            city: f.get("city"),
            attendance_cap: f.get("attendance_cap"),
            currency: f.get("currency"),
            pessimistic: f.get("pessimistic"),
            likely: f.get("likely"),
            optimistic: f.get("optimistic"),
            insurance_cover: f.get("insurance_cover"),
            programme_id: f.get("programme_id"),
            notes: f.get("notes"),
            seen: f.get("seen"),
        }
    }

    fn from_conference(c: &Conference) -> ConferenceInput {
        let cur = c.currency();
        ConferenceInput {
            name: c.name.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            venue: c.venue.clone(),
            city: c.city.clone(),
            attendance_cap: c.attendance_cap.to_string(),
            currency: c.currency.clone(),
            pessimistic: c.pessimistic.to_string(),
            likely: c.likely.to_string(),
            optimistic: c.optimistic.to_string(),
            insurance_cover: if c.insurance_cover_minor == 0 {
                String::new()
            } else {
                Money::new(c.insurance_cover_minor, cur).plain()
            },
            programme_id: c.programme_id.map(|p| p.to_string()).unwrap_or_default(),
            notes: c.notes.clone(),
            seen: stamp(&c.updated_at),
        }
    }

    /// Parses into the stored fields, or records a message per field. Scenarios left empty
    /// default to 60%, 85% and 100% of the cap.
    fn parse(&self, programmes: &[Programme], errors: &mut FormErrors) -> Option<ConferenceFields> {
        let name = text::single_line(&self.name, "the conference's name", 120)
            .map_err(|m| errors.add("name", m))
            .ok();
        let starts = dates::parse_date(&self.starts_on, "the first day")
            .map_err(|m| errors.add("starts_on", m))
            .ok();
        let ends = dates::parse_date(&self.ends_on, "the last day")
            .map_err(|m| errors.add("ends_on", m))
            .ok();
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            errors.add("ends_on", "The last day cannot be before the first day.");
        }
        let venue = text::optional_single_line(&self.venue, "the venue", 120)
            .map_err(|m| errors.add("venue", m))
            .ok();
        let city = text::optional_single_line(&self.city, "the city", 120)
            .map_err(|m| errors.add("city", m))
            .ok();
        let cap = conference_budget::parse_attendance(&self.attendance_cap, MAX_ATTENDANCE)
            .ok()
            .filter(|n| *n >= 1);
        if cap.is_none() {
            errors.add(
                "attendance_cap",
                format!("Enter the most attendees the venue takes: a whole number from 1 to {MAX_ATTENDANCE}."),
            );
        }
        let currency = Currency::parse(&self.currency)
            .map_err(|m| errors.add("currency", m))
            .ok();
        let mut scenarios = [None, None, None];
        if let Some(cap) = cap {
            let typed = [&self.pessimistic, &self.likely, &self.optimistic];
            let all_empty = typed.iter().all(|s| s.trim().is_empty());
            for (k, (field, input)) in ["pessimistic", "likely", "optimistic"]
                .into_iter()
                .zip(typed)
                .enumerate()
            {
                scenarios[k] = if all_empty {
                    Some(cap * [60, 85, 100][k] / 100)
                } else {
                    conference_budget::parse_attendance(input, cap)
                        .map_err(|_| {
                            errors.add(
                                field,
                                format!(
                                    "Enter a whole number of attendees from 0 to the cap of {cap}."
                                ),
                            )
                        })
                        .ok()
                };
            }
            if let [Some(p), Some(l), Some(o)] = scenarios {
                if p > l {
                    errors.add(
                        "pessimistic",
                        "The pessimistic attendance cannot be above the likely one.",
                    );
                }
                if l > o {
                    errors.add(
                        "optimistic",
                        "The optimistic attendance cannot be below the likely one.",
                    );
                }
            }
        }
        let cover = currency.and_then(|cur| {
            Money::parse_optional(&self.insurance_cover, cur)
                .map(|m| m.map(|m| m.minor))
                .map_err(|m| errors.add("insurance_cover", m))
                .ok()
        });
        let programme_id = match self.programme_id.trim() {
            "" => Some(None),
            s => match s
                .parse::<i64>()
                .ok()
                .filter(|id| programmes.iter().any(|p| p.id == *id))
            {
                Some(id) => Some(Some(id)),
                None => {
                    errors.add(
                        "programme_id",
                        "Choose a sponsorship programme from the list, or none.",
                    );
                    None
                }
            },
        };
        let notes = text::optional_multi_line(&self.notes, "the notes", 2000)
            .map_err(|m| errors.add("notes", m))
            .ok();
        let [Some(p), Some(l), Some(o)] = scenarios else {
            return None;
        };
        Some(ConferenceFields {
            name: name?,
            starts_on: starts?,
            ends_on: ends?,
            venue: venue?,
            city: city?,
            attendance_cap: i32::try_from(cap?).ok()?,
            currency: currency?.code().to_string(),
            pessimistic: i32::try_from(p).ok()?,
            likely: i32::try_from(l).ok()?,
            optimistic: i32::try_from(o).ok()?,
            insurance_cover_minor: cover?.unwrap_or(0),
            programme_id: programme_id?,
            notes: notes?,
        })
    }
}

#[derive(Template)]
#[template(path = "staff/conferences/form.html")]
struct FormPage {
    layout: Layout,
    conference: Option<Conference>,
    f: ConferenceInput,
    errors: FormErrors,
    programmes: Vec<Programme>,
    currencies: Vec<&'static str>,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.conference {
            Some(c) => format!("/staff/conferences/{}", c.id),
            None => "/staff/conferences".into(),
        }
    }
    fn is_programme(&self, id: &i64) -> bool {
        self.f.programme_id == id.to_string()
    }
}

async fn form_page(
    staff: &S,
    id: Option<i64>,
    f: Option<ConferenceInput>,
    errors: FormErrors,
) -> AppResult<FormPage> {
    let base = staff.settings().currency();
    let (conference, programmes) = staff
        .state
        .db
        .run(move |c| {
            let conf = id.map(|id| conferences::find(c, id)).transpose()?;
            Ok((conf, programmes::list(c)?))
        })
        .await?;
    let f = match (f, &conference) {
        (Some(f), _) => f,
        (None, Some(c)) => ConferenceInput::from_conference(c),
        (None, None) => ConferenceInput {
            currency: base.code().to_string(),
            ..Default::default()
        },
    };
    let title = match &conference {
        Some(c) => format!("Edit {}", c.name),
        None => "New conference".into(),
    };
    Ok(FormPage {
        layout: staff.layout(&title, SECTION),
        conference,
        f,
        errors,
        programmes,
        currencies: crate::domain::money::CURRENCIES
            .iter()
            .map(|(c, _)| *c)
            .collect(),
    })
}

/// `GET /staff/conferences/new`.
pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    render(&form_page(&staff, None, None, FormErrors::new()).await?)
}

/// `GET /staff/conferences/{id}/edit`.
pub async fn edit_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&form_page(&staff, Some(*id), None, FormErrors::new()).await?)
}

/// `POST /staff/conferences`.
pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    save(staff, None, Fields(form.into_inner())).await
}

/// `POST /staff/conferences/{id}`.
pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    staff
        .state
        .db
        .run(move |c| Ok(conferences::find(c, id)?))
        .await?;
    save(staff, Some(id), Fields(form.into_inner())).await
}

async fn save(staff: S, id: Option<i64>, fields: Fields) -> AppResult<HttpResponse> {
    let input = ConferenceInput::from_fields(&fields);
    let seen = fields.seen();
    let programmes = staff.state.db.run(|c| Ok(programmes::list(c)?)).await?;
    let mut errors = FormErrors::new();
    let parsed = input.parse(&programmes, &mut errors);
    let Some(f) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&staff, id, Some(input), errors).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            Ok(match id {
                Some(id) => service::update(c, &actor, id, &f, seen).map(|ch| (id, ch)),
                None => service::create(c, &actor, &f).map(|id| (id, true)),
            })
        })
        .await?;
    match r {
        Ok((new_id, changed)) => Ok(redirect_with_flash(
            &format!("/staff/conferences/{new_id}"),
            if changed {
                FlashKind::Success
            } else {
                FlashKind::Info
            },
            match (id, changed) {
                (None, _) => "Conference created. Add its ticket types and budget lines below.",
                (Some(_), true) => "Conference saved.",
                (Some(_), false) => "Nothing changed.",
            },
        )),
        Err(SaveError::Field(r)) => {
            let mut errors = FormErrors::new();
            errors.add(r.field, r.message);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, id, Some(input), errors).await?,
            )
        }
        Err(SaveError::Other(e)) => Err(e),
    }
}

// ----- The analysis --------------------------------------------------------------------

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
fn variance_rows(v: &[Variance], cur: Currency) -> Vec<VarianceRow> {
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

/// The live budget's tables for people.
pub struct BudgetTables {
    pub costs: Vec<CostRow>,
    pub tickets: Vec<TicketRow>,
    pub revenue: Vec<RevenueRow>,
    pub sponsorships: Vec<SponsorshipRow>,
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

fn baseline_rows(list: &[Baseline]) -> Vec<BaselineRow> {
    list.iter()
        .map(|b| BaselineRow {
            version: b.version,
            approved_at: fmt_time(&b.approved_at),
            approved_by: b.approved_by.clone(),
            note: b.note.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/conferences/show.html")]
struct ShowPage {
    layout: Layout,
    c: Conference,
    place: String,
    v: Option<AnalysisView>,
    error: String,
    t: BudgetTables,
    baselines: Vec<BaselineRow>,
    latest: Option<i32>,
    variances: Vec<VarianceRow>,
    note: String,
    note_error: String,
    /// The viewer is the treasurer, who approves budgets.
    can_approve: bool,
}

/// The live budget and its analysis (an analysis error is shown on the page, not a 500).
async fn load(
    staff: &Ctx,
    id: i64,
) -> AppResult<(
    LiveBudget,
    Result<Analysis, conference_budget::TooLarge>,
    Vec<Baseline>,
)> {
    let base = staff.settings().currency();
    let today = service::today();
    staff
        .state
        .db
        .run(move |c| {
            let b = service::live(c, id, base)?;
            let a = conference_budget::analyse(&b.inputs, today);
            Ok((b, a, baselines::of(c, id)?))
        })
        .await
}

async fn show_page(staff: &Ctx, id: i64, note: String, note_error: String) -> AppResult<ShowPage> {
    let (b, a, list) = load(staff, id).await?;
    let cur = b.conference.currency();
    let today = service::today();
    let (v, error) = match &a {
        Ok(a) => (Some(AnalysisView::new(&b.inputs, a, cur)), String::new()),
        Err(e) => (None, e.to_string()),
    };
    let variances = match (&a, list.first()) {
        (Ok(live), Some(latest)) => match latest
            .inputs()
            .ok()
            .filter(|i| i.currency == b.inputs.currency)
            .and_then(|i| conference_budget::analyse(&i, today).ok())
        {
            Some(base) => variance_rows(&conference_budget::variances(&base, live), cur),
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(ShowPage {
        layout: staff.layout(&b.conference.name, SECTION),
        place: b.conference.place(),
        t: BudgetTables::new(&b),
        c: b.conference,
        v,
        error,
        latest: list.first().map(|b| b.version),
        baselines: baseline_rows(&list),
        variances,
        note,
        note_error,
        can_approve: staff
            .current
            .as_ref()
            .is_some_and(|u| u.roles.contains(&crate::domain::Role::Treasurer)),
    })
}

/// `GET /staff/conferences/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, String::new(), String::new()).await?)
}

#[derive(Template)]
#[template(path = "staff/conferences/print.html")]
struct PrintPage {
    layout: Layout,
    c: Conference,
    place: String,
    v: Option<AnalysisView>,
    error: String,
    t: BudgetTables,
    printed: String,
    latest: Option<i32>,
    variances: Vec<VarianceRow>,
}

/// `GET /staff/conferences/{id}/print`: the analysis and every line, for paper or PDF.
pub async fn print(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let page = show_page(&staff, *id, String::new(), String::new()).await?;
    render(&PrintPage {
        layout: page.layout,
        place: page.place,
        printed: fmt_time(&crate::models::now()),
        c: page.c,
        v: page.v,
        error: page.error,
        t: page.t,
        latest: page.latest,
        variances: page.variances,
    })
}

#[derive(Template)]
#[template(path = "staff/conferences/baseline.html")]
struct BaselinePage {
    layout: Layout,
    c: Conference,
    b: BaselineRow,
    v: Option<AnalysisView>,
    error: String,
    lines: Vec<conference_budget::CostLine>,
    cur: Currency,
}

impl BaselinePage {
    fn m(&self, minor: &i64) -> String {
        money(*minor, self.cur)
    }
    fn om(&self, minor: &Option<i64>) -> String {
        minor
            .map(|m| money(m, self.cur))
            .unwrap_or_else(|| "—".into())
    }
}

/// `GET /staff/conferences/{id}/baselines/{version}`: a frozen version as it was approved.
pub async fn baseline(staff: S, path: web::Path<(i64, i32)>) -> AppResult<HttpResponse> {
    let (id, version) = path.into_inner();
    let (c, b) = staff
        .state
        .db
        .run(move |c| Ok((conferences::find(c, id)?, baselines::find(c, id, version)?)))
        .await?;
    let inputs = b
        .inputs()
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("baseline snapshot")))?;
    let cur = Currency::parse(&inputs.currency).unwrap_or(c.currency());
    let (v, error) = match conference_budget::analyse(&inputs, service::today()) {
        Ok(a) => (Some(AnalysisView::new(&inputs, &a, cur)), String::new()),
        Err(e) => (None, e.to_string()),
    };
    render(&BaselinePage {
        layout: staff.layout(&format!("{} — baseline version {version}", c.name), SECTION),
        b: baseline_rows(std::slice::from_ref(&b)).remove(0),
        c,
        v,
        error,
        lines: inputs.costs,
        cur,
    })
}

/// `POST /staff/conferences/{id}/baselines`: approves the live budget as the next version.
pub async fn approve(
    staff: Staff<TreasurerOnly>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let note_in = fields.get("note");
    let note = match text::optional_multi_line(&note_in, "the note", 500) {
        Ok(n) => n,
        Err(m) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, note_in, m).await?,
            );
        }
    };
    let base = staff.settings().currency();
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| service::approve_baseline(c, &actor, id, &note, base))
        .await;
    let back = format!("/staff/conferences/{id}");
    match r {
        Ok(Approval::Approved(v)) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            &format!("Budget approved as version {v}. The live forecast is now compared with it."),
        )),
        Ok(Approval::Unchanged(v)) => Ok(redirect_with_flash(
            &back,
            FlashKind::Info,
            &format!("Nothing changed since version {v}: no new version was made."),
        )),
        Err(AppError::Conflict(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, note_in, m).await?,
        ),
        Err(e) => Err(e),
    }
}

/// `GET /staff/conferences/{id}/budget.csv`: every cost line, ticket type, revenue line and
/// sponsorship, in their own currency and in the conference's.
pub async fn export_csv(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (b, _, _) = load(&staff, *id).await?;
    let cur = b.conference.currency();
    let code = cur.code();
    use self::lines::plain;
    let likely = i64::from(b.conference.likely);
    let mut csv = Csv::new();
    csv.row([
        "Kind".to_string(),
        "Category".into(),
        "Item".into(),
        "Basis".into(),
        "Vendor".into(),
        "Currency".into(),
        "Exchange rate".into(),
        "Estimate or expected".into(),
        "Committed".into(),
        "Actual or received".into(),
        "Cancellation liability".into(),
        "Liability from".into(),
        format!("Estimate at {likely} attendees ({code})"),
        format!("Committed ({code})"),
        format!("Actual ({code})"),
        format!("Liability ({code})"),
        "Notes".into(),
    ]);
    for (l, i) in b.costs.iter().zip(&b.inputs.costs) {
        csv.row([
            "Cost".to_string(),
            i.category.clone(),
            l.item.clone(),
            l.basis().label().into(),
            l.vendor.clone(),
            l.currency.clone(),
            rate_label(l.rate_micros),
            plain(Some(l.estimate_minor), &l.currency),
            plain(l.committed_minor, &l.currency),
            plain(l.actual_minor, &l.currency),
            plain(l.liability_minor, &l.currency),
            l.liability_from.map(|d| d.to_string()).unwrap_or_default(),
            plain(
                match i.basis {
                    Basis::Fixed => Some(i.estimate),
                    Basis::PerAttendee => i.estimate.checked_mul(likely),
                },
                code,
            ),
            plain(i.committed, code),
            plain(i.actual, code),
            plain(i.liability, code),
            l.notes.clone(),
        ]);
    }
    for t in &b.tickets {
        csv.row([
            "Ticket".to_string(),
            String::new(),
            t.name.clone(),
            format!("{} of attendance", share_label(i64::from(t.share_permille))),
            String::new(),
            code.into(),
            rate_label(RATE_SCALE),
            plain(Some(t.price_minor), code),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            plain(
                i64::try_from(
                    i128::from(t.price_minor) * i128::from(t.share_permille) * i128::from(likely)
                        / 1000,
                )
                .ok(),
                code,
            ),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (r, i) in b.revenue.iter().zip(&b.inputs.revenue) {
        csv.row([
            r.kind().label().to_string(),
            String::new(),
            r.item.clone(),
            String::new(),
            String::new(),
            r.currency.clone(),
            rate_label(r.rate_micros),
            plain(Some(r.expected_minor), &r.currency),
            String::new(),
            plain(r.received_minor, &r.currency),
            String::new(),
            String::new(),
            plain(Some(i.expected), code),
            String::new(),
            plain(i.received, code),
            String::new(),
            r.notes.clone(),
        ]);
    }
    for s in &b.sponsorships {
        let sp = &s.row.sponsorship;
        csv.row([
            "Sponsorship".to_string(),
            s.row.tier.name.clone(),
            s.row.sponsor.name.clone(),
            String::new(),
            String::new(),
            sp.currency.clone(),
            String::new(),
            String::new(),
            plain(Some(sp.fee_minor), &sp.currency),
            plain(Some(s.paid_minor), &sp.currency),
            String::new(),
            String::new(),
            String::new(),
            if s.counted {
                plain(s.fee_converted, code)
            } else {
                String::new()
            },
            plain(s.paid_converted, code),
            String::new(),
            format!(
                "{}; {}",
                sp.status().label(),
                if s.counted { "counted" } else { "not counted" }
            ),
        ]);
    }
    let file = crate::domain::slug::slugify(&b.conference.name);
    let file = if file.is_empty() {
        "conference".to_string()
    } else {
        file
    };
    Ok(crate::web::csv_response(
        &format!("{file}-budget.csv"),
        csv.finish(),
    ))
}
