//! `steward seed-demo`: a realistic demo data set. Later features extend it.

mod conference;
mod grants;
mod outreach;
pub mod scale;
mod sponsors;
mod stories;

pub use conference::seed_conference;
pub use grants::seed_grants;
pub use outreach::seed_outreach;
pub use sponsors::seed_sponsors;
pub use stories::seed_stories;

use crate::auth::password;
use crate::domain::{EmailAddress, Role};
use crate::models::users;
use crate::state::AppState;

/// The password every demo account gets (printed by the command).
pub const DEMO_PASSWORD: &str = "demo-steward-password";

/// Demo staff: a person per role, as a small foundation has them.
const DEMO_STAFF: &[(&str, &str, &[Role])] = &[
    (
        "Amara Okafor",
        "amara@demo.steward.example",
        &[Role::Admin, Role::Treasurer],
    ),
    (
        "Jonas Lindqvist",
        "jonas@demo.steward.example",
        &[Role::Sponsorships, Role::Editor],
    ),
    (
        "Mei Chen",
        "mei@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Rafael Gómez",
        "rafael@demo.steward.example",
        &[Role::GrantsReviewer, Role::GrantsDecider],
    ),
    (
        "Kwame Mensah",
        "kwame@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Hannah Schulz",
        "hannah@demo.steward.example",
        &[Role::GrantsReviewer],
    ),
    (
        "Priya Raman",
        "priya@demo.steward.example",
        &[Role::Treasurer],
    ),
    (
        "Élodie Martin",
        "elodie@demo.steward.example",
        &[Role::Editor],
    ),
];

/// Inserts what is missing; running it twice changes nothing. Returns a report to print.
pub fn seed_demo(state: &AppState) -> anyhow::Result<String> {
    let mut conn = state.db.get()?;
    let hash = password::hash(DEMO_PASSWORD)?;
    let mut created = Vec::new();
    for (name, email, roles) in DEMO_STAFF {
        let email = EmailAddress::parse(email).map_err(|m| anyhow::anyhow!(m))?;
        if users::find_by_email(&mut conn, email.as_str())?.is_some() {
            continue;
        }
        crate::db::write_tx(&mut conn, |c| {
            let id = accounts_insert(c, &email, name, &hash, roles)?;
            crate::services::audit::record(
                c,
                &crate::services::Actor::system("seed-demo"),
                "user.seed",
                Some(("user", &id.to_string())),
                email.as_str(),
            )
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        created.push(format!(
            "  {name:<18} {email:<30} {}",
            roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut report = String::new();
    if created.is_empty() {
        report.push_str("Demo data is already there; nothing to add.\n");
    } else {
        report.push_str("Demo staff accounts created:\n");
        report.push_str(&created.join("\n"));
        report.push('\n');
    }
    report.push_str(&format!(
        "Every demo account signs in with the password: {DEMO_PASSWORD}\n"
    ));
    report.push_str(&seed_sponsors(state, 200)?);
    report.push_str(&seed_grants(state)?);
    report.push_str(&seed_conference(state)?);
    report.push_str(&seed_stories(state)?);
    report.push_str(&seed_outreach(state)?);
    Ok(report)
}

fn accounts_insert(
    conn: &mut crate::db::DbConn,
    email: &EmailAddress,
    name: &str,
    hash: &str,
    roles: &[Role],
) -> crate::error::AppResult<i64> {
    let t = crate::models::now();
    let id = users::insert(
        conn,
        &users::NewUser {
            email: email.as_str(),
            name,
            password_hash: Some(hash),
            is_disabled: false,
            created_at: t,
            updated_at: t,
        },
        roles,
    )?;
    Ok(id.0)
}
fn usd(dollars: i64) -> crate::domain::Money {
    crate::domain::Money::new(
        dollars * 100,
        crate::domain::Currency::parse("USD").expect("USD is a known currency"),
    )
}

/// A timestamp `hour` hours into a day.
fn at(day: chrono::NaiveDate, hour: i64) -> chrono::NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(hour)
}
