//! `/staff/prospects`: the list ranked by usage, a prospect's page (stage, details,
//! contacts, usage, links sent, timeline), and the ask.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use crate::domain::form::Fields;
use crate::domain::prospects::{ProspectForm, STAGES, Stage};
use crate::domain::{FormErrors, Money, Role};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::prospects::{self as rows, Contact, Filter, Listed, Prospect};
use crate::models::usage::{self as usage_rows, Link, Of};
use crate::services::prospects::{self as svc, Ask};
use crate::web::extract::{OutreachStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::staff::timeline::{self, Recent};
use crate::web::usage_chart::{UsageChart, charts};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<OutreachStaff>;

const PER_PAGE: i64 = 50;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A choice in a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Staff who may own a prospect: sponsorship staff and administrators, active.
fn owners(c: &mut crate::db::DbConn) -> AppResult<Vec<Choice>> {
    let mut users = crate::models::users::active_with_role(c, Role::Sponsorships)?;
    users.extend(crate::models::users::active_with_role(c, Role::Admin)?);
    users.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    users.dedup_by_key(|u| u.id);
    Ok(users
        .into_iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: if u.name.is_empty() { u.email } else { u.name },
        })
        .collect())
}

/// Tiers open for applications, as "Tier (Programme), list price".
fn tier_choices(c: &mut crate::db::DbConn) -> AppResult<Vec<Choice>> {
    Ok(
        crate::services::sponsor_applications::open_tiers(c, today())?
            .into_iter()
            .map(|t| Choice {
                value: t.tier.id.to_string(),
                label: format!(
                    "{} ({}), {}",
                    t.tier.name,
                    t.programme.title(),
                    t.tier.price()
                ),
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- the list

#[derive(Template)]
#[template(path = "staff/outreach/prospects.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Listed>,
    pager: Pager,
    stage: String,
    owner: String,
    q: String,
    due: bool,
    metric: String,
    /// The end of the year of figures the ranking adds up.
    until: Option<NaiveDate>,
    unit: String,
    metrics: Vec<String>,
    owners: Vec<Choice>,
    stages: Vec<(String, &'static str, i64)>,
    open_count: i64,
    all_count: i64,
    today: NaiveDate,
}

impl ListPage {
    fn usage(&self, r: &Listed) -> String {
        if r.usage <= 0.0 {
            "—".into()
        } else {
            crate::domain::prospects::figure_words(r.usage)
        }
    }
    fn price(&self, r: &Listed) -> String {
        match (&r.tier_name, r.tier_price_minor, &r.tier_currency) {
            (Some(name), Some(minor), Some(cur)) => match crate::domain::Currency::parse(cur) {
                Ok(c) => format!("{name}, {}", Money::new(minor, c)),
                Err(_) => name.clone(),
            },
            _ => "—".into(),
        }
    }
    fn overdue(&self, d: &NaiveDate) -> bool {
        *d <= self.today
    }
    fn day(&self, d: &NaiveDate) -> String {
        d.format("%-d %b %Y").to_string()
    }
    fn metric_label(&self, m: &str) -> String {
        crate::domain::usage::metric_label(m)
    }
    /// The list's address with one parameter changed.
    fn with(&self, key: &str, value: &str) -> String {
        let mut q = vec![
            ("stage", self.stage.clone()),
            ("owner", self.owner.clone()),
            ("q", self.q.clone()),
            ("due", if self.due { "1".into() } else { String::new() }),
            ("metric", self.metric.clone()),
        ];
        for (k, v) in q.iter_mut() {
            if *k == key {
                *v = value.to_string();
            }
        }
        query_of(&q)
    }
}

fn query_of(q: &[(&str, String)]) -> String {
    let parts: Vec<String> = q
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::domain::text::urlencode(v)))
        .collect();
    if parts.is_empty() {
        "/staff/prospects".into()
    } else {
        format!("/staff/prospects?{}", parts.join("&"))
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    metric: String,
    #[serde(default)]
    page: String,
}

/// `GET /staff/prospects`: ranked by the chosen metric's last year of figures.
pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let stage = if q.stage == "open" || q.stage == "all" || Stage::parse(&q.stage).is_some() {
        q.stage.clone()
    } else {
        "open".to_string()
    };
    let owner = q.owner.trim().to_string();
    let owner_id = match owner.as_str() {
        "me" => Some(staff.user.user.id),
        "" => None,
        o => o.parse::<i64>().ok(),
    };
    let search: String = q.q.trim().chars().take(100).collect();
    let due = q.due == "1";
    let today = today();
    let asked_metric = q.metric.trim().to_string();
    let (rows, pager, (metric, until, unit), metrics, owners_list, counts) = staff
        .state
        .db
        .run(move |c| {
            let metrics = usage_rows::metrics(c)?;
            let metric = metrics
                .iter()
                .find(|(m, _)| *m == asked_metric)
                .or(metrics.first())
                .map(|(m, _)| m.clone())
                .unwrap_or_default();
            let filter = Filter {
                stage: if stage == "all" {
                    String::new()
                } else {
                    stage.clone()
                },
                owner_id,
                search: search.to_lowercase(),
                due_by: due.then_some(today),
                metric: metric.clone(),
            };
            let total = rows::count(c, &filter)?;
            let link_q = vec![
                ("stage", stage.clone()),
                ("owner", owner.clone()),
                ("q", search.clone()),
                ("due", if due { "1".into() } else { String::new() }),
                ("metric", metric.clone()),
            ];
            let base = query_of(&link_q);
            let pager = Pager::new(Some(q.page.as_str()), total, PER_PAGE, move |n| {
                if base.contains('?') {
                    format!("{base}&page={n}")
                } else {
                    format!("{base}?page={n}")
                }
            });
            let page = rows::page(c, &filter, pager.offset(), PER_PAGE)?;
            let until = usage_rows::year_of_figures(c, &metric)?.map(|(_, end)| end);
            let unit = usage_rows::unit_of(c, &metric)?;
            Ok((
                page,
                pager,
                (metric, until, unit),
                metrics.into_iter().map(|(m, _)| m).collect::<Vec<_>>(),
                owners(c)?,
                rows::stage_counts(c)?,
            ))
        })
        .await?;
    let count = |s: Stage| {
        counts
            .iter()
            .find(|(k, _)| k == s.as_str())
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let open_count = STAGES
        .iter()
        .filter(|s| s.is_open())
        .map(|s| count(*s))
        .sum();
    let all_count = counts.iter().map(|(_, n)| n).sum();
    render(&ListPage {
        layout: staff.layout("Prospects", "/staff/prospects"),
        stages: STAGES
            .iter()
            .map(|s| (s.as_str().to_string(), s.label(), count(*s)))
            .collect(),
        open_count,
        all_count,
        rows,
        pager,
        stage: if q.stage.is_empty() {
            "open".into()
        } else {
            q.stage
        },
        owner: q.owner,
        q: q.q,
        due,
        metric,
        until,
        unit,
        metrics,
        owners: owners_list,
        today,
    })
}

// ---------------------------------------------------------------- new

#[derive(Template)]
#[template(path = "staff/outreach/prospect_new.html")]
struct NewPage {
    layout: Layout,
    f: ProspectForm,
    errors: FormErrors,
    owners: Vec<Choice>,
    tiers: Vec<Choice>,
}

async fn new_page(staff: &S, f: ProspectForm, errors: FormErrors) -> AppResult<NewPage> {
    let (owners_list, tiers) = staff
        .state
        .db
        .run(|c| Ok((owners(c)?, tier_choices(c)?)))
        .await?;
    Ok(NewPage {
        layout: staff.layout("Add a prospect", "/staff/prospects"),
        f,
        errors,
        owners: owners_list,
        tiers,
    })
}

/// `GET /staff/prospects/new`.
pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    let f = ProspectForm {
        owner_id: staff.user.user.id.to_string(),
        ..Default::default()
    };
    render(&new_page(&staff, f, FormErrors::new()).await?)
}

fn form_of(fields: &Fields) -> ProspectForm {
    ProspectForm {
        name: fields.get("name"),
        domain: fields.get("domain"),
        org_size: fields.get("org_size"),
        owner_id: fields.get("owner_id"),
        follow_up_on: fields.get("follow_up_on"),
        not_before: fields.get("not_before"),
        asked_tier_id: fields.get("asked_tier_id"),
        notes: fields.get("notes"),
    }
}

/// `POST /staff/prospects`.
pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    let f = form_of(&Fields(form.into_inner()));
    let parsed = match f.parse() {
        Ok(p) => p,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_page(&staff, f, errors).await?,
            );
        }
    };
    let actor = staff.actor();
    match staff
        .state
        .db
        .run(move |c| Ok(svc::create(c, &actor, &parsed)))
        .await?
    {
        Ok(id) => Ok(redirect_with_flash(
            &format!("/staff/prospects/{id}"),
            FlashKind::Success,
            "Prospect added. Add a contact, then write to them.",
        )),
        Err(SaveError::Refused(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&staff, f, errors).await?,
        ),
        Err(SaveError::Failed(e)) => Err(e),
    }
}

// ---------------------------------------------------------------- one prospect

#[derive(Template)]
#[template(path = "staff/outreach/prospect.html")]
struct ShowPage {
    layout: Layout,
    p: Prospect,
    f: ProspectForm,
    errors: FormErrors,
    contact: (String, String, String),
    contacts: Vec<(Contact, bool)>,
    owners: Vec<Choice>,
    tiers: Vec<Choice>,
    moves: Vec<Stage>,
    charts: Vec<UsageChart>,
    links: Vec<Link>,
    sponsor_name: Option<String>,
    timeline: Recent,
    not_before: String,
}

impl ShowPage {
    fn when(&self, i: &crate::models::timeline::Item) -> String {
        timeline::when(i)
    }
    fn status_label(&self, i: &crate::models::timeline::Item) -> &'static str {
        timeline::status_label(i)
    }
    fn timeline_base(&self) -> String {
        format!("/staff/prospects/{}", self.p.id)
    }
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        crate::web::staff::fmt_time(t)
    }
    fn owner_name(&self) -> String {
        self.p
            .owner_id
            .and_then(|id| self.owners.iter().find(|o| o.value == id.to_string()))
            .map(|o| o.label.clone())
            .unwrap_or_else(|| "nobody yet".into())
    }
    fn day(&self, d: &NaiveDate) -> String {
        d.format("%-d %B %Y").to_string()
    }
}

fn form_from(p: &Prospect) -> ProspectForm {
    ProspectForm {
        name: p.name.clone(),
        domain: p.domain.clone(),
        org_size: p.org_size.map(|n| n.to_string()).unwrap_or_default(),
        owner_id: p.owner_id.map(|n| n.to_string()).unwrap_or_default(),
        follow_up_on: p.follow_up_on.map(|d| d.to_string()).unwrap_or_default(),
        not_before: p.not_before.map(|d| d.to_string()).unwrap_or_default(),
        asked_tier_id: p.asked_tier_id.map(|n| n.to_string()).unwrap_or_default(),
        notes: p.notes.clone(),
    }
}

/// What a refused form on the page keeps: the details form as typed, the contact form as
/// typed, and the messages.
#[derive(Default)]
struct Kept {
    f: Option<ProspectForm>,
    contact: (String, String, String),
    not_before: String,
    errors: FormErrors,
}

async fn show_page(staff: &S, id: i64, kept: Kept) -> AppResult<ShowPage> {
    let (p, contacts, owners_list, tiers, series, links, sponsor_name, recent) = staff
        .state
        .db
        .run(move |c| {
            let p = rows::find(c, id)?;
            let contacts = rows::contacts(c, id)?;
            let emails: Vec<String> = contacts.iter().map(|x| x.email.clone()).collect();
            let stopped = usage_rows::do_not_contact_among(c, &emails)?;
            let contacts = contacts
                .into_iter()
                .map(|x| {
                    let s = stopped.contains(&x.email.to_lowercase());
                    (x, s)
                })
                .collect::<Vec<_>>();
            let sponsor_name = match p.sponsor_id {
                Some(sid) => Some(crate::models::sponsors::find(c, sid)?.name),
                None => None,
            };
            Ok((
                contacts,
                owners(c)?,
                tier_choices(c)?,
                svc::usage_of(c, Of::Prospect(id), today())?,
                usage_rows::links_of(c, id)?,
                sponsor_name,
                timeline::recent(c, crate::models::timeline::Owner::Prospect(id))?,
                p,
            ))
        })
        .await
        .map(|(contacts, o, t, s, l, n, r, p)| (p, contacts, o, t, s, l, n, r))?;
    Ok(ShowPage {
        layout: staff.layout(&p.name, "/staff/prospects"),
        f: kept.f.unwrap_or_else(|| form_from(&p)),
        errors: kept.errors,
        contact: kept.contact,
        not_before: kept.not_before,
        moves: p.stage().moves().to_vec(),
        contacts,
        owners: owners_list,
        tiers,
        charts: charts(&series),
        links,
        sponsor_name,
        timeline: recent,
        p,
    })
}

/// `GET /staff/prospects/{id}`.
pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, Kept::default()).await?)
}

fn back(id: i64) -> String {
    format!("/staff/prospects/{id}")
}

/// The prospect's page again (422), keeping what the refused form had typed.
async fn refused(staff: &S, id: i64, kept: Kept) -> AppResult<HttpResponse> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_page(staff, id, kept).await?,
    )
}

/// How a form on the prospect's page is answered: saved → back to `to` with `ok`; refused →
/// the page again with the messages beside the fields (`keep` puts back what was typed); a
/// change someone else made meanwhile → back with what happened.
async fn answer(
    staff: &S,
    id: i64,
    r: Result<(), SaveError>,
    to: &str,
    ok: &str,
    keep: impl FnOnce(FormErrors) -> Kept,
) -> AppResult<HttpResponse> {
    match r {
        Ok(()) => Ok(redirect_with_flash(to, FlashKind::Success, ok)),
        Err(SaveError::Refused(errors)) => refused(staff, id, keep(errors)).await,
        Err(SaveError::Failed(AppError::Conflict(m))) => {
            Ok(redirect_with_flash(&back(id), FlashKind::Error, &m))
        }
        Err(SaveError::Failed(e)) => Err(e),
    }
}

/// `POST /staff/prospects/{id}`: the details form (refused when someone saved the prospect
/// since this copy of the page was opened).
pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let f = form_of(&fields);
    let version: i32 = fields.get("version").trim().parse().unwrap_or(-1);
    let parsed = match f.parse() {
        Ok(p) => p,
        Err(errors) => {
            let kept = Kept {
                f: Some(f),
                errors,
                ..Default::default()
            };
            return refused(&staff, id, kept).await;
        }
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| Ok(svc::update(c, &actor, id, version, &parsed)))
        .await?;
    answer(&staff, id, r, &back(id), "Saved.", |errors| Kept {
        f: Some(f),
        errors,
        ..Default::default()
    })
    .await
}

/// `POST /staff/prospects/{id}/stage`: `seen` (the stage the page showed), `to`, and for
/// "not now" the date not to ask before.
pub async fn move_stage(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let (Some(seen), Some(to)) = (
        Stage::parse(&fields.get("seen")),
        Stage::parse(&fields.get("to")),
    ) else {
        return Err(AppError::BadRequest("Choose a stage from the list.".into()));
    };
    let nb_raw = fields.get("not_before");
    let not_before = if nb_raw.trim().is_empty() {
        None
    } else {
        match crate::domain::dates::parse_date(&nb_raw, "the \u{201c}not before\u{201d} date") {
            Ok(d) => Some(d),
            Err(m) => {
                let kept = Kept {
                    not_before: nb_raw,
                    errors: FormErrors::one("not_before", m),
                    ..Default::default()
                };
                return refused(&staff, id, kept).await;
            }
        }
    };
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| Ok(svc::move_stage(c, &actor, id, seen, to, not_before)))
        .await?;
    let ok = format!("Moved to \u{201c}{}\u{201d}.", to.label());
    answer(&staff, id, r, &back(id), &ok, |errors| Kept {
        not_before: nb_raw,
        errors,
        ..Default::default()
    })
    .await
}

/// `POST /staff/prospects/{id}/contacts`.
pub async fn add_contact(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let typed = (
        fields.get("contact_name"),
        fields.get("contact_email"),
        fields.get("contact_role"),
    );
    let (n, e, r) = typed.clone();
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| Ok(svc::add_contact(c, &actor, id, &n, &e, &r)))
        .await?;
    let to = format!("{}#contacts", back(id));
    answer(&staff, id, r, &to, "Contact added.", |errors| Kept {
        contact: typed,
        errors,
        ..Default::default()
    })
    .await
}

/// `POST /staff/prospects/{id}/contacts/{contact}/remove`.
pub async fn remove_contact(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, contact) = path.into_inner();
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| svc::remove_contact(c, &actor, id, contact))
        .await?;
    Ok(redirect_with_flash(
        &format!("{}#contacts", back(id)),
        FlashKind::Success,
        "Contact removed.",
    ))
}

/// `POST /staff/prospects/{id}/do-not-contact` (`on` = 1 or 0).
pub async fn do_not_contact(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let on = Fields(form.into_inner()).get("on") == "1";
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| svc::set_do_not_contact(c, &actor, id, on))
        .await?;
    Ok(redirect_with_flash(
        &back(id),
        FlashKind::Success,
        if on {
            "Noted: nobody will write to this organisation from Steward."
        } else {
            "Outreach to this organisation is allowed again."
        },
    ))
}

// ---------------------------------------------------------------- the ask

#[derive(Template)]
#[template(path = "staff/outreach/ask.html")]
struct AskPage {
    layout: Layout,
    p: Prospect,
    contacts: Vec<(Contact, bool)>,
    chosen: Vec<i64>,
    subject: String,
    message: String,
    lines: Vec<crate::email::UsageLine>,
    errors: FormErrors,
    link_days: i64,
}

impl AskPage {
    fn is_chosen(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
}

async fn ask_page(
    staff: &S,
    id: i64,
    typed: Option<(Vec<i64>, String, String)>,
    errors: FormErrors,
) -> AppResult<AskPage> {
    let foundation = staff.settings().foundation_name.clone();
    let (p, contacts, lines) = staff
        .state
        .db
        .run(move |c| {
            let p = rows::find(c, id)?;
            let contacts = rows::contacts(c, id)?;
            let emails: Vec<String> = contacts.iter().map(|x| x.email.clone()).collect();
            let stopped = usage_rows::do_not_contact_among(c, &emails)?;
            let contacts: Vec<(Contact, bool)> = contacts
                .into_iter()
                .map(|x| {
                    let s = stopped.contains(&x.email.to_lowercase());
                    (x, s)
                })
                .collect();
            let lines = svc::usage_lines(&svc::usage_of(c, Of::Prospect(id), today())?);
            Ok((p, contacts, lines))
        })
        .await?;
    let (chosen, subject, message) = typed.unwrap_or_else(|| {
        (
            contacts
                .iter()
                .filter(|(_, stopped)| !stopped)
                .map(|(x, _)| x.id)
                .collect(),
            format!("{} and {foundation}", p.name),
            svc::default_message(&foundation, &p, &lines),
        )
    });
    Ok(AskPage {
        layout: staff.layout(&format!("Write to {}", p.name), "/staff/prospects"),
        p,
        contacts,
        chosen,
        subject,
        message,
        lines,
        errors,
        link_days: svc::USAGE_LINK_DAYS,
    })
}

/// `GET /staff/prospects/{id}/ask`.
pub async fn ask_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&ask_page(&staff, *id, None, FormErrors::new()).await?)
}

/// `POST /staff/prospects/{id}/ask`.
pub async fn ask(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let fields = Fields(form.into_inner());
    let chosen: Vec<i64> = fields
        .all("contact")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let subject = fields.get("subject");
    let message = fields.get("message");
    let a = Ask {
        contact_ids: chosen.clone(),
        subject: subject.clone(),
        message: message.clone(),
    };
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let sender = if staff.user.user.name.is_empty() {
        staff.user.user.email.clone()
    } else {
        staff.user.user.name.clone()
    };
    let sender = format!("{sender}\n{}", settings.foundation_name);
    match staff
        .state
        .db
        .run(move |c| Ok(svc::ask(c, &settings, &actor, &sender, id, &a, today())))
        .await?
    {
        Ok(n) => Ok(redirect_with_flash(
            &back(id),
            FlashKind::Success,
            &format!(
                "Sent to {n} contact{}. It is in the timeline below; the next follow-up is in two weeks at the latest.",
                if n == 1 { "" } else { "s" }
            ),
        )),
        Err(SaveError::Refused(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ask_page(&staff, id, Some((chosen, subject, message)), errors).await?,
        ),
        Err(SaveError::Failed(AppError::Conflict(m))) => {
            Ok(redirect_with_flash(&back(id), FlashKind::Error, &m))
        }
        Err(SaveError::Failed(e)) => Err(e),
    }
}
