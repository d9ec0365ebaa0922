//! Sponsors: the organisation's details, contacts, in-kind support, job listings, and the
//! acknowledgement check on the text the public will read.

pub mod descriptions;
pub mod logos;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::acknowledgement::{self, Segment};
use crate::domain::dates::parse_date;
use crate::domain::form::Fields;
use crate::domain::slug::{parse_slug, slugify};
use crate::domain::weburl::parse_website;
use crate::domain::{Currency, FormErrors, Money, text};
use crate::error::{AppError, AppResult};
use crate::models::jobs::{self, Job};
use crate::models::sponsors::{self, CONTACT_ROLES, Contact, Sponsor, SponsorFields};
use crate::models::sponsorships::{self, Filter, Row};
use crate::web::csv_export::{self, Chunk};
use crate::web::extract::{SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::pager::Pager;
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SponsorshipsStaff>;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// `pending=1`: only sponsors with a proposed description or logo to approve.
    #[serde(default)]
    pending: String,
    #[serde(default)]
    page: String,
}

/// Sponsors listed on a page.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "staff/sponsors/list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    pending: bool,
    rows: Vec<(Sponsor, bool)>,
    pager: Pager,
}

impl ListPage {
    /// The CSV of what the list shows, with the same search.
    fn csv_href(&self) -> String {
        let mut q = Vec::new();
        if !self.q.is_empty() {
            q.push(format!("q={}", crate::web::urlencode(&self.q)));
        }
        if self.pending {
            q.push("pending=1".to_string());
        }
        if q.is_empty() {
            "/staff/sponsors.csv".into()
        } else {
            format!("/staff/sponsors.csv?{}", q.join("&"))
        }
    }
}

/// Each sponsor with whether its public text reads like an advertisement.
fn flagged(list: Vec<Sponsor>) -> Vec<(Sponsor, bool)> {
    list.into_iter()
        .map(|s| {
            let flagged = !acknowledgement::find(&s.description).is_empty()
                || !acknowledgement::find(&s.tagline).is_empty()
                || s.description_pending
                    .as_deref()
                    .is_some_and(|d| !acknowledgement::find(d).is_empty())
                || s.tagline_pending
                    .as_deref()
                    .is_some_and(|t| !acknowledgement::find(t).is_empty());
            (s, flagged)
        })
        .collect()
}

/// `GET /staff/sponsors.csv?q=…&pending=1`: the sponsors the list shows, with contacts and
/// in-kind support, for spreadsheets; streamed a chunk at a time, every one the search
/// selects.
pub async fn export_csv(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let search: String = q.q.chars().take(100).collect();
    let pending = q.pending == "1";
    const HEADER: &[&str] = &[
        "Sponsor",
        "Website",
        "Country",
        "People",
        "Topics",
        "In-kind support",
        "In-kind value a month",
        "In-kind currency",
        "Logo",
        "Update to approve",
        "Reads like an advert",
        "Primary contact",
        "Billing contact",
        "Marketing contact",
    ];
    csv_export::stream(&staff.state.db, "sponsors.csv", HEADER, move |c, after| {
        let rows = sponsors::chunk_after(c, &search, pending, after, csv_export::CHUNK)?;
        let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
        let contacts = sponsors::contacts_of_all(c, &ids)?;
        Ok(Chunk::of(
            flagged(rows),
            |(s, _)| s.id,
            |(s, flagged)| {
                let of = contacts.get(&s.id).map_or(&[][..], Vec::as_slice);
                let logo = if s.logo_pending_key.is_some() {
                    "to approve"
                } else if s.logo_key.is_some() {
                    "live"
                } else {
                    "none"
                };
                vec![vec![
                    s.name.clone(),
                    s.website.clone(),
                    s.country.clone(),
                    s.org_size.map(|n| n.to_string()).unwrap_or_default(),
                    s.topics.clone(),
                    s.inkind_description.clone(),
                    match (s.inkind_value_minor, &s.inkind_currency) {
                        (Some(v), Some(cur)) => crate::models::invoices::money_plain(v, cur),
                        _ => String::new(),
                    },
                    s.inkind_currency.clone().unwrap_or_default(),
                    logo.to_string(),
                    if s.has_update_to_approve() { "yes" } else { "" }.to_string(),
                    if flagged { "yes" } else { "" }.to_string(),
                    sponsors::contacts_with_role(of, "primary"),
                    sponsors::contacts_with_role(of, "billing"),
                    sponsors::contacts_with_role(of, "marketing"),
                ]]
            },
        ))
    })
    .await
}

pub async fn list(staff: S, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let search: String = q.q.chars().take(100).collect();
    let s2 = search.clone();
    let pending = q.pending == "1";
    let asked = q.page.clone();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("q", &search);
    }
    if pending {
        query.append_pair("pending", "1");
    }
    let page_url = crate::web::pager::links("/staff/sponsors", query.finish());
    let (rows, pager) = staff
        .state
        .db
        .run(move |c| {
            let total = sponsors::count_matching(c, &s2, pending)?;
            let pager = Pager::new(Some(asked.as_str()), total, PER_PAGE, page_url);
            let rows = flagged(sponsors::page(c, &s2, pending, pager.offset(), PER_PAGE)?);
            Ok((rows, pager))
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Sponsors", "/staff/sponsors"),
        q: search,
        pending,
        rows,
        pager,
    })
}

/// The sponsor form as typed.
#[derive(Clone, Default)]
pub struct SponsorInput {
    pub name: String,
    pub slug: String,
    pub website: String,
    pub description: String,
    pub tagline: String,
    pub org_size: String,
    pub country: String,
    pub topics: String,
    pub inkind_description: String,
    pub inkind_value: String,
    pub inkind_currency: String,
}

impl SponsorInput {
    fn from_fields(f: &Fields) -> SponsorInput {
        SponsorInput {
            name: f.get("name"),
            slug: f.get("slug"),
            website: f.get("website"),
            description: f.get("description"),
            tagline: f.get("tagline"),
            org_size: f.get("org_size"),
            country: f.get("country"),
            topics: f.get("topics"),
            inkind_description: f.get("inkind_description"),
            inkind_value: f.get("inkind_value"),
            inkind_currency: f.get("inkind_currency"),
        }
    }

    fn from_sponsor(s: &Sponsor) -> SponsorInput {
        SponsorInput {
            name: s.name.clone(),
            slug: s.slug.clone(),
            website: s.website.clone(),
            description: s.description.clone(),
            tagline: s.tagline.clone(),
            org_size: s.org_size.map(|n| n.to_string()).unwrap_or_default(),
            country: s.country.clone(),
            topics: s.topics.clone(),
            inkind_description: s.inkind_description.clone(),
            inkind_value: s.inkind_value().map(|m| m.plain()).unwrap_or_default(),
            inkind_currency: s.inkind_currency.clone().unwrap_or_else(|| "USD".into()),
        }
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<SponsorFields> {
        let name = text::single_line(&self.name, "the organisation's name", 200)
            .map_err(|m| errors.add("name", m))
            .ok();
        let slug_in = if self.slug.trim().is_empty() {
            slugify(&self.name)
        } else {
            self.slug.clone()
        };
        let slug = if slug_in.is_empty() && name.is_some() {
            errors.add("slug", "The name has no Latin letters to make a web address from: enter one, like acme-cloud.");
            None
        } else {
            parse_slug(&slug_in).map_err(|m| errors.add("slug", m)).ok()
        };
        let website = parse_website(&self.website)
            .map_err(|m| errors.add("website", m))
            .ok();
        let description = text::optional_multi_line(&self.description, "the description", 5000)
            .map_err(|m| errors.add("description", m))
            .ok();
        let tagline = if self.tagline.trim().is_empty() {
            Some(String::new())
        } else {
            text::single_line(&self.tagline, "the tagline", 160)
                .map_err(|m| errors.add("tagline", m))
                .ok()
        };
        let org_size = if self.org_size.trim().is_empty() {
            Some(None)
        } else {
            match self.org_size.trim().replace(',', "").parse::<i32>() {
                Ok(n) if (0..=10_000_000).contains(&n) => Some(Some(n)),
                _ => {
                    errors.add("org_size", "Enter the number of people, like 25.");
                    None
                }
            }
        };
        let country = if self.country.trim().is_empty() {
            Some(String::new())
        } else {
            text::single_line(&self.country, "the country", 80)
                .map_err(|m| errors.add("country", m))
                .ok()
        };
        let topics = {
            let list: Vec<String> = self
                .topics
                .split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect();
            if list
                .iter()
                .any(|t| t.len() > 40 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            {
                errors.add(
                    "topics",
                    "Topics are short words separated by commas, like cloud, security.",
                );
                None
            } else if list.len() > 20 {
                errors.add("topics", "List at most 20 topics.");
                None
            } else {
                Some(list.join(", "))
            }
        };
        let inkind_description =
            text::optional_multi_line(&self.inkind_description, "the in-kind support", 500)
                .map_err(|m| errors.add("inkind_description", m))
                .ok();
        let inkind_value = if self.inkind_value.trim().is_empty() {
            Some(None)
        } else {
            Currency::parse(&self.inkind_currency)
                .and_then(|c| Money::parse(&self.inkind_value, c))
                .map(Some)
                .map_err(|m| errors.add("inkind_value", m))
                .ok()
        };
        Some(SponsorFields {
            name: name?,
            slug: slug?,
            website: website?,
            description: description?,
            tagline: tagline?,
            org_size: org_size?,
            country: country?,
            topics: topics?,
            inkind_description: inkind_description?,
            inkind_value_minor: inkind_value?.map(|m| m.minor),
            inkind_currency: inkind_value?.map(|m| m.currency.code().to_string()),
        })
    }
}

#[derive(Template)]
#[template(path = "staff/sponsors/form.html")]
struct FormPage {
    layout: Layout,
    sponsor_id: Option<i64>,
    errors: FormErrors,
    f: SponsorInput,
    currencies: Vec<&'static str>,
}

fn form_page(staff: &S, sponsor_id: Option<i64>, errors: FormErrors, f: SponsorInput) -> FormPage {
    FormPage {
        layout: staff.layout(
            if sponsor_id.is_some() {
                "Edit sponsor"
            } else {
                "New sponsor"
            },
            "/staff/sponsors",
        ),
        sponsor_id,
        errors,
        f,
        currencies: crate::domain::money::CURRENCIES
            .iter()
            .map(|(c, _)| *c)
            .collect(),
    }
}

pub async fn new_form(staff: S) -> AppResult<HttpResponse> {
    render(&form_page(
        &staff,
        None,
        FormErrors::new(),
        SponsorInput {
            inkind_currency: "USD".into(),
            ..Default::default()
        },
    ))
}

pub async fn create(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    save(staff, None, Fields(form.into_inner())).await
}

pub async fn edit_form(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let s = staff
        .state
        .db
        .run(move |c| Ok(sponsors::find(c, id)?))
        .await?;
    render(&form_page(
        &staff,
        Some(id),
        FormErrors::new(),
        SponsorInput::from_sponsor(&s),
    ))
}

pub async fn update(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    save(staff, Some(*id), Fields(form.into_inner())).await
}

async fn save(staff: S, id: Option<i64>, f: Fields) -> AppResult<HttpResponse> {
    let input = SponsorInput::from_fields(&f);
    let mut errors = FormErrors::new();
    let parsed = input.parse(&mut errors);
    let Some(fields) = parsed.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&staff, id, errors, input),
        );
    };
    let actor = staff.actor();
    let flagged = !acknowledgement::find(&fields.description).is_empty()
        || !acknowledgement::find(&fields.tagline).is_empty();
    let r = staff
        .state
        .db
        .run(move |c| crate::services::sponsors::save(c, &actor, id, &fields))
        .await;
    match r {
        Ok(sid) => Ok(redirect_with_flash(
            &format!("/staff/sponsors/{sid}"),
            if flagged {
                FlashKind::Warning
            } else {
                FlashKind::Success
            },
            if flagged {
                "Saved. Some of the public text reads like advertising; see the highlighted phrases below."
            } else {
                "Saved."
            },
        )),
        Err(AppError::Conflict(m)) => {
            let mut errors = FormErrors::new();
            errors.add("slug", m);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&staff, id, errors, input),
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/sponsors/show.html")]
struct ShowPage {
    layout: Layout,
    sponsor: Sponsor,
    description: Vec<Segment>,
    tagline: Vec<Segment>,
    flagged: bool,
    /// The description the sponsor proposed, checked like the public one.
    pending: Vec<Segment>,
    /// The tagline and website proposed with it, when they change.
    pending_tagline: Option<Vec<Segment>>,
    pending_website: Option<String>,
    /// The fingerprint of the proposal on the page (what an approval applies to).
    pending_seen: String,
    pending_flagged: bool,
    contacts: Vec<Contact>,
    roles: Vec<(&'static str, &'static str)>,
    sponsorships: Vec<Row>,
    /// The newest changes and emails about this sponsor (its timeline).
    timeline: crate::web::staff::timeline::Recent,
    jobs: Vec<Job>,
    today: chrono::NaiveDate,
    errors: FormErrors,
    contact: (String, String, String),
    job: (String, String, bool, String, String),
}

impl ShowPage {
    fn when(&self, i: &crate::models::timeline::Item) -> String {
        crate::web::staff::timeline::when(i)
    }
    fn status_label(&self, i: &crate::models::timeline::Item) -> &'static str {
        crate::web::staff::timeline::status_label(i)
    }
    fn timeline_base(&self) -> String {
        format!("/staff/sponsors/{}", self.sponsor.id)
    }
    fn inkind(&self) -> String {
        self.sponsor
            .inkind_value()
            .map(|m| format!("{m} a month"))
            .unwrap_or_default()
    }
}

async fn show_page(
    staff: &S,
    id: i64,
    errors: FormErrors,
    f: Option<&Fields>,
) -> AppResult<ShowPage> {
    show_page_inner(staff, id, errors, f).await
}

/// The sponsor page again (422) with `message` next to the logo's file field: a refused
/// upload keeps the page it came from.
pub async fn logo_refused(staff: &S, id: i64, message: &str) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::new();
    errors.add("logo", message);
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &show_page(staff, id, errors, None).await?,
    )
}

async fn show_page_inner(
    staff: &S,
    id: i64,
    errors: FormErrors,
    f: Option<&Fields>,
) -> AppResult<ShowPage> {
    let (sponsor, contacts, rows, jobs, timeline) = staff
        .state
        .db
        .run(move |c| {
            let s = sponsors::find(c, id)?;
            let contacts = sponsors::contacts(c, id)?;
            let rows = sponsorships::list(
                c,
                &Filter {
                    sponsor_id: Some(id),
                    ..Default::default()
                },
                200,
            )?;
            let jobs = jobs::for_sponsor(c, id)?;
            let timeline = crate::web::staff::timeline::recent(
                c,
                crate::models::timeline::Owner::Sponsor(id),
            )?;
            Ok((s, contacts, rows, jobs, timeline))
        })
        .await?;
    let description = acknowledgement::segments(&sponsor.description);
    let tagline = acknowledgement::segments(&sponsor.tagline);
    let flagged = description.iter().chain(tagline.iter()).any(|s| s.flagged);
    let proposal = crate::models::portal_views::Proposal::of(&sponsor);
    let pending = acknowledgement::segments(sponsor.description_pending.as_deref().unwrap_or(""));
    let pending_tagline = proposal
        .as_ref()
        .and_then(|p| p.tagline.as_ref())
        .filter(|t| **t != sponsor.tagline)
        .map(|t| acknowledgement::segments(t));
    let pending_website = proposal
        .as_ref()
        .and_then(|p| p.website.clone())
        .filter(|w| *w != sponsor.website);
    let pending_seen = proposal
        .as_ref()
        .map(crate::services::portal_actions::fingerprint)
        .unwrap_or_default();
    let pending_flagged = pending
        .iter()
        .chain(pending_tagline.iter().flatten())
        .any(|s| s.flagged);
    let get = |k: &str| f.map(|f| f.get(k)).unwrap_or_default();
    Ok(ShowPage {
        layout: staff.layout(&sponsor.name, "/staff/sponsors"),
        description,
        tagline,
        flagged,
        pending,
        pending_tagline,
        pending_website,
        pending_seen,
        pending_flagged,
        contacts,
        roles: CONTACT_ROLES.to_vec(),
        sponsorships: rows,
        jobs,
        timeline,
        today: chrono::Utc::now().date_naive(),
        errors,
        contact: (
            get("contact_name"),
            get("contact_email"),
            get("contact_role"),
        ),
        job: (
            get("title"),
            get("location"),
            f.is_some_and(|f| f.checked("remote")),
            get("url"),
            get("expires_on"),
        ),
        sponsor,
    })
}

pub async fn show(staff: S, id: web::Path<i64>) -> AppResult<HttpResponse> {
    render(&show_page(&staff, *id, FormErrors::new(), None).await?)
}

pub async fn add_contact(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let parsed = crate::services::sponsors::parse_contact(
        &f.get("contact_name"),
        &f.get("contact_email"),
        &f.get("contact_role"),
    );
    let new = match parsed {
        Ok(n) => n,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&staff, id, errors, Some(&f)).await?,
            );
        }
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| crate::services::sponsors::add_contact(c, &actor, id, &new))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/sponsors/{id}"),
        FlashKind::Success,
        "Contact added.",
    ))
}

pub async fn remove_contact(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let actor = staff.actor();
    let r = staff
        .state
        .db
        .run(move |c| crate::services::sponsors::remove_contact(c, &actor, id, cid))
        .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/staff/sponsors/{id}"),
            FlashKind::Success,
            "Contact removed.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(
            &format!("/staff/sponsors/{id}"),
            FlashKind::Error,
            &m,
        )),
        Err(e) => Err(e),
    }
}

pub async fn add_job(
    staff: S,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let f = Fields(form.into_inner());
    let mut errors = FormErrors::new();
    let title = text::single_line(&f.get("title"), "the job title", 200)
        .map_err(|m| errors.add("title", m))
        .ok();
    let location = if f.get("location").trim().is_empty() {
        Some(String::new())
    } else {
        text::single_line(&f.get("location"), "the location", 120)
            .map_err(|m| errors.add("location", m))
            .ok()
    };
    let url = parse_website(&f.get("url"))
        .map_err(|m| errors.add("url", m))
        .ok();
    let expires = parse_date(&f.get("expires_on"), "the last day the listing is shown")
        .map_err(|m| errors.add("expires_on", m))
        .ok();
    if expires.is_some_and(|d| d < chrono::Utc::now().date_naive()) {
        errors.add("expires_on", "That day has passed; choose a later one.");
    }
    let (Some(title), Some(location), Some(url), Some(expires_on), true) =
        (title, location, url, expires, errors.is_empty())
    else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&staff, id, errors, Some(&f)).await?,
        );
    };
    let actor = staff.actor();
    let remote = f.checked("remote");
    staff
        .state
        .db
        .run(move |c| {
            crate::services::sponsors::add_job(
                c, &actor, id, title, location, remote, url, expires_on,
            )
        })
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/sponsors/{id}"),
        FlashKind::Success,
        "Job listing added. It shows on the jobs page while the sponsor is active.",
    ))
}

pub async fn remove_job(staff: S, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, jid) = path.into_inner();
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| crate::services::sponsors::remove_job(c, &actor, id, jid))
        .await?;
    Ok(redirect_with_flash(
        &format!("/staff/sponsors/{id}"),
        FlashKind::Success,
        "Job listing removed.",
    ))
}
