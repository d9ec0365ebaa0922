//! Sponsorship programmes, their tiers (price, capacity, benefits, logo size) and discount
//! rules, with a price check that runs the server's price function.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::benefits::{BenefitLine, format_benefits, parse_benefits};
use crate::domain::form::Fields;
use crate::domain::pricing::{Quote, Rule, quote};
use crate::domain::slug::{parse_slug, slugify};
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::programmes::{self, Programme};
use crate::models::tiers::{self, Tier, TierFields};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SponsorshipsStaff>;

const LOGO_SIZES: [(&str, &str); 5] = [
    ("xl", "Extra large"),
    ("l", "Large"),
    ("m", "Medium"),
    ("s", "Small"),
    ("xs", "Extra small"),
];

/// A tier as the programme page lists it.
pub struct TierRow {
    pub tier: Tier,
    pub benefits: Vec<String>,
    pub taken: i64,
    pub quote: Option<Quote>,
    /// Applications waiting for a place.
    pub waitlist: i64,
}

impl TierRow {
    pub fn price(&self) -> String {
        self.tier.price().to_string()
    }
    pub fn places(&self) -> String {
        match self.tier.capacity {
            Some(c) => format!("{} of {c}", self.taken),
            None => format!("{} (no limit)", self.taken),
        }
    }
    pub fn full(&self) -> bool {
        self.tier.capacity.is_some_and(|c| self.taken >= c as i64)
    }
}

/// A discount rule as shown.
pub struct RuleRow {
    pub rule: Rule,
    pub tiers: String,
}

impl RuleRow {
    pub fn condition(&self) -> String {
        match self.rule.max_org_size_exclusive {
            Some(n) => format!("organisations under {n} people"),
            None => "any organisation".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/programmes/list.html")]
struct ProgrammesPage {
    layout: Layout,
    rows: Vec<(Programme, Vec<TierRow>)>,
    errors: FormErrors,
    name: String,
    year: String,
    description: String,
}

async fn programmes_page(
    staff: &S,
    errors: FormErrors,
    name: String,
    year: String,
    description: String,
) -> AppResult<ProgrammesPage> {
    let rows = staff
        .state
        .db
        .run(|c| {
            let mut out = Vec::new();
            for p in programmes::list(c)? {
                let rows = tier_rows(c, p.id, None)?;
                out.push((p, rows));
            }
            Ok(out)
        })
        .await?;
    Ok(ProgrammesPage {
        layout: staff.layout("Programmes and tiers", "/staff/programmes"),
        rows,
        errors,
        name,
        year,
        description,
    })
}

fn tier_rows(
    c: &mut crate::db::DbConn,
    programme_id: i64,
    org_size: Option<i32>,
) -> AppResult<Vec<TierRow>> {
    let rules = tiers::rules_for_programme(c, programme_id)?;
    let mut out = Vec::new();
    for t in tiers::for_programme(c, programme_id)? {
        let benefits = tiers::benefits(c, t.id)?
            .iter()
            .map(|b| b.label())
            .collect();
        let taken = tiers::places_taken(c, t.id)?;
        let quote = org_size.map(|n| quote(t.id, t.price(), Some(n), &rules));
        let waitlist = crate::services::sponsorship_review::waitlist_count(c, t.id)?;
        out.push(TierRow {
            tier: t,
            benefits,
            taken,
            quote,
            waitlist,
        });
    }
    Ok(out)
}

pub async fn programmes(staff: S) -> AppResult<HttpResponse> {
    let this_year = chrono::Utc::now().format("%Y").to_string();
    render(
        &programmes_page(
            &staff,
            FormErrors::new(),
            String::new(),
            this_year,
            String::new(),
        )
        .await?,
    )
}

/// Checks a programme's name and year.
fn parse_programme(f: &Fields, errors: &mut FormErrors) -> Option<(String, i32, String)> {
    let name = text::single_line(&f.get("name"), "a name", 120)
        .map_err(|m| errors.add("name", m))
        .ok();
    let year = match f.get("year").trim().parse::<i32>() {
        Ok(y) if (2000..=2200).contains(&y) => Some(y),
        _ => {
            errors.add("year", "Enter a year like 2027.");
            None
        }
    };
    let description = text::optional_multi_line(&f.get("description"), "the description", 2000)
        .map_err(|m| errors.add("description", m))
        .ok();
    Some((name?, year?, description?))
}

pub async fn create_programme(
    staff: S,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let parsed = parse_programme(&f, &mut errors);
    let show_errors = |errors| async {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &programmes_page(
                &staff,
                errors,
                f.get("name"),
                f.get("year"),
                f.get("description"),
            )
            .await?,
        )
    };
    let Some((name, year, description)) = parsed.filter(|_| errors.is_empty()) else {
        return show_errors(errors).await;
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| {
            crate::services::tiers::create_programme(c, &actor, &name, year, &description)
        })
        .await;
    match r {
        Ok(id) => Ok(redirect_with_flash(
            &format!("/staff/programmes/{id}"),
            FlashKind::Success,
            "Programme created. Now add its tiers.",
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("name", m);
            show_errors(errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/programmes/programme.html")]
struct ProgrammePage {
    layout: Layout,
    programme: Programme,
    rows: Vec<TierRow>,
    rules: Vec<RuleRow>,
    org_size: String,
    errors: FormErrors,
    rule_name: String,
    rule_size: String,
    rule_percent: String,
    rule_tiers: Vec<i64>,
}

#[derive(Deserialize)]
pub struct PriceCheck {
    org_size: Option<String>,
}

async fn programme_page(
    staff: &S,
    id: i64,
    org_size_input: String,
    errors: FormErrors,
    f: Option<&Fields>,
) -> AppResult<ProgrammePage> {
    let org_size: Option<i32> = org_size_input.trim().parse().ok().filter(|n: &i32| *n >= 0);
    let (programme, rows, rules) = staff
        .state
        .db
        .run(move |c| {
            let p = programmes::find(c, id)?;
            let rows = tier_rows(c, id, org_size)?;
            let tiers_by_id: Vec<(i64, String)> = rows
                .iter()
                .map(|r| (r.tier.id, r.tier.name.clone()))
                .collect();
            let rules = tiers::rules_for_programme(c, id)?
                .into_iter()
                .map(|rule| {
                    let names: Vec<String> = tiers_by_id
                        .iter()
                        .filter(|(tid, _)| rule.tier_ids.contains(tid))
                        .map(|(_, n)| n.clone())
                        .collect();
                    RuleRow {
                        tiers: names.join(", "),
                        rule,
                    }
                })
                .collect();
            Ok((p, rows, rules))
        })
        .await?;
    Ok(ProgrammePage {
        layout: staff.layout(&programme.title(), "/staff/programmes"),
        programme,
        rows,
        rules,
        org_size: org_size_input,
        errors,
        rule_name: f.map(|f| f.get("name")).unwrap_or_default(),
        rule_size: f.map(|f| f.get("max_org_size")).unwrap_or_default(),
        rule_percent: f.map(|f| f.get("percent_off")).unwrap_or_default(),
        rule_tiers: f
            .map(|f| {
                f.all("tier")
                    .iter()
                    .filter_map(|t| t.parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

pub async fn programme(
    staff: S,
    id: web::Path<i64>,
    q: web::Query<PriceCheck>,
) -> AppResult<HttpResponse> {
    let size = q.org_size.clone().unwrap_or_default();
    render(&programme_page(&staff, *id, size, FormErrors::new(), None).await?)
}

pub async fn create_rule(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let name = text::single_line(&f.get("name"), "a name for the rule", 120)
        .map_err(|m| errors.add("name", m))
        .ok();
    let size = f.get("max_org_size");
    let max_size = if size.trim().is_empty() {
        Some(None)
    } else {
        match size.trim().parse::<i32>() {
            Ok(n) if n > 0 && n <= 10_000_000 => Some(Some(n)),
            _ => {
                errors.add(
                    "max_org_size",
                    "Enter a number of people, like 25, or leave it empty for any size.",
                );
                None
            }
        }
    };
    let percent = match f
        .get("percent_off")
        .trim()
        .trim_end_matches('%')
        .parse::<i32>()
    {
        Ok(p) if (1..=100).contains(&p) => Some(p),
        _ => {
            errors.add("percent_off", "Enter a whole percentage from 1 to 100.");
            None
        }
    };
    let tier_ids: Vec<i64> = f
        .all("tier")
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
    if tier_ids.is_empty() {
        errors.add("tier", "Choose the tiers the discount applies to.");
    }
    let (Some(name), Some(max_size), Some(percent), true) =
        (name, max_size, percent, errors.is_empty())
    else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &programme_page(&staff, id, String::new(), errors, Some(&f)).await?,
        );
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| {
            crate::services::tiers::create_rule(c, &actor, id, &name, max_size, percent, &tier_ids)
        })
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/programmes/{id}"),
        FlashKind::Success,
        "Discount rule added. It applies to new quotes at once.",
    ))
}

pub async fn toggle_rule(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    // The form says what the person wants, so two clicks at once cannot undo each other.
    let active = Fields(form.into_inner()).get("active") == "1";
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| crate::services::tiers::set_rule_active(c, &actor, id, active))
        .await;
    match r {
        Ok(programme_id) => Ok(redirect_with_flash(
            &format!("/staff/programmes/{programme_id}"),
            FlashKind::Success,
            if active {
                "The rule applies again."
            } else {
                "The rule no longer applies."
            },
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(
            "/staff/programmes",
            FlashKind::Info,
            &m,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/programmes/tier_form.html")]
struct TierForm {
    layout: Layout,
    programme: Programme,
    tier_id: Option<i64>,
    errors: FormErrors,
    f: TierInput,
    sizes: Vec<(&'static str, &'static str)>,
    currencies: Vec<&'static str>,
    /// What the tier asks of its sponsors (benefit assets), on an existing tier's page.
    asset_requests: Vec<crate::models::assets::AssetRequest>,
}

/// The tier form as typed.
#[derive(Default, Clone)]
pub struct TierInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub price: String,
    pub currency: String,
    pub capacity: String,
    pub logo_size: String,
    pub display_order: String,
    pub advertised: bool,
    pub benefits: String,
}

impl TierInput {
    fn from_fields(f: &Fields) -> TierInput {
        TierInput {
            name: f.get("name"),
            slug: f.get("slug"),
            description: f.get("description"),
            price: f.get("price"),
            currency: f.get("currency"),
            capacity: f.get("capacity"),
            logo_size: f.get("logo_size"),
            display_order: f.get("display_order"),
            advertised: f.checked("advertised"),
            benefits: f.get("benefits"),
        }
    }

    fn from_tier(t: &Tier, benefits: &[(String, Option<i32>)]) -> TierInput {
        TierInput {
            name: t.name.clone(),
            slug: t.slug.clone(),
            description: t.description.clone(),
            price: t.price().plain(),
            currency: t.currency.clone(),
            capacity: t.capacity.map(|c| c.to_string()).unwrap_or_default(),
            logo_size: t.logo_size.clone(),
            display_order: t.display_order.to_string(),
            advertised: t.advertised,
            benefits: format_benefits(benefits),
        }
    }

    /// Parses into stored fields and benefits, or messages per field.
    fn parse(
        &self,
        programme_id: i64,
        errors: &mut FormErrors,
    ) -> Option<(TierFields, Vec<BenefitLine>)> {
        let name = text::single_line(&self.name, "a name", 80)
            .map_err(|m| errors.add("name", m))
            .ok();
        let slug_in = if self.slug.trim().is_empty() {
            slugify(&self.name)
        } else {
            self.slug.clone()
        };
        let slug = parse_slug(&slug_in).map_err(|m| errors.add("slug", m)).ok();
        let description = text::optional_multi_line(&self.description, "the description", 2000)
            .map_err(|m| errors.add("description", m))
            .ok();
        let currency = Currency::parse(&self.currency)
            .map_err(|m| errors.add("currency", m))
            .ok();
        let price = currency.and_then(|c| {
            Money::parse(&self.price, c)
                .map_err(|m| errors.add("price", m))
                .ok()
        });
        let capacity = if self.capacity.trim().is_empty() {
            Some(None)
        } else {
            match self.capacity.trim().parse::<i32>() {
                Ok(n) if (0..=100_000).contains(&n) => Some(Some(n)),
                _ => {
                    errors.add(
                        "capacity",
                        "Enter how many sponsors the tier takes, or leave it empty for no limit.",
                    );
                    None
                }
            }
        };
        let logo_size = LOGO_SIZES
            .iter()
            .find(|(k, _)| *k == self.logo_size)
            .map(|(k, _)| k.to_string());
        if logo_size.is_none() {
            errors.add("logo_size", "Choose a logo size.");
        }
        let display_order = if self.display_order.trim().is_empty() {
            Some(0)
        } else {
            self.display_order
                .trim()
                .parse::<i32>()
                .map_err(|_| {
                    errors.add(
                        "display_order",
                        "Enter a whole number; lower numbers come first.",
                    )
                })
                .ok()
        };
        let benefits = parse_benefits(&self.benefits)
            .map_err(|m| errors.add("benefits", m))
            .ok();
        Some((
            TierFields {
                programme_id,
                name: name?,
                slug: slug?,
                description: description?,
                price_minor: price?.minor,
                currency: price?.currency.code().to_string(),
                capacity: capacity?,
                logo_size: logo_size?,
                display_order: display_order?,
                advertised: self.advertised,
            },
            benefits?,
        ))
    }
}

fn tier_form(
    staff: &S,
    programme: Programme,
    tier_id: Option<i64>,
    errors: FormErrors,
    f: TierInput,
) -> TierForm {
    TierForm {
        layout: staff.layout(
            if tier_id.is_some() {
                "Edit tier"
            } else {
                "New tier"
            },
            "/staff/programmes",
        ),
        programme,
        tier_id,
        errors,
        f,
        sizes: LOGO_SIZES.to_vec(),
        currencies: crate::domain::money::CURRENCIES
            .iter()
            .map(|(c, _)| *c)
            .collect(),
        asset_requests: Vec::new(),
    }
}

pub async fn new_tier(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let programme = staff
        .state
        .db
        .run(move |c| Ok(programmes::find(c, id)?))
        .await?;
    let f = TierInput {
        currency: "USD".into(),
        logo_size: "m".into(),
        advertised: true,
        ..Default::default()
    };
    render(&tier_form(&staff, programme, None, FormErrors::new(), f))
}

pub async fn create_tier(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save_tier(staff, *id, None, Fields(form.into_inner())).await
}

pub async fn edit_tier(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let (programme, tier, benefits, requests) = staff
        .state
        .db
        .run(move |c| {
            let t = tiers::find(c, id)?;
            let p = programmes::find(c, t.programme_id)?;
            let b: Vec<(String, Option<i32>)> = tiers::benefits(c, id)?
                .into_iter()
                .map(|b| (b.description, b.quantity))
                .collect();
            let requests = crate::models::assets::for_tier(c, id)?;
            Ok((p, t, b, requests))
        })
        .await?;
    let f = TierInput::from_tier(&tier, &benefits);
    let mut page = tier_form(&staff, programme, Some(tier.id), FormErrors::new(), f);
    page.asset_requests = requests;
    render(&page)
}

pub async fn update_tier(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let programme_id = staff
        .state
        .db
        .run(move |c| Ok(tiers::find(c, id)?.programme_id))
        .await?;
    save_tier(staff, programme_id, Some(id), Fields(form.into_inner())).await
}

async fn save_tier(
    staff: S,
    programme_id: i64,
    tier_id: Option<i64>,
    f: Fields,
) -> AppResult<HttpResponse> {
    let programme = staff
        .state
        .db
        .run(move |c| Ok(programmes::find(c, programme_id)?))
        .await?;
    let input = TierInput::from_fields(&f);
    let mut errors = FormErrors::new();
    let parsed = input.parse(programme_id, &mut errors);
    let Some((fields, benefits)) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &tier_form(&staff, programme, tier_id, errors, input),
        );
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let r = staff
        .state
        .db
        .run(move |c| {
            crate::services::tiers::save_tier(
                c,
                &settings,
                &actor,
                programme_id,
                tier_id,
                &fields,
                &benefits,
            )
        })
        .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/staff/programmes/{programme_id}"),
            FlashKind::Success,
            "Tier saved.",
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("slug", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &tier_form(&staff, programme, tier_id, errors, input),
            )
        }
        Err(e) => Err(e),
    }
}
