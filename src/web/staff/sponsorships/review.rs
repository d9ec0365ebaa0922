//! The review queue: applications waiting for a decision, with each tier's places and
//! waitlist, and the page where staff approve (term, agreed fee) or reject (reason).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::pricing::{Quote, quote};
use crate::domain::sponsorship::Status;
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::sponsors::{self, Contact, Sponsor};
use crate::models::sponsorships::{self, Event, Row, Sponsorship};
use crate::models::tiers::{self, Tier};
use crate::services::sponsorship_review::{self, Approval};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SponsorshipsStaff>;

/// A tier's places: taken of capacity, and how many wait for one.
#[derive(Clone, Debug)]
pub struct Places {
    pub tier: Tier,
    pub taken: i64,
    pub waitlist: i64,
    pub applications: i64,
}

impl Places {
    pub fn label(&self) -> String {
        match self.tier.capacity {
            Some(c) => format!("{} of {c} taken", self.taken),
            None => format!("{} taken, no limit", self.taken),
        }
    }
    pub fn full(&self) -> bool {
        self.tier.capacity.is_some_and(|c| self.taken >= c as i64)
    }
}

fn places(c: &mut crate::db::DbConn, tier: Tier, applications: i64) -> AppResult<Places> {
    Ok(Places {
        taken: tiers::places_taken(c, tier.id)?,
        waitlist: sponsorship_review::waitlist_count(c, tier.id)?,
        applications,
        tier,
    })
}

#[derive(Template)]
#[template(path = "staff/sponsorships/review/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: crate::web::pager::Pager,
    /// Each tier open for applications (or with applications waiting), with its programme.
    tiers: Vec<(String, Places)>,
}

impl ListPage {
    fn quoted(&self, s: &Sponsorship) -> String {
        crate::models::invoices::money_label(sponsorship_review::quoted_minor(s), &s.currency)
    }
    fn received(&self, s: &Sponsorship) -> String {
        fmt_time(&s.created_at)
    }
}

/// Applications listed on a page.
const PER_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: String,
}

/// `GET /staff/applications?page=`: oldest first, a page at a time, and the places of the
/// tiers concerned.
pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let asked = q.into_inner().page;
    let page_url = crate::web::pager::links("/staff/applications", String::new());
    let (rows, pager, tiers) = staff
        .state
        .db
        .run(move |c| {
            let total = sponsorship_review::queue_count(c)?;
            let pager = crate::web::pager::Pager::new(Some(&asked), total, PER_PAGE, page_url);
            let rows = sponsorship_review::queue_page(c, pager.offset(), PER_PAGE)?;
            let waiting = sponsorship_review::queue_per_tier(c)?;
            let today = chrono::Utc::now().date_naive();
            // Every tier open for applications (advertised, programme this year or later),
            // then any other tier that still has applications waiting.
            let mut shown: Vec<(String, Tier)> =
                crate::services::sponsor_applications::open_tiers(c, today)?
                    .into_iter()
                    .map(|o| (o.programme.title(), o.tier))
                    .collect();
            for (tier_id, _) in &waiting {
                if !shown.iter().any(|(_, t)| t.id == *tier_id) {
                    let tier = tiers::find(c, *tier_id)?;
                    let programme = crate::models::programmes::find(c, tier.programme_id)?;
                    shown.push((programme.title(), tier));
                }
            }
            let mut out = Vec::new();
            for (programme, t) in shown {
                let n = waiting
                    .iter()
                    .find(|(id, _)| *id == t.id)
                    .map_or(0, |(_, n)| *n);
                out.push((programme, places(c, t, n)?));
            }
            Ok((rows, pager, out))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Applications", "/staff/applications"),
        rows,
        pager,
        tiers,
    })
}

/// What the approve and reject forms hold.
#[derive(Clone, Debug, Default)]
pub struct DecisionInput {
    pub start: String,
    pub end: String,
    pub fee: String,
    pub reason: String,
    pub reject_reason: String,
}

#[derive(Template)]
#[template(path = "staff/sponsorships/review/show.html")]
struct ShowPage {
    layout: Layout,
    s: Sponsorship,
    sponsor: Sponsor,
    tier: Tier,
    contacts: Vec<Contact>,
    events: Vec<Event>,
    places: Places,
    /// The price as it would be quoted today (list price less the best rule).
    today_quote: Quote,
    quoted: String,
    f: DecisionInput,
    errors: FormErrors,
    /// A decision that could not be made (someone was first, the tier is full).
    problem: Option<String>,
}

impl ShowPage {
    fn when(&self, e: &Event) -> String {
        fmt_time(&e.at)
    }
    fn when_created(&self) -> String {
        fmt_time(&self.s.created_at)
    }
    fn is_open(&self) -> bool {
        self.s.status() == Status::Applied
    }
    /// "discount for organisations under 25 people: 50% off", or "no discount applies".
    fn discount_today(&self) -> String {
        match &self.today_quote.rule {
            Some((_, name, pct)) => {
                let mut chars = name.chars();
                let name = match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
                    None => String::new(),
                };
                format!("discount for {name}: {pct}% off")
            }
            None => "no discount applies".into(),
        }
    }
    fn label_of(&self, s: &str) -> String {
        s.parse::<Status>()
            .map(|x| x.label().to_string())
            .unwrap_or_default()
    }
}

async fn show_page(
    staff: &S,
    id: i64,
    f: Option<DecisionInput>,
    errors: FormErrors,
    problem: Option<String>,
) -> AppResult<ShowPage> {
    let (s, sponsor, tier, contacts, events, places, today_quote) = staff
        .state
        .db
        .run(move |c| {
            let s = sponsorships::find(c, id)?;
            let sponsor = sponsors::find(c, s.sponsor_id)?;
            let tier = tiers::find(c, s.tier_id)?;
            let rules = tiers::rules_for_programme(c, tier.programme_id)?;
            let q = quote(tier.id, tier.price(), sponsor.org_size, &rules);
            let contacts = sponsors::contacts(c, sponsor.id)?;
            let events = sponsorships::events(c, id)?;
            let p = places(c, tier.clone(), 0)?;
            Ok((s, sponsor, tier, contacts, events, p, q))
        })
        .await?;
    let f = f.unwrap_or_else(|| DecisionInput {
        start: s.start_date.format("%Y-%m-%d").to_string(),
        end: s.end_date.format("%Y-%m-%d").to_string(),
        fee: Money::from_db(sponsorship_review::quoted_minor(&s), &s.currency)
            .map(|m| m.plain())
            .unwrap_or_default(),
        ..Default::default()
    });
    Ok(ShowPage {
        layout: staff.layout(
            &format!("Application: {} · {}", sponsor.name, tier.name),
            "/staff/applications",
        ),
        quoted: crate::models::invoices::money_label(
            sponsorship_review::quoted_minor(&s),
            &s.currency,
        ),
        s,
        sponsor,
        tier,
        contacts,
        events,
        places,
        today_quote,
        f,
        errors,
        problem,
    })
}

/// `GET /staff/applications/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, None, FormErrors::new(), None).await?)
}

fn back(id: i64) -> String {
    format!("/staff/applications/{id}")
}

/// `POST /staff/applications/{id}/approve`.
pub async fn approve(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let input = DecisionInput {
        start: f.get("start"),
        end: f.get("end"),
        fee: f.get("fee"),
        reason: f.get("reason"),
        ..Default::default()
    };
    let s = staff
        .state
        .db
        .run(move |c| Ok(sponsorships::find(c, id)?))
        .await?;
    let mut errors = FormErrors::new();
    let start = parse_date(&input.start, "the first day of the term")
        .map_err(|m| errors.add("start", m))
        .ok();
    let end = parse_date(&input.end, "the last day of the term")
        .map_err(|m| errors.add("end", m))
        .ok();
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        errors.add("end", "The term must end on or after its first day.");
    }
    let currency = Currency::parse(&s.currency).map_err(AppError::BadRequest)?;
    let fee = match Money::parse(&input.fee, currency) {
        Ok(fee) if fee.minor <= 0 => {
            errors.add("fee", sponsorship_review::ZERO_FEE);
            None
        }
        Ok(fee) => Some(fee),
        Err(m) => {
            errors.add("fee", m);
            None
        }
    };
    let reason = text::optional_multi_line(&input.reason, "the reason", 1000)
        .map_err(|m| errors.add("reason", m))
        .ok();
    if let (Some(fee), Some(reason)) = (fee, &reason)
        && fee.minor != sponsorship_review::quoted_minor(&s)
        && reason.is_empty()
    {
        errors.add(
            "reason",
            "The agreed fee differs from the quoted price: say why (it is kept with the sponsorship).",
        );
    }
    let (Some(start), Some(end), Some(fee), Some(reason), true) =
        (start, end, fee, reason, errors.is_empty())
    else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, Some(input), errors, None).await?,
        );
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let a = Approval {
        start,
        end,
        fee,
        reason,
    };
    let r = staff
        .state
        .db
        .run(move |c| sponsorship_review::approve(c, &settings, &actor, id, &a))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/staff/sponsorships/{id}"),
            FlashKind::Success,
            "Approved. Every contact has been emailed; send the agreement next.",
        )),
        Err(AppError::Conflict(m)) => render_status(
            StatusCode::CONFLICT,
            &show_page(&staff, id, Some(input), FormErrors::new(), Some(m)).await?,
        ),
        Err(AppError::BadRequest(m)) => {
            let mut errors = FormErrors::new();
            errors.add("fee", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, Some(input), errors, None).await?,
            )
        }
        Err(e) => Err(e),
    }
}

/// `POST /staff/applications/{id}/reject`.
pub async fn reject(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let raw = f.get("reject_reason");
    let mut errors = FormErrors::new();
    let reason = match text::optional_multi_line(&raw, "the reason", 2000) {
        Ok(r) if r.is_empty() => {
            errors.add(
                "reject_reason",
                "Give the reason: it is sent to the applicant.",
            );
            None
        }
        Ok(r) => Some(r),
        Err(m) => {
            errors.add("reject_reason", m);
            None
        }
    };
    let Some(reason) = reason else {
        let mut input = default_input(&staff, id).await?;
        input.reject_reason = raw;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, Some(input), errors, None).await?,
        );
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let why = reason.clone();
    let r = staff
        .state
        .db
        .run(move |c| sponsorship_review::reject(c, &settings, &actor, id, &why))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back(id),
            FlashKind::Success,
            "Rejected. Every contact has been emailed your reason.",
        )),
        Err(AppError::Conflict(m)) => {
            let mut input = default_input(&staff, id).await?;
            input.reject_reason = raw;
            render_status(
                StatusCode::CONFLICT,
                &show_page(&staff, id, Some(input), FormErrors::new(), Some(m)).await?,
            )
        }
        Err(e) => Err(e),
    }
}

/// The approve form as first shown, for pages re-rendered after a failed rejection.
async fn default_input(staff: &S, id: i64) -> AppResult<DecisionInput> {
    let s = staff
        .state
        .db
        .run(move |c| Ok(sponsorships::find(c, id)?))
        .await?;
    Ok(DecisionInput {
        start: s.start_date.format("%Y-%m-%d").to_string(),
        end: s.end_date.format("%Y-%m-%d").to_string(),
        fee: Money::from_db(sponsorship_review::quoted_minor(&s), &s.currency)
            .map(|m| m.plain())
            .unwrap_or_default(),
        ..Default::default()
    })
}
