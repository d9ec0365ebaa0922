//! The public website's text: who the foundation is (the top of the home page) and the one
//! sentence search engines and link previews show. Administrators and editors keep it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::FormErrors;
use crate::domain::form::Fields;
use crate::error::AppResult;
use crate::services::site::{self, ABOUT_MAX, DESCRIPTION_MAX, SiteText};
use crate::web::extract::{SiteEditors, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

type S = Staff<SiteEditors>;

#[derive(Template)]
#[template(path = "staff/site_settings.html")]
struct Page {
    layout: Layout,
    f: SiteText,
    errors: FormErrors,
    about_max: usize,
    description_max: usize,
    default_about: String,
    default_description: String,
}

fn page(staff: &S, f: SiteText, errors: FormErrors) -> Page {
    let foundation = &staff.state.settings.foundation_name;
    Page {
        layout: staff.layout("Public website", "/staff/settings/site"),
        f,
        errors,
        about_max: ABOUT_MAX,
        description_max: DESCRIPTION_MAX,
        default_about: SiteText::default()
            .about_paragraphs(foundation)
            .join("\n\n"),
        default_description: site::default_description(foundation),
    }
}

/// `GET /staff/settings/site`.
pub async fn show(staff: S) -> AppResult<HttpResponse> {
    let f = staff.state.db.run(site::load).await?;
    render(&page(&staff, f, FormErrors::new()))
}

/// `POST /staff/settings/site`: both saved, or neither when one is refused.
pub async fn save(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    let fields = Fields(form.into_inner());
    let typed = SiteText {
        about: fields.get("about"),
        description: fields.get("description"),
    };
    let text = match site::parse(&typed.about, &typed.description) {
        Ok(t) => t,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&staff, typed, errors),
            );
        }
    };
    let actor = staff.actor();
    let changed = staff
        .state
        .db
        .run(move |c| site::save(c, &actor, &text))
        .await?;
    Ok(redirect_with_flash(
        "/staff/settings/site",
        FlashKind::Success,
        if changed {
            "Saved. Visitors see the new text on the home page within a minute."
        } else {
            "Nothing had changed."
        },
    ))
}
