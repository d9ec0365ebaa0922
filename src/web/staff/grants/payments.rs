//! Grant payments for the treasurer: the list of awarded grants (to pay, waiting for their
//! report, to close), one grant's payments with the form to record one, its report status and
//! closing it. Deciders may look; only the treasurer records and closes. Staff recused from
//! an application (conflict of interest) get none of its pages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::grants::{Method, parse_rate, rate_label};
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{
    self as apps, GrantApplication, GrantDecision, GrantReport,
};
use crate::models::grant_disbursements::{self as disb, Disbursement};
use crate::models::grant_programmes::{self as programmes};
use crate::services::grant_money::{self, PaymentInput, Reminder};
use crate::web::extract::Staff;
use crate::web::extract::{GrantsMoney, GrantsStaff, RoleRule, TreasurerOnly};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::fmt_time;
use crate::web::{redirect_with_flash, render, render_status};

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// 403 for a staff member recused from this application.
async fn refuse_recused<R: RoleRule>(staff: &Staff<R>, id: i64) -> AppResult<()> {
    let user_id = staff.user.user.id;
    staff
        .state
        .db
        .run(move |c| crate::services::grant_review::ensure_not_recused(c, user_id, id))
        .await
}

/// One line of the treasurer's list.
pub struct ListRow {
    pub app: GrantApplication,
    pub programme: String,
    pub awarded: String,
    pub paid: String,
    pub overdue: bool,
}

/// One section of the list: a page of its grants.
pub struct Section {
    pub rows: Vec<ListRow>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "staff/grants/payments/list.html")]
struct ListPage {
    layout: Layout,
    to_pay: Section,
    waiting: Section,
    to_close: Section,
    overdue: i64,
}

/// Grants a section shows at a time.
const PER_SECTION: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pay: String,
    #[serde(default)]
    wait: String,
    #[serde(default)]
    close: String,
}

/// `GET /staff/grants/payments?pay=&wait=&close=`: awarded grants by what they wait for
/// (without those the viewer is recused from), each section a page at a time.
pub async fn list(staff: Staff<GrantsMoney>, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let today = today();
    let base = staff.state.settings.currency();
    let user_id = staff.user.user.id;
    let q = q.into_inner();
    let pages = [
        (disb::Stage::ToPay, "pay", q.pay.clone()),
        (disb::Stage::Waiting, "wait", q.wait.clone()),
        (disb::Stage::ToClose, "close", q.close.clone()),
    ];
    // A section's links keep the pages the other two show.
    let kept = |skip: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [("pay", &q.pay), ("wait", &q.wait), ("close", &q.close)] {
            if name != skip && !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    };
    let urls: Vec<_> = pages
        .iter()
        .map(|(_, name, _)| {
            let base = kept(name);
            let name = name.to_string();
            move |n: i64| {
                if base.is_empty() {
                    format!("/staff/grants/payments?{name}={n}")
                } else {
                    format!("/staff/grants/payments?{base}&{name}={n}")
                }
            }
        })
        .collect();
    let (mut sections, overdue) = staff
        .state
        .db
        .run(move |c| {
            let names: std::collections::HashMap<i64, String> = programmes::all(c)?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect();
            let mut sections = Vec::new();
            for ((stage, _, asked), url) in pages.into_iter().zip(urls) {
                let total = disb::stage_count(c, stage, user_id)?;
                let pager = Pager::new(Some(asked.as_str()), total, PER_SECTION, url);
                let list = disb::stage_page(c, stage, user_id, pager.offset(), PER_SECTION)?;
                let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
                let mut decisions = apps::decisions_of(c, &ids)?;
                let paid = disb::paid_base_of(c, &ids)?;
                let rows = list
                    .into_iter()
                    .map(|a| ListRow {
                        programme: names.get(&a.programme_id).cloned().unwrap_or_default(),
                        awarded: decisions
                            .remove(&a.id)
                            .and_then(|d| d.awarded_minor)
                            .map(|m| a.money_label(m))
                            .unwrap_or_else(|| "—".into()),
                        paid: Money::new(paid.get(&a.id).copied().unwrap_or(0), base).to_string(),
                        overdue: a.report_overdue(today),
                        app: a,
                    })
                    .collect();
                sections.push(Section { rows, pager });
            }
            Ok((sections, disb::overdue_count(c, user_id, today)?))
        })
        .await?;
    let to_close = sections.pop().expect("three sections");
    let waiting = sections.pop().expect("three sections");
    let to_pay = sections.pop().expect("three sections");
    render(&ListPage {
        layout: staff.layout("Grant payments", "/staff/grants"),
        to_pay,
        waiting,
        to_close,
        overdue,
    })
}

/// The payment form as typed.
#[derive(Clone, Debug, Default)]
pub struct PaymentForm {
    pub paid_on: String,
    pub method: String,
    pub amount: String,
    pub currency: String,
    pub rate: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "staff/grants/payments/show.html")]
struct ShowPage {
    layout: Layout,
    a: GrantApplication,
    programme: String,
    decision: Option<GrantDecision>,
    payments: Vec<Disbursement>,
    report: Option<GrantReport>,
    /// The report's attachments, downloadable from this page.
    report_files: Vec<apps::GrantFile>,
    reminders: Vec<Reminder>,
    /// What is still to pay, in the award's currency (None without an award).
    still_to_pay: Option<String>,
    paid_base: String,
    base_code: String,
    currencies: Vec<String>,
    /// Reference rates as "EUR 1.08".
    rates: Vec<(String, String)>,
    methods: [Method; 5],
    f: PaymentForm,
    errors: FormErrors,
    can_record: bool,
    can_review: bool,
    overdue: bool,
    close_note: String,
}

impl ShowPage {
    fn awarded(&self) -> String {
        self.decision
            .as_ref()
            .and_then(|d| d.awarded_minor)
            .map(|m| self.a.money_label(m))
            .unwrap_or_else(|| "—".into())
    }
    fn awarded_base(&self) -> String {
        self.decision
            .as_ref()
            .and_then(|d| d.awarded_base_minor)
            .and_then(|m| Money::from_db(m, &self.base_code).ok())
            .map(|m| m.to_string())
            .unwrap_or_else(|| "—".into())
    }
    fn base_label(&self, p: &Disbursement) -> String {
        Money::from_db(p.base_minor, &self.base_code)
            .map(|m| m.to_string())
            .unwrap_or_default()
    }
    fn recorded(&self, p: &Disbursement) -> String {
        fmt_time(&p.created_at)
    }
    fn decided(&self, d: &GrantDecision) -> String {
        fmt_time(&d.decided_at)
    }
    fn report_at(&self, r: &GrantReport) -> String {
        fmt_time(&r.submitted_at)
    }
    fn is_approved(&self) -> bool {
        self.a.status() == crate::domain::grants::Status::Approved
    }
    fn can_close(&self) -> bool {
        self.can_record && self.a.status() == crate::domain::grants::Status::ReportReceived
    }
    fn reminders_label(&self) -> String {
        if self.reminders.is_empty() {
            "none yet".into()
        } else {
            self.reminders
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
    fn rate_hint(&self) -> String {
        let mut s = format!(
            "{} per 1 unit of the payment's currency, as the bank converted it. Leave empty to use the reference rate",
            self.base_code
        );
        if self.rates.is_empty() {
            s.push('.');
        } else {
            s.push_str(": ");
            s.push_str(
                &self
                    .rates
                    .iter()
                    .map(|(c, r)| format!("{c} {r}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            s.push('.');
        }
        s
    }
    fn amount_hint(&self) -> String {
        format!(
            "What the grantee receives. The award is in {}: record it in that currency with the rate the foundation paid.",
            self.a.currency
        )
    }
}

async fn show_page<R: RoleRule>(
    staff: &Staff<R>,
    id: i64,
    f: Option<PaymentForm>,
    errors: FormErrors,
) -> AppResult<ShowPage> {
    let base = staff.state.settings.currency();
    let (a, programme, decision, payments, report, report_files, reminders, rates, currencies) =
        staff
            .state
            .db
            .run(move |c| {
                let a = apps::find(c, id)?;
                let programme = programmes::find(c, a.programme_id)?.name;
                let decision = apps::decision(c, id)?;
                // Only awarded grants have payments: an application still in review (or
                // declined) is not shown here, with its applicant's details, at all.
                if !decision.as_ref().is_some_and(|d| d.approved()) {
                    return Err(AppError::NotFound);
                }
                let payments = disb::for_application(c, id)?;
                let report = apps::report(c, id)?;
                let report_files: Vec<apps::GrantFile> = apps::files(c, id)?
                    .into_iter()
                    .filter(|f| f.purpose == "report")
                    .collect();
                let reminders = grant_money::reminders_of(c, id)?;
                let rates = programmes::rates(c)?;
                let mut currencies = programmes::accepted_currencies(c, base)?;
                if !currencies.contains(&a.currency) {
                    currencies.push(a.currency.clone());
                }
                Ok((
                    a,
                    programme,
                    decision,
                    payments,
                    report,
                    report_files,
                    reminders,
                    rates,
                    currencies,
                ))
            })
            .await?;
    let awarded = decision
        .as_ref()
        .filter(|d| d.approved())
        .and_then(|d| Some((d.awarded_minor?, d.awarded_base_minor?)));
    let paid_award = awarded
        .and_then(|(m, b)| grant_money::paid_in_award_currency(&payments, &a.currency, m, b));
    let left = awarded
        .zip(paid_award)
        .map(|((m, _), paid)| (m - paid).max(0));
    let still_to_pay = left.map(|l| a.money_label(l));
    // In the award's currency beside "still to pay", with the foundation-currency figure.
    let paid_base = {
        let in_base = Money::new(payments.iter().map(|p| p.base_minor).sum(), base).to_string();
        match paid_award {
            Some(p) if a.currency != base.code() => {
                format!("{} ({in_base} in {})", a.money_label(p), base.code())
            }
            _ => in_base,
        }
    };
    let reference_rate = |cur: &str| {
        if cur == base.code() {
            Some("1".to_string())
        } else {
            rates
                .iter()
                .find(|r| r.currency == cur)
                .map(|r| rate_label(r.rate_micros))
        }
    };
    let f = f.unwrap_or_else(|| PaymentForm {
        paid_on: today().format("%Y-%m-%d").to_string(),
        method: Method::BankTransfer.as_str().into(),
        amount: left
            .filter(|l| *l > 0)
            .and_then(|l| Money::from_db(l, &a.currency).ok())
            .map(|m| m.plain())
            .unwrap_or_default(),
        currency: a.currency.clone(),
        rate: reference_rate(&a.currency).unwrap_or_default(),
        reference: String::new(),
    });
    let roles = &staff.user.roles;
    Ok(ShowPage {
        layout: staff.layout(&format!("Payments · {}", a.reference()), "/staff/grants"),
        overdue: a.report_overdue(today()),
        programme,
        decision,
        payments,
        report,
        report_files,
        reminders,
        still_to_pay,
        paid_base,
        base_code: base.code().to_string(),
        currencies,
        rates: rates
            .iter()
            .map(|r| (r.currency.clone(), rate_label(r.rate_micros)))
            .collect(),
        methods: Method::ALL,
        f,
        errors,
        can_record: TreasurerOnly::allows(roles),
        can_review: GrantsStaff::allows(roles),
        close_note: String::new(),
        a,
    })
}

/// `GET /staff/grants/{id}/payments`.
pub async fn show(staff: Staff<GrantsMoney>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    refuse_recused(&staff, id).await?;
    render(&show_page(&staff, id, None, FormErrors::new()).await?)
}

/// The form checked: the payment, or the messages by field.
fn parse_payment(
    id: i64,
    f: &PaymentForm,
    base: Currency,
    reference_rate: Option<i64>,
) -> Result<PaymentInput, FormErrors> {
    let mut errors = FormErrors::new();
    let paid_on = parse_date(&f.paid_on, "the date the money was sent")
        .map_err(|m| errors.add("paid_on", m))
        .ok();
    if paid_on.is_some_and(|d| d > today() + chrono::Duration::days(1)) {
        errors.add(
            "paid_on",
            "The date cannot be in the future: record a payment once it is sent.",
        );
    }
    let method = f
        .method
        .parse::<Method>()
        .map_err(|m| errors.add("method", m))
        .ok();
    let currency = Currency::parse(&f.currency)
        .map_err(|m| errors.add("currency", m))
        .ok();
    let amount = currency.and_then(|cur| match Money::parse(&f.amount, cur) {
        Ok(m) if m.minor <= 0 => {
            errors.add("amount", "The amount must be more than zero.");
            None
        }
        Ok(m) => Some(m),
        Err(m) => {
            errors.add("amount", m);
            None
        }
    });
    let rate = match currency {
        Some(c) if c == base => Some(crate::domain::grants::RATE_SCALE),
        Some(c) if f.rate.trim().is_empty() => match reference_rate {
            Some(r) => Some(r),
            None => {
                errors.add(
                    "rate",
                    format!(
                        "There is no reference rate for {}: enter the rate the bank used.",
                        c.code()
                    ),
                );
                None
            }
        },
        Some(_) => parse_rate(&f.rate).map_err(|m| errors.add("rate", m)).ok(),
        None => None,
    };
    let reference = if f.reference.trim().is_empty() {
        Some(String::new())
    } else {
        text::single_line(&f.reference, "the reference", 200)
            .map_err(|m| errors.add("reference", m))
            .ok()
    };
    match (paid_on, method, amount, rate, reference) {
        (Some(paid_on), Some(method), Some(amount), Some(rate_micros), Some(reference))
            if errors.is_empty() =>
        {
            Ok(PaymentInput {
                application_id: id,
                paid_on,
                method,
                amount,
                rate_micros,
                reference,
            })
        }
        _ => Err(errors),
    }
}

/// `POST /staff/grants/{id}/payments`: records a payment (treasurer only).
pub async fn record(
    staff: Staff<TreasurerOnly>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    refuse_recused(&staff, id).await?;
    let fields = Fields(form.into_inner());
    let f = PaymentForm {
        paid_on: fields.get("paid_on"),
        method: fields.get("method"),
        amount: fields.get("amount"),
        currency: fields.get("currency"),
        rate: fields.get("rate"),
        reference: fields.get("reference"),
    };
    let settings = staff.state.settings.clone();
    let base = settings.currency();
    let cur = Currency::parse(&f.currency).ok();
    let reference_rate = staff
        .state
        .db
        .run(move |c| {
            // 404 for an application that does not exist, before any message about the form.
            apps::find(c, id)?;
            Ok(match cur {
                Some(cur) => programmes::rate(c, cur, base)?,
                None => None,
            })
        })
        .await?;
    let input = match parse_payment(id, &f, base, reference_rate) {
        Ok(p) => p,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, Some(f), errors).await?,
            );
        }
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| grant_money::record_payment(c, &settings, &actor, &input))
        .await;
    let back = format!("/staff/grants/{id}/payments");
    match r {
        Ok(out) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            &if out.paid_in_full {
                format!(
                    "Payment recorded: the grant is paid in full and the applicant has been emailed. The report is due on {}.",
                    out.report_due_on.format("%-d %B %Y")
                )
            } else {
                "Payment recorded and the applicant emailed. Part of the award is still to pay."
                    .to_string()
            },
        )),
        Err(AppError::BadRequest(m)) => {
            let mut errors = FormErrors::new();
            errors.add("amount", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, Some(f), errors).await?,
            )
        }
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `POST /staff/grants/{id}/close`: closes a grant whose report was received (treasurer).
pub async fn close(
    staff: Staff<TreasurerOnly>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    refuse_recused(&staff, id).await?;
    let typed = Fields(form.into_inner()).get("note");
    let note = match text::optional_multi_line(&typed, "the note", 1000) {
        Ok(n) => n,
        Err(m) => {
            let mut errors = FormErrors::new();
            errors.add("note", m);
            let mut page = show_page(&staff, id, None, errors).await?;
            page.close_note = typed;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| grant_money::close(c, &actor, id, &note))
        .await;
    let back = format!("/staff/grants/{id}/payments");
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &back,
            FlashKind::Success,
            "The grant is closed.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back, FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// `GET /staff/grants/{id}/payments/files/{file_id}`: a report attachment, for the treasurer
/// who closes the grant (the review page's files are for reviewers and deciders).
pub async fn file(
    staff: Staff<GrantsMoney>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, file_id) = path.into_inner();
    refuse_recused(&staff, id).await?;
    let f = staff
        .state
        .db
        .run(move |c| Ok(apps::file_of(c, id, file_id)?))
        .await?;
    if f.purpose != "report" {
        return Err(AppError::NotFound);
    }
    crate::web::portal::grants::file_response(staff.state.settings.data_dir.clone(), &f).await
}
