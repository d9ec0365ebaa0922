//! Every route, in one place. Public pages first, then the sponsor portal, grants, and the
//! staff side in the order of the folders under `web/staff/`: one scope per feature family,
//! one `web::resource` per path with its GET and POST, and every numeric id written
//! `{…:\\d+}` so that a word such as `new` never reaches a handler expecting a number.
//! `routes.txt` lists every method and path; a test checks each is routed here.
//!
//! This file is long (a table: one line or three per route) and is the one place a newcomer
//! reads to find which handler answers a URL; splitting it would hide that.

use actix_web::web;

use super::{assets, get, impact, portal, public, staff, webhooks};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg
        // Public: home, health, robots, static files
        .service(web::resource("/").route(get().to(public::home::home)))
        .service(web::resource("/healthz").route(get().to(public::home::healthz)))
        .service(web::resource("/robots.txt").route(get().to(public::home::robots)))
        .service(web::resource("/static/{path:.*}").route(get().to(assets::serve)))
        // Public sponsor pages
        .service(
            web::scope("/sponsors")
                .service(web::resource("").route(get().to(public::sponsors::wall)))
                .service(web::resource("/{slug}").route(get().to(public::sponsors::profile))),
        )
        // Thanks and jobs
        .service(web::resource("/jobs").route(get().to(public::sponsors::jobs)))
        .service(web::resource("/thanks").route(get().to(public::sponsors::thanks)))
        // Public success stories
        .service(
            web::scope("/stories")
                .service(web::resource("").route(get().to(public::stories::list)))
                .service(web::resource("/feed.atom").route(get().to(public::stories::feed)))
                .service(web::resource("/{slug}").route(get().to(public::stories::show))),
        )
        // Uploaded pictures
        .service(
            web::resource("/media/logos/{file}").route(get().to(staff::sponsors::logos::serve)),
        )
        .service(web::resource("/media/stories/{file}").route(get().to(public::stories::image)))
        // Placements: GET only, each counts an impression or a click
        .service(
            web::resource("/api/placements/{slot}.json").route(get().to(public::placements::json)),
        )
        .service(
            web::resource("/embed/placements/{slot}").route(get().to(public::placements::embed)),
        )
        .service(web::resource("/go/{slot}/{sponsor}").route(get().to(public::placements::click)))
        // Stripe's events (its own body limit)
        .service(
            web::resource("/webhooks/stripe")
                .app_data(webhooks::stripe_events::payload_config())
                .route(web::post().to(webhooks::stripe_events::receive_stripe_event)),
        )
        // Sign-in and accounts
        .service(
            web::resource("/account/set-password/{token}")
                .route(get().to(public::auth::set_password_form))
                .route(web::post().to(public::auth::set_password)),
        )
        .service(
            web::resource("/login")
                .route(get().to(public::auth::login_form))
                .route(web::post().to(public::auth::login)),
        )
        .service(web::resource("/logout").route(web::post().to(public::auth::logout)))
        .service(
            web::resource("/password-reset")
                .route(get().to(public::auth::reset_request_form))
                .route(web::post().to(public::auth::reset_request)),
        )
        .service(
            web::resource("/setup/{token}")
                .route(get().to(public::auth::setup_form))
                .route(web::post().to(public::auth::setup)),
        )
        // The sponsor application
        .service(
            web::scope("/sponsor/apply")
                .service(
                    web::resource("")
                        .route(get().to(portal::apply::form))
                        .route(web::post().to(portal::apply::submit)),
                )
                .service(web::resource("/thanks").route(get().to(portal::apply::thanks))),
        )
        // The sponsor portal
        .service(
            web::scope("/portal")
                // Stories from the portal
                .service(
                    web::scope("/stories")
                        .service(
                            web::resource("")
                                .route(get().to(portal::stories::list))
                                .route(web::post().to(portal::stories::create)),
                        )
                        .service(web::resource("/new").route(get().to(portal::stories::new_form)))
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(portal::stories::show))
                                .route(web::post().to(portal::stories::update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/delete")
                                .route(web::post().to(portal::stories::delete)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image")
                                .route(web::post().to(portal::stories::upload_image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image/remove")
                                .route(web::post().to(portal::stories::remove_image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image/{file}")
                                .route(get().to(portal::stories::image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/submit")
                                .route(web::post().to(portal::stories::submit)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/take-back")
                                .route(web::post().to(portal::stories::take_back)),
                        ),
                )
                .service(web::resource("").route(get().to(portal::pages::home)))
                .service(
                    web::resource("/agreements/{id:\\d+}")
                        .route(get().to(portal::pages::agreement)),
                )
                .service(
                    web::resource("/agreements/{id:\\d+}/accept")
                        .route(web::post().to(portal::pages::accept)),
                )
                .service(
                    web::resource("/agreements/{id:\\d+}/file")
                        .route(get().to(staff::sponsorships::agreements::portal_file)),
                )
                .service(web::resource("/enter/{token}").route(get().to(portal::enter::enter)))
                .service(web::resource("/impact").route(get().to(impact::portal)))
                .service(web::resource("/invoices").route(get().to(portal::pages::invoices)))
                .service(
                    web::resource("/invoices/{id:\\d+}").route(get().to(portal::pages::invoice)),
                )
                .service(
                    web::resource("/invoices/{id:\\d+}/pay")
                        .route(web::post().to(portal::card_payments::pay_invoice)),
                )
                .service(
                    web::resource("/invoices/{id:\\d+}/receipt")
                        .route(get().to(portal::pages::receipt)),
                )
                .service(web::resource("/leave").route(web::post().to(portal::link::leave)))
                .service(
                    web::resource("/link")
                        .route(get().to(portal::link::form))
                        .route(web::post().to(portal::link::request)),
                )
                .service(
                    web::resource("/payments/cancelled")
                        .route(get().to(portal::card_payments::payment_cancelled)),
                )
                .service(
                    web::resource("/payments/success")
                        .route(get().to(portal::card_payments::payment_success)),
                )
                .service(web::resource("/profile").route(get().to(portal::pages::profile)))
                .service(
                    web::resource("/profile/description")
                        .route(web::post().to(portal::pages::propose_description)),
                )
                .service(
                    web::resource("/profile/logo")
                        .route(web::post().to(portal::pages::upload_logo)),
                )
                .service(
                    web::resource("/sponsorships/{id:\\d+}/renew")
                        .route(web::post().to(portal::renew::renew)),
                ),
        )
        // Grants: public pages, the application form and the applicant portal
        .service(
            web::scope("/grants")
                // The applicant portal
                .service(
                    web::scope("/portal")
                        .service(web::resource("").route(get().to(portal::grants::overview)))
                        .service(
                            web::resource("/enter/{token}").route(get().to(portal::grants::enter)),
                        )
                        .service(
                            web::resource("/files/{id:\\d+}").route(get().to(portal::grants::file)),
                        )
                        .service(
                            web::resource("/leave").route(web::post().to(portal::grants::leave)),
                        )
                        .service(
                            web::resource("/link")
                                .route(get().to(portal::grants::link_form))
                                .route(web::post().to(portal::grants::link_request)),
                        )
                        .service(
                            web::resource("/messages").route(web::post().to(portal::grants::reply)),
                        )
                        .service(
                            web::resource("/report").route(web::post().to(portal::grants::report)),
                        )
                        .service(
                            web::resource("/withdraw")
                                .route(web::post().to(portal::grants::withdraw)),
                        ),
                )
                .service(web::resource("").route(get().to(public::grants::index)))
                .service(
                    web::resource("/apply")
                        .route(get().to(portal::grants::apply::form))
                        .route(web::post().to(portal::grants::apply::submit)),
                )
                .service(
                    web::resource("/apply/thanks").route(get().to(portal::grants::apply::thanks)),
                )
                .service(web::resource("/register").route(get().to(public::grants::register)))
                .service(
                    web::resource("/register.csv").route(get().to(public::grants::register_csv)),
                ),
        )
        // Staff
        .service(
            web::scope("/staff")
                // Sponsors
                .service(
                    web::scope("/sponsors")
                        .service(
                            web::resource("")
                                .route(get().to(staff::sponsors::list))
                                .route(web::post().to(staff::sponsors::create)),
                        )
                        .service(web::resource("/new").route(get().to(staff::sponsors::new_form)))
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::sponsors::show))
                                .route(web::post().to(staff::sponsors::update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/contacts")
                                .route(web::post().to(staff::sponsors::add_contact)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/contacts/{cid:\\d+}/delete")
                                .route(web::post().to(staff::sponsors::remove_contact)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/description/approve")
                                .route(web::post().to(staff::sponsors::descriptions::approve)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/description/reject")
                                .route(web::post().to(staff::sponsors::descriptions::reject)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/edit")
                                .route(get().to(staff::sponsors::edit_form)),
                        )
                        .service(web::resource("/{id:\\d+}/impact").route(get().to(impact::staff)))
                        .service(
                            web::resource("/{id:\\d+}/jobs")
                                .route(web::post().to(staff::sponsors::add_job)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/jobs/{jid:\\d+}/delete")
                                .route(web::post().to(staff::sponsors::remove_job)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/logo")
                                .route(web::post().to(staff::sponsors::logos::upload)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/logo/approve")
                                .route(web::post().to(staff::sponsors::logos::approve)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/logo/pending.png")
                                .route(get().to(staff::sponsors::logos::pending_preview)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/logo/reject")
                                .route(web::post().to(staff::sponsors::logos::reject)),
                        ),
                )
                // Sponsorships
                .service(
                    web::scope("/sponsorships")
                        .service(
                            web::resource("")
                                .route(get().to(staff::sponsorships::list))
                                .route(web::post().to(staff::sponsorships::create)),
                        )
                        .service(
                            web::resource("/new").route(get().to(staff::sponsorships::new_form)),
                        )
                        .service(
                            web::resource("/{id:\\d+}").route(get().to(staff::sponsorships::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/agreement/send")
                                .route(web::post().to(staff::sponsorships::agreements::send)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/agreement/upload")
                                .route(web::post().to(staff::sponsorships::agreements::upload)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/benefits/{item:\\d+}")
                                .route(web::post().to(staff::sponsorships::fulfil)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/invoice")
                                .route(web::post().to(staff::billing::invoices::issue)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/publish-early")
                                .route(web::post().to(staff::sponsorships::publish_early)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/status")
                                .route(web::post().to(staff::sponsorships::change_status)),
                        ),
                )
                // Review of sponsor applications
                .service(
                    web::scope("/applications")
                        .service(
                            web::resource("").route(get().to(staff::sponsorships::review::list)),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::sponsorships::review::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/approve")
                                .route(web::post().to(staff::sponsorships::review::approve)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/reject")
                                .route(web::post().to(staff::sponsorships::review::reject)),
                        ),
                )
                // Agreements
                .service(
                    web::scope("/agreements")
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::sponsorships::agreements::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/file")
                                .route(get().to(staff::sponsorships::agreements::staff_file)),
                        ),
                )
                // Programmes, tiers and discount rules
                .service(
                    web::scope("/programmes")
                        .service(
                            web::resource("")
                                .route(get().to(staff::sponsorships::programmes::programmes))
                                .route(
                                    web::post()
                                        .to(staff::sponsorships::programmes::create_programme),
                                ),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::sponsorships::programmes::programme)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/discount-rules").route(
                                web::post().to(staff::sponsorships::programmes::create_rule),
                            ),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tiers").route(
                                web::post().to(staff::sponsorships::programmes::create_tier),
                            ),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tiers/new")
                                .route(get().to(staff::sponsorships::programmes::new_tier)),
                        ),
                )
                // Invoices
                .service(
                    web::scope("/invoices")
                        .service(web::resource("").route(get().to(staff::billing::invoices::list)))
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::billing::invoices::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/payments")
                                .route(web::post().to(staff::billing::invoices::record)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/print")
                                .route(get().to(staff::billing::invoices::print)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/receipt")
                                .route(get().to(staff::billing::invoices::receipt)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/void")
                                .route(web::post().to(staff::billing::invoices::void)),
                        ),
                )
                // Payments
                .service(
                    web::scope("/payments")
                        .service(
                            web::resource("/flagged/{id:\\d+}/accept")
                                .route(web::post().to(staff::billing::unmatched_payments::accept)),
                        )
                        .service(
                            web::resource("/unmatched")
                                .route(get().to(staff::billing::unmatched_payments::queue)),
                        )
                        .service(
                            web::resource("/unmatched/{event}/apply")
                                .route(web::post().to(staff::billing::unmatched_payments::apply)),
                        )
                        .service(
                            web::resource("/unmatched/{event}/dismiss")
                                .route(web::post().to(staff::billing::unmatched_payments::dismiss)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/accept")
                                .route(web::post().to(staff::billing::invoices::accept)),
                        ),
                )
                // Grants
                .service(
                    web::scope("/grants")
                        .service(web::resource("").route(get().to(staff::grants::queue::queue)))
                        .service(
                            web::resource("/budget").route(get().to(staff::grants::budget::page)),
                        )
                        .service(
                            web::resource("/payments")
                                .route(get().to(staff::grants::payments::list)),
                        )
                        .service(
                            web::resource("/programmes")
                                .route(get().to(staff::grants::programmes::list))
                                .route(web::post().to(staff::grants::programmes::create)),
                        )
                        .service(
                            web::resource("/programmes/new")
                                .route(get().to(staff::grants::programmes::new_form)),
                        )
                        .service(
                            web::resource("/programmes/{id:\\d+}")
                                .route(get().to(staff::grants::programmes::edit_form))
                                .route(web::post().to(staff::grants::programmes::update)),
                        )
                        .service(
                            web::resource("/programmes/{id:\\d+}/caps")
                                .route(web::post().to(staff::grants::programmes::set_cap)),
                        )
                        .service(
                            web::resource("/settings")
                                .route(get().to(staff::grants::settings::show)),
                        )
                        .service(
                            web::resource("/settings/quorum")
                                .route(web::post().to(staff::grants::settings::save_quorum)),
                        )
                        .service(
                            web::resource("/settings/rates")
                                .route(web::post().to(staff::grants::settings::save_rate)),
                        )
                        .service(
                            web::resource("/settings/rates/{currency}/delete")
                                .route(web::post().to(staff::grants::settings::delete_rate)),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::grants::review::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/assign")
                                .route(web::post().to(staff::grants::reviewers::assign)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/assign/next")
                                .route(web::post().to(staff::grants::reviewers::assign_next)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/close")
                                .route(web::post().to(staff::grants::payments::close)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/conflict")
                                .route(web::post().to(staff::grants::reviewers::conflict)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/decide")
                                .route(web::post().to(staff::grants::decide::decide)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/files/{file_id:\\d+}")
                                .route(get().to(staff::grants::review::file)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/messages")
                                .route(web::post().to(staff::grants::reviewers::request_info)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/payments")
                                .route(get().to(staff::grants::payments::show))
                                .route(web::post().to(staff::grants::payments::record)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/payments/files/{file_id:\\d+}")
                                .route(get().to(staff::grants::payments::file)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/start")
                                .route(web::post().to(staff::grants::reviewers::start)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/unassign")
                                .route(web::post().to(staff::grants::reviewers::unassign)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/vote")
                                .route(web::post().to(staff::grants::decide::vote)),
                        ),
                )
                // Conference budgets
                .service(
                    web::scope("/conferences")
                        .service(
                            web::resource("")
                                .route(get().to(staff::conferences::list))
                                .route(web::post().to(staff::conferences::form::create)),
                        )
                        .service(
                            web::resource("/new")
                                .route(get().to(staff::conferences::form::new_form)),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::conferences::show::show))
                                .route(web::post().to(staff::conferences::form::update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/baselines")
                                .route(web::post().to(staff::conferences::show::approve)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/baselines/{version:\\d+}")
                                .route(get().to(staff::conferences::show::baseline)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/budget.csv")
                                .route(get().to(staff::conferences::export::export_csv)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/edit")
                                .route(get().to(staff::conferences::form::edit_form)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/lines")
                                .route(web::post().to(staff::conferences::lines::cost_create)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/lines/new")
                                .route(get().to(staff::conferences::lines::cost_new)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/lines/{line:\\d+}")
                                .route(get().to(staff::conferences::lines::cost_edit))
                                .route(web::post().to(staff::conferences::lines::cost_update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/lines/{line:\\d+}/delete")
                                .route(web::post().to(staff::conferences::lines::cost_delete)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/print")
                                .route(get().to(staff::conferences::show::print)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/revenue")
                                .route(web::post().to(staff::conferences::revenue::revenue_create)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/revenue/new")
                                .route(get().to(staff::conferences::revenue::revenue_new)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/revenue/{line:\\d+}")
                                .route(get().to(staff::conferences::revenue::revenue_edit))
                                .route(web::post().to(staff::conferences::revenue::revenue_update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/revenue/{line:\\d+}/delete")
                                .route(web::post().to(staff::conferences::revenue::revenue_delete)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tickets")
                                .route(web::post().to(staff::conferences::tickets::ticket_create)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tickets/new")
                                .route(get().to(staff::conferences::tickets::ticket_new)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tickets/{ticket:\\d+}")
                                .route(get().to(staff::conferences::tickets::ticket_edit))
                                .route(web::post().to(staff::conferences::tickets::ticket_update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/tickets/{ticket:\\d+}/delete")
                                .route(web::post().to(staff::conferences::tickets::ticket_delete)),
                        ),
                )
                // Success stories
                .service(
                    web::scope("/stories")
                        .service(
                            web::resource("")
                                .route(get().to(staff::stories::list))
                                .route(web::post().to(staff::stories::create)),
                        )
                        .service(web::resource("/new").route(get().to(staff::stories::new_form)))
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::stories::show))
                                .route(web::post().to(staff::stories::update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/delete")
                                .route(web::post().to(staff::stories::delete)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image")
                                .route(web::post().to(staff::stories::upload_image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image/remove")
                                .route(web::post().to(staff::stories::remove_image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/image/{file}")
                                .route(get().to(staff::stories::image)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/publish")
                                .route(web::post().to(staff::stories::publish)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/return")
                                .route(web::post().to(staff::stories::return_story)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/submit")
                                .route(web::post().to(staff::stories::submit)),
                        ),
                )
                // Placements
                .service(
                    web::scope("/placements")
                        .service(
                            web::resource("")
                                .route(get().to(staff::placements::list))
                                .route(web::post().to(staff::placements::create)),
                        )
                        .service(web::resource("/new").route(get().to(staff::placements::new_form)))
                        .service(
                            web::resource("/report").route(get().to(staff::placements::report)),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::placements::edit_form))
                                .route(web::post().to(staff::placements::update)),
                        ),
                )
                // Staff accounts
                .service(
                    web::scope("/users")
                        .service(
                            web::resource("")
                                .route(get().to(staff::admin::users::list))
                                .route(web::post().to(staff::admin::users::create)),
                        )
                        .service(
                            web::resource("/new").route(get().to(staff::admin::users::new_form)),
                        )
                        .service(
                            web::resource("/{id:\\d+}")
                                .route(get().to(staff::admin::users::edit_form))
                                .route(web::post().to(staff::admin::users::update)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/disable")
                                .route(web::post().to(staff::admin::users::disable)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/enable")
                                .route(web::post().to(staff::admin::users::enable)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/resend-invite")
                                .route(web::post().to(staff::admin::users::resend_invite)),
                        ),
                )
                // The outbox
                .service(
                    web::scope("/outbox")
                        .service(web::resource("").route(get().to(staff::admin::outbox::list)))
                        .service(
                            web::resource("/{id:\\d+}").route(get().to(staff::admin::outbox::show)),
                        )
                        .service(
                            web::resource("/{id:\\d+}/retry")
                                .route(web::post().to(staff::admin::outbox::retry)),
                        ),
                )
                .service(web::resource("").route(get().to(staff::dashboard::dashboard)))
                .service(web::resource("/account").route(get().to(staff::account::show)))
                .service(
                    web::resource("/account/password")
                        .route(web::post().to(staff::account::change_password)),
                )
                .service(web::resource("/audit").route(get().to(staff::admin::audit::list)))
                .service(
                    web::resource("/audit.csv").route(get().to(staff::admin::audit::export_csv)),
                )
                .service(
                    web::resource("/discount-rules/{id:\\d+}/toggle")
                        .route(web::post().to(staff::sponsorships::programmes::toggle_rule)),
                )
                .service(
                    web::resource("/grants.csv").route(get().to(staff::grants::queue::export_csv)),
                )
                .service(
                    web::resource("/invoices.csv")
                        .route(get().to(staff::billing::invoices::export_csv)),
                )
                .service(
                    web::resource("/payments.csv")
                        .route(get().to(staff::billing::invoices::export_payments_csv)),
                )
                .service(
                    web::resource("/renewals").route(get().to(staff::sponsorships::renewals::list)),
                )
                .service(
                    web::resource("/settings/billing")
                        .route(get().to(staff::billing::settings::show))
                        .route(web::post().to(staff::billing::settings::save)),
                )
                .service(
                    web::resource("/sponsors.csv").route(get().to(staff::sponsors::export_csv)),
                )
                .service(
                    web::resource("/sponsorships.csv")
                        .route(get().to(staff::sponsorships::export_csv)),
                )
                .service(web::resource("/stories.csv").route(get().to(staff::stories::export_csv)))
                .service(
                    web::resource("/tiers/{id:\\d+}")
                        .route(get().to(staff::sponsorships::programmes::edit_tier))
                        .route(web::post().to(staff::sponsorships::programmes::update_tier)),
                ),
        );
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;
    use actix_web::test::{TestRequest, call_service, init_service};

    /// A pattern without its parameters' regular expressions: `/a/{id:\\d+}` → `/a/{id}`.
    fn plain(pattern: &str) -> String {
        let mut out = String::new();
        let mut skipping = false;
        for c in pattern.chars() {
            match c {
                ':' if out.rfind('{') > out.rfind('}') => skipping = true,
                '}' => {
                    skipping = false;
                    out.push(c);
                }
                _ if skipping => {}
                _ => out.push(c),
            }
        }
        out
    }

    /// A path the pattern matches: numbers for ids, a word for every other parameter.
    fn sample(pattern: &str) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("closed parameter");
            let param = &rest[open + 1..close];
            out.push_str(match param.split_once(':') {
                Some((_, re)) if re.contains("\\d") => "7",
                Some(("path", _)) => "app.css",
                _ if [
                    "id", "cid", "jid", "item", "line", "ticket", "file_id", "version",
                ]
                .contains(&param) =>
                {
                    "7"
                }
                _ => "word7",
            });
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Which pattern the router picks for a request (handlers without their app state only
    /// answer with an error, which does not matter here).
    macro_rules! routed {
        ($app:expr, $method:expr, $path:expr) => {{
            let req = TestRequest::default()
                .method(Method::from_bytes($method.as_bytes()).expect("method"))
                .uri($path)
                .to_request();
            let res = call_service($app, req).await;
            res.request().match_pattern().map(|p| plain(&p))
        }};
    }

    #[actix_web::test]
    async fn every_listed_route_is_routed() {
        let listed: Vec<(&str, &str)> = include_str!("routes.txt")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split_once(' ').expect("METHOD /path"))
            .collect();
        assert!(listed.len() > 200, "the list is read: {}", listed.len());
        let app = init_service(actix_web::App::new().configure(super::routes)).await;
        for (method, pattern) in listed {
            let path = sample(pattern);
            assert_eq!(
                routed!(&app, method, &path),
                Some(plain(pattern)),
                "{method} {path} should reach {pattern}"
            );
            if method == "GET" {
                assert_eq!(
                    routed!(&app, "HEAD", &path),
                    Some(plain(pattern)),
                    "HEAD {path}"
                );
            }
        }
    }

    #[actix_web::test]
    async fn words_never_reach_a_numeric_id_and_unknown_paths_route_nowhere() {
        let app = init_service(actix_web::App::new().configure(super::routes)).await;
        for path in [
            "/staff/sponsors/abc",
            "/staff/sponsorships/abc/status",
            "/staff/users/me",
            "/staff/outbox/first",
            "/staff/tiers/x",
            "/staff/grants/latest",
            "/staff/sponsors.json",
            "/staff/",
            "/nowhere",
        ] {
            let app = &app;
            assert_eq!(routed!(app, "GET", path), None, "{path}");
        }
        // The word routes win over the id ones whatever their order.
        assert_eq!(
            routed!(&app, "GET", "/staff/sponsors/new").as_deref(),
            Some("/staff/sponsors/new")
        );
        assert_eq!(
            routed!(&app, "GET", "/staff/placements/report").as_deref(),
            Some("/staff/placements/report")
        );
    }
}
