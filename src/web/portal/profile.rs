//! The sponsor's own page in the portal ("Your organisation"): the public profile proposed
//! for staff approval (with the same advertising check staff see, shown on preview), the
//! logo, the billing address, the colleagues who are contacts, and switching to another
//! sponsor the same address is a contact of (listed on the portal's overview).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::acknowledgement::{self, Segment};
use crate::domain::form::Fields;
use crate::domain::weburl::parse_website;
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult, SaveError};
use crate::models::portal_views::Proposal;
use crate::models::sponsors::{self, CONTACT_ROLES, Contact, Sponsor};
use crate::services::portal_actions;
use crate::services::sponsor_self_service::{self as self_service, ContactRoles};
use crate::web::extract::portal::{LinkKind, SponsorPortal};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render_status};

/// What was typed in the page's forms, shown again when one is refused (or previewed).
#[derive(Clone, Debug, Default)]
pub struct Typed {
    /// Website, tagline, description.
    pub profile: Option<(String, String, String)>,
    pub billing_address: Option<String>,
    /// Name, address, role of a colleague being added.
    pub colleague: (String, String, String),
}

/// The proposed profile as it would appear, checked for advertising.
pub struct Preview {
    pub tagline: Vec<Segment>,
    pub description: Vec<Segment>,
    pub flagged: bool,
}

#[derive(Template)]
#[template(path = "portal/profile.html")]
struct ProfilePage {
    layout: Layout,
    sponsor: Sponsor,
    errors: FormErrors,
    roles: ContactRoles,
    /// Website, tagline, description in the form.
    profile: (String, String, String),
    preview: Option<Preview>,
    billing_address: String,
    contacts: Vec<Contact>,
    role_names: Vec<(&'static str, &'static str)>,
    colleague: (String, String, String),
    /// Who is looking (their own entries say "you").
    email: String,
}

impl ProfilePage {
    fn role_label(&self, role: &str) -> &'static str {
        CONTACT_ROLES
            .iter()
            .find(|(k, _)| *k == role)
            .map(|(_, l)| *l)
            .unwrap_or("Contact")
    }
    fn is_me(&self, c: &Contact) -> bool {
        c.email.eq_ignore_ascii_case(&self.email)
    }
}

/// The page, with what was typed and any messages (or a preview).
pub(super) async fn page(
    p: &SponsorPortal,
    typed: Typed,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    page_with(p, typed, errors, None, status).await
}

async fn page_with(
    p: &SponsorPortal,
    typed: Typed,
    errors: FormErrors,
    preview: Option<Preview>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let sid = p.sponsor_id;
    let (sponsor, contacts) = p
        .state
        .db
        .run(move |c| Ok((sponsors::find(c, sid)?, sponsors::contacts(c, sid)?)))
        .await?;
    let roles = ContactRoles::of(&contacts, &p.email);
    // The form shows the proposal waiting for staff, else what is public.
    let profile = typed
        .profile
        .unwrap_or_else(|| match Proposal::of(&sponsor) {
            Some(w) => (
                w.website.unwrap_or_else(|| sponsor.website.clone()),
                w.tagline.unwrap_or_else(|| sponsor.tagline.clone()),
                w.description,
            ),
            None => (
                sponsor.website.clone(),
                sponsor.tagline.clone(),
                sponsor.description.clone(),
            ),
        });
    render_status(
        status,
        &ProfilePage {
            layout: super::pages::layout(p, "Your organisation", "/portal/profile"),
            billing_address: typed
                .billing_address
                .unwrap_or_else(|| sponsor.billing_address.clone()),
            sponsor,
            errors,
            roles,
            profile,
            preview,
            contacts,
            role_names: CONTACT_ROLES.to_vec(),
            // A new colleague starts as a marketing contact: the role that can do least.
            colleague: match typed.colleague {
                (n, e, r) if r.is_empty() => (n, e, "marketing".into()),
                c => c,
            },
            email: p.email.clone(),
        },
    )
}

/// `GET /portal/profile`.
pub async fn show(p: SponsorPortal) -> AppResult<HttpResponse> {
    page(&p, Typed::default(), FormErrors::new(), StatusCode::OK).await
}

/// The proposed profile checked: website http(s), tagline one line of at most 160
/// characters, description at most 2,000. A field left out of the form keeps its current
/// value.
fn parse_profile(f: &Fields, s: &Sponsor) -> Result<Proposal, FormErrors> {
    let mut errors = FormErrors::new();
    let present = |k: &str| f.0.iter().any(|(n, _)| n == k);
    let website = if present("website") {
        let typed = f.get("website");
        if typed.trim().is_empty() {
            Some(String::new())
        } else {
            parse_website(&typed)
                .map_err(|m| errors.add("website", m))
                .ok()
        }
    } else {
        Some(s.website.clone())
    };
    let tagline = if present("tagline") {
        text::optional_single_line(&f.get("tagline"), "the tagline", 160)
            .map_err(|m| errors.add("tagline", m))
            .ok()
    } else {
        Some(s.tagline.clone())
    };
    let description =
        match text::optional_multi_line(&f.get("description"), "the description", 2000) {
            Ok(t) if t.is_empty() => {
                errors.add(
                    "description",
                    "Write a description: a few sentences on who you are and why you support us.",
                );
                None
            }
            Ok(t) => Some(t),
            Err(m) => {
                errors.add("description", m);
                None
            }
        };
    match (website, tagline, description, errors.is_empty()) {
        (Some(website), Some(tagline), Some(description), true) => Ok(Proposal {
            description,
            tagline: Some(tagline),
            website: Some(website),
        }),
        _ => Err(errors),
    }
}

/// `POST /portal/profile/description`: the public profile (website, tagline, description)
/// previewed (`action=preview`: shown as it would appear, with any advertising flagged, and
/// nothing saved) or sent for staff approval.
pub async fn propose(
    p: SponsorPortal,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = Fields(form.into_inner());
    let typed = Typed {
        profile: Some((
            fields.get("website"),
            fields.get("tagline"),
            fields.get("description"),
        )),
        ..Typed::default()
    };
    let (sid, email) = (p.sponsor_id, p.email.clone());
    let (sponsor, roles) = p
        .state
        .db
        .run(move |c| {
            Ok((
                sponsors::find(c, sid)?,
                self_service::roles(c, sid, &email)?,
            ))
        })
        .await?;
    if !roles.may_edit_profile() {
        return Err(AppError::Forbidden);
    }
    let proposal = match parse_profile(&fields, &sponsor) {
        Ok(x) => x,
        Err(errors) => {
            return page(&p, typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if fields.get("action") == "preview" {
        let tagline = acknowledgement::segments(proposal.tagline.as_deref().unwrap_or(""));
        let description = acknowledgement::segments(&proposal.description);
        let flagged = tagline.iter().chain(description.iter()).any(|s| s.flagged);
        let preview = Preview {
            tagline,
            description,
            flagged,
        };
        return page_with(&p, typed, FormErrors::new(), Some(preview), StatusCode::OK).await;
    }
    let flagged = !acknowledgement::find(&proposal.description).is_empty()
        || proposal
            .tagline
            .as_deref()
            .is_some_and(|t| !acknowledgement::find(t).is_empty());
    let actor = p.actor();
    p.state
        .db
        .run(move |c| portal_actions::propose_profile(c, &actor, sid, &proposal))
        .await?;
    let (kind, message) = if flagged {
        (
            FlashKind::Warning,
            "Sent. Parts of it read like an advertisement (an offer or a call to action); our staff may ask you to reword them before it appears.",
        )
    } else {
        (
            FlashKind::Success,
            "Thank you. Our staff will read the update before it appears on your profile.",
        )
    };
    Ok(redirect_with_flash("/portal/profile", kind, message))
}

/// `POST /portal/profile/billing-address`: the address printed on the next invoices (primary
/// and billing contacts).
pub async fn save_billing_address(
    p: SponsorPortal,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let typed = Fields(form.into_inner()).get("billing_address");
    let address =
        match text::optional_multi_line(&typed, "the billing address", text::BILLING_ADDRESS_MAX) {
            Ok(a) => a,
            Err(m) => {
                let t = Typed {
                    billing_address: Some(typed),
                    ..Typed::default()
                };
                let errors = FormErrors::one("billing_address", m);
                return page(&p, t, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        };
    let (sid, email, actor) = (p.sponsor_id, p.email.clone(), p.actor());
    let changed = p
        .state
        .db
        .run(move |c| self_service::set_billing_address(c, &actor, sid, &email, &address))
        .await?;
    Ok(redirect_with_flash(
        "/portal/profile",
        FlashKind::Success,
        if changed {
            "Billing address saved. Invoices from now on carry it; invoices already issued keep theirs."
        } else {
            "The billing address is unchanged."
        },
    ))
}

/// `POST /portal/contacts`: a primary contact adds a colleague.
pub async fn add_colleague(
    p: SponsorPortal,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let f = Fields(form.into_inner());
    let typed = Typed {
        colleague: (
            f.get("contact_name"),
            f.get("contact_email"),
            f.get("contact_role"),
        ),
        ..Typed::default()
    };
    let refused = |errors| page(&p, typed.clone(), errors, StatusCode::UNPROCESSABLE_ENTITY);
    let parsed = crate::services::sponsors::parse_contact(
        &typed.colleague.0,
        &typed.colleague.1,
        &typed.colleague.2,
    );
    let new = match parsed {
        Ok(n) => n,
        Err(e) => return refused(e).await,
    };
    let (sid, email, actor) = (p.sponsor_id, p.email.clone(), p.actor());
    let who = format!("{} ({})", new.name, new.email);
    let r = p
        .state
        .db
        .run(move |c| Ok(self_service::add_colleague(c, &actor, sid, &email, &new)))
        .await?;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            "/portal/profile#contacts",
            FlashKind::Success,
            &format!(
                "{who} is now a contact. They can ask for their own private link on the portal's sign-in page with their address."
            ),
        )),
        Err(SaveError::Refused(e)) => refused(e).await,
        Err(SaveError::Failed(e)) => Err(e),
    }
}

/// `POST /portal/contacts/{id}/remove`: a primary contact removes a colleague (or
/// themselves, when another primary contact remains).
pub async fn remove_colleague(p: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (sid, email, actor, cid) = (p.sponsor_id, p.email.clone(), p.actor(), *id);
    let r = p
        .state
        .db
        .run(move |c| self_service::remove_colleague(c, &actor, sid, &email, cid))
        .await;
    match r {
        Ok(true) => {
            LinkKind::SPONSOR.clear_cookie(&p);
            Ok(redirect_with_flash(
                "/portal/link",
                FlashKind::Success,
                "You are no longer a contact of this sponsor, and your link has ended.",
            ))
        }
        Ok(false) => Ok(redirect_with_flash(
            "/portal/profile#contacts",
            FlashKind::Success,
            "Contact removed. Their private links to this sponsor have ended.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(
            "/portal/profile#contacts",
            FlashKind::Error,
            &m,
        )),
        Err(e) => Err(e),
    }
}

/// `POST /portal/switch`: opens another sponsor the same address is a contact of, with a
/// link that ends when the one in use does.
pub async fn switch(
    p: SponsorPortal,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let to: i64 = Fields(form.into_inner())
        .get("sponsor")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let (email, expires_at) = (p.email.clone(), p.expires_at);
    let (raw, name) = p
        .state
        .db
        .run(move |c| self_service::switch(c, to, &email, expires_at))
        .await?;
    LinkKind::SPONSOR.set_cookie(&p, &raw);
    Ok(redirect_with_flash(
        "/portal",
        FlashKind::Success,
        &format!("You are now looking at {name}."),
    ))
}
