//! The sponsor portal's pages. Every handler takes `SponsorPortal` and loads records only
//! through its `sponsor_id`: another sponsor's record is a 404, never a page.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;

use crate::domain::form::Fields;
use crate::domain::sponsorship::Status;
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::models::agreements::{self, Agreement as AgreementRow};
use crate::models::invoices::{self, Invoice, money_label};
use crate::models::portal_views;
use crate::models::sponsors::{self, Sponsor};
use crate::models::sponsorships::{self, Fulfilment, Sponsorship};
use crate::models::tiers;
use crate::services::billing;
use crate::services::portal_actions::{self, Acceptance};
use crate::web::extract::portal::SponsorPortal;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

use super::upload;

/// The layout of a portal page, with the portal's navigation.
pub(super) fn layout(p: &SponsorPortal, title: &str, section: &str) -> Layout {
    let mut l = p.layout(title, "");
    l.portal = true;
    l.nav = Layout::portal_nav(section);
    l
}

/// A date as sponsors read it: "3 March 2027".
fn day(d: &chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A time as sponsors read it (UTC).
fn when(t: &chrono::NaiveDateTime) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// One step of a sponsorship's history, in plain words.
pub struct Step {
    pub date: String,
    pub words: &'static str,
}

fn step_words(s: Status) -> &'static str {
    match s {
        Status::Applied => "Application received",
        Status::Approved => "Application approved",
        Status::AgreementSent => "Agreement sent to you",
        Status::AgreementAccepted => "Agreement accepted",
        Status::Invoiced => "Invoice sent",
        Status::Paid => "Payment received",
        Status::Active => "Sponsorship active",
        Status::Expired => "Term ended",
        Status::Rejected => "Application declined",
        Status::Cancelled => "Cancelled",
    }
}

/// A sponsorship as its sponsor sees it.
pub struct SponsorshipView {
    pub s: Sponsorship,
    pub tier: String,
    pub status: Status,
    pub next: String,
    /// Where the next step happens: (href, label).
    pub next_link: Option<(String, String)>,
    pub timeline: Vec<Step>,
    pub checklist: Vec<Fulfilment>,
    pub renewable: bool,
    pub term: String,
    /// The label of the renew button ("Renew for 2028").
    pub renew_label: String,
    /// The line under the history: "Fee: … Staff confirm …" while applied, "Agreed fee: …"
    /// once approved.
    pub fee_line: String,
    /// Benefits show their delivery status only once the sponsorship is paid.
    pub show_delivery: bool,
    /// The agreements to read: (href, label).
    pub agreement_links: Vec<(String, String)>,
}

/// "1 January – 31 December 2028" (or "1 December 2027 – 30 November 2028").
fn span(start: &chrono::NaiveDate, end: &chrono::NaiveDate) -> String {
    if start.year() == end.year() {
        format!("{} – {}", start.format("%-d %B"), day(end))
    } else {
        format!("{} – {}", day(start), day(end))
    }
}

/// "2028" for a calendar year, else the dates.
fn renew_label(start: &chrono::NaiveDate, end: &chrono::NaiveDate) -> String {
    if start.month() == 1
        && start.day() == 1
        && end.month() == 12
        && end.day() == 31
        && start.year() == end.year()
    {
        format!("Renew for {}", start.year())
    } else {
        format!("Renew for {}", span(start, end))
    }
}

fn fee_line(s: &Sponsorship) -> String {
    match s.status() {
        Status::Applied => format!(
            "Fee: {}. Staff confirm the final term and fee when they approve an application.",
            s.fee_label()
        ),
        Status::Rejected | Status::Cancelled => format!("Fee: {}.", s.fee_label()),
        _ => format!("Agreed fee: {}.", s.fee_label()),
    }
}

fn agreement_links(agreements: &[AgreementRow]) -> Vec<(String, String)> {
    agreements
        .iter()
        .filter_map(|a| {
            let href = format!("/portal/agreements/{}", a.id);
            if a.is_sent() {
                Some((href, "Read and accept the agreement".to_string()))
            } else if a.is_accepted() {
                let on = a.accepted_at.as_ref().map(|t| day(&t.date()));
                Some((
                    href,
                    match on {
                        Some(on) => format!("Read the agreement you accepted on {on}"),
                        None => "Read the agreement you accepted".to_string(),
                    },
                ))
            } else {
                None
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    layout: Layout,
    sponsor: Sponsor,
    email: String,
    sponsorships: Vec<SponsorshipView>,
    /// The other sponsors this address is a contact of, with their sponsorships.
    others: Vec<crate::services::sponsor_self_service::OtherSponsor>,
    /// How many benefit assets are still to provide (and how many of them overdue).
    assets_missing: (usize, usize),
}

fn next_step(
    s: &Sponsorship,
    tier: &str,
    agreements: &[AgreementRow],
    invoices: &[Invoice],
) -> (String, Option<(String, String)>) {
    match s.status() {
        Status::Applied if s.waitlisted => (
            format!("{tier} is full at the moment: your application is on the waitlist. We will write as soon as a place opens."),
            None,
        ),
        Status::Applied => ("We are reviewing your application.".into(), None),
        Status::Approved => (
            "Your application is approved. We are preparing the agreement for you to read and accept.".into(),
            None,
        ),
        Status::AgreementSent => match agreements.iter().find(|a| a.is_sent()) {
            Some(a) => (
                "Please read and accept the agreement.".into(),
                Some((format!("/portal/agreements/{}", a.id), "Read the agreement".into())),
            ),
            None => ("Please read and accept the agreement.".into(), None),
        },
        Status::AgreementAccepted => (
            "Thank you for accepting the agreement. We will send the invoice shortly.".into(),
            None,
        ),
        Status::Invoiced => match invoices.iter().find(|i| i.is_open()) {
            Some(i) => (
                format!("Invoice {} is waiting for payment.", i.number),
                Some((format!("/portal/invoices/{}", i.id), "View the invoice".into())),
            ),
            None => ("Your invoice is on its way.".into(), None),
        },
        Status::Paid => (
            format!(
                "Paid, thank you. Your sponsorship starts on {}.",
                day(&s.start_date)
            ),
            None,
        ),
        Status::Active => (
            format!(
                "Your sponsorship is active until {}. Thank you for your support!",
                day(&s.end_date)
            ),
            None,
        ),
        Status::Expired => (format!("This term ended on {}.", day(&s.end_date)), None),
        Status::Rejected => (
            "We could not accept this application. We have written to you with the reason.".into(),
            None,
        ),
        Status::Cancelled => ("This sponsorship was cancelled.".into(), None),
    }
}

/// `GET /portal`: the organisation and each sponsorship with its history and next step.
pub async fn home(p: SponsorPortal) -> AppResult<HttpResponse> {
    let (sid, email) = (p.sponsor_id, p.email.clone());
    let today = chrono::Utc::now().date_naive();
    let (sponsor, views, others, assets_missing) = p
        .state
        .db
        .run(move |c| {
            let sponsor = sponsors::find(c, sid)?;
            let renewed = portal_views::renewed_ids(c, sid)?;
            let mut views = Vec::new();
            for s in portal_views::sponsorships_of(c, sid)? {
                let tier = tiers::find(c, s.tier_id)?.name;
                let agreements = agreements::for_sponsorship(c, s.id)?;
                let invs = invoices::for_sponsorship(c, s.id)?;
                let (next, next_link) = next_step(&s, &tier, &agreements, &invs);
                let timeline = sponsorships::events(c, s.id)?
                    .iter()
                    .filter_map(|e| {
                        let to: Status = e.to_status.parse().ok()?;
                        Some(Step {
                            date: day(&e.at.date()),
                            words: step_words(to),
                        })
                    })
                    .collect();
                let status = s.status();
                let renewable =
                    matches!(status, Status::Active | Status::Expired) && !renewed.contains(&s.id);
                let (next, next_link, renew_label) = if renewable {
                    let (tier_name, start, end, price) =
                        crate::services::renewals::renewal_preview(c, &s)?;
                    let left = (s.end_date - today).num_days();
                    let offer = format!(
                        "we prefill the application with {tier_name} for {} at today's price of {price}; staff confirm with you before anything is invoiced.",
                        span(&start, &end)
                    );
                    let next = match status {
                        Status::Active if left <= 60 => format!(
                            "Your sponsorship ends on {}. Renew now to keep your place: {offer}",
                            day(&s.end_date)
                        ),
                        Status::Expired => format!(
                            "This term ended on {}. You can renew: {offer}",
                            day(&s.end_date)
                        ),
                        _ => next,
                    };
                    (next, next_link, renew_label(&start, &end))
                } else {
                    (next, next_link, String::new())
                };
                views.push(SponsorshipView {
                    tier,
                    status,
                    next,
                    next_link,
                    timeline,
                    checklist: sponsorships::checklist(c, s.id)?,
                    renewable,
                    term: format!("{} – {}", day(&s.start_date), day(&s.end_date)),
                    renew_label,
                    fee_line: fee_line(&s),
                    show_delivery: matches!(
                        status,
                        Status::Paid | Status::Active | Status::Expired
                    ),
                    agreement_links: agreement_links(&agreements),
                    s,
                });
            }
            let others = crate::services::sponsor_self_service::other_sponsors(c, sid, &email)?;
            let asked = crate::services::assets::for_sponsor(c, sid)?;
            let assets_missing = crate::services::assets::AskedTerm::outstanding(&asked, today);
            Ok((sponsor, views, others, assets_missing))
        })
        .await?;
    render(&HomePage {
        layout: layout(&p, &sponsor.name, "/portal"),
        email: p.email.clone(),
        sponsor,
        sponsorships: views,
        others,
        assets_missing,
    })
}

#[derive(Template)]
#[template(path = "portal/agreement.html")]
struct AgreementPage {
    layout: Layout,
    sponsor: Sponsor,
    agreement: AgreementRow,
    /// Acceptance is possible now (generated, sent, sponsorship waiting for it).
    can_accept: bool,
    accepted_at: String,
    countersigned: String,
    errors: FormErrors,
    name: String,
    title: String,
    authority: bool,
}

struct AcceptInput {
    name: String,
    title: String,
    authority: bool,
}

async fn agreement_page(
    p: &SponsorPortal,
    id: i64,
    errors: FormErrors,
    input: AcceptInput,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let sid = p.sponsor_id;
    let (agreement, s, sponsor) = p
        .state
        .db
        .run(move |c| {
            let (a, s) = agreements::find_for_sponsor(c, id, sid)?;
            let sponsor = sponsors::find(c, sid)?;
            Ok((a, s, sponsor))
        })
        .await?;
    let can_accept =
        !agreement.is_uploaded() && agreement.is_sent() && s.status() == Status::AgreementSent;
    render_status(
        status,
        &AgreementPage {
            layout: layout(p, "Sponsorship agreement", "/portal"),
            accepted_at: agreement.accepted_at.as_ref().map(when).unwrap_or_default(),
            countersigned: agreement
                .countersigned_at
                .as_ref()
                .map(when)
                .unwrap_or_default(),
            sponsor,
            agreement,
            can_accept,
            errors,
            name: input.name,
            title: input.title,
            authority: input.authority,
        },
    )
}

/// `GET /portal/agreements/{id}`.
pub async fn agreement(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    agreement_page(
        &p,
        *id,
        FormErrors::new(),
        AcceptInput {
            name: String::new(),
            title: String::new(),
            authority: false,
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /portal/agreements/{id}/accept`: typed name and title, and the authority box.
pub async fn accept(
    p: SponsorPortal,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let input = AcceptInput {
        name: f.get("name"),
        title: f.get("title"),
        authority: f.checked("authority"),
    };
    let mut errors = FormErrors::new();
    let name = text::single_line(&input.name, "your full name", 200)
        .map_err(|m| errors.add("name", m))
        .ok();
    let title = text::single_line(&input.title, "your title or role", 200)
        .map_err(|m| errors.add("title", m))
        .ok();
    if !input.authority {
        errors.add(
            "authority",
            "Tick the box to confirm that you may sign for the organisation.",
        );
    }
    let (Some(name), Some(title)) = (name, title) else {
        return agreement_page(&p, id, errors, input, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !errors.is_empty() {
        return agreement_page(&p, id, errors, input, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (sid, email, actor) = (p.sponsor_id, p.email.clone(), p.actor());
    let settings = p.state.settings.clone();
    let back = format!("/portal/agreements/{id}");
    let r = p
        .state
        .db
        .run(move |c| {
            portal_actions::accept_agreement(
                c,
                &settings,
                &actor,
                sid,
                id,
                &email,
                &Acceptance { name, title },
            )
        })
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            "Thank you: the agreement is accepted. We will send the invoice shortly.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// An invoice in the portal list.
pub struct InvoiceView {
    pub invoice: Invoice,
    pub outstanding: String,
}

#[derive(Template)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage {
    layout: Layout,
    invoices: Vec<InvoiceView>,
    bank_instructions: String,
    card: bool,
    any_open: bool,
    /// Terms whose invoice is not issued yet: their purchase-order number can still be set.
    upcoming: Vec<crate::models::sponsorships::Sponsorship>,
    /// The sponsor's VAT or tax ID.
    tax_id: String,
    /// Primary and billing contacts may change them; others read them.
    may_edit: bool,
    /// The form sent back with its problems: (sponsorship id, PO number, tax ID as typed).
    typed: Option<(i64, String, String)>,
    errors: crate::domain::FormErrors,
}

impl InvoicesPage {
    /// The PO number to show in a term's form: as typed when that form came back.
    fn po_of(&self, s: &crate::models::sponsorships::Sponsorship) -> String {
        match &self.typed {
            Some((id, po, _)) if *id == s.id => po.clone(),
            _ => s.po_number.clone(),
        }
    }
    fn tax_of(&self, s: &crate::models::sponsorships::Sponsorship) -> String {
        match &self.typed {
            Some((id, _, tax)) if *id == s.id => tax.clone(),
            _ => self.tax_id.clone(),
        }
    }
    /// Whether the form of term `id` came back with a problem in `field`.
    fn error_in(&self, id: &i64, field: &str) -> bool {
        self.typed.as_ref().is_some_and(|t| t.0 == *id) && self.errors.has(field)
    }
}

/// `GET /portal/invoices`.
pub async fn invoices(p: SponsorPortal) -> AppResult<HttpResponse> {
    render(&invoices_page(&p, None, crate::domain::FormErrors::new()).await?)
}

async fn invoices_page(
    p: &SponsorPortal,
    typed: Option<(i64, String, String)>,
    errors: crate::domain::FormErrors,
) -> AppResult<InvoicesPage> {
    let sid = p.sponsor_id;
    let email = p.email.clone();
    let (list, bank, (upcoming, tax_id, may_edit)) = p
        .state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for inv in invoices::for_sponsor(c, sid)? {
                let totals = invoices::totals(c, inv.id)?;
                let left = if inv.is_open() {
                    inv.amount_minor.saturating_sub(totals.paid_minor)
                } else {
                    0
                };
                out.push(InvoiceView {
                    outstanding: money_label(left, &inv.currency),
                    invoice: inv,
                });
            }
            let upcoming: Vec<_> = crate::models::portal_views::sponsorships_of(c, sid)?
                .into_iter()
                .filter(|s| s.status().before_invoice())
                .collect();
            let tax_id = crate::models::sponsors::find(c, sid)?.tax_id;
            let may_edit = billing::may_edit_invoice_details(c, sid, &email)?;
            Ok((
                out,
                billing::bank_instructions(c)?,
                (upcoming, tax_id, may_edit),
            ))
        })
        .await?;
    Ok(InvoicesPage {
        layout: layout(p, "Invoices", "/portal/invoices"),
        any_open: list.iter().any(|i| i.invoice.is_open()),
        invoices: list,
        bank_instructions: bank,
        card: p.state.settings.stripe_enabled(),
        upcoming,
        tax_id,
        may_edit,
        typed,
        errors,
    })
}

/// `POST /portal/sponsorships/{id}/invoice-details`: the purchase-order number of a term
/// and the sponsor's tax ID, before the invoice is issued; primary and billing contacts only.
pub async fn save_invoice_details(
    p: SponsorPortal,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = crate::domain::form::Fields(form.into_inner());
    let (po, tax) = (f.get("po_number"), f.get("tax_id"));
    let details = match billing::InvoiceDetails::parse(&po, &tax) {
        Ok(d) => d,
        Err(problems) => {
            let mut errors = crate::domain::FormErrors::new();
            for (field, m) in problems {
                errors.add(field, m);
            }
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &invoices_page(&p, Some((id, po, tax)), errors).await?,
            );
        }
    };
    let (sid, email, actor) = (p.sponsor_id, p.email.clone(), p.actor());
    let r = p
        .state
        .db
        .run(move |c| {
            if !billing::may_edit_invoice_details(c, sid, &email)? {
                return Err(crate::error::AppError::ForbiddenWith(
                    "Only the sponsor's primary and billing contacts can change its invoice details.".into(),
                ));
            }
            billing::set_invoice_details(c, &actor, sid, id, &details)
        })
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            "/portal/invoices",
            FlashKind::Success,
            "Saved: the invoice will show your purchase-order number and tax ID.",
        )),
        Err(crate::error::AppError::Conflict(m)) => Ok(redirect_with_flash(
            "/portal/invoices",
            FlashKind::Error,
            &m,
        )),
        Err(e) => Err(e),
    }
}

/// `GET /portal/invoices/{id}`: the printable invoice.
pub async fn invoice(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    crate::web::invoice_print::page(
        &p,
        *id,
        Some(p.sponsor_id),
        false,
        "/portal/invoices".into(),
    )
    .await
}

/// `GET /portal/invoices/{id}/receipt`.
pub async fn receipt(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    crate::web::invoice_print::page(&p, *id, Some(p.sponsor_id), true, "/portal/invoices".into())
        .await
}

/// `POST /portal/profile/logo?csrf_token=…` (multipart): a new logo, waiting for approval.
pub async fn upload_logo(
    p: SponsorPortal,
    req: HttpRequest,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let (sid, email) = (p.sponsor_id, p.email.clone());
    let roles = p
        .state
        .db
        .run(move |c| crate::services::sponsor_self_service::roles(c, sid, &email))
        .await?;
    if !roles.may_edit_profile() {
        return Err(AppError::Forbidden);
    }
    // A refused file: the profile page again, the message next to the file field.
    let portal = &p;
    let refused = |m: String| async move {
        let errors = FormErrors::one("logo", m);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        super::profile::page(portal, Default::default(), errors, status).await
    };
    if crate::web::declares_more_than(&req, upload::BODY_LIMIT) {
        return refused(crate::media::too_large_message()).await;
    }
    let bytes = match upload::read(form).await?.logo {
        Ok(Some(b)) => b,
        Ok(None) => return refused("Choose a logo file to upload.".into()).await,
        Err(m) => return refused(m).await,
    };
    let data_dir = p.state.settings.data_dir.clone();
    let stored = match upload::store_logo(&data_dir, bytes).await? {
        Ok(s) => s,
        Err(m) => return refused(m).await,
    };
    let (sid, actor, key) = (p.sponsor_id, p.actor(), stored.key.clone());
    let details = stored.details.clone();
    let r = p
        .state
        .db
        .run(move |c| portal_actions::propose_logo(c, &actor, sid, &key, &details))
        .await;
    match r {
        Ok(replaced) => {
            if let Some(old) = replaced.filter(|o| *o != stored.key) {
                upload::remove_logo(&data_dir, &old).await;
            }
            Ok(redirect_with_flash(
                "/portal/profile",
                FlashKind::Success,
                "Logo received. Our staff will check it before it appears on our pages.",
            ))
        }
        Err(e) => {
            upload::remove_logo(&data_dir, &stored.key).await;
            Err(e)
        }
    }
}
