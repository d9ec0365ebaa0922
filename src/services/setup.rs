//! Getting started: the steps a new foundation takes before Steward runs its sponsorships and
//! grants for real, each detected from the data (nothing to tick by hand).

use diesel::prelude::*;

use crate::config::{DEFAULT_FOUNDATION_NAME, MailTransport, Settings};
use crate::db::DbConn;
use crate::db::schema::{grant_budgets, grant_programmes, tiers, user_roles, users};
use crate::error::AppResult;
use crate::models::app_settings;

use super::billing;

/// One step of getting started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub title: &'static str,
    /// What to do, or what was found.
    pub detail: String,
    /// Where it is done ("" when not in Steward: the name is configuration).
    pub link: &'static str,
    /// Who may do it there, for those who may not ("sponsorship staff").
    pub who: &'static str,
    pub done: bool,
    /// Something to know even when the step counts as done, or why it is not.
    pub warning: Option<String>,
}

/// The steps in the order a new foundation takes them.
pub fn steps(conn: &mut DbConn, settings: &Settings, year: i32) -> AppResult<Vec<Step>> {
    let mut out = Vec::new();
    let named = settings.foundation_name.trim() != DEFAULT_FOUNDATION_NAME;
    out.push(Step {
        title: "Your foundation's name",
        detail: if named {
            format!("Emails, invoices and public pages say “{}”.", settings.foundation_name)
        } else {
            "Emails, invoices and public pages still say “Example Software Foundation”. Whoever installed Steward sets the name (STEWARD_FOUNDATION_NAME, see the README).".into()
        },
        link: "",
        who: "",
        done: named,
        warning: None,
    });

    let get = |conn: &mut DbConn, key: &str| -> AppResult<String> {
        Ok(app_settings::get(conn, key)?
            .unwrap_or_default()
            .trim()
            .to_string())
    };
    let address = get(conn, billing::FOUNDATION_ADDRESS_KEY)?;
    let tax_id = get(conn, billing::FOUNDATION_TAX_ID_KEY)?;
    let missing: Vec<&str> = [
        (address.is_empty(), "the postal address"),
        (tax_id.is_empty(), "the tax ID"),
    ]
    .into_iter()
    .filter_map(|(m, what)| m.then_some(what))
    .collect();
    out.push(Step {
        title: "Postal address and tax ID",
        detail: if missing.is_empty() {
            "Printed at the top of every invoice and receipt.".into()
        } else {
            format!(
                "Add {} in Billing settings: invoices print them, and accounts-payable teams refuse invoices without the issuer's address.",
                missing.join(" and ")
            )
        },
        link: "/staff/settings/billing",
        who: "the treasurer, sponsorship staff or an administrator",
        done: missing.is_empty(),
        warning: None,
    });

    let bank = get(conn, billing::BANK_INSTRUCTIONS_KEY)?;
    out.push(Step {
        title: "Bank-transfer instructions",
        detail: if bank.is_empty() {
            "Write how sponsors pay by bank transfer (account, IBAN or routing number, reference). Invoices cannot be issued without a way to pay.".into()
        } else {
            "Shown on invoices and in the sponsor portal.".into()
        },
        link: "/staff/settings/billing",
        who: "the treasurer, sponsorship staff or an administrator",
        done: !bank.is_empty(),
        warning: None,
    });

    let (mail_done, mail_detail, mail_warning) = match &settings.mail_transport {
        MailTransport::Smtp(_) => (
            true,
            format!(
                "Emails are sent through {}.",
                settings.mail_transport.describe()
            ),
            None,
        ),
        MailTransport::File => (
            false,
            "Set an SMTP server (STEWARD_MAIL_TRANSPORT, see the README).".into(),
            Some(format!(
                "Emails are only written to files in {}: nobody receives them.",
                settings.data_dir.join("outbox").display()
            )),
        ),
        MailTransport::Memory => (
            false,
            "Set an SMTP server (STEWARD_MAIL_TRANSPORT, see the README).".into(),
            Some("Emails are kept in memory and never sent.".into()),
        ),
    };
    out.push(Step {
        title: "Sending email",
        detail: mail_detail,
        link: "/staff/outbox",
        who: "an administrator",
        done: mail_done,
        warning: mail_warning,
    });

    let tier_count: i64 = tiers::table.count().get_result(conn)?;
    out.push(Step {
        title: "A sponsorship programme and its tiers",
        detail: if tier_count == 0 {
            "Create the year's programme and its tiers (price, benefits, places): sponsors choose one when they apply.".into()
        } else {
            format!("{tier_count} tier(s) defined.")
        },
        link: "/staff/programmes",
        who: "sponsorship staff",
        done: tier_count > 0,
        warning: None,
    });

    let programmes: i64 = grant_programmes::table.count().get_result(conn)?;
    let capped: i64 = grant_budgets::table
        .filter(grant_budgets::year.eq(year))
        .count()
        .get_result(conn)?;
    out.push(Step {
        title: "Grant programmes and their budgets",
        detail: match (programmes, capped) {
            (0, _) => "Create the grant programmes applicants choose from, with this year's budget for each.".into(),
            (_, 0) => format!("Set a {year} budget for at least one programme: decisions are checked against it."),
            (p, c) => format!("{p} programme(s), {c} with a {year} budget."),
        },
        link: "/staff/grants/programmes",
        who: "a grants decider, the treasurer or an administrator",
        done: programmes > 0 && capped > 0,
        warning: None,
    });

    let others: i64 = users::table
        .filter(users::is_disabled.eq(false))
        .filter(diesel::dsl::exists(
            user_roles::table.filter(user_roles::user_id.eq(users::id)),
        ))
        .count()
        .get_result(conn)?;
    out.push(Step {
        title: "Invite your colleagues",
        detail: if others > 1 {
            format!("{others} staff accounts.")
        } else {
            "Invite the people who handle sponsorships, grants, money and stories, each with their roles.".into()
        },
        link: "/staff/users",
        who: "an administrator",
        done: others > 1,
        warning: None,
    });
    Ok(out)
}
