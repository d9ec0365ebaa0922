//! Sponsorships: the list with search and filters (and its CSV with contacts), recording one,
//! and the detail page where staff move it through its lifecycle and tick off benefits.

pub mod agreements;
pub mod assets;
pub mod programmes;
pub mod renewals;
pub mod review;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::pricing::quote;
use crate::domain::sponsorship::Status;
use crate::domain::{FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::sponsors::{self, Sponsor};
use crate::models::sponsorships::{self, Event, Filter, Fulfilment, Row, Sponsorship};
use crate::models::tiers::{self, Tier};
use crate::services::sponsorships::{self as service, NewTerm};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::{fmt_opt_time, fmt_time};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SponsorshipsStaff>;

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    page: String,
}

/// Sponsorships listed on a page.
const PER_PAGE: i64 = 50;

/// The statuses between approval and activation: what `?status=in_progress` lists (the
/// dashboard's "between approval and activation" count links there).
pub const IN_PROGRESS: [Status; 5] = [
    Status::Approved,
    Status::AgreementSent,
    Status::AgreementAccepted,
    Status::Invoiced,
    Status::Paid,
];

impl ListQuery {
    fn filter(&self) -> Filter {
        Filter {
            search: self.q.chars().take(100).collect(),
            tier_id: self.tier.parse().ok(),
            status: self.status.parse().ok(),
            // "in progress": every status between approval and activation, in pipeline order.
            statuses: if self.status == "in_progress" {
                IN_PROGRESS.to_vec()
            } else {
                Vec::new()
            },
            year: self.year.parse().ok().filter(|y| (2000..=2200).contains(y)),
            sponsor_id: None,
        }
    }
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("tier", &self.tier),
            ("status", &self.status),
            ("year", &self.year),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/list.html")]
struct ListPage {
    layout: Layout,
    q: ListQuery,
    rows: Vec<Row>,
    pager: Pager,
    tiers: Vec<(i64, String)>,
    statuses: Vec<Status>,
    csv_url: String,
    today: chrono::NaiveDate,
}

fn tier_options(c: &mut crate::db::DbConn) -> AppResult<Vec<(i64, String)>> {
    Ok(tiers::labelled(c)?)
}

pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let query = q.clone();
    let qs = q.query_string();
    let page_url = crate::web::pager::links("/staff/sponsorships", qs);
    let (rows, pager, tiers) = staff
        .state
        .db
        .run(move |c| {
            let filter = query.filter();
            let total = sponsorships::count(c, &filter)?;
            let pager = Pager::new(Some(query.page.as_str()), total, PER_PAGE, page_url);
            let rows = sponsorships::page(c, &filter, pager.offset(), PER_PAGE)?;
            Ok((rows, pager, tier_options(c)?))
        })
        .await?;
    let qs = q.query_string();
    render(&ListPage {
        layout: staff.layout("Sponsorships", "/staff/sponsorships"),
        csv_url: if qs.is_empty() {
            "/staff/sponsorships.csv".into()
        } else {
            format!("/staff/sponsorships.csv?{qs}")
        },
        q,
        rows,
        pager,
        tiers,
        statuses: Status::ALL.to_vec(),
        today: chrono::Utc::now().date_naive(),
    })
}

/// The list as CSV, filters applied, one row per sponsorship with its contacts, oldest
/// first; streamed a chunk at a time, every row the filters select.
pub async fn export_csv(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let filter = q.into_inner().filter();
    const HEADER: &[&str] = &[
        "Sponsorship",
        "Sponsor",
        "Website",
        "Country",
        "Tier",
        "Start",
        "End",
        "Fee",
        "Currency",
        "Status",
        "Primary contact",
        "Billing contact",
        "Marketing contact",
    ];
    csv_export::stream(
        &staff.state.db,
        "sponsorships.csv",
        HEADER,
        move |c, after| {
            let rows = sponsorships::chunk_after(c, &filter, after, csv_export::CHUNK)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.sponsor.id).collect();
            let contacts = sponsors::contacts_of_all(c, &ids)?;
            Ok(Chunk::of(
                rows,
                |r| r.sponsorship.id,
                |r| {
                    let of = contacts.get(&r.sponsor.id).map_or(&[][..], Vec::as_slice);
                    let s = r.sponsorship;
                    vec![vec![
                        s.id.to_string(),
                        r.sponsor.name,
                        r.sponsor.website,
                        r.sponsor.country,
                        r.tier.name,
                        s.start_date.to_string(),
                        s.end_date.to_string(),
                        s.fee()
                            .map(|m| m.plain())
                            .unwrap_or_else(|| s.fee_minor.to_string()),
                        s.currency.clone(),
                        s.status().label().to_string(),
                        sponsors::contacts_with_role(of, "primary"),
                        sponsors::contacts_with_role(of, "billing"),
                        sponsors::contacts_with_role(of, "marketing"),
                    ]]
                },
            ))
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "staff/sponsorships/new.html")]
struct NewPage {
    layout: Layout,
    errors: FormErrors,
    sponsors: Vec<Sponsor>,
    tiers: Vec<(i64, String)>,
    starts: Vec<Status>,
    f: NewInput,
    suggested: String,
}

#[derive(Default, Clone)]
pub struct NewInput {
    pub sponsor: String,
    pub tier: String,
    pub start: String,
    pub end: String,
    pub fee: String,
    pub status: String,
    pub notes: String,
}

#[derive(Deserialize)]
pub struct NewQuery {
    sponsor: Option<i64>,
    tier: Option<i64>,
}

async fn new_page(staff: &S, errors: FormErrors, f: NewInput) -> AppResult<NewPage> {
    let (sid, tid) = (f.sponsor.parse::<i64>().ok(), f.tier.parse::<i64>().ok());
    let (sponsors, tiers, suggested) = staff
        .state
        .db
        .run(move |c| {
            let sponsors = sponsors::all(c)?;
            let tiers = tier_options(c)?;
            // The server's price for this sponsor in this tier, as a starting point.
            let suggested = match (sid, tid) {
                (Some(s), Some(t)) => {
                    let sponsor = sponsors::find(c, s).ok();
                    let tier = tiers::find(c, t).ok();
                    match (sponsor, tier) {
                        (Some(sp), Some(ti)) => {
                            let rules = tiers::rules_for_programme(c, ti.programme_id)?;
                            let q = quote(ti.id, ti.price(), sp.org_size, &rules);
                            match q.rule {
                                Some((_, name, pct)) => {
                                    format!("{} ({name}: {pct}% off {})", q.total, q.list)
                                }
                                None => q.total.to_string(),
                            }
                        }
                        _ => String::new(),
                    }
                }
                _ => String::new(),
            };
            Ok((sponsors, tiers, suggested))
        })
        .await?;
    Ok(NewPage {
        layout: staff.layout("Record a sponsorship", "/staff/sponsorships"),
        errors,
        sponsors,
        tiers,
        starts: std::iter::once(Status::Applied)
            .chain(Status::OFFLINE_START)
            .collect(),
        f,
        suggested,
    })
}

pub async fn new_form(staff: S, q: web::Query<NewQuery>) -> AppResult<HttpResponse> {
    let f = NewInput {
        sponsor: q.sponsor.map(|s| s.to_string()).unwrap_or_default(),
        tier: q.tier.map(|s| s.to_string()).unwrap_or_default(),
        status: "applied".into(),
        ..Default::default()
    };
    render(&new_page(&staff, FormErrors::new(), f).await?)
}

pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    let f = Fields(form.into_inner());
    let input = NewInput {
        sponsor: f.get("sponsor"),
        tier: f.get("tier"),
        start: f.get("start"),
        end: f.get("end"),
        fee: f.get("fee"),
        status: f.get("status"),
        notes: f.get("notes"),
    };
    let mut errors = FormErrors::new();
    let sponsor_id = input
        .sponsor
        .parse::<i64>()
        .map_err(|_| errors.add("sponsor", "Choose the sponsor."))
        .ok();
    let tier_id = input
        .tier
        .parse::<i64>()
        .map_err(|_| errors.add("tier", "Choose the tier."))
        .ok();
    let start = parse_date(&input.start, "the first day of the term")
        .map_err(|m| errors.add("start", m))
        .ok();
    let end = parse_date(&input.end, "the last day of the term")
        .map_err(|m| errors.add("end", m))
        .ok();
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.add("end", "The term must end on or after its first day.");
    }
    let status = input
        .status
        .parse::<Status>()
        .ok()
        .filter(|s| *s == Status::Applied || Status::OFFLINE_START.contains(s));
    if status.is_none() {
        errors.add("status", "Choose where this sponsorship stands.");
    }
    let notes = text::optional_multi_line(&input.notes, "the notes", 2000)
        .map_err(|m| errors.add("notes", m))
        .ok();
    // The fee's currency is the tier's.
    let tier = match tier_id {
        Some(t) => {
            staff
                .state
                .db
                .run(move |c| Ok(tiers::find(c, t).ok()))
                .await?
        }
        None => None,
    };
    if tier_id.is_some() && tier.is_none() {
        errors.add("tier", "That tier does not exist.");
    }
    // An empty fee means the server's price (list price less the best discount rule).
    let fee: Option<Option<Money>> = match &tier {
        Some(t) if !input.fee.trim().is_empty() => Money::parse(&input.fee, t.price().currency)
            .map(Some)
            .map_err(|m| errors.add("fee", m))
            .ok(),
        Some(_) => Some(None),
        None => None,
    };
    if f.checked("check") {
        // "Show the price": the same form again, with the server's price for this choice.
        return render(&new_page(&staff, FormErrors::new(), input).await?);
    }
    let (
        Some(sponsor_id),
        Some(tier_id),
        Some(start),
        Some(end),
        Some(status),
        Some(notes),
        Some(fee),
        true,
    ) = (
        sponsor_id,
        tier_id,
        start,
        end,
        status,
        notes,
        fee,
        errors.is_empty(),
    )
    else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&staff, errors, input).await?,
        );
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            service::create(
                c,
                &actor,
                NewTerm {
                    sponsor_id,
                    tier_id,
                    start,
                    end,
                    fee,
                    status,
                    notes,
                },
            )
        })
        .await;
    match r {
        Ok(id) => Ok(redirect_with_flash(
            &format!("/staff/sponsorships/{id}"),
            FlashKind::Success,
            "Sponsorship recorded.",
        )),
        Err(AppError::Conflict(m)) | Err(AppError::BadRequest(m)) => {
            let mut errors = FormErrors::new();
            errors.add("tier", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_page(&staff, errors, input).await?,
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/show.html")]
struct ShowPage {
    layout: Layout,
    s: Sponsorship,
    sponsor: Sponsor,
    tier: Tier,
    events: Vec<Event>,
    checklist: Vec<Fulfilment>,
    next: Vec<Status>,
    visible: bool,
    agreements: Vec<crate::services::agreements::Agreement>,
    invoices: Vec<crate::models::invoices::Invoice>,
    today: String,
    due_default: String,
    /// What the foundation must write in billing settings before an invoice can be issued.
    billing_missing: Vec<&'static str>,
    /// The agreement's text as it would be sent (or as typed, when refused).
    draft: String,
    /// The template it is filled in from, in words and as its address.
    draft_source: (String, String),
    /// The purchase-order number and tax ID to show in their form: as stored, or as typed.
    invoice_details: (String, String),
    /// Messages for the page's file form (a refused agreement upload).
    errors: FormErrors,
}

impl ShowPage {
    fn when(&self, e: &Event) -> String {
        fmt_time(&e.at)
    }
    fn delivered_at(&self, f: &Fulfilment) -> String {
        fmt_opt_time(&f.delivered_at)
    }
    fn status_label(&self, s: &Option<String>) -> String {
        s.as_deref()
            .and_then(|x| x.parse::<Status>().ok())
            .map(|x| x.label().to_string())
            .unwrap_or_default()
    }
    fn label_of(&self, s: &str) -> String {
        s.parse::<Status>()
            .map(|x| x.label().to_string())
            .unwrap_or_default()
    }
    fn agreement_created(&self, a: &crate::services::agreements::Agreement) -> String {
        fmt_time(&a.created_at)
    }
    fn done(&self) -> usize {
        self.checklist.iter().filter(|f| f.is_delivered()).count()
    }
    /// Moves that end the sponsorship (shown apart, with a required reason).
    fn is_stop(&self, to: &Status) -> bool {
        matches!(to, Status::Rejected | Status::Cancelled)
    }
    /// Staff may show it before payment (the one rule, in the domain).
    fn may_publish_early(&self) -> bool {
        crate::domain::sponsorship::may_publish_early(self.s.status())
    }
    /// The term has not started yet (paid early: the worker activates it on its first day).
    fn starts_later(&self) -> bool {
        self.s.start_date > chrono::Utc::now().date_naive()
    }
    fn start_long(&self) -> String {
        self.s.start_date.format("%-d %B %Y").to_string()
    }
    fn date_of(&self, at: &chrono::NaiveDateTime) -> String {
        at.format("%-d %B %Y").to_string()
    }
}

pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    show_page(
        &staff,
        *id,
        FormErrors::new(),
        StatusCode::OK,
        Typed::default(),
    )
    .await
}

/// What was typed into a form of the sponsorship page that came back refused.
#[derive(Default)]
pub struct Typed {
    agreement: Option<String>,
    /// Purchase-order number and tax ID.
    invoice_details: Option<(String, String)>,
}

/// `POST /staff/sponsorships/{id}/invoice-details`: the purchase-order number and the
/// sponsor's tax ID, before the invoice is issued (as the sponsor can in the portal).
pub async fn save_invoice_details(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = crate::domain::form::Fields(form.into_inner());
    let (po, tax) = (f.get("po_number"), f.get("tax_id"));
    let details = match crate::services::billing::InvoiceDetails::parse(&po, &tax) {
        Ok(d) => d,
        Err(problems) => {
            let mut errors = FormErrors::new();
            for (field, m) in problems {
                errors.add(field, m);
            }
            let typed = Typed {
                agreement: None,
                invoice_details: Some((po, tax)),
            };
            return show_page(&staff, id, errors, StatusCode::UNPROCESSABLE_ENTITY, typed).await;
        }
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            let sponsor_id = sponsorships::find(c, id)?.sponsor_id;
            crate::services::billing::set_invoice_details(c, &actor, sponsor_id, id, &details)
        })
        .await;
    let back = format!("/staff/sponsorships/{id}");
    match r {
        Ok(()) => Ok(crate::web::redirect_with_flash(
            &back,
            crate::web::layout::FlashKind::Success,
            "Saved: the invoice will show the purchase-order number and tax ID.",
        )),
        Err(crate::error::AppError::Conflict(m)) => Ok(crate::web::redirect_with_flash(
            &back,
            crate::web::layout::FlashKind::Error,
            &m,
        )),
        Err(e) => Err(e),
    }
}

/// The sponsorship page again (422) with `message` next to the agreement's text and the
/// text as typed.
pub async fn agreement_text_refused(
    staff: &S,
    id: i64,
    message: &str,
    typed: String,
) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::new();
    errors.add("agreement_body", message);
    show_page(
        staff,
        id,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
        Typed {
            agreement: Some(typed),
            invoice_details: None,
        },
    )
    .await
}

/// The sponsorship page again (422) with `message` next to the agreement's file field.
pub async fn agreement_refused(staff: &S, id: i64, message: &str) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::new();
    errors.add("agreement", message);
    show_page(
        staff,
        id,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
        Typed::default(),
    )
    .await
}

async fn show_page(
    staff: &S,
    id: i64,
    errors: FormErrors,
    status: StatusCode,
    typed: Typed,
) -> AppResult<HttpResponse> {
    let typed_agreement = typed.agreement;
    let settings = staff.state.settings.clone();
    let (s, sponsor, tier, events, checklist, agreements, invoices, billing_missing, filled) =
        staff
            .state
            .db
            .run(move |c| {
                let s = sponsorships::find(c, id)?;
                let sponsor = sponsors::find(c, s.sponsor_id)?;
                let tier = tiers::find(c, s.tier_id)?;
                let sendable = matches!(s.status(), Status::Approved | Status::AgreementSent);
                Ok((
                    s,
                    sponsor,
                    tier,
                    sponsorships::events(c, id)?,
                    sponsorships::checklist(c, id)?,
                    crate::models::agreements::for_sponsorship(c, id)?,
                    crate::models::invoices::for_sponsorship(c, id)?,
                    crate::services::billing::missing_invoice_details(c, &settings)?,
                    // The agreement as it would be sent now: staff read it, and may edit it,
                    // before sending.
                    if sendable {
                        let filled = crate::services::agreements::render_for(c, &settings, id)?;
                        (
                            typed_agreement.unwrap_or(filled.text),
                            filled.source,
                            filled.variant.slug(),
                        )
                    } else {
                        (String::new(), String::new(), String::new())
                    },
                ))
            })
            .await?;
    let invoice_details = typed
        .invoice_details
        .unwrap_or_else(|| (s.po_number.clone(), sponsor.tax_id.clone()));
    let today = chrono::Utc::now().date_naive();
    // Moves with their own step (review, agreement, invoice, payment) are done there, so the
    // contacts get their emails and the records exist.
    let has_invoice = invoices.iter().any(|i| i.status != "void");
    let next = s
        .status()
        .next()
        .into_iter()
        .filter(|to| {
            let dedicated = crate::domain::sponsorship::has_its_own_step(s.status(), *to);
            let paid_by_invoice =
                has_invoice && s.status() == Status::Invoiced && *to == Status::Paid;
            !dedicated && !paid_by_invoice
        })
        .collect();
    render_status(
        status,
        &ShowPage {
            layout: staff.layout(
                &format!("{} · {}", sponsor.name, tier.name),
                "/staff/sponsorships",
            ),
            next,
            visible: s.is_visible_on(today),
            agreements,
            invoices,
            billing_missing,
            draft: filled.0,
            draft_source: (filled.1, filled.2),
            invoice_details,
            today: today.format("%Y-%m-%d").to_string(),
            due_default: (today
                + chrono::Duration::days(crate::web::staff::billing::invoices::DEFAULT_DUE_DAYS))
            .format("%Y-%m-%d")
            .to_string(),
            s,
            sponsor,
            tier,
            events,
            checklist,
            errors,
        },
    )
}

pub async fn change_status(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let back = format!("/staff/sponsorships/{id}");
    let (Ok(expected), Ok(to)) = (
        f.get("from").parse::<Status>(),
        f.get("to").parse::<Status>(),
    ) else {
        return Err(AppError::BadRequest(
            "The form did not say which change to make.".into(),
        ));
    };
    let note = match text::optional_multi_line(&f.get("note"), "the note", 1000) {
        Ok(n) => n,
        Err(m) => return Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
    };
    // Deciding an application by hand would skip the waitlist's order and the sponsor's email.
    if expected == Status::Applied && crate::domain::sponsorship::has_its_own_step(expected, to) {
        return Ok(redirect_with_flash(
            &back,
            FlashKind::Error,
            "Applications are approved or rejected on their own page (Applications), so the waitlist's order holds and the sponsor is told.",
        ));
    }
    if matches!(to, Status::Rejected | Status::Cancelled) && note.is_empty() {
        return Ok(redirect_with_flash(
            &back,
            FlashKind::Error,
            "Say why in the note: the reason is kept with the sponsorship.",
        ));
    }
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let r = staff
        .state
        .db
        .run(move |c| service::change_status(c, &settings, &actor, id, expected, to, &note))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            &format!("Now {}.", to.label().to_lowercase()),
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

pub async fn publish_early(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let publish = Fields(form.into_inner()).get("publish") == "1";
    let actor = staff.actor();
    let back = format!("/staff/sponsorships/{id}");
    match staff
        .state
        .db
        .run(move |c| service::publish_early(c, &actor, id, publish))
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            if publish {
                "The logo is shown on the public pages now, before payment. This is in the audit log."
            } else {
                "Early publication withdrawn."
            },
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

pub async fn fulfil(
    staff: S,
    path: web::Path<(i64, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (id, item) = path.into_inner();
    let f = Fields(form.into_inner());
    // "keep": only the note changes; "1"/"0": delivered or pending again.
    let delivered = match f.get("delivered").as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    let back = format!("/staff/sponsorships/{id}");
    let note = match text::optional_multi_line(&f.get("note"), "the note", 500) {
        Ok(n) => n,
        Err(m) => return Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| service::fulfil(c, &actor, id, item, delivered, &note))
        .await?;
    Ok(redirect_with_flash(
        &back,
        FlashKind::Success,
        match delivered {
            Some(true) => "Marked as delivered.",
            Some(false) => "Marked as pending again.",
            None => "Note saved.",
        },
    ))
}
