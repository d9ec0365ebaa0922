//! Agreement templates beyond the standard one (which lives in Billing settings): one for
//! renewals, and for each programme one for new sponsorships and one for renewals. Each is
//! optional; a sponsorship uses the first written along `Variant::chain`, and its page says
//! which.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::FormErrors;
use crate::domain::form::Fields;
use crate::error::{AppError, AppResult};
use crate::models::programmes::{self, Programme};
use crate::services::agreements::{self, Variant};
use crate::web::extract::Staff;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect, redirect_with_flash, render, render_status};

use super::settings::{BillingSettingsStaff, check_typed_template, example, placeholders};

type S = Staff<BillingSettingsStaff>;

/// The list's address.
const LIST: &str = "/staff/settings/agreement-templates";

/// One row of the list.
struct Row {
    slug: String,
    name: String,
    used_for: String,
    written: bool,
}

#[derive(Template)]
#[template(path = "staff/billing/agreement_templates.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
}

/// A variant's name and what it is used for.
fn names(v: Variant, programme: Option<&Programme>) -> (String, String) {
    let title = programme.map(Programme::title).unwrap_or_default();
    match v {
        Variant::Standard => (
            "Standard template".into(),
            "New sponsorships in every programme, and whatever has no template of its own".into(),
        ),
        Variant::Renewal => (
            "Renewal template".into(),
            "Renewals in every programme without a renewal template of its own".into(),
        ),
        Variant::Programme(_) => (
            format!("{title}: new sponsorships"),
            format!("New sponsorships in {title}"),
        ),
        Variant::ProgrammeRenewal(_) => {
            (format!("{title}: renewals"), format!("Renewals in {title}"))
        }
    }
}

/// `GET /staff/settings/agreement-templates`: every template, written or falling back.
pub async fn list(staff: S) -> AppResult<HttpResponse> {
    let rows = staff
        .state
        .db
        .run(|c| {
            // A foundation has a handful of programmes a year: two queries in all.
            let mut ps = programmes::list(c)?;
            ps.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.name.cmp(&b.name)));
            let mut variants: Vec<(Variant, Option<Programme>)> =
                vec![(Variant::Standard, None), (Variant::Renewal, None)];
            for p in ps {
                variants.push((Variant::Programme(p.id), Some(p.clone())));
                variants.push((Variant::ProgrammeRenewal(p.id), Some(p)));
            }
            // Every saved template in one query, not one per programme.
            let saved: std::collections::HashSet<String> =
                crate::models::app_settings::with_prefix(c, agreements::TEMPLATE_KEY)?
                    .into_iter()
                    .filter(|(_, text)| !text.trim().is_empty())
                    .map(|(k, _)| k)
                    .collect();
            let mut rows = Vec::with_capacity(variants.len());
            for (v, p) in variants {
                let written = v == Variant::Standard || saved.contains(&v.key());
                let (name, used_for) = names(v, p.as_ref());
                rows.push(Row {
                    slug: v.slug(),
                    name,
                    used_for,
                    written,
                });
            }
            Ok(rows)
        })
        .await?;
    render(&ListPage {
        layout: staff.layout("Agreement templates", "/staff/invoices"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "staff/billing/agreement_template.html")]
struct EditPage {
    layout: Layout,
    slug: String,
    name: String,
    used_for: String,
    /// Whether this template is written (else sponsorships fall back).
    written: bool,
    /// What sponsorships use while this one is not written, in words.
    fallback: String,
    text: String,
    errors: FormErrors,
    placeholders: Vec<(String, &'static str)>,
    preview: String,
}

/// What a variant falls back to, in words, for a programme called `title`.
fn fallback_words(v: Variant, title: &str) -> String {
    match v {
        Variant::Standard => String::new(),
        Variant::Renewal => {
            "the template of the renewal's programme, or else the standard template".into()
        }
        Variant::Programme(_) => "the standard template".into(),
        Variant::ProgrammeRenewal(_) => format!(
            "the renewal template, or else the template of {title}, or else the standard template"
        ),
    }
}

/// The variant an address names, with its programme (404 for an unknown one).
async fn load(staff: &S, slug: &str) -> AppResult<(Variant, Option<Programme>, Option<String>)> {
    let v = Variant::parse(slug).ok_or(AppError::NotFound)?;
    staff
        .state
        .db
        .run(move |c| {
            let p = match v.programme() {
                Some(id) => Some(programmes::find(c, id)?),
                None => None,
            };
            Ok((v, p, agreements::saved_template(c, v)?))
        })
        .await
}

fn edit_page(
    staff: &S,
    v: Variant,
    p: Option<&Programme>,
    written: bool,
    text: String,
    errors: FormErrors,
) -> EditPage {
    let (name, used_for) = names(v, p);
    let title = p.map(Programme::title).unwrap_or_default();
    EditPage {
        layout: staff.layout(&name, "/staff/invoices"),
        slug: v.slug(),
        used_for,
        written,
        fallback: fallback_words(v, &title),
        preview: example(&text, &staff.state.settings.foundation_name),
        text,
        errors,
        placeholders: placeholders(),
        name,
    }
}

/// `GET /staff/settings/agreement-templates/{variant}`. A template not yet written starts
/// from the standard one's text, so staff change only what differs.
pub async fn edit(staff: S, path: web::Path<String>) -> AppResult<HttpResponse> {
    let slug = path.into_inner();
    if slug == "standard" {
        return Ok(redirect("/staff/settings/billing"));
    }
    let (v, p, saved) = load(&staff, &slug).await?;
    let written = saved.is_some();
    let text = match saved {
        Some(t) => t,
        None => staff.state.db.run(agreements::template).await?,
    };
    render(&edit_page(
        &staff,
        v,
        p.as_ref(),
        written,
        text,
        FormErrors::new(),
    ))
}

/// `POST /staff/settings/agreement-templates/{variant}`: saves the template, or (with
/// `action=remove`) removes it so sponsorships fall back.
pub async fn save(
    staff: S,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let slug = path.into_inner();
    let (v, p, saved) = load(&staff, &slug).await?;
    if v == Variant::Standard {
        return Err(AppError::NotFound);
    }
    let fields = Fields(form.into_inner());
    let remove = fields.get("action") == "remove";
    let typed = fields.get("template");
    let text = if remove {
        String::new()
    } else {
        match check_typed_template(&typed) {
            Ok(t) => t,
            Err(m) => {
                let mut errors = FormErrors::new();
                errors.add("template", m);
                let page = edit_page(&staff, v, p.as_ref(), saved.is_some(), typed, errors);
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        }
    };
    let (name, _) = names(v, p.as_ref());
    let actor = staff.actor();
    let what = name.clone();
    let saved_text = text.clone();
    staff
        .state
        .db
        .run(move |c| agreements::save_template(c, &actor, v, &what, &saved_text))
        .await?;
    let flash = if remove {
        format!("{name} removed: those sponsorships now use {}.", {
            let title = p.as_ref().map(Programme::title).unwrap_or_default();
            fallback_words(v, &title)
        })
    } else {
        format!("{name} saved. Agreements sent from now on use it.")
    };
    Ok(redirect_with_flash(LIST, FlashKind::Success, &flash))
}
