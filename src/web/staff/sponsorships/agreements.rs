//! Agreements on the staff side: generate and send one from the template, upload one signed
//! elsewhere (a PDF, checked by content), read one, download its file; and the sponsor
//! portal's download of its own agreements' files.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};
use crate::models::sponsorships::{self, Sponsorship};
use crate::models::{sponsors, tiers};
use crate::services::agreements::{self, Agreement, MAX_PDF_BYTES};
use crate::web::extract::portal::SponsorPortal;
use crate::web::extract::{MoneyStaff, SponsorshipsStaff, Staff};
use crate::web::layout::{FlashKind, Layout};
use crate::web::staff::{fmt_opt_time, fmt_time};
use crate::web::{redirect_with_flash, render};

const MULTIPART_OVERHEAD: usize = 16 * 1024;
const OTHER_FIELDS_LIMIT: usize = 16 * 1024;
const MAX_PARTS: usize = 8;
const UNREADABLE: &str = "The upload could not be read. Choose the file again and retry.";
const NO_FILE: &str = "Choose the signed agreement (a PDF file) to upload.";

fn back(id: i64) -> String {
    format!("/staff/sponsorships/{id}")
}

/// `POST /staff/sponsorships/{id}/agreement/send`: the agreement as staff read (and perhaps
/// edited) it on the sponsorship page, or generated from the template when no text is sent;
/// emailed to the primary contacts.
pub async fn send(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let actor = staff.actor();
    let settings = staff.state.settings.clone();
    let body = form
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == "body")
        .map(|(_, v)| v);
    if let Some(b) = &body
        && let Err(m) = agreements::check_body(b)
    {
        return crate::web::staff::sponsorships::agreement_text_refused(&staff, id, &m, b.clone())
            .await;
    }
    match staff
        .state
        .db
        .run(move |c| agreements::generate_and_send(c, &settings, &actor, id, body.as_deref()))
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &back(id),
            FlashKind::Success,
            "Agreement sent. The primary contacts have a link to read and accept it.",
        )),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash(&back(id), FlashKind::Error, &m)),
        Err(e) => Err(e),
    }
}

/// The `agreement` file part, read up to the size limit and no further, and the name the
/// browser gave it (for staff to recognise; never used as a path).
async fn read_pdf_field(mut form: Multipart) -> Result<(Vec<u8>, String), String> {
    let mut other_bytes = 0usize;
    let mut parts = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| UNREADABLE.to_string())?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(UNREADABLE.into());
        }
        if field.name() != Some("agreement") {
            while let Some(chunk) = field.next().await {
                other_bytes += chunk.map_err(|_| UNREADABLE.to_string())?.len();
                if other_bytes > OTHER_FIELDS_LIMIT {
                    return Err(UNREADABLE.into());
                }
            }
            continue;
        }
        let name: String = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| UNREADABLE.to_string())?;
            if bytes.len() + chunk.len() > MAX_PDF_BYTES {
                return Err(agreements::too_large_message());
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() && name.is_empty() {
            return Err(NO_FILE.into());
        }
        return Ok((bytes, name));
    }
    Err(NO_FILE.into())
}

/// A refused file: logged and answered with the sponsorship page again, the message next to
/// the file field.
async fn refused(
    staff: &Staff<SponsorshipsStaff>,
    id: i64,
    message: &str,
) -> AppResult<HttpResponse> {
    tracing::info!(
        sponsorship = id,
        reason = message,
        "agreement upload refused"
    );
    crate::web::staff::sponsorships::agreement_refused(staff, id, message).await
}

/// `POST /staff/sponsorships/{id}/agreement/upload?csrf_token=…` (multipart): an agreement
/// signed elsewhere; the sponsorship moves to agreement accepted. A refused file writes
/// nothing.
pub async fn upload(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    req: HttpRequest,
    form: Multipart,
) -> AppResult<HttpResponse> {
    let id = *id;
    staff
        .state
        .db
        .run(move |c| Ok(sponsorships::find(c, id)?))
        .await?;
    if crate::web::declares_more_than(&req, MAX_PDF_BYTES + MULTIPART_OVERHEAD) {
        return refused(&staff, id, &agreements::too_large_message()).await;
    }
    let (bytes, name) = match read_pdf_field(form).await {
        Ok(x) => x,
        Err(m) => return refused(&staff, id, &m).await,
    };
    if let Err(m) = agreements::check_pdf(&bytes) {
        return refused(&staff, id, &m).await;
    }
    let data_dir = staff.state.settings.data_dir.clone();
    let dir = data_dir.clone();
    let key = web::block(move || agreements::store_pdf(&dir, &bytes))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("storing a PDF failed: {e}")))?
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("cannot store a PDF")))?;
    let actor = staff.actor();
    let k = key.clone();
    let shown_name = if name.trim().is_empty() {
        "agreement.pdf".to_string()
    } else {
        name
    };
    let r = staff
        .state
        .db
        .run(move |c| agreements::record_upload(c, &actor, id, &k, &shown_name))
        .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &back(id),
            FlashKind::Success,
            "Signed agreement uploaded: the agreement is now accepted. Issue the invoice next.",
        )),
        Err(e) => {
            let k = key.clone();
            let _ = web::block(move || agreements::delete_pdf(&data_dir, &k)).await;
            match e {
                AppError::Conflict(m) => Ok(redirect_with_flash(&back(id), FlashKind::Error, &m)),
                e => Err(e),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "staff/sponsorships/agreements/show.html")]
struct ShowPage {
    layout: Layout,
    a: Agreement,
    s: Sponsorship,
    sponsor_name: String,
    tier_name: String,
}

impl ShowPage {
    fn created(&self) -> String {
        fmt_time(&self.a.created_at)
    }
    fn accepted(&self) -> String {
        fmt_opt_time(&self.a.accepted_at)
    }
    fn countersigned(&self) -> String {
        fmt_opt_time(&self.a.countersigned_at)
    }
}

/// `GET /staff/agreements/{id}`: the text as sent (escaped, pre-wrapped) and its acceptance.
pub async fn show(staff: Staff<MoneyStaff>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let (a, s, sponsor_name, tier_name) = staff
        .state
        .db
        .run(move |c| {
            let a = crate::models::agreements::find(c, id)?;
            let s = sponsorships::find(c, a.sponsorship_id)?;
            let sponsor = sponsors::find(c, s.sponsor_id)?;
            let tier = tiers::find(c, s.tier_id)?;
            Ok((a, s, sponsor.name, tier.name))
        })
        .await?;
    render(&ShowPage {
        layout: staff.layout(
            &format!("Agreement: {sponsor_name} · {tier_name}"),
            "/staff/sponsorships",
        ),
        a,
        s,
        sponsor_name,
        tier_name,
    })
}

/// `POST /staff/agreements/{id}/countersign`: the foundation's signature, with the staff
/// member's name and the title typed.
pub async fn countersign(
    staff: Staff<SponsorshipsStaff>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let title = crate::domain::form::Fields(form.into_inner()).get("title");
    let (actor, user_id, name) = (
        staff.actor(),
        staff.user.user.id,
        staff.user.user.name.clone(),
    );
    let back = format!("/staff/agreements/{id}");
    let r = staff
        .state
        .db
        .run(move |c| {
            crate::services::agreements::countersign(c, &actor, user_id, &name, id, &title)
        })
        .await;
    match r {
        Ok(()) => Ok(crate::web::redirect_with_flash(
            &back,
            crate::web::layout::FlashKind::Success,
            "Countersigned: both signatures now show on the agreement.",
        )),
        Err(AppError::BadRequest(m)) | Err(AppError::Conflict(m)) => Ok(
            crate::web::redirect_with_flash(&back, crate::web::layout::FlashKind::Error, &m),
        ),
        Err(e) => Err(e),
    }
}

/// Sends a stored agreement PDF as a download, never shown inline.
async fn send_file(data_dir: std::path::PathBuf, a: Agreement) -> AppResult<HttpResponse> {
    let path = a
        .file_key
        .as_deref()
        .and_then(|k| agreements::file_path(&data_dir, k))
        .ok_or(AppError::NotFound)?;
    let bytes = match web::block(move || std::fs::read(path)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Ok(Err(e)) => {
            return Err(AppError::Unexpected(
                anyhow::Error::new(e).context("cannot read an agreement file"),
            ));
        }
        Err(e) => {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "agreement read task failed: {e}"
            )));
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"agreement-{}.pdf\"", a.id),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// `GET /staff/agreements/{id}/file`.
pub async fn staff_file(staff: Staff<MoneyStaff>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let a = staff
        .state
        .db
        .run(move |c| Ok(crate::models::agreements::find(c, id)?))
        .await?;
    send_file(staff.state.settings.data_dir.clone(), a).await
}

/// `GET /portal/agreements/{id}/file`: only an agreement of the sponsor whose link this is.
pub async fn portal_file(portal: SponsorPortal, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let sponsor_id = portal.sponsor_id;
    let a = portal
        .state
        .db
        .run(move |c| Ok(crate::models::agreements::find_for_sponsor(c, id, sponsor_id)?.0))
        .await?;
    send_file(portal.state.settings.data_dir.clone(), a).await
}
