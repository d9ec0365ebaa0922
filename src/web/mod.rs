//! HTTP: the whole route table, and helpers shared by handlers.

pub mod assets;
pub mod chart;
pub mod errors;
pub mod extract;
pub mod impact;
pub mod invoice_print;
pub mod layout;
pub mod middleware;
pub mod multipart;
pub mod portal;
pub mod public;
pub mod staff;
pub mod story_form;
pub mod webhooks;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, AppResult};

/// Every route, in one place.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(middleware::FORM_BODY_LIMIT)
            .error_handler(|e, _| {
                AppError::BadRequest(format!("The form could not be read: {e}")).into()
            }),
    )
    .service(
        web::scope("")
            .wrap(errors::ErrorPages)
            .wrap(middleware::Context)
            // Outermost, so it compresses the body that is finally sent: an error page drawn
            // over a handler's response is never labelled with the handler's encoding.
            .wrap(actix_web::middleware::Compress::default())
            // Public
            .route("/", get().to(public::home::home))
            .route("/healthz", get().to(public::home::healthz))
            .route("/robots.txt", get().to(public::home::robots))
            .route("/static/{path:.*}", get().to(assets::serve))
            // == Public sponsor pages (sponsors, profiles, thanks, jobs) ==
            .route("/sponsors", get().to(public::sponsors::wall))
            .route("/sponsors/{slug}", get().to(public::sponsors::profile))
            .route("/thanks", get().to(public::sponsors::thanks))
            .route("/stories", get().to(public::stories::list))
            .route("/stories/feed.atom", get().to(public::stories::feed))
            .route("/stories/{slug}", get().to(public::stories::show))
            .route("/media/stories/{file}", get().to(public::stories::image))
            .route("/jobs", get().to(public::sponsors::jobs))
            // == end public sponsor pages ==
            // Sign-in and accounts
            .route("/login", get().to(public::auth::login_form))
            .route("/login", web::post().to(public::auth::login))
            .route("/logout", web::post().to(public::auth::logout))
            .route("/setup/{token}", get().to(public::auth::setup_form))
            .route("/setup/{token}", web::post().to(public::auth::setup))
            .route(
                "/password-reset",
                get().to(public::auth::reset_request_form),
            )
            .route(
                "/password-reset",
                web::post().to(public::auth::reset_request),
            )
            .route(
                "/account/set-password/{token}",
                get().to(public::auth::set_password_form),
            )
            .route(
                "/account/set-password/{token}",
                web::post().to(public::auth::set_password),
            )
            // == Placements (embed, JSON, clicks, staff slots and report) ==
            // GET only: each of these counts an impression or a click.
            .route(
                "/embed/placements/{slot}",
                web::get().to(public::placements::embed),
            )
            .route(
                "/api/placements/{slot}.json",
                web::get().to(public::placements::json),
            )
            .route(
                "/go/{slot}/{sponsor}",
                web::get().to(public::placements::click),
            )
            .route("/staff/stories", get().to(staff::stories::list))
            .route("/staff/stories.csv", get().to(staff::stories::export_csv))
            .route("/staff/stories/new", get().to(staff::stories::new_form))
            .route("/staff/stories", web::post().to(staff::stories::create))
            .route("/staff/stories/{id:\\d+}", get().to(staff::stories::show))
            .route(
                "/staff/stories/{id:\\d+}",
                web::post().to(staff::stories::update),
            )
            .route(
                "/staff/stories/{id:\\d+}/submit",
                web::post().to(staff::stories::submit),
            )
            .route(
                "/staff/stories/{id:\\d+}/publish",
                web::post().to(staff::stories::publish),
            )
            .route(
                "/staff/stories/{id:\\d+}/return",
                web::post().to(staff::stories::return_story),
            )
            .route(
                "/staff/stories/{id:\\d+}/delete",
                web::post().to(staff::stories::delete),
            )
            .route(
                "/staff/stories/{id:\\d+}/image",
                web::post().to(staff::stories::upload_image),
            )
            .route(
                "/staff/stories/{id:\\d+}/image/remove",
                web::post().to(staff::stories::remove_image),
            )
            .route(
                "/staff/stories/{id:\\d+}/image/{file}",
                get().to(staff::stories::image),
            )
            .route("/staff/placements", get().to(staff::placements::list))
            .route(
                "/staff/placements",
                web::post().to(staff::placements::create),
            )
            .route(
                "/staff/placements/new",
                get().to(staff::placements::new_form),
            )
            .route(
                "/staff/placements/report",
                get().to(staff::placements::report),
            )
            .route(
                "/staff/placements/{id:\\d+}",
                get().to(staff::placements::edit_form),
            )
            .route(
                "/staff/placements/{id:\\d+}",
                web::post().to(staff::placements::update),
            )
            // == end placements ==
            // == Sponsor applications and portal ==
            .route("/portal/enter/{token}", get().to(portal::enter::enter))
            .route("/sponsor/apply", get().to(portal::apply::form))
            .route("/sponsor/apply", web::post().to(portal::apply::submit))
            .route("/sponsor/apply/thanks", get().to(portal::apply::thanks))
            .route("/portal/link", get().to(portal::link::form))
            .route("/portal/link", web::post().to(portal::link::request))
            .route("/portal/leave", web::post().to(portal::link::leave))
            .route("/portal", get().to(portal::pages::home))
            .route(
                "/portal/agreements/{id:\\d+}",
                get().to(portal::pages::agreement),
            )
            .route(
                "/portal/agreements/{id:\\d+}/accept",
                web::post().to(portal::pages::accept),
            )
            .route("/portal/invoices", get().to(portal::pages::invoices))
            .route(
                "/portal/invoices/{id:\\d+}",
                get().to(portal::pages::invoice),
            )
            .route(
                "/portal/invoices/{id:\\d+}/receipt",
                get().to(portal::pages::receipt),
            )
            .route("/portal/profile", get().to(portal::pages::profile))
            .route("/portal/impact", get().to(impact::portal))
            .route("/portal/stories", get().to(portal::stories::list))
            .route("/portal/stories/new", get().to(portal::stories::new_form))
            .route("/portal/stories", web::post().to(portal::stories::create))
            .route("/portal/stories/{id:\\d+}", get().to(portal::stories::show))
            .route(
                "/portal/stories/{id:\\d+}",
                web::post().to(portal::stories::update),
            )
            .route(
                "/portal/stories/{id:\\d+}/submit",
                web::post().to(portal::stories::submit),
            )
            .route(
                "/portal/stories/{id:\\d+}/take-back",
                web::post().to(portal::stories::take_back),
            )
            .route(
                "/portal/stories/{id:\\d+}/delete",
                web::post().to(portal::stories::delete),
            )
            .route(
                "/portal/stories/{id:\\d+}/image",
                web::post().to(portal::stories::upload_image),
            )
            .route(
                "/portal/stories/{id:\\d+}/image/remove",
                web::post().to(portal::stories::remove_image),
            )
            .route(
                "/portal/stories/{id:\\d+}/image/{file}",
                get().to(portal::stories::image),
            )
            .route(
                "/portal/profile/description",
                web::post().to(portal::pages::propose_description),
            )
            .route(
                "/portal/profile/logo",
                web::post().to(portal::pages::upload_logo),
            )
            .route(
                "/staff/sponsors/{id}/description/approve",
                web::post().to(staff::sponsors::descriptions::approve),
            )
            .route(
                "/staff/sponsors/{id}/description/reject",
                web::post().to(staff::sponsors::descriptions::reject),
            )
            // == end sponsor applications and portal ==
            // == Grants ==
            // Public: the programmes, the application form, the register of awarded grants.
            .route("/grants", get().to(public::grants::index))
            .route("/grants/register", get().to(public::grants::register))
            .route(
                "/grants/register.csv",
                get().to(public::grants::register_csv),
            )
            .route("/grants/apply", get().to(portal::grants::apply::form))
            .route(
                "/grants/apply",
                web::post().to(portal::grants::apply::submit),
            )
            .route(
                "/grants/apply/thanks",
                get().to(portal::grants::apply::thanks),
            )
            // Applicants, through their private link (GrantPortal).
            .route(
                "/grants/portal/enter/{token}",
                get().to(portal::grants::enter),
            )
            .route("/grants/portal/link", get().to(portal::grants::link_form))
            .route(
                "/grants/portal/link",
                web::post().to(portal::grants::link_request),
            )
            .route(
                "/grants/portal/leave",
                web::post().to(portal::grants::leave),
            )
            .route("/grants/portal", get().to(portal::grants::overview))
            .route(
                "/grants/portal/messages",
                web::post().to(portal::grants::reply),
            )
            .route(
                "/grants/portal/withdraw",
                web::post().to(portal::grants::withdraw),
            )
            .route(
                "/grants/portal/report",
                web::post().to(portal::grants::report),
            )
            .route(
                "/grants/portal/files/{id:\\d+}",
                get().to(portal::grants::file),
            )
            // Staff: the queue and review (reviewers, deciders; the queue also for the
            // treasurer and admins). `{id:\\d+}` keeps these off the fixed paths below.
            .route("/staff/grants", get().to(staff::grants::queue))
            .route("/staff/grants.csv", get().to(staff::grants::export_csv))
            .route("/staff/grants/{id:\\d+}", get().to(staff::grants::show))
            .route(
                "/staff/grants/{id:\\d+}/files/{file_id:\\d+}",
                get().to(staff::grants::file),
            )
            .route(
                "/staff/grants/{id:\\d+}/start",
                web::post().to(staff::grants::start),
            )
            .route(
                "/staff/grants/{id:\\d+}/messages",
                web::post().to(staff::grants::request_info),
            )
            .route(
                "/staff/grants/{id:\\d+}/assign",
                web::post().to(staff::grants::assign),
            )
            .route(
                "/staff/grants/{id:\\d+}/assign/next",
                web::post().to(staff::grants::assign_next),
            )
            .route(
                "/staff/grants/{id:\\d+}/unassign",
                web::post().to(staff::grants::unassign),
            )
            .route(
                "/staff/grants/{id:\\d+}/conflict",
                web::post().to(staff::grants::conflict),
            )
            .route(
                "/staff/grants/{id:\\d+}/vote",
                web::post().to(staff::grants::vote),
            )
            .route(
                "/staff/grants/{id:\\d+}/decide",
                web::post().to(staff::grants::decide),
            )
            // Staff: payments, reports and the budget (treasurer, deciders).
            .route(
                "/staff/grants/payments",
                get().to(staff::grants::payments::list),
            )
            .route(
                "/staff/grants/budget",
                get().to(staff::grants::budget::page),
            )
            .route(
                "/staff/grants/{id:\\d+}/payments",
                get().to(staff::grants::payments::show),
            )
            .route(
                "/staff/grants/{id:\\d+}/payments",
                web::post().to(staff::grants::payments::record),
            )
            .route(
                "/staff/grants/{id:\\d+}/payments/files/{file_id:\\d+}",
                get().to(staff::grants::payments::file),
            )
            .route(
                "/staff/grants/{id:\\d+}/close",
                web::post().to(staff::grants::payments::close),
            )
            // Staff: programmes, caps, quorum and exchange rates (admins, deciders, treasurer).
            .route(
                "/staff/grants/programmes",
                get().to(staff::grants::programmes::list),
            )
            .route(
                "/staff/grants/programmes",
                web::post().to(staff::grants::programmes::create),
            )
            .route(
                "/staff/grants/programmes/new",
                get().to(staff::grants::programmes::new_form),
            )
            .route(
                "/staff/grants/programmes/{id:\\d+}",
                get().to(staff::grants::programmes::edit_form),
            )
            .route(
                "/staff/grants/programmes/{id:\\d+}",
                web::post().to(staff::grants::programmes::update),
            )
            .route(
                "/staff/grants/programmes/{id:\\d+}/caps",
                web::post().to(staff::grants::programmes::set_cap),
            )
            .route(
                "/staff/grants/settings",
                get().to(staff::grants::settings::show),
            )
            .route(
                "/staff/grants/settings/quorum",
                web::post().to(staff::grants::settings::save_quorum),
            )
            .route(
                "/staff/grants/settings/rates",
                web::post().to(staff::grants::settings::save_rate),
            )
            .route(
                "/staff/grants/settings/rates/{currency}/delete",
                web::post().to(staff::grants::settings::delete_rate),
            )
            // == end grants ==
            // == Conference budgets (treasurer, admins) ==
            .route("/staff/conferences", get().to(staff::conferences::list))
            .route(
                "/staff/conferences",
                web::post().to(staff::conferences::create),
            )
            .route(
                "/staff/conferences/new",
                get().to(staff::conferences::new_form),
            )
            .route(
                "/staff/conferences/{id:\\d+}",
                get().to(staff::conferences::show),
            )
            .route(
                "/staff/conferences/{id:\\d+}",
                web::post().to(staff::conferences::update),
            )
            .route(
                "/staff/conferences/{id:\\d+}/edit",
                get().to(staff::conferences::edit_form),
            )
            .route(
                "/staff/conferences/{id:\\d+}/print",
                get().to(staff::conferences::print),
            )
            .route(
                "/staff/conferences/{id:\\d+}/budget.csv",
                get().to(staff::conferences::export_csv),
            )
            .route(
                "/staff/conferences/{id:\\d+}/baselines",
                web::post().to(staff::conferences::approve),
            )
            .route(
                "/staff/conferences/{id:\\d+}/baselines/{version:\\d+}",
                get().to(staff::conferences::baseline),
            )
            .route(
                "/staff/conferences/{id:\\d+}/lines",
                web::post().to(staff::conferences::lines::cost_create),
            )
            .route(
                "/staff/conferences/{id:\\d+}/lines/new",
                get().to(staff::conferences::lines::cost_new),
            )
            .route(
                "/staff/conferences/{id:\\d+}/lines/{line:\\d+}",
                get().to(staff::conferences::lines::cost_edit),
            )
            .route(
                "/staff/conferences/{id:\\d+}/lines/{line:\\d+}",
                web::post().to(staff::conferences::lines::cost_update),
            )
            .route(
                "/staff/conferences/{id:\\d+}/lines/{line:\\d+}/delete",
                web::post().to(staff::conferences::lines::cost_delete),
            )
            .route(
                "/staff/conferences/{id:\\d+}/tickets",
                web::post().to(staff::conferences::lines::ticket_create),
            )
            .route(
                "/staff/conferences/{id:\\d+}/tickets/new",
                get().to(staff::conferences::lines::ticket_new),
            )
            .route(
                "/staff/conferences/{id:\\d+}/tickets/{ticket:\\d+}",
                get().to(staff::conferences::lines::ticket_edit),
            )
            .route(
                "/staff/conferences/{id:\\d+}/tickets/{ticket:\\d+}",
                web::post().to(staff::conferences::lines::ticket_update),
            )
            .route(
                "/staff/conferences/{id:\\d+}/tickets/{ticket:\\d+}/delete",
                web::post().to(staff::conferences::lines::ticket_delete),
            )
            .route(
                "/staff/conferences/{id:\\d+}/revenue",
                web::post().to(staff::conferences::lines::revenue_create),
            )
            .route(
                "/staff/conferences/{id:\\d+}/revenue/new",
                get().to(staff::conferences::lines::revenue_new),
            )
            .route(
                "/staff/conferences/{id:\\d+}/revenue/{line:\\d+}",
                get().to(staff::conferences::lines::revenue_edit),
            )
            .route(
                "/staff/conferences/{id:\\d+}/revenue/{line:\\d+}",
                web::post().to(staff::conferences::lines::revenue_update),
            )
            .route(
                "/staff/conferences/{id:\\d+}/revenue/{line:\\d+}/delete",
                web::post().to(staff::conferences::lines::revenue_delete),
            )
            // == end conference budgets ==
            // == Stripe: checkout and webhooks ==
            .service(
                web::resource("/webhooks/stripe")
                    .app_data(webhooks::stripe_events::payload_config())
                    .route(web::post().to(webhooks::stripe_events::receive_stripe_event)),
            )
            .route(
                "/portal/invoices/{id:\\d+}/pay",
                web::post().to(portal::card_payments::pay_invoice),
            )
            .route(
                "/portal/payments/success",
                get().to(portal::card_payments::payment_success),
            )
            .route(
                "/portal/payments/cancelled",
                get().to(portal::card_payments::payment_cancelled),
            )
            .route(
                "/staff/payments/unmatched",
                get().to(staff::billing::unmatched_payments::queue),
            )
            .route(
                "/staff/payments/unmatched/{event}/apply",
                web::post().to(staff::billing::unmatched_payments::apply),
            )
            .route(
                "/staff/payments/unmatched/{event}/dismiss",
                web::post().to(staff::billing::unmatched_payments::dismiss),
            )
            .route(
                "/staff/payments/flagged/{id:\\d+}/accept",
                web::post().to(staff::billing::unmatched_payments::accept),
            )
            // == end stripe ==
            // == Staff: applications, agreements, invoices, payments ==
            .route(
                "/staff/applications",
                get().to(staff::sponsorships::review::list),
            )
            .route(
                "/staff/applications/{id:\\d+}",
                get().to(staff::sponsorships::review::show),
            )
            .route(
                "/staff/applications/{id:\\d+}/approve",
                web::post().to(staff::sponsorships::review::approve),
            )
            .route(
                "/staff/applications/{id:\\d+}/reject",
                web::post().to(staff::sponsorships::review::reject),
            )
            .route(
                "/staff/settings/billing",
                get().to(staff::billing::settings::show),
            )
            .route(
                "/staff/settings/billing",
                web::post().to(staff::billing::settings::save),
            )
            .route(
                "/staff/sponsorships/{id:\\d+}/agreement/send",
                web::post().to(staff::sponsorships::agreements::send),
            )
            .route(
                "/staff/sponsorships/{id:\\d+}/agreement/upload",
                web::post().to(staff::sponsorships::agreements::upload),
            )
            .route(
                "/staff/agreements/{id:\\d+}",
                get().to(staff::sponsorships::agreements::show),
            )
            .route(
                "/staff/agreements/{id:\\d+}/file",
                get().to(staff::sponsorships::agreements::staff_file),
            )
            .route(
                "/portal/agreements/{id:\\d+}/file",
                get().to(staff::sponsorships::agreements::portal_file),
            )
            .route(
                "/staff/sponsorships/{id:\\d+}/invoice",
                web::post().to(staff::billing::invoices::issue),
            )
            .route("/staff/invoices", get().to(staff::billing::invoices::list))
            .route(
                "/staff/invoices.csv",
                get().to(staff::billing::invoices::export_csv),
            )
            .route(
                "/staff/payments.csv",
                get().to(staff::billing::invoices::export_payments_csv),
            )
            .route(
                "/staff/invoices/{id:\\d+}",
                get().to(staff::billing::invoices::show),
            )
            .route(
                "/staff/invoices/{id:\\d+}/payments",
                web::post().to(staff::billing::invoices::record),
            )
            .route(
                "/staff/invoices/{id:\\d+}/void",
                web::post().to(staff::billing::invoices::void),
            )
            .route(
                "/staff/invoices/{id:\\d+}/print",
                get().to(staff::billing::invoices::print),
            )
            .route(
                "/staff/invoices/{id:\\d+}/receipt",
                get().to(staff::billing::invoices::receipt),
            )
            .route(
                "/staff/payments/{id:\\d+}/accept",
                web::post().to(staff::billing::invoices::accept),
            )
            // == end staff applications ==
            // == Renewals ==
            .route(
                "/staff/renewals",
                get().to(staff::sponsorships::renewals::list),
            )
            .route(
                "/portal/sponsorships/{id:\\d+}/renew",
                web::post().to(portal::renew::renew),
            )
            // == end renewals ==
            // Staff
            .route("/staff", get().to(staff::dashboard::dashboard))
            .route("/staff/account", get().to(staff::account::show))
            .route(
                "/staff/account/password",
                web::post().to(staff::account::change_password),
            )
            // == Logos (upload, approval, serving) ==
            .route(
                "/media/logos/{file}",
                get().to(staff::sponsors::logos::serve),
            )
            .route(
                "/staff/sponsors/{id}/logo",
                web::post().to(staff::sponsors::logos::upload),
            )
            .route(
                "/staff/sponsors/{id}/logo/approve",
                web::post().to(staff::sponsors::logos::approve),
            )
            .route(
                "/staff/sponsors/{id}/logo/reject",
                web::post().to(staff::sponsors::logos::reject),
            )
            .route(
                "/staff/sponsors/{id}/logo/pending.png",
                get().to(staff::sponsors::logos::pending_preview),
            )
            // == end logos ==
            .route("/staff/users", get().to(staff::admin::users::list))
            .route("/staff/users/new", get().to(staff::admin::users::new_form))
            .route("/staff/users", web::post().to(staff::admin::users::create))
            .route(
                "/staff/users/{id}",
                get().to(staff::admin::users::edit_form),
            )
            .route(
                "/staff/users/{id}",
                web::post().to(staff::admin::users::update),
            )
            .route(
                "/staff/users/{id}/disable",
                web::post().to(staff::admin::users::disable),
            )
            .route(
                "/staff/users/{id}/enable",
                web::post().to(staff::admin::users::enable),
            )
            .route(
                "/staff/users/{id}/resend-invite",
                web::post().to(staff::admin::users::resend_invite),
            )
            .route("/staff/outbox", get().to(staff::admin::outbox::list))
            .route("/staff/outbox/{id}", get().to(staff::admin::outbox::show))
            .route(
                "/staff/outbox/{id}/retry",
                web::post().to(staff::admin::outbox::retry),
            )
            .route("/staff/audit", get().to(staff::admin::audit::list))
            .route(
                "/staff/audit.csv",
                get().to(staff::admin::audit::export_csv),
            )
            // == Staff: sponsors, tiers, sponsorships ==
            .route(
                "/staff/programmes",
                get().to(staff::sponsorships::programmes::programmes),
            )
            .route(
                "/staff/programmes",
                web::post().to(staff::sponsorships::programmes::create_programme),
            )
            .route(
                "/staff/programmes/{id}",
                get().to(staff::sponsorships::programmes::programme),
            )
            .route(
                "/staff/programmes/{id}/tiers/new",
                get().to(staff::sponsorships::programmes::new_tier),
            )
            .route(
                "/staff/programmes/{id}/tiers",
                web::post().to(staff::sponsorships::programmes::create_tier),
            )
            .route(
                "/staff/programmes/{id}/discount-rules",
                web::post().to(staff::sponsorships::programmes::create_rule),
            )
            .route(
                "/staff/discount-rules/{id}/toggle",
                web::post().to(staff::sponsorships::programmes::toggle_rule),
            )
            .route(
                "/staff/tiers/{id}",
                get().to(staff::sponsorships::programmes::edit_tier),
            )
            .route(
                "/staff/tiers/{id}",
                web::post().to(staff::sponsorships::programmes::update_tier),
            )
            .route("/staff/sponsors", get().to(staff::sponsors::list))
            .route("/staff/sponsors.csv", get().to(staff::sponsors::export_csv))
            .route("/staff/sponsors/new", get().to(staff::sponsors::new_form))
            .route("/staff/sponsors", web::post().to(staff::sponsors::create))
            .route("/staff/sponsors/{id}", get().to(staff::sponsors::show))
            .route("/staff/sponsors/{id:\\d+}/impact", get().to(impact::staff))
            .route(
                "/staff/sponsors/{id}/edit",
                get().to(staff::sponsors::edit_form),
            )
            .route(
                "/staff/sponsors/{id}",
                web::post().to(staff::sponsors::update),
            )
            .route(
                "/staff/sponsors/{id}/contacts",
                web::post().to(staff::sponsors::add_contact),
            )
            .route(
                "/staff/sponsors/{id}/contacts/{cid}/delete",
                web::post().to(staff::sponsors::remove_contact),
            )
            .route(
                "/staff/sponsors/{id}/jobs",
                web::post().to(staff::sponsors::add_job),
            )
            .route(
                "/staff/sponsors/{id}/jobs/{jid}/delete",
                web::post().to(staff::sponsors::remove_job),
            )
            .route("/staff/sponsorships", get().to(staff::sponsorships::list))
            .route(
                "/staff/sponsorships.csv",
                get().to(staff::sponsorships::export_csv),
            )
            .route(
                "/staff/sponsorships/new",
                get().to(staff::sponsorships::new_form),
            )
            .route(
                "/staff/sponsorships",
                web::post().to(staff::sponsorships::create),
            )
            .route(
                "/staff/sponsorships/{id}",
                get().to(staff::sponsorships::show),
            )
            .route(
                "/staff/sponsorships/{id}/status",
                web::post().to(staff::sponsorships::change_status),
            )
            .route(
                "/staff/sponsorships/{id}/publish-early",
                web::post().to(staff::sponsorships::publish_early),
            )
            .route(
                "/staff/sponsorships/{id}/benefits/{item}",
                web::post().to(staff::sponsorships::fulfil),
            )
            // == end staff sponsors ==
            .default_service(web::to(not_found)),
    );
}

/// A route for GET, and for HEAD (the same answer without the body, which actix leaves out),
/// as caches and link checkers send it.
fn get() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// Renders a page with status 200.
pub fn render<T: Template>(page: &T) -> AppResult<HttpResponse> {
    render_status(actix_web::http::StatusCode::OK, page)
}

/// Renders a page with a chosen status (422 for a form with errors). The error-page layer
/// leaves such a page alone.
pub fn render_status<T: Template>(
    status: actix_web::http::StatusCode,
    page: &T,
) -> AppResult<HttpResponse> {
    let body = page.render()?;
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    res.extensions_mut().insert(errors::PageRendered);
    Ok(res)
}

/// `303 See Other` to `location`, with a flash message for the next page.
pub fn redirect_with_flash(location: &str, kind: layout::FlashKind, message: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_string()))
        .cookie(layout::flash_cookie(kind, message))
        .finish()
}

/// Whether an upload declares (Content-Length) more than `limit` bytes: such a body is
/// refused before a byte of it is read. A body without a declared length is still cut off
/// at the limit while it streams.
pub fn declares_more_than(req: &actix_web::HttpRequest, limit: usize) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
}

/// A CSV download (`domain::csv` builds the body) named `filename`.
pub fn csv_response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// `303 See Other` to `location`.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_string()))
        .finish()
}

/// Percent-encodes a string for a query parameter.
pub use crate::domain::text::urlencode;

/// Only local paths are followed after sign-in (no open redirect).
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        next.to_string()
    } else {
        "/staff".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/staff/users"), "/staff/users");
        assert_eq!(safe_next("//evil.example"), "/staff");
        assert_eq!(safe_next("https://evil.example"), "/staff");
        assert_eq!(safe_next("/\\evil.example"), "/staff");
        assert_eq!(safe_next("/x\r\nSet-Cookie: a=b"), "/staff");
    }
}
