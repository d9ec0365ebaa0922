//! `/grants/portal`: the applicant's private page, reached by the link in our emails. Every
//! handler takes `GrantPortal` and loads records only through its `application_id` (no id
//! from the browser is ever used to find an application): one applicant's link can never
//! reach another's application or files.

pub mod apply;
pub mod upload;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::grants::Status;
use crate::domain::{FormErrors, text};
use crate::error::{AppError, AppResult};
use crate::models::grant_applications::{self as apps, GrantApplication, GrantFile};
use crate::models::grant_disbursements as disbursements;
use crate::models::grant_programmes as programmes;
use crate::services::Actor;
use crate::services::grant_applications::{
    self as service, MAX_MESSAGE_CHARS, MAX_REPORT_CHARS, MAX_REPORT_FILES, StoredFile,
};
use crate::web::extract::Ctx;
use crate::web::extract::portal::{GrantPortal, LinkKind};
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

use super::enter;
use super::link::{LinkForm, LinkQuery};

/// A date as applicants read it: "3 March 2027".
fn day(d: &chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A time as applicants read it (UTC).
fn when(t: &chrono::NaiveDateTime) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

// Entering, leaving, asking for a link.

/// Where to go after opening the link: an applicant page named in `?next=`, else the
/// overview.
fn landing(next: Option<&str>) -> &str {
    enter::landing_under(LinkKind::APPLICANT.home(), next)
}

/// `GET /grants/portal/enter/{token}`: the token moves from the address bar into the
/// applicant cookie (so it does not linger in history or Referer headers); an expired or
/// unknown link leads to the page where a new one can be requested.
pub async fn enter(
    ctx: Ctx,
    path: web::Path<String>,
    q: web::Query<enter::Next>,
) -> AppResult<HttpResponse> {
    enter::open(
        ctx,
        LinkKind::APPLICANT,
        path.into_inner(),
        landing(q.get()),
    )
    .await
}

#[derive(Template)]
#[template(path = "portal/grants/link.html")]
struct LinkPage {
    layout: Layout,
    email: String,
    errors: FormErrors,
    /// Why the visitor is here: "expired", "unknown", or "".
    reason: &'static str,
    sent: bool,
}

/// `GET /grants/portal/link`.
pub async fn link_form(ctx: Ctx, q: web::Query<LinkQuery>) -> AppResult<HttpResponse> {
    render(&LinkPage {
        layout: ctx.layout("Your grant application link", ""),
        email: String::new(),
        errors: FormErrors::new(),
        reason: q.reason(),
        sent: q.sent(),
    })
}

/// The same answer whatever happened: nobody learns whether an address applied.
const LINK_SENT: &str = "If that address sent us a grant application, a link is on its way. It can take a few minutes to arrive.";

/// `POST /grants/portal/link`: emails links to the applications sent from the address,
/// within the throttle; always answers the same way.
pub async fn link_request(ctx: Ctx, form: web::Form<LinkForm>) -> AppResult<HttpResponse> {
    let email = match form.into_inner().parse() {
        Ok(e) => e,
        Err((typed, errors)) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LinkPage {
                    layout: ctx.layout("Your grant application link", ""),
                    email: typed,
                    errors,
                    reason: "",
                    sent: false,
                },
            );
        }
    };
    let actor = Actor::visitor("grant link request", ctx.client_addr());
    let settings = ctx.state.settings.clone();
    ctx.state
        .db
        .run(move |c| service::request_links(c, &settings, &actor, &email))
        .await?;
    Ok(redirect_with_flash(
        "/grants/portal/link?sent=1",
        FlashKind::Info,
        LINK_SENT,
    ))
}

/// `POST /grants/portal/leave`: forgets the link in this browser.
pub async fn leave(ctx: Ctx) -> AppResult<HttpResponse> {
    LinkKind::APPLICANT.clear_cookie(&ctx);
    Ok(redirect_with_flash(
        "/grants/portal/link",
        FlashKind::Success,
        "You have left your application's page. Your emailed link still works until it expires.",
    ))
}

// The overview.

/// One step of the history, in plain words.
pub struct Step {
    pub date: String,
    pub words: &'static str,
    /// The applicant made this move.
    pub by_you: bool,
}

fn step_words(from: Option<&str>, to: &str) -> &'static str {
    match (from, to.parse::<Status>()) {
        (None, _) => "Application received",
        (_, Ok(Status::UnderReview)) if from == Some("submitted") => "Review started",
        (_, Ok(Status::UnderReview)) => "Back under review",
        (_, Ok(Status::InfoRequested)) => "We asked you for more information",
        (_, Ok(Status::Approved)) => "Grant approved",
        (_, Ok(Status::Declined)) => "Application declined",
        (_, Ok(Status::Withdrawn)) => "Application withdrawn",
        (_, Ok(Status::Paid)) => "Grant paid",
        (_, Ok(Status::ReportDue)) => "Report requested",
        (_, Ok(Status::ReportReceived)) => "Report received",
        (_, Ok(Status::Closed)) => "Grant closed",
        _ => "Changed",
    }
}

pub struct MessageView {
    pub mine: bool,
    pub who: String,
    pub when: String,
    pub body: String,
}

pub struct DecisionView {
    pub approved: bool,
    pub awarded: Option<String>,
    pub note: String,
    pub date: String,
}

pub struct PaymentView {
    pub date: String,
    pub amount: String,
    pub method: &'static str,
}

/// What the applicant typed into the overview's forms (kept on errors).
#[derive(Default)]
pub struct Typed {
    pub reply: String,
    pub report: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "portal/grants/home.html")]
struct Overview {
    layout: Layout,
    a: GrantApplication,
    programme: String,
    status: Status,
    next: String,
    steps: Vec<Step>,
    lines: Vec<(String, String)>,
    messages: Vec<MessageView>,
    may_message: bool,
    decision: Option<DecisionView>,
    /// The grant was awarded: show the payment section.
    awarded: bool,
    payments: Vec<PaymentView>,
    report: Option<(String, String)>,
    report_open: bool,
    /// For a paid grant whose event is still to come: the day the report form opens.
    report_opens: Option<String>,
    report_due: Option<String>,
    application_files: Vec<GrantFile>,
    report_files: Vec<GrantFile>,
    can_withdraw: bool,
    email: String,
    errors: FormErrors,
    typed: Typed,
    max_report_files: usize,
}

/// "What's next", for each status.
fn next_words(a: &GrantApplication, today: chrono::NaiveDate) -> String {
    let due = a.report_due_on.map(|d| day(&d));
    match a.status() {
        Status::Submitted => "We have your application. Reviewers will start on it soon; we write to you if we need anything.".into(),
        Status::UnderReview => "Reviewers are reading your application. We write to you if we need more information, and when there is a decision.".into(),
        Status::InfoRequested => "We asked you a question: please answer it below. The review continues once you reply.".into(),
        Status::Approved => "Your grant was approved. We will pay it out and tell you when the money is sent.".into(),
        Status::Declined => "We could not fund this application. You can read the decision below.".into(),
        Status::Withdrawn => "You withdrew this application. Nothing more is needed.".into(),
        Status::Paid | Status::ReportDue if a.report_overdue(today) => format!(
            "Your report was due on {}. Please send it below as soon as you can.",
            due.unwrap_or_default()
        ),
        Status::Paid => match due {
            Some(d) => format!("The grant was paid. After your event, send us a short report below, by {d}."),
            None => "The grant was paid. After your event, send us a short report below.".into(),
        },
        Status::ReportDue => match due {
            Some(d) => format!("Your event is over: please send us your report below by {d}."),
            None => "Your event is over: please send us your report below.".into(),
        },
        Status::ReportReceived => "Thank you for your report. We will close the grant once we have read it.".into(),
        Status::Closed => "This grant is closed. Thank you!".into(),
    }
}

async fn overview_page(p: &GrantPortal, errors: FormErrors, typed: Typed) -> AppResult<Overview> {
    let id = p.application_id;
    let (a, programme, events, lines, messages, decision, payments, report, files) = p
        .state
        .db
        .run(move |c| {
            let a = apps::find(c, id)?;
            let programme = programmes::find(c, a.programme_id)?.name;
            Ok((
                a,
                programme,
                apps::events(c, id)?,
                apps::budget_lines(c, id)?,
                apps::messages(c, id)?,
                apps::decision(c, id)?,
                disbursements::for_application(c, id)?,
                apps::report(c, id)?,
                apps::files(c, id)?,
            ))
        })
        .await?;
    let today = chrono::Utc::now().date_naive();
    let status = a.status();
    let steps = events
        .iter()
        .map(|e| Step {
            date: day(&e.at.date()),
            words: step_words(e.from_status.as_deref(), &e.to_status),
            by_you: e.actor.starts_with("applicant "),
        })
        .collect();
    let lines = lines
        .iter()
        .map(|l| (l.label.clone(), a.money_label(l.amount_minor)))
        .collect();
    let messages = messages
        .into_iter()
        .map(|m| MessageView {
            mine: m.from_applicant(),
            who: if m.from_applicant() {
                "You".into()
            } else {
                "Grants team".into()
            },
            when: when(&m.at),
            body: m.body,
        })
        .collect();
    // The decision is shown once it is final for the applicant (not while still in review).
    let decision = decision
        .filter(|_| !status.in_review())
        .map(|d| DecisionView {
            approved: d.approved(),
            awarded: d.awarded_minor.map(|m| a.money_label(m)),
            note: d.note.clone(),
            date: day(&d.decided_at.date()),
        });
    let payments = payments
        .iter()
        .map(|pay| PaymentView {
            date: day(&pay.paid_on),
            amount: pay.amount_label(),
            method: pay.method_label(),
        })
        .collect();
    // Every file is either the application's attachment or a report's (the table checks).
    let (report_files, application_files): (Vec<GrantFile>, _) =
        files.into_iter().partition(|f| f.purpose == "report");
    Ok(Overview {
        layout: p
            .layout(&format!("Your application {}", a.reference()), "")
            .for_grant_portal(),
        programme,
        status,
        next: next_words(&a, today),
        steps,
        lines,
        messages,
        may_message: service::may_message(status),
        awarded: status.awarded(),
        decision,
        payments,
        report: report.map(|r| (when(&r.submitted_at), r.body)),
        report_open: service::report_open(&a, chrono::Utc::now().date_naive()),
        report_opens: (status == Status::Paid).then(|| day(&a.ends_on)),
        report_due: a.report_due_on.map(|d| day(&d)),
        application_files,
        report_files,
        can_withdraw: status.can_withdraw(),
        email: p.email.clone(),
        errors,
        typed,
        max_report_files: MAX_REPORT_FILES,
        a,
    })
}

/// `GET /grants/portal`.
pub async fn overview(p: GrantPortal) -> AppResult<HttpResponse> {
    render(&overview_page(&p, FormErrors::new(), Typed::default()).await?)
}

/// The overview again with a message next to a form (422), keeping what was typed.
async fn refuse(
    p: &GrantPortal,
    field: &str,
    message: String,
    typed: Typed,
) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::new();
    errors.add(field, message);
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &overview_page(p, errors, typed).await?,
    )
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

/// `POST /grants/portal/messages`: a message to the reviewers. An answer to a request for
/// information moves the application back to review.
pub async fn reply(p: GrantPortal, form: web::Form<ReplyForm>) -> AppResult<HttpResponse> {
    let typed = form.into_inner().body;
    let body = match text::optional_multi_line(&typed, "your message", MAX_MESSAGE_CHARS) {
        Ok(b) if b.is_empty() => {
            return refuse(
                &p,
                "reply",
                "Write your message first.".into(),
                Typed {
                    reply: typed,
                    ..Default::default()
                },
            )
            .await;
        }
        Ok(b) => b,
        Err(m) => {
            return refuse(
                &p,
                "reply",
                m,
                Typed {
                    reply: typed,
                    ..Default::default()
                },
            )
            .await;
        }
    };
    let (settings, actor, id) = (p.state.settings.clone(), p.actor(), p.application_id);
    let moved = p
        .state
        .db
        .run(move |c| service::reply(c, &settings, &actor, id, &body))
        .await?;
    Ok(redirect_with_flash(
        "/grants/portal#messages",
        FlashKind::Success,
        if moved {
            "Thank you: your answer was sent to the reviewers and the review continues."
        } else {
            "Your message was sent to the reviewers."
        },
    ))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /grants/portal/withdraw`: the applicant steps back (only while the table allows).
pub async fn withdraw(p: GrantPortal, form: web::Form<WithdrawForm>) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let typed = || Typed {
        reason: f.reason.clone(),
        ..Default::default()
    };
    let reason = match text::optional_multi_line(&f.reason, "the reason", 1000) {
        Ok(r) => r,
        Err(m) => return refuse(&p, "reason", m, typed()).await,
    };
    if f.confirm.is_empty() {
        return refuse(
            &p,
            "withdraw_confirm",
            "Tick the box to confirm that you want to withdraw the application.".into(),
            typed(),
        )
        .await;
    }
    let (settings, actor, id) = (p.state.settings.clone(), p.actor(), p.application_id);
    p.state
        .db
        .run(move |c| service::withdraw(c, &settings, &actor, id, &reason))
        .await?;
    Ok(redirect_with_flash(
        "/grants/portal",
        FlashKind::Success,
        "Your application was withdrawn. Thank you for telling us.",
    ))
}

/// `POST /grants/portal/report?csrf_token=…` (multipart): the post-event report with up to
/// five attachments (PDF, PNG or JPEG, checked by content).
pub async fn report(
    p: GrantPortal,
    req: HttpRequest,
    form: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    if crate::web::declares_more_than(&req, upload::REPORT_BODY_LIMIT) {
        return Err(AppError::BadRequest(format!(
            "The report is too large to send: at most {MAX_REPORT_FILES} files of 10 MB each."
        )));
    }
    let up = upload::read(form, "attachments", MAX_REPORT_FILES).await?;
    let typed_body = crate::domain::form::Fields(up.fields).get("body");
    let typed = || Typed {
        report: typed_body.clone(),
        ..Default::default()
    };
    let body = match text::optional_multi_line(&typed_body, "the report", MAX_REPORT_CHARS) {
        Ok(b) if b.is_empty() => {
            return refuse(
                &p,
                "report",
                "Write a few paragraphs about how the event went and what the grant paid for."
                    .into(),
                typed(),
            )
            .await;
        }
        Ok(b) => b,
        Err(m) => return refuse(&p, "report", m, typed()).await,
    };
    if let Some(m) = up.refused {
        return refuse(&p, "attachments", m, typed()).await;
    }
    let mut checked = Vec::new();
    for f in up.files {
        match service::check_report_file(&f.bytes) {
            Ok(ct) => checked.push((f, ct)),
            Err(m) => return refuse(&p, "attachments", m, typed()).await,
        }
    }
    // Nothing is stored for a grant that cannot take a report now.
    let id = p.application_id;
    let status = p
        .state
        .db
        .run(move |c| Ok(apps::find(c, id)?.status()))
        .await?;
    if !matches!(status, Status::Paid | Status::ReportDue) {
        return Err(AppError::Conflict(
            "A report is sent after the grant is paid and the event is over; this application cannot take one now.".into(),
        ));
    }
    let data_dir = p.state.settings.data_dir.clone();
    let mut stored: Vec<StoredFile> = Vec::new();
    for (i, (f, ct)) in checked.into_iter().enumerate() {
        let size = f.bytes.len() as i64;
        let key = match upload::store(data_dir.clone(), f.bytes).await {
            Ok(k) => k,
            Err(e) => {
                upload::discard(data_dir, stored.into_iter().map(|s| s.key).collect()).await;
                return Err(e);
            }
        };
        stored.push(StoredFile {
            key,
            name: service::display_name(
                &f.name,
                &format!("attachment-{}.{}", i + 1, service::extension(ct)),
            ),
            content_type: ct,
            size,
        });
    }
    let (settings, actor) = (p.state.settings.clone(), p.actor());
    let files = stored.clone();
    let r = p
        .state
        .db
        .run(move |c| service::submit_report(c, &settings, &actor, id, &body, &files))
        .await;
    if let Err(e) = r {
        upload::discard(data_dir, stored.into_iter().map(|s| s.key).collect()).await;
        return Err(e);
    }
    Ok(redirect_with_flash(
        "/grants/portal",
        FlashKind::Success,
        "Thank you: your report was sent.",
    ))
}

/// Sends a stored grant file as a download, never shown inline: the stored content type
/// (one of the three we accept), `nosniff`, `attachment`, a server-made file name. For the
/// applicant's files route here and for staff pages of an application.
pub async fn file_response(data_dir: std::path::PathBuf, f: &GrantFile) -> AppResult<HttpResponse> {
    let path = service::file_path(&data_dir, &f.file_key).ok_or(AppError::NotFound)?;
    let bytes = match web::block(move || std::fs::read(path)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Ok(Err(e)) => {
            return Err(AppError::Unexpected(
                anyhow::Error::new(e).context("cannot read a grant file"),
            ));
        }
        Err(e) => {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "grant file read task failed: {e}"
            )));
        }
    };
    let content_type = match f.content_type.as_str() {
        ct @ ("application/pdf" | "image/png" | "image/jpeg") => ct,
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"G-{}-{}.{}\"",
                f.application_id,
                f.id,
                service::extension(content_type)
            ),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// `GET /grants/portal/files/{id}`: only a file of the application this link opens.
pub async fn file(p: GrantPortal, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let (app_id, file_id) = (p.application_id, path.into_inner());
    let f = p
        .state
        .db
        .run(move |c| Ok(apps::file_of(c, app_id, file_id)?))
        .await?;
    file_response(p.state.settings.data_dir.clone(), &f).await
}

#[cfg(test)]
mod tests {
    use super::landing;

    #[test]
    fn only_applicant_paths_are_followed() {
        assert_eq!(landing(None), "/grants/portal");
        assert_eq!(landing(Some("/grants/portal")), "/grants/portal");
        assert_eq!(landing(Some("/grants/portal/x")), "/grants/portal/x");
        for bad in [
            "https://evil.example/grants/portal",
            "//evil.example/grants/portal",
            "/portal",
            "/grants/portalx",
            "/grants/portal/../staff",
            "/grants/portal/enter/abc",
            "/grants/portal?x=1",
        ] {
            assert_eq!(landing(Some(bad)), "/grants/portal", "{bad}");
        }
    }
}
