//! `/grants/apply`: the public grant application. Works without JavaScript: "Add a budget
//! line" sends the form back with one more row (nothing is saved), "Send the application"
//! records it. Fields are parsed here; the programme's rules are checked by the service
//! (shown together with the field messages, and again inside the transaction).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::weburl::parse_website;
use crate::domain::{Currency, EmailAddress, FormErrors, Money, country, text};
use crate::error::{AppError, AppResult};
use crate::models::grant_programmes::{self as programmes, GrantProgramme};
use crate::services::Actor;
use crate::services::grant_applications::{
    self as service, Facts, Outcome, StoredFile, Submission,
};
use crate::web::extract::Ctx;
use crate::web::layout::Layout;
use crate::web::{redirect, render, render_status};

use super::upload;

/// Budget rows shown on a fresh form.
const START_LINES: usize = 3;
/// Budget rows a form may have.
pub const MAX_LINES: usize = 30;

/// The form as typed (kept on errors).
#[derive(Clone, Default)]
pub struct ApplyInput {
    pub key: String,
    pub programme: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub organisation: String,
    pub country: String,
    pub event_name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub city: String,
    pub event_country: String,
    pub attendance: String,
    pub website: String,
    pub coc_url: String,
    pub requested: String,
    pub currency: String,
    /// `(label, amount)` as typed, one per row shown.
    pub lines: Vec<(String, String)>,
    pub purpose: String,
    pub outreach: String,
    pub earlier_grants: String,
    pub public_opt_in: bool,
}

/// A form with no usable key was not served by us (or is very old): it gets a fresh one.
fn new_key() -> String {
    crate::auth::token::new_token()
}

impl ApplyInput {
    /// Only the fields this form has: anything else the browser sends (a status, a base
    /// amount, an application id) is ignored.
    fn from_fields(f: &Fields) -> ApplyInput {
        let labels = f.all("line_label");
        let amounts = f.all("line_amount");
        let rows = labels.len().max(amounts.len()).min(MAX_LINES);
        let lines = (0..rows)
            .map(|i| {
                (
                    labels.get(i).cloned().unwrap_or_default(),
                    amounts.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect();
        ApplyInput {
            key: f.get("application_key"),
            programme: f.get("programme"),
            applicant_name: f.get("applicant_name"),
            applicant_email: f.get("applicant_email"),
            organisation: f.get("organisation"),
            country: f.get("country"),
            event_name: f.get("event_name"),
            starts_on: f.get("starts_on"),
            ends_on: f.get("ends_on"),
            city: f.get("city"),
            event_country: f.get("event_country"),
            attendance: f.get("attendance"),
            website: f.get("website"),
            coc_url: f.get("coc_url"),
            requested: f.get("requested"),
            currency: f.get("currency"),
            lines,
            purpose: f.get("purpose"),
            outreach: f.get("outreach"),
            earlier_grants: f.get("earlier_grants"),
            public_opt_in: f.checked("public_opt_in"),
        }
    }

    /// The currency chosen, if it is one we accept.
    fn currency(&self, accepted: &[String]) -> Option<Currency> {
        Currency::parse(&self.currency)
            .ok()
            .filter(|c| accepted.iter().any(|a| a == c.code()))
    }

    /// The budget rows that say something, parsed in `currency`: `(label, amount)` and their
    /// total. Rows left blank are skipped.
    fn budget(
        &self,
        currency: Currency,
        errors: &mut FormErrors,
    ) -> Option<(Vec<(String, i64)>, Money)> {
        let mut out = Vec::new();
        let mut total = Money::new(0, currency);
        let mut ok = true;
        for (i, (label, amount)) in self.lines.iter().enumerate() {
            if label.trim().is_empty() && amount.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let label = match text::single_line(label, "what the line is for", 120) {
                Ok(l) => Some(l),
                Err(m) => {
                    errors.add("lines", format!("Budget line {n}: {m}"));
                    None
                }
            };
            let amount = match Money::parse(amount, currency) {
                Ok(m) => Some(m),
                Err(m) => {
                    errors.add("lines", format!("Budget line {n}: {m}"));
                    None
                }
            };
            let (Some(label), Some(amount)) = (label, amount) else {
                ok = false;
                continue;
            };
            match total.checked_add(amount) {
                Some(t) if t.minor <= crate::domain::money::MAX_MINOR => total = t,
                _ => {
                    errors.add("lines", "The budget's total is too large.");
                    ok = false;
                }
            }
            out.push((label, amount.minor));
        }
        if ok && out.is_empty() {
            errors.add(
                "lines",
                "Give the event's budget: at least one line, what it is for and what it costs.",
            );
            return None;
        }
        ok.then_some((out, total))
    }

    /// The budget's total for the page, when the rows add up.
    fn total_label(&self, accepted: &[String], base: Currency) -> Option<String> {
        let currency = self.currency(accepted).unwrap_or(base);
        let mut scratch = FormErrors::new();
        self.budget(currency, &mut scratch)
            .map(|(_, total)| total.to_string())
    }

    /// Parses every field; messages go to `errors`. The application (without its file) when
    /// every field parsed, and the figures that did parse (for the programme's rules).
    fn parse(
        &self,
        open: &[GrantProgramme],
        accepted: &[String],
        base: Currency,
        errors: &mut FormErrors,
    ) -> (Option<Submission>, service::Draft) {
        let mut draft = service::Draft::default();
        let submission = self.parse_into(open, accepted, base, errors, &mut draft);
        (submission, draft)
    }

    fn parse_into(
        &self,
        open: &[GrantProgramme],
        accepted: &[String],
        base: Currency,
        errors: &mut FormErrors,
        draft: &mut service::Draft,
    ) -> Option<Submission> {
        let programme = self
            .programme
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| open.iter().any(|p| p.id == *id));
        if programme.is_none() {
            errors.add("programme", "Choose one of the programmes.");
        }
        let applicant_name = text::single_line(&self.applicant_name, "your name", 120)
            .map_err(|m| errors.add("applicant_name", m))
            .ok();
        let applicant_email = EmailAddress::parse(&self.applicant_email)
            .map_err(|m| errors.add("applicant_email", m))
            .ok();
        let organisation = text::single_line(&self.organisation, "the organisation or group", 200)
            .map_err(|m| errors.add("organisation", m))
            .ok();
        let country = country::parse(&self.country, "the country you are based in")
            .map_err(|m| errors.add("country", m))
            .ok();
        let event_name =
            text::single_line(&self.event_name, "the name of the event or project", 200)
                .map_err(|m| errors.add("event_name", m))
                .ok();
        let starts_on = parse_date(&self.starts_on, "the first day")
            .map_err(|m| errors.add("starts_on", m))
            .ok();
        let ends_on = parse_date(&self.ends_on, "the last day")
            .map_err(|m| errors.add("ends_on", m))
            .ok();
        let city = text::single_line(&self.city, "the city (or \"Online\")", 120)
            .map_err(|m| errors.add("city", m))
            .ok();
        let event_country = country::parse(&self.event_country, "the country where it happens")
            .map_err(|m| errors.add("event_country", m))
            .ok();
        let attendance = match self.attendance.trim().replace([',', ' ', '_'], "") {
            s if s.is_empty() => Some(0),
            s => match s.parse::<i32>() {
                Ok(n) if (0..=10_000_000).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "attendance",
                        "Enter how many people you expect as a whole number, like 150.",
                    );
                    None
                }
            },
        };
        let website = if self.website.trim().is_empty() {
            Some(String::new())
        } else {
            parse_website(&self.website)
                .map_err(|m| errors.add("website", m))
                .ok()
        };
        let coc_url = if self.coc_url.trim().is_empty() {
            Some(String::new())
        } else {
            parse_website(&self.coc_url)
                .map_err(|m| errors.add("coc_url", m))
                .ok()
        };
        let currency = self.currency(accepted);
        if currency.is_none() {
            errors.add("currency", service::currency_refused(accepted));
        }
        // Amounts are still read in some currency, so their own mistakes show too.
        let in_currency = currency.unwrap_or(base);
        let requested = match Money::parse(&self.requested, in_currency) {
            Ok(m) if m.minor > 0 => Some(m),
            Ok(_) => {
                errors.add(
                    "requested",
                    "Enter the amount you ask for; it must be more than zero.",
                );
                None
            }
            Err(m) => {
                errors.add("requested", m);
                None
            }
        };
        let budget = self.budget(in_currency, errors);
        let purpose =
            match text::optional_multi_line(&self.purpose, "what the grant pays for", 5000) {
                Ok(p) if p.is_empty() => {
                    errors.add(
                    "purpose",
                    "Tell us what the grant would pay for: travel, venue, childcare, captioning…",
                );
                    None
                }
                Ok(p) => Some(p),
                Err(m) => {
                    errors.add("purpose", m);
                    None
                }
            };
        let outreach =
            text::optional_multi_line(&self.outreach, "the outreach and diversity plans", 5000)
                .map_err(|m| errors.add("outreach", m))
                .ok();
        let earlier_grants =
            text::optional_multi_line(&self.earlier_grants, "the earlier grants", 2000)
                .map_err(|m| errors.add("earlier_grants", m))
                .ok();
        *draft = service::Draft {
            programme_id: programme,
            starts_on,
            ends_on,
            attendance,
            coc_url: coc_url.clone(),
            requested: requested.filter(|_| currency.is_some()),
            total_budget: budget.as_ref().map(|(_, total)| *total),
        };
        let (lines, total_budget) = budget?;
        currency?;
        Some(Submission {
            key: self.key.clone(),
            applicant_name: applicant_name?,
            applicant_email: applicant_email?,
            organisation: organisation?,
            country: country?.to_string(),
            event_name: event_name?,
            city: city?,
            event_country: event_country?.to_string(),
            website: website?,
            facts: Facts {
                programme_id: programme?,
                starts_on: starts_on?,
                ends_on: ends_on?,
                attendance: attendance?,
                coc_url: coc_url?,
                requested: requested?,
                total_budget,
            },
            lines,
            purpose: purpose?,
            outreach: outreach?,
            earlier_grants: earlier_grants?,
            public_opt_in: self.public_opt_in,
            attachment: None,
        })
    }
}

/// One option of a select box.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A programme as the form offers it, with its rules in plain words.
pub struct ProgrammeChoice {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    pub rules: Vec<String>,
    pub selected: bool,
}

/// A programme's rules as applicants read them.
pub fn rule_sentences(p: &GrantProgramme, base: Currency) -> Vec<String> {
    let mut out = Vec::new();
    if p.requires_coc {
        out.push("Requires a published code of conduct.".to_string());
    }
    if p.min_lead_days > 0 {
        out.push(format!(
            "Apply at least {} days before the event starts.",
            p.min_lead_days
        ));
    }
    if let Some(m) = p.max_amount_minor {
        out.push(format!("Grants of at most {}.", Money::new(m, base)));
    }
    if let Some(m) = p.per_attendee_minor {
        out.push(format!(
            "As a guide, about {} per attendee.",
            Money::new(m, base)
        ));
    }
    out
}

fn country_choices(selected: &str) -> Vec<Choice> {
    let sel = selected.trim().to_ascii_uppercase();
    country::COUNTRIES
        .iter()
        .map(|(code, name)| Choice {
            value: code.to_string(),
            label: name.to_string(),
            selected: *code == sel,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/grants/apply.html")]
struct ApplyPage {
    layout: Layout,
    programmes: Vec<ProgrammeChoice>,
    countries: Vec<Choice>,
    event_countries: Vec<Choice>,
    currencies: Vec<Choice>,
    f: ApplyInput,
    errors: FormErrors,
    /// The budget's total, when the rows add up.
    total: Option<String>,
    /// The browser forgets a chosen file when the page comes back.
    attach_again: bool,
    /// Too many applications from this address lately (status 429).
    too_many: Option<&'static str>,
    max_lines: usize,
    /// The foundation's currency, for the hints.
    base: &'static str,
}

/// What the form offers: open programmes and accepted currencies.
struct Offer {
    open: Vec<GrantProgramme>,
    accepted: Vec<String>,
    base: Currency,
}

async fn load_offer(ctx: &Ctx) -> AppResult<Offer> {
    let base = ctx.state.settings.currency();
    let (open, accepted) = ctx
        .state
        .db
        .run(move |c| Ok(programmes::offer(c, base)?))
        .await?;
    Ok(Offer {
        open,
        accepted,
        base,
    })
}

fn page(
    ctx: &Ctx,
    offer: &Offer,
    f: ApplyInput,
    errors: FormErrors,
    attach_again: bool,
) -> ApplyPage {
    let layout = ctx.layout("Apply for a grant", "");
    let sel_currency = if f.currency.is_empty() {
        offer.base.code().to_string()
    } else {
        f.currency.trim().to_ascii_uppercase()
    };
    ApplyPage {
        layout,
        programmes: offer
            .open
            .iter()
            .map(|p| ProgrammeChoice {
                id: p.id.to_string(),
                name: p.name.clone(),
                kind: p.kind().label(),
                description: p.description.clone(),
                rules: rule_sentences(p, offer.base),
                selected: p.id.to_string() == f.programme.trim() || offer.open.len() == 1,
            })
            .collect(),
        countries: country_choices(&f.country),
        event_countries: country_choices(&f.event_country),
        currencies: offer
            .accepted
            .iter()
            .map(|c| Choice {
                value: c.clone(),
                label: c.clone(),
                selected: *c == sel_currency,
            })
            .collect(),
        total: f.total_label(&offer.accepted, offer.base),
        f,
        errors,
        attach_again,
        too_many: None,
        max_lines: MAX_LINES,
        base: offer.base.code(),
    }
}

/// `GET /grants/apply` (`?programme=ID` preselects a programme).
pub async fn form(ctx: Ctx, q: web::Query<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    let offer = load_offer(&ctx).await?;
    let f = ApplyInput {
        key: new_key(),
        programme: Fields(q.into_inner()).get("programme"),
        lines: vec![(String::new(), String::new()); START_LINES],
        ..Default::default()
    };
    render(&page(&ctx, &offer, f, FormErrors::new(), false))
}

/// `POST /grants/apply?csrf_token=…` (multipart, for the PDF).
pub async fn submit(
    ctx: Ctx,
    req: HttpRequest,
    form: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    if crate::web::declares_more_than(&req, upload::APPLY_BODY_LIMIT) {
        return Err(AppError::BadRequest(format!(
            "The form is too large to send. {}",
            service::too_large_message()
        )));
    }
    let up = upload::read(form, "attachment", 1).await?;
    let fields = Fields(up.fields);
    let action = fields.get("action");
    let mut input = ApplyInput::from_fields(&fields);
    if !crate::auth::token::looks_valid(&input.key) {
        input.key = new_key();
    }
    let offer = load_offer(&ctx).await?;
    let chose_file = !up.files.is_empty() || up.refused.is_some();

    if action == "add_line" {
        // Without JavaScript: one more row, nothing checked or saved.
        if input.lines.len() < MAX_LINES {
            input.lines.push((String::new(), String::new()));
        }
        return render(&page(&ctx, &offer, input, FormErrors::new(), chose_file));
    }

    let mut errors = FormErrors::new();
    let (parsed, draft) = input.parse(&offer.open, &offer.accepted, offer.base, &mut errors);
    if let Some(m) = &up.refused {
        errors.add("attachment", m.clone());
    }
    let mut file: Option<(String, Vec<u8>)> = None;
    if let Some(f) = up.files.into_iter().next() {
        match service::check_pdf(&f.bytes) {
            Ok(_) => file = Some((f.name, f.bytes)),
            Err(m) => errors.add("attachment", m),
        }
    }
    // The programme's rules, with the field messages: all of them when the form parsed, and
    // otherwise each rule whose figures parsed, so nothing waits for a second round.
    if parsed.is_none() {
        let settings = ctx.state.settings.clone();
        let today = chrono::Utc::now().date_naive();
        let found = ctx
            .state
            .db
            .run(move |c| service::draft_errors(c, &settings, today, &draft))
            .await?;
        errors.merge(found);
    }
    if let Some(s) = &parsed {
        let (settings, facts) = (ctx.state.settings.clone(), s.facts.clone());
        let today = chrono::Utc::now().date_naive();
        let found = ctx
            .state
            .db
            .run(move |c| service::check(c, &settings, today, &facts))
            .await?;
        if let Err(rule_errors) = found {
            errors.merge(rule_errors);
        }
    }
    let Some(mut submission) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&ctx, &offer, input, errors, chose_file),
        );
    };

    let data_dir = ctx.state.settings.data_dir.clone();
    if let Some((name, bytes)) = file {
        let size = bytes.len() as i64;
        let key = upload::store(data_dir.clone(), bytes).await?;
        submission.attachment = Some(StoredFile {
            key,
            name: service::display_name(&name, "attachment.pdf"),
            content_type: "application/pdf",
            size,
        });
    }
    let actor = Actor::visitor(
        &format!("applicant {}", submission.applicant_email),
        ctx.client_addr(),
    );
    let settings = ctx.state.settings.clone();
    let today = chrono::Utc::now().date_naive();
    let s = submission.clone();
    let result = ctx
        .state
        .db
        .run(move |c| service::submit(c, &settings, &actor, today, &s))
        .await;
    if !matches!(result, Ok(Outcome::Created { .. }))
        && let Some(f) = &submission.attachment
    {
        upload::discard(data_dir, vec![f.key.clone()]).await;
    }
    match result? {
        Outcome::Created { .. } | Outcome::AlreadyReceived => Ok(redirect("/grants/apply/thanks")),
        Outcome::TooMany => {
            let mut p = page(&ctx, &offer, input, errors, chose_file);
            p.too_many = Some(service::TOO_MANY);
            render_status(StatusCode::TOO_MANY_REQUESTS, &p)
        }
        Outcome::Refused(rule_errors) => {
            errors.merge(rule_errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&ctx, &offer, input, errors, chose_file),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "portal/grants/apply_thanks.html")]
struct ThanksPage {
    layout: Layout,
}

/// `GET /grants/apply/thanks`: what happens next.
pub async fn thanks(ctx: Ctx) -> AppResult<HttpResponse> {
    render(&ThanksPage {
        layout: ctx.layout("Thank you for applying", ""),
    })
}
