//! `/sponsor/apply`: the public application. Works without JavaScript: "Show the price"
//! sends the form back with the server's price, "Send the application" records it. The
//! browser never sends a price; the server computes it when the application is recorded.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::form::Fields;
use crate::domain::weburl::parse_website;
use crate::domain::{EmailAddress, FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::sponsor_applications::{self, Application, OpenTier, Outcome};
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::{redirect, render, render_status};

use super::upload;

/// One tier as the form offers it.
pub struct TierChoice {
    pub id: String,
    pub name: String,
    pub programme: String,
    pub description: String,
    pub price: String,
    pub full: bool,
    pub benefits: Vec<String>,
    pub term: String,
    /// The first tier of its programme in the list (the chooser names the programme there).
    pub starts_programme: bool,
    programme_id: i64,
}

/// The server's price for the chosen tier and size.
pub struct PriceView {
    pub tier: String,
    pub list: String,
    /// "Small organisations: 50% off", with the amount taken off.
    pub discount: Option<(String, String)>,
    pub total: String,
    pub full: bool,
    pub term: String,
}

/// The form as typed (kept on errors).
#[derive(Clone, Default)]
pub struct ApplyInput {
    pub key: String,
    pub tier: String,
    pub name: String,
    pub website: String,
    pub description: String,
    pub country: String,
    pub org_size: String,
    pub billing_address: String,
    pub primary_name: String,
    pub primary_email: String,
    pub billing_name: String,
    pub billing_email: String,
    pub marketing_name: String,
    pub marketing_email: String,
    /// The private usage page the visitor came from (a prospect's), if any.
    pub via: String,
}

impl ApplyInput {
    /// Only the fields this form has: anything else the browser sends (a "price", a "fee",
    /// a status) is ignored.
    fn from_fields(f: &Fields) -> ApplyInput {
        ApplyInput {
            key: f.get("application_key"),
            tier: f.get("tier"),
            name: f.get("name"),
            website: f.get("website"),
            description: f.get("description"),
            country: f.get("country"),
            org_size: f.get("org_size"),
            billing_address: f.get("billing_address"),
            primary_name: f.get("primary_name"),
            primary_email: f.get("primary_email"),
            billing_name: f.get("billing_name"),
            billing_email: f.get("billing_email"),
            marketing_name: f.get("marketing_name"),
            marketing_email: f.get("marketing_email"),
            via: f.get("via"),
        }
    }

    fn tier_id(&self, tiers: &[OpenTier], errors: &mut FormErrors) -> Option<i64> {
        let id = self.tier.trim().parse::<i64>().ok();
        match id.filter(|id| tiers.iter().any(|t| t.tier.id == *id)) {
            Some(id) => Some(id),
            None => {
                errors.add("tier", "Choose one of the tiers.");
                None
            }
        }
    }

    fn org_size(&self, errors: &mut FormErrors) -> Option<i32> {
        match self
            .org_size
            .trim()
            .replace([',', '_', ' '], "")
            .parse::<i32>()
        {
            Ok(n) if (1..=10_000_000).contains(&n) => Some(n),
            _ => {
                errors.add(
                    "org_size",
                    "Enter how many people work in the organisation, like 25.",
                );
                None
            }
        }
    }

    /// One optional contact: both name and address, or neither.
    fn contact(
        role: &'static str,
        name: &str,
        email: &str,
        errors: &mut FormErrors,
    ) -> Option<Option<(&'static str, String, EmailAddress)>> {
        if name.trim().is_empty() && email.trim().is_empty() {
            return Some(None);
        }
        let n = text::single_line(name, "the contact's name", 120)
            .map_err(|m| errors.add(&format!("{role}_name"), m))
            .ok();
        let e = EmailAddress::parse(email)
            .map_err(|m| errors.add(&format!("{role}_email"), m))
            .ok();
        Some(Some((role, n?, e?)))
    }

    fn parse(&self, tiers: &[OpenTier], errors: &mut FormErrors) -> Option<Application> {
        let tier_id = self.tier_id(tiers, errors);
        let name = text::single_line(&self.name, "the organisation's name", 200)
            .map_err(|m| errors.add("name", m))
            .ok();
        let website = parse_website(&self.website)
            .map_err(|m| errors.add("website", m))
            .ok();
        let description = match text::optional_multi_line(
            &self.description,
            "the description",
            2000,
        ) {
            Ok(d) if d.is_empty() => {
                errors.add(
                    "description",
                    "Tell us in a few sentences what the organisation does and how it uses our work.",
                );
                None
            }
            Ok(d) => Some(d),
            Err(m) => {
                errors.add("description", m);
                None
            }
        };
        let country = text::single_line(&self.country, "the country", 80)
            .map_err(|m| errors.add("country", m))
            .ok();
        let org_size = self.org_size(errors);
        let billing_address = match text::optional_multi_line(
            &self.billing_address,
            "the billing address",
            text::BILLING_ADDRESS_MAX,
        ) {
            Ok(a) if a.is_empty() => {
                errors.add(
                    "billing_address",
                    "Enter the address to put on the invoice.",
                );
                None
            }
            Ok(a) => Some(a),
            Err(m) => {
                errors.add("billing_address", m);
                None
            }
        };
        let primary_name = text::single_line(&self.primary_name, "the contact's name", 120)
            .map_err(|m| errors.add("primary_name", m))
            .ok();
        let primary_email = EmailAddress::parse(&self.primary_email)
            .map_err(|m| errors.add("primary_email", m))
            .ok();
        let billing = Self::contact("billing", &self.billing_name, &self.billing_email, errors);
        let marketing = Self::contact(
            "marketing",
            &self.marketing_name,
            &self.marketing_email,
            errors,
        );
        let mut contacts = vec![("primary", primary_name?, primary_email?)];
        contacts.extend(billing?);
        contacts.extend(marketing?);
        Some(Application {
            key: self.key.clone(),
            tier_id: tier_id?,
            name: name?,
            website: website?,
            description: description?,
            country: country?,
            org_size: Some(org_size?),
            billing_address: billing_address?,
            contacts,
            logo_key: None,
            via: Some(self.via.clone()).filter(|v| crate::auth::token::looks_valid(v)),
        })
    }
}

/// A form key: random, so that a resubmitted form names the application it already made.
fn new_key() -> String {
    crate::auth::token::new_token()
}

fn key_ok(key: &str) -> bool {
    crate::auth::token::looks_valid(key)
}

#[derive(Template)]
#[template(path = "portal/apply.html")]
struct ApplyPage {
    layout: Layout,
    tiers: Vec<TierChoice>,
    f: ApplyInput,
    errors: FormErrors,
    price: Option<PriceView>,
    /// The browser forgets a chosen file when the page comes back.
    logo_again: bool,
    /// The hint under "Number of people": which discounts there are.
    size_hint: String,
    /// The organisation is known already: offer the portal link next to the field.
    known_org: bool,
    /// Too many applications from this address lately (status 429).
    too_many: Option<&'static str>,
}

/// "Organisations under 25 people: 50% off Sustainability and Maintaining", one per active
/// discount rule of the programmes on offer (programme named when there are several).
fn discount_hints(conn: &mut crate::db::DbConn, tiers: &[OpenTier]) -> AppResult<Vec<String>> {
    let mut programmes: Vec<(i64, String)> = Vec::new();
    for t in tiers {
        if !programmes.iter().any(|(id, _)| *id == t.programme.id) {
            programmes.push((t.programme.id, t.programme.title()));
        }
    }
    let several = programmes.len() > 1;
    let mut out = Vec::new();
    for (pid, title) in &programmes {
        for r in crate::models::tiers::rules_for_programme(conn, *pid)? {
            if !r.active || !(1..=100).contains(&r.percent_off) {
                continue;
            }
            let names: Vec<&str> = tiers
                .iter()
                .filter(|t| r.tier_ids.contains(&t.tier.id))
                .map(|t| t.tier.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let who = match r.max_org_size_exclusive {
                Some(n) => format!("Organisations under {n} people"),
                None => "All organisations".to_string(),
            };
            let list = match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => names.join(""),
            };
            let pct = r.percent_off;
            out.push(if several {
                format!("{who}: {pct}% off {list} ({title})")
            } else {
                format!("{who}: {pct}% off {list}")
            });
        }
    }
    Ok(out)
}

fn size_hint(discounts: &[String]) -> String {
    if discounts.is_empty() {
        "Everyone who works for the organisation, roughly.".to_string()
    } else {
        format!("Discounts: {}.", discounts.join("; "))
    }
}

/// The proposed term, as sponsors read it: "1 December 2026 – 30 November 2027".
fn term_label(t: &OpenTier) -> String {
    let (start, end) =
        sponsor_applications::proposed_term(t.programme.year, chrono::Utc::now().date_naive());
    format!(
        "{} – {}",
        start.format("%-d %B %Y"),
        end.format("%-d %B %Y")
    )
}

/// The tiers to choose from, each programme's together (in the order the programmes first
/// appear, the tiers' own order within each), so the chooser can group them under the
/// programme's name.
fn choices(tiers: &[OpenTier]) -> Vec<TierChoice> {
    let mut programmes: Vec<i64> = Vec::new();
    for t in tiers {
        if !programmes.contains(&t.programme.id) {
            programmes.push(t.programme.id);
        }
    }
    let mut list: Vec<TierChoice> = tiers
        .iter()
        .map(|t| TierChoice {
            id: t.tier.id.to_string(),
            name: t.tier.name.clone(),
            programme: t.programme.title(),
            description: t.tier.description.clone(),
            price: t.tier.price().to_string(),
            full: t.full,
            benefits: t.benefits.iter().map(|b| b.label()).collect(),
            term: term_label(t),
            starts_programme: false,
            programme_id: t.programme.id,
        })
        .collect();
    list.sort_by_key(|c| programmes.iter().position(|p| *p == c.programme_id));
    for i in 0..list.len() {
        list[i].starts_programme = i == 0 || list[i - 1].programme_id != list[i].programme_id;
    }
    list
}

/// The price for what the form says, when it says enough (a tier and a size).
async fn price_for(ctx: &Ctx, tiers: &[OpenTier], f: &ApplyInput) -> AppResult<Option<PriceView>> {
    let mut scratch = FormErrors::new();
    let (Some(tier_id), Some(size)) = (f.tier_id(tiers, &mut scratch), f.org_size(&mut scratch))
    else {
        return Ok(None);
    };
    let Some(open) = tiers.iter().find(|t| t.tier.id == tier_id).cloned() else {
        return Ok(None);
    };
    let tier = open.tier.clone();
    let q = ctx
        .state
        .db
        .run(move |c| Ok(crate::models::tiers::quote(c, &tier, Some(size))?))
        .await?;
    Ok(Some(PriceView {
        tier: open.tier.name.clone(),
        list: q.list.to_string(),
        discount: q
            .rule
            .as_ref()
            .map(|(_, name, pct)| (format!("{name}: {pct}% off"), q.discount.to_string())),
        total: q.total.to_string(),
        full: open.full,
        term: term_label(&open),
    }))
}

/// The tiers on offer and the discount hint for them.
async fn load_tiers(ctx: &Ctx) -> AppResult<(Vec<OpenTier>, String)> {
    let today = chrono::Utc::now().date_naive();
    ctx.state
        .db
        .run(move |c| {
            let tiers = sponsor_applications::open_tiers(c, today)?;
            let hint = size_hint(&discount_hints(c, &tiers)?);
            Ok((tiers, hint))
        })
        .await
}

/// `GET /sponsor/apply` (`?tier=ID` preselects a tier).
pub async fn form(
    ctx: Ctx,
    q: actix_web::web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (tiers, size_hint) = load_tiers(&ctx).await?;
    let q = Fields(q.into_inner());
    let f = ApplyInput {
        key: new_key(),
        tier: q.get("tier"),
        via: Some(q.get("via"))
            .filter(|v| crate::auth::token::looks_valid(v))
            .unwrap_or_default(),
        ..Default::default()
    };
    render(&ApplyPage {
        layout: ctx.layout("Apply to sponsor", ""),
        tiers: choices(&tiers),
        f,
        errors: FormErrors::new(),
        price: None,
        logo_again: false,
        size_hint,
        known_org: false,
        too_many: None,
    })
}

/// `POST /sponsor/apply?csrf_token=…` (multipart, for the logo).
pub async fn submit(ctx: Ctx, req: HttpRequest, form: Multipart) -> AppResult<HttpResponse> {
    if crate::web::declares_more_than(&req, upload::BODY_LIMIT) {
        return Err(AppError::BadRequest(format!(
            "The form is too large to send. {}",
            crate::media::too_large_message()
        )));
    }
    let up = upload::read(form).await?;
    let fields = Fields(up.fields);
    let action = fields.get("action");
    let mut input = ApplyInput::from_fields(&fields);
    if !key_ok(&input.key) {
        // Only a form we did not serve lacks its key; start it afresh.
        input.key = new_key();
    }
    let (tiers, size_hint) = load_tiers(&ctx).await?;
    let chose_logo = !matches!(up.logo, Ok(None));
    let page = |errors: FormErrors, price: Option<PriceView>, f: ApplyInput| ApplyPage {
        layout: ctx.layout("Apply to sponsor", ""),
        tiers: choices(&tiers),
        known_org: ["name", "website"]
            .iter()
            .any(|k| errors.of(k) == sponsor_applications::ALREADY_KNOWN),
        f,
        errors,
        price,
        logo_again: chose_logo,
        size_hint: size_hint.clone(),
        too_many: None,
    };

    if action != "send" {
        // "Show the price": only the fields the price depends on are checked.
        let mut errors = FormErrors::new();
        input.tier_id(&tiers, &mut errors);
        input.org_size(&mut errors);
        let price = price_for(&ctx, &tiers, &input).await?;
        return render(&page(errors, price, input));
    }

    let key = input.key.clone();
    if ctx
        .state
        .db
        .run(move |c| Ok(crate::models::portal_views::application_key_used(c, &key)?))
        .await?
    {
        return Ok(redirect("/sponsor/apply/thanks"));
    }
    let mut errors = FormErrors::new();
    let parsed = input.parse(&tiers, &mut errors);
    let logo_bytes = match up.logo {
        Ok(b) => b,
        Err(m) => {
            errors.add("logo", m);
            None
        }
    };
    let Some(mut application) = parsed.filter(|_| errors.is_empty()) else {
        let price = price_for(&ctx, &tiers, &input).await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(errors, price, input),
        );
    };

    let data_dir = ctx.state.settings.data_dir.clone();
    if let Some(bytes) = logo_bytes {
        match upload::store_logo(&data_dir, bytes).await? {
            Ok(stored) => application.logo_key = Some(stored.key),
            Err(m) => {
                errors.add("logo", m);
                let price = price_for(&ctx, &tiers, &input).await?;
                return render_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &page(errors, price, input),
                );
            }
        }
    }
    let actor = Actor::visitor(
        &format!("applicant {}", application.contacts[0].2),
        ctx.client_addr(),
    );
    let settings = ctx.state.settings.clone();
    let today = chrono::Utc::now().date_naive();
    let a = application.clone();
    let result = ctx
        .state
        .db
        .run(move |c| sponsor_applications::apply(c, &settings, &actor, today, &a))
        .await;
    let created = matches!(result, Ok(Outcome::Created { .. }));
    if !created && let Some(k) = &application.logo_key {
        upload::remove_logo(&data_dir, k).await;
    }
    match result? {
        Outcome::Created { waitlisted, .. } => Ok(redirect(if waitlisted {
            "/sponsor/apply/thanks?waitlist=1"
        } else {
            "/sponsor/apply/thanks"
        })),
        Outcome::AlreadyReceived => Ok(redirect("/sponsor/apply/thanks")),
        Outcome::TooMany => {
            let price = price_for(&ctx, &tiers, &input).await?;
            let mut p = page(errors, price, input);
            p.too_many = Some(sponsor_applications::TOO_MANY);
            render_status(StatusCode::TOO_MANY_REQUESTS, &p)
        }
        Outcome::Refused(refused) => {
            errors.merge(refused);
            let price = price_for(&ctx, &tiers, &input).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(errors, price, input),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "portal/apply_thanks.html")]
struct ThanksPage {
    layout: Layout,
    waitlist: bool,
}

/// `GET /sponsor/apply/thanks`: what happens next.
pub async fn thanks(
    ctx: Ctx,
    q: actix_web::web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    render(&ThanksPage {
        layout: ctx.layout("Thank you for applying", ""),
        waitlist: Fields(q.into_inner()).get("waitlist") == "1",
    })
}
